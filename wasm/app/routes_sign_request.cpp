// POST /api/uploads/sign-request (contract 5.4.1): presigns one S3 request for clients that drive S3's own
// API (Uppy 6's signRequest, S3 SDK presigners), under the same rules and ledger as the JSON endpoints.
// PutObject and UploadPart URLs are the ones presign and multipart/sign give. The Worker decides the file at
// signing time — a CreateMultipartUpload is created here, so its URL only reports the upload id — and R2
// cannot presign POST, so the create, list, complete and abort URLs point at the Worker's S3-style API
// (routes_s3_api.cpp), naming the signer so that it acts for them.
#include "app/auth.h"
#include "app/isolate.h"
#include "app/ledger_calls.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/upload_flows.h"
#include "uploads/sign_request.h"
#include "uploads/upload_url.h"

namespace upgate {

namespace {

// {"url", "key", "headers"?}: headers are what the client must add; Content-Length is left out, since a
// browser sets it itself and refuses to be told to.
json signed_answer(const UploadUrl& url, const std::string& key) {
  json answer{{"url", url.url}, {"key", key}};
  json headers = json::object();
  for (const auto& [name, value] : url.headers) {
    if (name != "Content-Length") headers[name] = value;
  }
  if (!headers.empty()) answer["headers"] = std::move(headers);
  return answer;
}

Task<Response> sign_put_object(Context& context, const jwt::Claims& caller, const SignRequest& request) {
  const Config& config = context.config;
  auto file =
      check_file(request.declaration, request.shoot_id,
                 SizeLimits{config.max_single_put_bytes, config.max_upload_bytes}, context.exchange.now_seconds());
  if (auto* rejected = std::get_if<Rejection>(&file)) co_return rejected->to_response();
  Result<DecidedUpload> decided =
      co_await decide_upload(context, caller, request.shoot_id, std::get<FileRequest>(file));
  if (!decided) co_return std::move(decided.refusal());
  const RequestFacts& facts = context.exchange.request();
  const UploadUrl url = presign_upload(config, facts.scheme, facts.host, decided.value().upload,
                                       context.exchange.now_ms(), context.isolate.signing_keys);
  json answer = signed_answer(url, decided.value().upload.key);
  answer["uploadId"] = decided.value().upload.upload_id;  // what complete takes
  co_return commit(json_response(200, std::move(answer)), std::move(decided.value().writes));
}

// The signer of a Worker URL, named in it (signed, so it cannot be changed).
std::vector<std::pair<std::string, std::string>> actor_query(const jwt::Claims& caller) {
  std::vector<std::pair<std::string, std::string>> query{{kActorParam, caller.sub}};
  if (caller.is_admin()) query.emplace_back(kActorAdminParam, "1");
  return query;
}

Task<Response> sign_create(Context& context, const jwt::Claims& caller, const SignRequest& request) {
  const Config& config = context.config;
  json body = request.declaration;
  body["shootId"] = request.shoot_id;
  auto parsed = parse_multipart_request(to_text(body), config.max_upload_bytes, config.max_part_bytes(),
                                        context.exchange.now_seconds());
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  Result<DecidedUpload> created = co_await create_multipart(context, caller, std::get<MultipartRequest>(parsed));
  if (!created) co_return std::move(created.refusal());
  auto query = actor_query(caller);
  query.emplace_back(kUploadsParam, "");
  query.emplace_back(kMultipartUploadIdParam, created.value().upload.upload_id);
  const RequestFacts& facts = context.exchange.request();
  const UploadUrl url =
      presign_worker_request(config, facts.scheme, facts.host, "POST", created.value().upload.key, std::move(query),
                             context.exchange.now_ms(), context.isolate.signing_keys);
  json answer = signed_answer(url, created.value().upload.key);
  answer["uploadId"] = created.value().upload.upload_id;
  answer["partSize"] = created.value().upload.part_size;
  co_return commit(json_response(200, std::move(answer)), std::move(created.value().writes));
}

Task<Response> sign_part(Context& context, const jwt::Claims& caller, const SignRequest& request) {
  const std::vector<int64_t> numbers{request.part_number};
  Result<DecidedUpload> allowed = co_await allow_parts(context, caller, request.upload_id, numbers);
  if (!allowed) co_return std::move(allowed.refusal());
  if (allowed.value().upload.key != request.key) {
    co_return invalid_request("request.key", "request.key is not the key of this upload.");
  }
  const RequestFacts& facts = context.exchange.request();
  const UploadUrl url =
      presign_part(context.config, facts.scheme, facts.host, allowed.value().upload, request.part_number,
                   request.part_sha256, context.exchange.now_ms(), context.isolate.signing_keys);
  co_return commit(json_response(200, signed_answer(url, request.key)), std::move(allowed.value().writes));
}

// ListParts, CompleteMultipartUpload, AbortMultipartUpload: the Worker checks the caller when the request
// arrives, as the actor the URL names.
Response sign_worker_request(Context& context, const jwt::Claims& caller, const SignRequest& request,
                             const char* method) {
  auto query = actor_query(caller);
  query.emplace_back(kMultipartUploadIdParam, request.upload_id);
  const RequestFacts& facts = context.exchange.request();
  const UploadUrl url =
      presign_worker_request(context.config, facts.scheme, facts.host, method, request.key, std::move(query),
                             context.exchange.now_ms(), context.isolate.signing_keys);
  return json_response(200, signed_answer(url, request.key));
}

}  // namespace

Task<Response> handle_sign_request(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  auto parsed = parse_sign_request(start.value().body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  const SignRequest& request = std::get<SignRequest>(parsed);
  const jwt::Claims& caller = start.value().caller;
  switch (request.operation) {
    case S3Operation::PutObject:
      co_return co_await sign_put_object(context, caller, request);
    case S3Operation::CreateMultipartUpload:
      co_return co_await sign_create(context, caller, request);
    case S3Operation::UploadPart:
      co_return co_await sign_part(context, caller, request);
    case S3Operation::ListParts:
      co_return sign_worker_request(context, caller, request, "GET");
    case S3Operation::CompleteMultipartUpload:
      co_return sign_worker_request(context, caller, request, "POST");
    case S3Operation::AbortMultipartUpload:
      co_return sign_worker_request(context, caller, request, "DELETE");
  }
  co_return reject(Error::InvalidRequest);
}

}  // namespace upgate
