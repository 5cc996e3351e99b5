// POST /api/uploads/complete (contract 5.2, 5.5). The shoot's ledger says which uploads may complete and
// holds them meanwhile; the Worker looks at what each wrote (exists, size, type, first bytes, SHA-256) and
// moves a verified replacement into its file's place; the ledger records each verdict, and an answer another
// completion recorded first stands for both. A mismatch is deleted — only bytes this upload wrote. Every
// upload of a batch moves through the same stages together, one round of I/O per stage.
#include <map>

#include "app/auth.h"
#include "app/ledger_calls.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/storage_uploads.h"
#include "app/upload_events.h"
#include "app/upload_flows.h"
#include "naming/magic.h"
#include "naming/naming.h"
#include "uploads/multipart_request.h"
#include "uploads/r2_s3_api.h"
#include "uploads/records.h"
#include "uploads/upload_request.h"
#include "uploads/upload_session.h"
#include "util/encoding.h"

namespace upgate {

namespace {

// One upload id as the stages go by: either still being checked, or finished with an answer.
struct Completion {
  std::string upload_id;
  std::string shoot_id;                  // the shoot its id names
  std::optional<UploadSession> session;  // once the ledger let it be checked
  json parts;                            // multipart: [{partNumber, etag}] for the storage's completion
  json stored_parts;                     // s3 mode, multipart: the parts R2 lists, once listed
  json object;                           // the stored object, once inspected
  std::string mismatch;                  // why its bytes do not match the declaration
  std::optional<Rejection> rejection;    // finished with an error
  std::optional<json> answer;            // finished with success
  json event;                            // recorded by this request: its upload.completed event, to send
  bool delete_object = false;            // its (mismatched) bytes are to be deleted
  bool finished() const { return rejection || answer; }
  bool checking() const { return session && !finished(); }
  bool beginning() const { return !session && !finished(); }
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

Rejection content_mismatch(const std::string& reason) {
  return reject(Error::ContentMismatch)
      .saying("The uploaded file does not match what was declared: " + reason + ". It was deleted.")
      .with("reason", reason);
}

// The shoots a batch touches, each with the positions of its uploads: one ledger call per shoot and stage.
std::map<std::string, std::vector<size_t>> by_shoot(const std::vector<Completion>& uploads,
                                                    bool (*wanted)(const Completion&)) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < uploads.size(); ++i) {
    if (wanted(uploads[i])) groups[uploads[i].shoot_id].push_back(i);
  }
  return groups;
}

// Stage 1: the ledger says, per upload, whether it may be checked now, was completed before (its answer),
// or why not; those to check are claimed against cleanup.
// In s3 mode the parts never pass through the Worker: the ledger answers a multipart upload with "listParts"
// until it is asked again with the parts storage lists ("storageParts").
Task<std::optional<Response>> begin(Context& context, const jwt::Claims& caller, std::vector<Completion>& uploads) {
  const auto groups = by_shoot(uploads, [](const Completion& upload) { return upload.beginning(); });
  std::vector<Effect> round;
  for (const auto& [shoot_id, members] : groups) {
    json ids = json::array();
    json stored = json::object();
    for (size_t i : members) {
      ids.push_back(uploads[i].upload_id);
      if (!uploads[i].stored_parts.is_null()) stored[uploads[i].upload_id] = uploads[i].stored_parts;
    }
    json fields{{"uploadIds", std::move(ids)}, {"storageListsParts", storage_lists_parts(context.config)}};
    if (!stored.empty()) fields["storageParts"] = std::move(stored);
    round.push_back(ledger_operation(context, "beginCompletion", shoot_id, &caller, fields));
  }
  std::vector<EffectResult> answers = co_await context.exchange.perform(std::move(round));
  size_t next = 0;
  for (const auto& [shoot_id, members] : groups) {
    Result<json> result = ledger_result(answers[next++]);
    if (!result) {
      if (result.refusal().status >= 500) co_return std::move(result.refusal());
      for (size_t i : members) {
        uploads[i].rejection =
            result.refusal().status == 404 ? not_found(uploads[i].upload_id) : reject(Error::NotShootOwner);
      }
      continue;
    }
    const json& items = member_of(result.value(), "uploads");
    for (size_t k = 0; k < members.size(); ++k) {
      Completion& upload = uploads[members[k]];
      const json& item = items.at(k);
      if (item.contains("answer")) {
        upload.answer = item["answer"];
      } else if (bool_field(item, "listParts") && upload.stored_parts.is_null()) {
        upload.session = UploadSession::from_json(member_of(item, "upload"));
        if (!upload.session) upload.rejection = not_found(upload.upload_id);
      } else if (auto session = UploadSession::from_json(member_of(item, "upload"))) {
        upload.session = std::move(session);
        upload.parts = member_of(item, "parts");
      } else {
        upload.rejection = ledger::item_rejection(item).with("uploadId", upload.upload_id);
      }
    }
  }
  co_return std::nullopt;
}

bool listing(const Completion& upload) {
  return !upload.finished() && upload.session && upload.parts.is_null() && upload.session->multipart &&
         upload.stored_parts.is_null();
}

// A part whose ETag the client gave differs from the one storage holds: the client's view of the upload is
// not storage's (another device stored that part since), so nothing is assembled, as S3 refuses InvalidPart.
// Parts it did not name are taken as storage lists them.
std::optional<Rejection> stale_etag(const json& listed, const std::map<int64_t, std::string>& etags) {
  for (const json& part : listed) {
    const int64_t number = integer_field(part, "partNumber");
    auto given = etags.find(number);
    if (given != etags.end() && r2_s3::unquoted_etag(given->second) != string_field(part, "etag")) {
      return invalid_request("parts", "The ETag given for part " + std::to_string(number) +
                                          " is not the one storage holds for it: list the upload's parts "
                                          "(GET /api/uploads/{uploadId}) or upload that part again.");
    }
  }
  return std::nullopt;
}

// Storage no longer knows the upload: an earlier completion had it assembled and was cut short before the
// ledger recorded it, or it was freed. An object carrying this upload's id stands for all its parts (and is
// judged as any other); without one, no part is stored.
Task<Result<json>> parts_of_assembled(Context& context, const UploadSession& upload) {
  const EffectResult head = co_await context.exchange.perform_one(effects::r2_head(upload.object_key));
  if (!head.ok()) co_return storage_unavailable("r2 head of an assembled upload failed");
  json parts = json::array();
  if (string_field(member_of(head.value(), "object"), "uploadId") != upload.upload_id) co_return parts;
  for (int64_t number = 1; number <= upload.part_count; ++number) {
    parts.push_back(
        json{{"partNumber", number}, {"size", PartPlan::size_of(number, upload.part_size, upload.size)}, {"etag", ""}});
  }
  co_return parts;
}

// Stage 1b (s3 mode, multipart): R2 lists each upload's parts; the ledger is then asked again with them.
Task<std::optional<Response>> list_stored_parts(Context& context, const jwt::Claims& caller,
                                                const CompleteRequest& request, std::vector<Completion>& uploads) {
  bool listed = false;
  for (Completion& upload : uploads) {
    if (!listing(upload)) continue;
    Result<std::optional<json>> parts = co_await list_storage_parts(context, *upload.session);
    if (!parts) co_return std::move(parts.refusal());
    if (parts.value()) {
      upload.rejection = stale_etag(*parts.value(), request.part_etags);
      upload.stored_parts = std::move(*parts.value());
    } else {
      Result<json> assembled = co_await parts_of_assembled(context, *upload.session);
      if (!assembled) co_return std::move(assembled.refusal());
      upload.stored_parts = std::move(assembled.value());
    }
    upload.session.reset();
    listed = listed || !upload.rejection;
  }
  if (!listed) co_return std::nullopt;
  co_return co_await begin(context, caller, uploads);
}

bool assembling(const Completion& upload) { return upload.checking() && upload.session->multipart; }

// Stage 2 (multipart): storage assembles each file from its parts. A completion that was cut short after this
// (or a concurrent one) finds the parts already assembled: storage then refuses, and the object it left is
// judged by its upload id in stage 3 like any other.
Task<std::optional<Response>> assemble_parts(Context& context, std::vector<Completion>& uploads) {
  std::vector<json> round;
  for (const Completion& upload : uploads) {
    if (!assembling(upload)) continue;
    const UploadSession& session = *upload.session;
    round.push_back(complete_storage_upload(context, session, upload.parts));
  }
  co_await context.exchange.perform(round);
  co_return std::nullopt;
}

// Storage keeps no SHA-256 of a file assembled from parts, and in s3 mode the Worker did not write the object
// itself: a declared digest is then read from the object as storage answers it (the shim answers R2's stored
// checksum when it has one, else computes it as it reads the object through).
bool digesting(const Config& config, const Completion& upload) {
  return upload.checking() && !upload.session->sha256.empty() &&
         (upload.session->multipart || config.upload_mode == UploadMode::S3);
}

// Stage 3: look at what each upload wrote (metadata and first bytes, one read each) and judge it. An object
// that another upload wrote is not this upload's to judge, let alone delete.
Task<std::optional<Response>> inspect_objects(Context& context, std::vector<Completion>& uploads) {
  std::vector<json> round;
  for (const Completion& upload : uploads) {
    if (upload.checking()) {
      round.push_back(
          effects::r2_read_head(upload.session->object_key, magic::kHeadBytes, digesting(context.config, upload)));
    }
  }
  const std::vector<EffectResult> reads = co_await context.exchange.perform(round);
  size_t next = 0;
  for (Completion& upload : uploads) {
    if (!upload.checking()) continue;
    const EffectResult& read = reads[next++];
    if (!read.ok()) co_return storage_unavailable("r2 read failed");
    json object = member_of(read.value(), "object");
    if (object.is_null() || string_field(object, "uploadId") != upload.upload_id) {
      // A multipart file whose assembly failed for a reason of storage's own is worth a retry.
      if (upload.session->multipart) co_return storage_unavailable("the parts were not assembled");
      upload.rejection = reject(Error::UploadMissing).with("uploadId", upload.upload_id);
      continue;
    }
    if (digesting(context.config, upload)) object["sha256"] = string_field(read.value(), "sha256");
    upload.object = std::move(object);
    const std::string head_bytes = encoding::hex_decode(string_field(read.value(), "hex")).value_or("");
    upload.mismatch = mismatch_reason(*upload.session, upload.object, head_bytes);
  }
  co_return std::nullopt;
}

bool verified_replacement(const Completion& upload) {
  return upload.checking() && upload.mismatch.empty() && upload.session->replaces();
}

// Stage 4: a verified replacement takes its file's place; until then the completed file stays as it was.
Task<std::optional<Response>> move_replacements(Context& context, std::vector<Completion>& uploads) {
  std::vector<json> round;
  for (const Completion& upload : uploads) {
    if (!verified_replacement(upload)) continue;
    const UploadSession& session = *upload.session;
    round.push_back(effects::r2_copy(session.object_key, session.key, session.content_type, session.upload_id));
  }
  const std::vector<EffectResult> copies = co_await context.exchange.perform(round);
  size_t next = 0;
  for (Completion& upload : uploads) {
    if (!verified_replacement(upload)) continue;
    const EffectResult& copy = copies[next++];
    if (!copy.ok())
      co_return storage_unavailable("r2 copy of a replacement failed: " + string_field(copy.value(), "error"));
    upload.object = member_of(copy.value(), "object");
  }
  co_return std::nullopt;
}

// Stage 5: the ledger records each verdict (or answers the one recorded first).
Task<std::optional<Response>> finish(Context& context, const jwt::Claims& caller, std::vector<Completion>& uploads) {
  const auto groups = by_shoot(uploads, [](const Completion& upload) { return upload.checking(); });
  std::vector<Effect> round;
  for (const auto& [shoot_id, members] : groups) {
    json outcomes = json::array();
    for (size_t i : members) {
      const Completion& upload = uploads[i];
      json outcome{{"uploadId", upload.upload_id}};
      if (!upload.mismatch.empty()) {
        outcome["rejected"] = upload.mismatch;
      } else {
        outcome["object"] = json{{"size", integer_field(upload.object, "size")},
                                 {"etag", string_field(upload.object, "etag")},
                                 {"sha256", string_field(upload.object, "sha256")}};
      }
      outcomes.push_back(std::move(outcome));
    }
    round.push_back(ledger_operation(context, "finishCompletion", shoot_id, &caller, json{{"outcomes", outcomes}}));
  }
  std::vector<EffectResult> answers = co_await context.exchange.perform(std::move(round));
  size_t next = 0;
  for (const auto& [shoot_id, members] : groups) {
    Result<json> result = ledger_result(answers[next++]);
    if (!result) co_return std::move(result.refusal());
    const json& items = member_of(result.value(), "uploads");
    for (size_t k = 0; k < members.size(); ++k) {
      Completion& upload = uploads[members[k]];
      const json& item = items.at(k);
      if (item.contains("answer")) {
        upload.answer = item["answer"];
        upload.event = member_of(item, "event");
      } else if (string_field(item, "error") == catalogue_entry(Error::ContentMismatch).code) {
        upload.rejection = content_mismatch(upload.mismatch);
        upload.delete_object = bool_field(item, "deleteObject");
      } else {
        upload.rejection = ledger::item_rejection(item).with("uploadId", upload.upload_id);
      }
    }
  }
  co_return std::nullopt;
}

// Stage 6 (contract 10): the events of what this request recorded go to UPLOAD_EVENTS, and to the webhook
// through the same queue. The completions stand whatever happens to the send: should it fail, the cron sends
// the events of assets still pending again.
// Answers a note for the log when the send failed, else "".
Task<std::string> send_events(Context& context, const std::vector<Completion>& uploads) {
  json messages = json::array();
  for (const Completion& upload : uploads) {
    if (upload.event.is_null()) continue;
    messages.push_back(upload.event);
    if (!context.config.webhook_url.empty()) messages.push_back(webhook_message(upload.event));
  }
  if (messages.empty()) co_return "";
  const EffectResult sent = co_await context.exchange.perform_one(effects::queue_send(messages));
  if (sent.ok()) co_return "";
  co_return "events not sent (the cron sends them again): " + string_field(sent.value(), "error");
}

// What the answer waits on: a mismatch's bytes deleted, a placed replacement's staged copy removed.
std::vector<json> deletions(const std::vector<Completion>& uploads) {
  std::vector<std::string> keys;
  for (const Completion& upload : uploads) {
    if (!upload.session) continue;
    if (upload.delete_object || (upload.answer && upload.session->replaces()))
      keys.push_back(upload.session->object_key);
  }
  std::vector<json> writes;
  if (!keys.empty()) writes.push_back(effects::r2_delete(keys));
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

Task<Response> complete_uploads(Context& context, const jwt::Claims& caller, const CompleteRequest& request) {
  std::vector<Completion> uploads;
  for (const auto& id : request.upload_ids) {
    Completion upload;
    upload.upload_id = id;
    upload.shoot_id = records::shoot_of_upload(id).value_or("");
    if (upload.shoot_id.empty()) upload.rejection = not_found(id);  // an id that cannot exist
    uploads.push_back(std::move(upload));
  }
  // Each stage either refuses the whole request (storage failed) or moves every upload on.
  if (auto stop = co_await begin(context, caller, uploads)) co_return std::move(*stop);
  if (auto stop = co_await list_stored_parts(context, caller, request, uploads)) co_return std::move(*stop);
  if (auto stop = co_await assemble_parts(context, uploads)) co_return std::move(*stop);
  if (auto stop = co_await inspect_objects(context, uploads)) co_return std::move(*stop);
  if (auto stop = co_await move_replacements(context, uploads)) co_return std::move(*stop);
  if (auto stop = co_await finish(context, caller, uploads)) co_return std::move(*stop);
  const std::string unsent = co_await send_events(context, uploads);
  Response answer = request.batch ? batch_answer(uploads) : single_answer(uploads[0]);
  if (!unsent.empty()) answer.log_detail = unsent;
  co_return commit(std::move(answer), deletions(uploads));
}

Task<Response> handle_complete(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  auto parsed = parse_complete_request(start.value().body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  co_return co_await complete_uploads(context, start.value().caller, std::get<CompleteRequest>(parsed));
}

}  // namespace upgate
