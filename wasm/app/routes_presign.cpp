// POST /api/uploads/presign (contract 5.1): single or batch. The Worker checks each file (fields, type, size,
// name); the shoot's ledger then decides, for all of them in one operation, which upload each file gets —
// the one pending on its key again when declared the same way, else a new one that cancels the old — and
// records them; only then are URLs signed. One Durable Object call, and one KV write when the shoot's entry in
// the cron's work index is due for a refresh.
#include "app/auth.h"
#include "app/isolate.h"
#include "app/ledger_calls.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/throttle.h"
#include "app/upload_flows.h"
#include "uploads/records.h"
#include "uploads/upload_request.h"
#include "uploads/upload_session.h"
#include "uploads/upload_url.h"
#include "util/clock.h"

namespace upgate {

namespace {

// {"uploadId", "key", "method", "url", "headers", "expiresAt", "duplicateOf"?}, written as text.
void write_presign_answer(JsonWriter& out, const UploadSession& upload, const UploadUrl& url,
                          const std::string& duplicate_of) {
  out.begin_object().key("uploadId").string(upload.upload_id).key("key").string(upload.key);
  out.key("method").string("PUT").key("url").string(url.url).key("headers").begin_object();
  for (const auto& [name, value] : url.headers) out.key(name).string(value);
  out.end_object().key("expiresAt").string(clock::iso8601(url.expires_at_ms));
  if (!duplicate_of.empty()) out.key("duplicateOf").string(duplicate_of);
  out.end_object();
}

// The checked files, in order, as presign's "files" field.
ledger::FieldWriter files_field(std::vector<const FileRequest*> files) {
  return [files = std::move(files)](JsonWriter& out) {
    out.key("files").begin_array();
    for (const FileRequest* file : files) file->write(out);
    out.end_array();
  };
}

// The ledger's decision on these files: one item per file, in order.
Task<Result<ledger::PresignDecision>> ask_presign(Context& context, const jwt::Claims& caller,
                                                  const std::string& shoot_id, std::vector<const FileRequest*> files) {
  const size_t count = files.size();
  Result<std::string> answered =
      co_await ask_ledger_text(context, "presign", shoot_id, caller, files_field(std::move(files)));
  if (!answered) co_return std::move(answered.refusal());
  std::optional<ledger::PresignDecision> decision = ledger::read_presign_decision(answered.value());
  if (!decision || decision->items.size() != count) {
    co_return storage_unavailable("the ledger's presign answer did not hold one item per file");
  }
  co_return std::move(*decision);
}

}  // namespace

Task<Result<DecidedUpload>> decide_upload(Context& context, const jwt::Claims& caller, const std::string& shoot_id,
                                          const FileRequest& file) {
  std::vector<const FileRequest*> files{&file};
  Result<ledger::PresignDecision> decided = co_await ask_presign(context, caller, shoot_id, std::move(files));
  if (!decided) co_return std::move(decided.refusal());
  ledger::PresignItem& item = decided.value().items.front();
  if (!item.upload) co_return item.refused;
  co_return DecidedUpload{std::move(*item.upload), std::move(item.duplicate_of), std::move(item.parts),
                          work_index_writes(decided.value().index_work, shoot_id)};
}

Task<Response> handle_presign(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  const Config& config = context.config;
  const int64_t now_ms = context.exchange.now_ms();
  auto parsed = parse_presign_request(start.value().body,
                                      SizeLimits{config.max_single_put_bytes, config.max_upload_bytes}, now_ms / 1000);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  PresignRequest& request = std::get<PresignRequest>(parsed);
  // A batch spends a token per file: one larger than the whole bucket could never pass, so it is refused
  // outright rather than told to wait (429) for ever.
  if (static_cast<int64_t>(request.files.size()) > config.rate_limit_per_minute) {
    co_return invalid_request("files", "A batch may hold at most " + std::to_string(config.rate_limit_per_minute) +
                                           " files here (one rate-limit token each, RATE_LIMIT_PER_MINUTE).");
  }
  if (auto spent = spend_rate_limit(context, static_cast<int64_t>(request.files.size()) - 1))
    co_return std::move(*spent);

  // The files that passed the Worker's checks go to the ledger, in order.
  std::vector<const FileRequest*> checked;
  for (const auto& entry : request.files) {
    if (const auto* file = std::get_if<FileRequest>(&entry)) checked.push_back(file);
  }
  Result<ledger::PresignDecision> decided =
      co_await ask_presign(context, start.value().caller, request.shoot_id, std::move(checked));
  if (!decided) co_return std::move(decided.refusal());

  const RequestFacts& facts = context.exchange.request();
  std::vector<ledger::PresignItem>& items = decided.value().items;
  std::vector<json> writes = work_index_writes(decided.value().index_work, request.shoot_id);
  JsonWriter out;
  if (request.batch) out.begin_object().key("uploads").begin_array();
  size_t next = 0;
  for (size_t i = 0; i < request.files.size(); ++i) {
    if (const auto* file = std::get_if<FileRequest>(&request.files[i])) {
      ledger::PresignItem& item = items[next++];
      if (item.upload) {
        const UploadUrl url =
            presign_upload(config, facts.scheme, facts.host, *item.upload, now_ms, context.isolate.signing_keys);
        write_presign_answer(out, *item.upload, url, item.duplicate_of);
        continue;
      }
      request.files[i] = std::move(item.refused).with("filename", file->filename);
    }
    const Rejection& rejected = std::get<Rejection>(request.files[i]);
    if (!request.batch) co_return rejected.to_response();
    out.begin_object().key("filename").string(request.declared_filenames[i]);
    out.key("error").raw(to_text(rejected.to_error_object())).end_object();
  }
  if (request.batch) out.end_array().end_object();
  co_return commit(json_text_response(200, std::move(out).text()), std::move(writes));
}

}  // namespace upgate
