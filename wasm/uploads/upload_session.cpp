#include "uploads/upload_session.h"

#include "uploads/records.h"

namespace upgate {

namespace {

const char* state_name(UploadSession::State state) {
  switch (state) {
    case UploadSession::State::Completed:
      return "completed";
    case UploadSession::State::Cancelled:
      return "cancelled";
    case UploadSession::State::Pending:
      break;
  }
  return "pending";
}

std::optional<UploadSession::State> state_of(const std::string& name) {
  if (name == "pending") return UploadSession::State::Pending;
  if (name == "completed") return UploadSession::State::Completed;
  if (name == "cancelled") return UploadSession::State::Cancelled;
  return std::nullopt;
}

}  // namespace

bool UploadSession::abandoned_at(int64_t now_ms) const {
  return now_ms > presigned_at_ms + records::kCompletionWindowMs;
}

json UploadSession::to_json() const {
  json record{{"uploadId", upload_id},
              {"key", key},
              {"objectKey", object_key},
              {"shootId", shoot_id},
              {"filename", filename},
              {"owner", owner},
              {"contentType", content_type},
              {"size", size},
              {"sha256", sha256},
              {"state", state_name(state)},
              {"createdAtMs", created_at_ms},
              {"presignedAtMs", presigned_at_ms},
              {"urlExpiresAtMs", url_expires_at_ms}};
  if (!completion.is_null()) record["completion"] = completion;
  return record;
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
  session.owner = string_field(record, "owner");
  session.content_type = string_field(record, "contentType");
  session.size = integer_field(record, "size");
  session.sha256 = string_field(record, "sha256");
  session.state = *state;
  session.created_at_ms = integer_field(record, "createdAtMs");
  session.presigned_at_ms = integer_field(record, "presignedAtMs", session.created_at_ms);
  session.url_expires_at_ms = integer_field(record, "urlExpiresAtMs");
  session.completion = member_of(record, "completion");
  return session;
}

std::optional<UploadSession> UploadSession::from_kv_value(const json& kv_result) {
  return from_json(member_of(kv_result, "value"));
}

}  // namespace upgate
