#include "uploads/upload_session.h"

#include <array>

#include "uploads/records.h"
#include "util/clock.h"
#include "util/json_reader.h"

namespace upgate {

namespace {

constexpr std::array<std::pair<UploadSession::State, const char*>, 5> kStateNames{{
    {UploadSession::State::Pending, "pending"},
    {UploadSession::State::Completed, "completed"},
    {UploadSession::State::Cancelled, "cancelled"},
    {UploadSession::State::Aborted, "aborted"},
    {UploadSession::State::Expired, "expired"},
}};

std::optional<UploadSession::State> state_of(const std::string& name) {
  for (const auto& [state, text] : kStateNames) {
    if (name == text) return state;
  }
  return std::nullopt;
}

// The completion answer: an object in JSON, its text in an SQL row.
json completion_of(const json& field) {
  if (field.is_string()) return parse_json(field.get<std::string>()).value_or(json());
  return field.is_object() ? field : json();
}

}  // namespace

const char* state_name(UploadSession::State state) {
  for (const auto& [known, text] : kStateNames) {
    if (known == state) return text;
  }
  return "pending";
}

int64_t UploadSession::expires_at_ms() const {
  return presigned_at_ms + (multipart ? records::kMultipartIdleWindowMs : records::kCompletionWindowMs);
}

json UploadSession::to_json() const {
  json record{{"uploadId", upload_id},
              {"key", key},
              {"objectKey", object_key},
              {"shootId", shoot_id},
              {"filename", filename},
              {"contentType", content_type},
              {"size", size},
              {"sha256", sha256},
              {"state", state_name(state)},
              {"multipart", multipart},
              {"partSize", part_size},
              {"partCount", part_count},
              {"storageUploadId", storage_upload_id},
              {"createdAtMs", created_at_ms},
              {"presignedAtMs", presigned_at_ms},
              {"completingAtMs", completing_at_ms}};
  if (!completion.is_null()) record["completion"] = completion;
  return record;
}

void UploadSession::write(JsonWriter& out) const {
  out.begin_object().key("uploadId").string(upload_id).key("key").string(key).key("objectKey").string(object_key);
  out.key("shootId").string(shoot_id).key("filename").string(filename).key("contentType").string(content_type);
  out.key("size").integer(size).key("sha256").string(sha256).key("state").string(state_name(state));
  out.key("multipart").boolean(multipart).key("partSize").integer(part_size).key("partCount").integer(part_count);
  out.key("storageUploadId").string(storage_upload_id).key("createdAtMs").integer(created_at_ms);
  out.key("presignedAtMs").integer(presigned_at_ms).key("completingAtMs").integer(completing_at_ms);
  if (!completion.is_null()) out.key("completion").raw(to_text(completion));
  out.end_object();
}

json UploadSession::to_public_json(int64_t now_ms, const json& parts) const {
  json answer{{"uploadId", upload_id},
              {"shootId", shoot_id},
              {"key", key},
              {"state", state == State::Pending && abandoned_at(now_ms) ? "expired" : state_name(state)},
              {"size", size},
              {"contentType", content_type},
              {"multipart", multipart},
              {"createdAt", clock::iso8601(created_at_ms)},
              {"expiresAt", clock::iso8601(expires_at_ms())}};
  if (!sha256.empty()) answer["sha256"] = sha256;
  if (multipart) {
    answer["partSize"] = part_size;
    answer["partCount"] = part_count;
    answer["parts"] = parts.is_array() ? parts : json::array();
  }
  if (state == State::Completed && completion.is_object()) {
    answer["completedAt"] = member_of(completion, "completedAt");
    answer["etag"] = member_of(completion, "etag");
  }
  return answer;
}

std::optional<UploadSession> UploadSession::from_json(const json& record) {
  const auto state = state_of(string_field(record, "state"));
  const std::string upload_id = string_field(record, "uploadId");
  if (!state || upload_id.empty()) return std::nullopt;
  UploadSession session;
  session.upload_id = upload_id;
  session.key = string_field(record, "key");
  session.object_key = string_field(record, "objectKey", session.key);
  session.shoot_id = string_field(record, "shootId");
  session.filename = string_field(record, "filename");
  session.content_type = string_field(record, "contentType");
  session.size = integer_field(record, "size");
  session.sha256 = string_field(record, "sha256");
  session.state = *state;
  // SQLite has no booleans: 0 or 1 in a row, true or false in JSON.
  const json& multipart = member_of(record, "multipart");
  session.multipart = multipart.is_boolean() ? multipart.get<bool>() : integer_field(record, "multipart") != 0;
  session.part_size = integer_field(record, "partSize");
  session.part_count = integer_field(record, "partCount");
  session.storage_upload_id = string_field(record, "storageUploadId");
  session.created_at_ms = integer_field(record, "createdAtMs");
  session.presigned_at_ms = integer_field(record, "presignedAtMs", session.created_at_ms);
  session.completing_at_ms = integer_field(record, "completingAtMs");
  session.completion = completion_of(member_of(record, "completion"));
  return session;
}

std::optional<UploadSession> UploadSession::read(JsonReader& reader) {
  // The members from_json reads, in one pass; a member of another type keeps its default, as there.
  UploadSession session;
  std::optional<State> state;
  std::optional<std::string> object_key;
  std::optional<int64_t> presigned_at_ms;
  auto text = [&](std::string& into) { into = reader.string().value_or(""); };
  auto number = [&](int64_t& into) { into = reader.integer().value_or(0); };
  const bool object = reader.object([&](std::string_view key) {
    if (key == "uploadId") {
      text(session.upload_id);
    } else if (key == "key") {
      text(session.key);
    } else if (key == "objectKey") {
      object_key = reader.string();
    } else if (key == "shootId") {
      text(session.shoot_id);
    } else if (key == "filename") {
      text(session.filename);
    } else if (key == "contentType") {
      text(session.content_type);
    } else if (key == "size") {
      number(session.size);
    } else if (key == "sha256") {
      text(session.sha256);
    } else if (key == "state") {
      state = state_of(reader.string().value_or(""));
    } else if (key == "multipart") {
      session.multipart = reader.boolean().value_or(false);
    } else if (key == "partSize") {
      number(session.part_size);
    } else if (key == "partCount") {
      number(session.part_count);
    } else if (key == "storageUploadId") {
      text(session.storage_upload_id);
    } else if (key == "createdAtMs") {
      number(session.created_at_ms);
    } else if (key == "presignedAtMs") {
      presigned_at_ms = reader.integer();
    } else if (key == "completingAtMs") {
      number(session.completing_at_ms);
    } else if (key == "completion") {
      session.completion = completion_of(parse_json(reader.raw()).value_or(json()));
    } else {
      reader.skip();
    }
  });
  if (!object || !reader.ok() || !state || session.upload_id.empty()) return std::nullopt;
  session.state = *state;
  session.object_key = object_key.value_or(session.key);
  session.presigned_at_ms = presigned_at_ms.value_or(session.created_at_ms);
  return session;
}

}  // namespace upgate
