// POST /api/uploads/complete (contract 5.2, 5.5): checks what the upload wrote against what it declared
// (exists, size, type, first bytes, SHA-256), deletes a mismatch — only ever bytes this upload wrote — moves
// a verified replacement into its file's place, records the asset, and answers the same way when asked
// twice. Every upload of a batch moves through the same stages together, one round of I/O per stage.
#include "app/auth.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "naming/magic.h"
#include "naming/naming.h"
#include "uploads/records.h"
#include "uploads/upload_request.h"
#include "uploads/upload_session.h"
#include "util/clock.h"
#include "util/encoding.h"

namespace upgate {

namespace {

// One upload id as the stages go by: either still being checked, or finished with an answer.
struct Completion {
  std::string upload_id;
  std::optional<UploadSession> session;  // once loaded and still to be checked
  json object;                           // the stored object, once inspected
  std::optional<Rejection> rejection;    // finished with an error
  std::optional<json> answer;            // finished with success
  bool finished() const { return rejection || answer; }
  bool checking() const { return session && !finished(); }
};

Rejection not_found(const std::string& upload_id) { return reject(Error::UploadNotFound).with("uploadId", upload_id); }

std::string mismatch_reason(const UploadSession& session, const json& object, const std::string& head) {
  if (integer_field(object, "size", -1) != session.size) return "size differs from the declared size";
  if (naming::media_type(string_field(object, "contentType")) != session.content_type) {
    return "content type differs from the declared type";
  }
  if (!magic::matches_content_type(session.content_type, head)) {
    return "the file's first bytes are not a " + session.content_type + " file";
  }
  if (!session.sha256.empty() && string_field(object, "sha256") != session.sha256) {
    return "SHA-256 differs from the declared digest";
  }
  return "";
}

json completion_answer(const UploadSession& session, const json& object, int64_t now_ms) {
  return json{{"uploadId", session.upload_id},         {"key", session.key},
              {"size", integer_field(object, "size")}, {"contentType", session.content_type},
              {"etag", string_field(object, "etag")},  {"completedAt", clock::iso8601(now_ms)}};
}

// Stage 1: load each session; refuse ids that cannot exist, unknown ones, uploads on other people's shoots,
// cancelled and expired ones; recall earlier answers.
Task<std::optional<Response>> load_sessions(Context& context, const jwt::Claims& caller,
                                            std::vector<Completion>& uploads) {
  std::vector<json> round;
  for (auto& upload : uploads) {
    if (!records::is_upload_id(upload.upload_id)) {
      upload.rejection = not_found(upload.upload_id);
      continue;
    }
    round.push_back(effects::kv_get(records::session_key(upload.upload_id)));
  }
  const std::vector<EffectResult> loads = co_await context.exchange.perform(std::move(round));
  size_t next = 0;
  for (Completion& upload : uploads) {
    if (upload.finished()) continue;
    const EffectResult& load = loads[next++];
    if (!load.ok()) co_return storage_unavailable("kv_get upload session failed");
    const auto session = UploadSession::from_kv_value(load.value());
    if (!session) {
      upload.rejection = not_found(upload.upload_id);
    } else if (!may_act_on(caller, session->owner)) {
      upload.rejection =
          reject(Error::NotShootOwner).saying("Only the shoot's owner or an admin may complete this upload.");
    } else if (session->state == UploadSession::State::Completed) {
      upload.answer = session->completion;
    } else if (session->state == UploadSession::State::Cancelled) {
      upload.rejection = reject(Error::UploadCancelled).with("uploadId", upload.upload_id);
    } else if (session->abandoned_at(context.exchange.now_ms())) {
      upload.rejection = reject(Error::UploadExpired);
    } else {
      upload.session = session;
    }
  }
  co_return std::nullopt;
}

// Stage 2: look at what each upload wrote (metadata and first bytes, one read each) and judge it. An object
// that another upload wrote is not this upload's to judge, let alone delete.
Task<std::optional<Response>> inspect_objects(Context& context, std::vector<Completion>& uploads) {
  std::vector<json> round;
  for (const Completion& upload : uploads) {
    if (!upload.checking()) continue;
    round.push_back(effects::r2_read_head(upload.session->object_key, magic::kHeadBytes));
  }
  const std::vector<EffectResult> reads = co_await context.exchange.perform(std::move(round));
  size_t next = 0;
  for (Completion& upload : uploads) {
    if (!upload.checking()) continue;
    const EffectResult& read = reads[next++];
    if (!read.ok()) co_return storage_unavailable("r2 read failed");
    const json& object = member_of(read.value(), "object");
    if (object.is_null() || string_field(object, "uploadId") != upload.upload_id) {
      upload.rejection = reject(Error::UploadMissing).with("uploadId", upload.upload_id);
      continue;
    }
    upload.object = object;
    const std::string head_bytes = encoding::hex_decode(string_field(read.value(), "hex")).value_or("");
    const std::string reason = mismatch_reason(*upload.session, object, head_bytes);
    if (!reason.empty()) {
      upload.rejection =
          reject(Error::ContentMismatch)
              .saying("The uploaded file does not match what was declared: " + reason + ". It was deleted.")
              .with("reason", reason);
    }
  }
  co_return std::nullopt;
}

// Stage 3: a verified replacement takes its file's place; until then the completed file stays as it was.
Task<std::optional<Response>> move_replacements(Context& context, std::vector<Completion>& uploads) {
  std::vector<json> round;
  for (const Completion& upload : uploads) {
    if (!upload.checking() || !upload.session->replaces()) continue;
    const UploadSession& session = *upload.session;
    round.push_back(effects::r2_copy(session.object_key, session.key, session.content_type, session.upload_id));
  }
  const std::vector<EffectResult> copies = co_await context.exchange.perform(std::move(round));
  size_t next = 0;
  for (Completion& upload : uploads) {
    if (!upload.checking() || !upload.session->replaces()) continue;
    const EffectResult& copy = copies[next++];
    if (!copy.ok())
      co_return storage_unavailable("r2 copy of a replacement failed: " + string_field(copy.value(), "error"));
    upload.object = member_of(copy.value(), "object");
  }
  co_return std::nullopt;
}

// Stage 4: delete mismatches; record the asset and the completed session; the key has no pending upload any
// more; drop the cleanup entry and a replacement's staged copy. Returns the writes, for the response to wait on.
std::vector<json> record_outcomes(Context& context, std::vector<Completion>& uploads) {
  std::vector<json> writes;
  const int64_t now_ms = context.exchange.now_ms();
  for (Completion& upload : uploads) {
    if (!upload.session || upload.object.is_null()) continue;
    const UploadSession& session = *upload.session;
    if (upload.rejection) {
      writes.push_back(effects::r2_delete({session.object_key}));
      continue;
    }
    json answer = completion_answer(session, upload.object, now_ms);
    UploadSession completed = session;
    completed.state = UploadSession::State::Completed;
    completed.completion = answer;
    writes.push_back(effects::kv_put(records::asset_key(session.key), answer));
    writes.push_back(effects::kv_put(records::session_key(session.upload_id), completed.to_json(),
                                     records::kCompletedSessionTtlSeconds));
    writes.push_back(effects::kv_delete(records::pending_key(session.key)));
    writes.push_back(effects::kv_delete(records::cleanup_key(session.presigned_at_ms, session.upload_id)));
    if (session.replaces()) writes.push_back(effects::r2_delete({session.object_key}));
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
    items.push_back(upload.rejection
                        ? json{{"uploadId", upload.upload_id}, {"error", upload.rejection->to_error_object()}}
                        : *upload.answer);
  }
  return json_response(200, json{{"uploads", items}});
}

}  // namespace

Task<Response> handle_complete(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  auto parsed = parse_complete_request(start.value().body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  const CompleteRequest& request = std::get<CompleteRequest>(parsed);

  std::vector<Completion> uploads;
  for (const auto& id : request.upload_ids)
    uploads.push_back(Completion{id, std::nullopt, json(), std::nullopt, std::nullopt});
  // Each stage either refuses the whole request (storage failed) or moves every upload on.
  if (auto stop = co_await load_sessions(context, start.value().caller, uploads)) co_return std::move(*stop);
  if (auto stop = co_await inspect_objects(context, uploads)) co_return std::move(*stop);
  if (auto stop = co_await move_replacements(context, uploads)) co_return std::move(*stop);
  std::vector<json> writes = record_outcomes(context, uploads);
  co_return commit(request.batch ? batch_answer(uploads) : single_answer(uploads[0]), std::move(writes));
}

}  // namespace upgate
