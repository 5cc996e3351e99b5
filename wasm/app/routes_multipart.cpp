// Multipart uploads (contract 5.4): POST /api/uploads/multipart starts one — the shoot's ledger decides which
// upload the file gets, exactly as for a presign, and the Worker creates the storage's multipart upload for
// it — and POST /api/uploads/multipart/sign signs S3 UploadPart URLs for some of its parts. Parts then go
// straight to storage (worker mode: this Worker, routes_upload_put.cpp), and complete finishes the file.
#include "app/auth.h"
#include "app/isolate.h"
#include "app/ledger_calls.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/storage_uploads.h"
#include "app/upload_flows.h"
#include "uploads/multipart_request.h"
#include "uploads/records.h"
#include "uploads/upload_session.h"
#include "uploads/upload_url.h"
#include "util/clock.h"

namespace upgate {

namespace {

// The storage's multipart upload for an upload that has none yet: created, then attached in the ledger. Of
// two requests racing to do this the first attach wins, and the other frees the one it created.
Task<Result<UploadSession>> ensure_storage(Context& context, const jwt::Claims& caller, UploadSession upload) {
  if (!upload.storage_upload_id.empty()) co_return upload;
  Result<std::string> created = co_await create_storage_upload(context, upload);
  if (!created) co_return std::move(created.refusal());
  const std::string storage_id = created.value();
  json fields{{"uploadId", upload.upload_id}, {"storageUploadId", storage_id}};
  Result<json> attached = co_await ask_ledger(context, "attachStorage", upload.shoot_id, &caller, std::move(fields));
  auto session = attached ? UploadSession::from_json(member_of(attached.value(), "upload")) : std::nullopt;
  if (!session || session->storage_upload_id != storage_id) {
    co_await context.exchange.perform_one(
        abort_storage_upload(context.isolate, context.exchange.now_ms(), upload.object_key, storage_id));
  }
  if (!attached) co_return std::move(attached.refusal());
  if (!session) co_return storage_unavailable("the ledger answered no upload");
  co_return std::move(*session);
}

json signed_part(int64_t part_number, const UploadUrl& url) {
  json headers = json::object();
  for (const auto& [name, value] : url.headers) headers[name] = value;
  return json{{"partNumber", part_number},
              {"method", "PUT"},
              {"url", url.url},
              {"headers", std::move(headers)},
              {"expiresAt", clock::iso8601(url.expires_at_ms)}};
}

}  // namespace

Task<Result<DecidedUpload>> create_multipart(Context& context, const jwt::Claims& caller,
                                             const MultipartRequest& request) {
  Result<DecidedUpload> decided = co_await decide_upload(context, caller, request.shoot_id, request.file);
  if (!decided) co_return std::move(decided.refusal());
  Result<UploadSession> stored = co_await ensure_storage(context, caller, std::move(decided.value().upload));
  if (!stored) co_return std::move(stored.refusal());
  decided.value().upload = std::move(stored.value());
  co_return std::move(decided.value());
}

json multipart_created_answer(const DecidedUpload& created) {
  const UploadSession& upload = created.upload;
  json answer{{"uploadId", upload.upload_id},
              {"key", upload.key},
              {"partSize", upload.part_size},
              {"partCount", upload.part_count},
              {"expiresAt", clock::iso8601(upload.expires_at_ms())}};
  if (!created.duplicate_of.empty()) answer["duplicateOf"] = created.duplicate_of;
  // Asked again, a pending upload comes "as it is, with its parts" (contract 5.4): those already stored.
  if (created.parts.is_array()) answer["parts"] = created.parts;
  return answer;
}

Task<Result<DecidedUpload>> allow_parts(Context& context, const jwt::Claims& caller, const std::string& upload_id,
                                        const std::vector<int64_t>& part_numbers) {
  const auto shoot_id = records::shoot_of_upload(upload_id);
  if (!shoot_id) co_return reject(Error::UploadNotFound).with("uploadId", upload_id);
  json fields{{"uploadId", upload_id}, {"partNumbers", part_numbers}};
  Result<json> allowed = co_await ask_ledger(context, "signParts", *shoot_id, &caller, std::move(fields));
  if (!allowed) co_return std::move(allowed.refusal());
  auto upload = UploadSession::from_json(member_of(allowed.value(), "upload"));
  if (!upload) co_return reject(Error::UploadNotFound).with("uploadId", upload_id);
  Result<UploadSession> stored = co_await ensure_storage(context, caller, std::move(*upload));
  if (!stored) co_return std::move(stored.refusal());
  co_return DecidedUpload{std::move(stored.value()), string_field(allowed.value(), "duplicateOf"),
                          member_of(allowed.value(), "parts"), work_index_writes(allowed.value(), *shoot_id)};
}

Task<Response> handle_create_multipart(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  const Config& config = context.config;
  auto parsed = parse_multipart_request(start.value().body, config.max_upload_bytes, config.max_part_bytes(),
                                        context.exchange.now_seconds());
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  Result<DecidedUpload> created =
      co_await create_multipart(context, start.value().caller, std::get<MultipartRequest>(parsed));
  if (!created) co_return std::move(created.refusal());
  co_return commit(json_response(200, multipart_created_answer(created.value())), std::move(created.value().writes));
}

Task<Response> handle_sign_parts(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  auto parsed = parse_sign_parts_request(start.value().body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  const SignPartsRequest& request = std::get<SignPartsRequest>(parsed);
  Result<DecidedUpload> allowed =
      co_await allow_parts(context, start.value().caller, request.upload_id, request.part_numbers);
  if (!allowed) co_return std::move(allowed.refusal());

  const RequestFacts& facts = context.exchange.request();
  json parts = json::array();
  for (const int64_t number : request.part_numbers) {
    auto digest = request.sha256.find(number);
    const UploadUrl url = presign_part(context.config, facts.scheme, facts.host, allowed.value().upload, number,
                                       digest == request.sha256.end() ? "" : digest->second, context.exchange.now_ms(),
                                       context.isolate.signing_keys);
    parts.push_back(signed_part(number, url));
  }
  co_return commit(json_response(200, json{{"parts", std::move(parts)}}), std::move(allowed.value().writes));
}

}  // namespace upgate
