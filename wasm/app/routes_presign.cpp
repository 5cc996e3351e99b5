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

json presign_answer(const UploadSession& upload, const UploadUrl& url, const json& decided) {
  json headers = json::object();
  for (const auto& [name, value] : url.headers) headers[name] = value;
  json answer{{"uploadId", upload.upload_id},
              {"key", upload.key},
              {"method", "PUT"},
              {"url", url.url},
              {"headers", headers},
              {"expiresAt", clock::iso8601(url.expires_at_ms)}};
  if (decided.contains("duplicateOf")) answer["duplicateOf"] = decided["duplicateOf"];
  return answer;
}

}  // namespace

Task<Result<DecidedUpload>> decide_upload(Context& context, const jwt::Claims& caller, const std::string& shoot_id,
                                          const FileRequest& file) {
  json fields{{"files", json::array({file.to_json()})}};
  Result<json> decided = co_await ask_ledger(context, "presign", shoot_id, &caller, std::move(fields));
  if (!decided) co_return std::move(decided.refusal());
  const json& item = member_of(decided.value(), "uploads").at(0);
  auto upload = UploadSession::from_json(member_of(item, "upload"));
  if (!upload) co_return ledger::item_rejection(item);
  co_return DecidedUpload{std::move(*upload), item, work_index_writes(decided.value(), shoot_id)};
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
  json files = json::array();
  for (const auto& entry : request.files) {
    if (const auto* file = std::get_if<FileRequest>(&entry)) files.push_back(file->to_json());
  }
  json fields{{"files", std::move(files)}};
  Result<json> decided =
      co_await ask_ledger(context, "presign", request.shoot_id, &start.value().caller, std::move(fields));
  if (!decided) co_return std::move(decided.refusal());

  const RequestFacts& facts = context.exchange.request();
  const json& uploads = member_of(decided.value(), "uploads");
  json answers = json::array();
  size_t next = 0;
  for (size_t i = 0; i < request.files.size(); ++i) {
    if (std::holds_alternative<FileRequest>(request.files[i])) {
      const json& item = uploads.at(next++);
      const auto upload = UploadSession::from_json(member_of(item, "upload"));
      if (!upload) {
        const FileRequest& file = std::get<FileRequest>(request.files[i]);
        request.files[i] = ledger::item_rejection(item).with("filename", file.filename);
      } else {
        const UploadUrl url =
            presign_upload(config, facts.scheme, facts.host, *upload, now_ms, context.isolate.signing_keys);
        answers.push_back(presign_answer(*upload, url, item));
        continue;
      }
    }
    const Rejection& rejected = std::get<Rejection>(request.files[i]);
    answers.push_back(json{{"filename", request.declared_filenames[i]}, {"error", rejected.to_error_object()}});
  }
  std::vector<json> writes = work_index_writes(decided.value(), request.shoot_id);
  if (!request.batch) {
    if (const auto* rejected = std::get_if<Rejection>(&request.files[0])) co_return rejected->to_response();
    co_return commit(json_response(200, answers[0]), std::move(writes));
  }
  co_return commit(json_response(200, json{{"uploads", answers}}), std::move(writes));
}

}  // namespace upgate
