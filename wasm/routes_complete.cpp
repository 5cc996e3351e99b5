// POST /api/uploads/complete (contract section 5): checks what arrived against the upload session (exists,
// size, type, first bytes, SHA-256), deletes a mismatch, records the asset, and answers the same way when
// asked twice. Every upload of a batch moves through the same stages together, one round of I/O per stage.
#include "auth.h"
#include "clock.h"
#include "encoding.h"
#include "magic.h"
#include "records.h"
#include "request_body.h"
#include "routes.h"
#include "upload_request.h"

namespace upgate {

namespace {

// The state of one upload id as the stages go by: either still being checked, or finished with an answer.
struct Completion {
  std::string upload_id;
  json session;                        // once loaded
  std::optional<Rejection> rejection;  // finished with an error
  std::optional<json> answer;          // finished with success
  bool finished() const { return rejection || answer; }
};

std::string mismatch_reason(const json& session, const json& object, const std::string& head) {
  if (integer_field(object, "size", -1) != integer_field(session, "size")) return "size differs from the declared size";
  std::string stored_type = string_field(object, "contentType");
  stored_type = stored_type.substr(0, stored_type.find(';'));
  if (stored_type != string_field(session, "contentType")) return "content type differs from the declared type";
  if (!magic::matches_content_type(string_field(session, "contentType"), head)) {
    return "the file's first bytes are not a " + string_field(session, "contentType") + " file";
  }
  const std::string declared = string_field(session, "sha256");
  if (!declared.empty() && string_field(object, "sha256") != declared) return "SHA-256 differs from the declared digest";
  return "";
}

json completion_answer(const json& session, const json& object, int64_t now_ms) {
  return json{{"uploadId", string_field(session, "uploadId")}, {"key", string_field(session, "key")},
              {"size", integer_field(object, "size")},          {"contentType", string_field(session, "contentType")},
              {"etag", string_field(object, "etag")},           {"completedAt", clock::iso8601(now_ms)}};
}

// Stage 1: load each session; refuse unknown ids, other people's uploads and expired ones; recall earlier answers.
bool load_sessions(Context& context, const jwt::Claims& caller, std::vector<Completion>& uploads,
                   std::optional<Response>& failure) {
  std::vector<EffectResult> loads;
  for (auto& upload : uploads) loads.push_back(context.exchange.perform(effects::kv_get(records::session_key(upload.upload_id))));
  if (context.exchange.suspended()) return false;
  for (size_t i = 0; i < uploads.size(); ++i) {
    if (!loads[i].ok()) {
      failure = storage_unavailable("kv_get upload session failed");
      return true;
    }
    Completion& upload = uploads[i];
    const auto session = parse_json(string_field(loads[i].value(), "value"));
    if (!session || !session->is_object()) {
      upload.rejection = Rejection{404, "upload_not_found", "No upload with this id.", json{{"uploadId", upload.upload_id}}};
    } else if (!may_act_on(caller, string_field(*session, "owner"))) {
      upload.rejection = Rejection{403, "not_shoot_owner", "Only the shoot's owner or an admin may complete this upload."};
    } else if (string_field(*session, "state") == "completed") {
      upload.answer = (*session)["completion"];
    } else if (context.exchange.now_ms() > integer_field(*session, "createdAtMs") + records::kCompletionWindowMs) {
      upload.rejection = Rejection{410, "upload_expired", "This upload was not completed within 6 hours and was abandoned."};
    } else {
      upload.session = *session;
    }
  }
  return true;
}

// Stage 2: look at the stored objects (metadata and first bytes together) and judge them.
bool inspect_objects(Context& context, std::vector<Completion>& uploads, std::vector<json>& objects,
                     std::optional<Response>& failure) {
  std::vector<std::pair<EffectResult, EffectResult>> reads;
  for (auto& upload : uploads) {
    if (upload.finished()) {
      reads.emplace_back(EffectResult(nullptr), EffectResult(nullptr));
      continue;
    }
    const std::string key = string_field(upload.session, "key");
    EffectResult head = context.exchange.perform(effects::r2_head(key));
    EffectResult first_bytes = context.exchange.perform(effects::r2_read_head(key, magic::kHeadBytes));
    reads.emplace_back(head, first_bytes);
  }
  if (context.exchange.suspended()) return false;
  objects.assign(uploads.size(), json());
  for (size_t i = 0; i < uploads.size(); ++i) {
    Completion& upload = uploads[i];
    if (upload.finished()) continue;
    auto& [head, first_bytes] = reads[i];
    if (!head.ok() || !first_bytes.ok()) {
      failure = storage_unavailable("r2 head/read failed");
      return true;
    }
    const json& object = member_of(head.value(), "object");
    if (object.is_null()) {
      upload.rejection = Rejection{409, "upload_missing", "Nothing has been uploaded to this URL yet.",
                                   json{{"uploadId", upload.upload_id}}};
      continue;
    }
    const std::string head_bytes = encoding::hex_decode(string_field(first_bytes.value(), "hex")).value_or("");
    const std::string reason = mismatch_reason(upload.session, object, head_bytes);
    if (!reason.empty()) {
      upload.rejection = Rejection{422, "content_mismatch", "The uploaded file does not match what was declared: " + reason + ". It was deleted.",
                                   json{{"reason", reason}}};
    }
    objects[i] = object;
  }
  return true;
}

// Stage 3: delete mismatches; record the asset, the completed session, and drop the cleanup entry. Returns
// the writes, for the response to wait on (after_writes).
std::vector<EffectResult> record_outcomes(Context& context, std::vector<Completion>& uploads,
                                          const std::vector<json>& objects) {
  std::vector<EffectResult> writes;
  const int64_t now_ms = context.exchange.now_ms();
  for (size_t i = 0; i < uploads.size(); ++i) {
    Completion& upload = uploads[i];
    if (upload.session.is_null() || objects[i].is_null()) continue;
    const std::string key = string_field(upload.session, "key");
    if (upload.rejection) {
      writes.push_back(context.exchange.perform(effects::r2_delete({key})));
      continue;
    }
    json answer = completion_answer(upload.session, objects[i], now_ms);
    json session = upload.session;
    session["state"] = "completed";
    session["completion"] = answer;
    writes.push_back(context.exchange.perform(effects::kv_put(records::asset_key(key), answer)));
    writes.push_back(context.exchange.perform(
        effects::kv_put(records::session_key(upload.upload_id), session, records::kCompletedSessionTtlSeconds)));
    writes.push_back(context.exchange.perform(
        effects::kv_delete(records::cleanup_key(integer_field(upload.session, "createdAtMs"), upload.upload_id))));
    upload.answer = std::move(answer);
  }
  return writes;
}

Response single_answer(const Completion& upload) {
  if (upload.rejection) return upload.rejection->to_response();
  return json_response(200, *upload.answer);
}

Response batch_answer(const std::vector<Completion>& uploads) {
  json items = json::array();
  for (const auto& upload : uploads) {
    items.push_back(upload.rejection ? json{{"uploadId", upload.upload_id}, {"error", upload.rejection->to_error_object()}}
                                     : *upload.answer);
  }
  return json_response(200, json{{"uploads", items}});
}

}  // namespace

Step handle_complete(Context& context) {
  AuthenticatedRequest start = require_caller_and_body(context);
  if (start.stop) return *start.stop;
  auto parsed = parse_complete_request(start.body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) return rejected->to_response();
  const CompleteRequest& request = std::get<CompleteRequest>(parsed);

  std::vector<Completion> uploads;
  for (const auto& id : request.upload_ids) uploads.push_back(Completion{id, json(), std::nullopt, std::nullopt});
  std::optional<Response> failure;
  std::vector<json> objects;
  if (!load_sessions(context, start.caller, uploads, failure)) return std::nullopt;
  if (failure) return failure;
  if (!inspect_objects(context, uploads, objects, failure)) return std::nullopt;
  if (failure) return failure;
  const std::vector<EffectResult> writes = record_outcomes(context, uploads, objects);
  return after_writes(request.batch ? batch_answer(uploads) : single_answer(uploads[0]), writes);
}

}  // namespace upgate
