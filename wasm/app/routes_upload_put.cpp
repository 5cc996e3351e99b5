// PUT /upload/{key} in worker mode (contract 5.1, 5.4, 5.5): the Worker verifies its own SigV4 URL exactly as
// S3 would, makes sure the URL belongs to the upload currently pending on the key, then streams the body into
// BUCKET where that upload's bytes go, held to the signed type, length and checksums and marked with the
// upload's id. With ?partNumber=<n>&uploadId=<id> it is S3's UploadPart: the body becomes that part of the
// upload's storage multipart upload, and the ledger records it.
#include "app/ledger_calls.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/worker_url.h"
#include "sigv4/sigv4.h"
#include "uploads/multipart_request.h"
#include "uploads/records.h"
#include "uploads/upload_checksums.h"
#include "uploads/upload_session.h"
#include "uploads/upload_url.h"
#include "util/text.h"

namespace upgate {

namespace {

Response superseded(const std::string& why) { return reject(Error::UploadSuperseded).logging(why); }

bool is_signed(const sigv4::Verified& verified, const std::string& name) {
  for (const auto& header : verified.signed_header_names) {
    if (header == name) return true;
  }
  return false;
}

// The upload this PUT writes for, as the shoot's ledger says: the one its URL names, or — for a URL presigned
// elsewhere with the worker-mode key pair, which names none — the upload pending on the key, if the PUT fits
// its declaration.
Task<Result<UploadSession>> find_writer(Context& context, const std::string& upload_id, const std::string& key,
                                        int64_t length) {
  const auto shoot_id = records::shoot_of_key(key);
  if (!shoot_id) co_return superseded("the key is not a shoot's");
  json fields{{"key", key}, {"size", length}, {"contentType", context.exchange.request().header("content-type")}};
  if (!upload_id.empty()) fields["uploadId"] = upload_id;
  Result<json> writer = co_await ask_ledger(context, "writer", *shoot_id, nullptr, std::move(fields));
  if (!writer) co_return std::move(writer.refusal());
  const auto session = UploadSession::from_json(member_of(writer.value(), "upload"));
  if (!session) co_return superseded("no pending upload");
  co_return *session;
}

// The body's digests: what the URL signed, and the SHA-256 its upload declared.
Outcome<Checksums> checksums_for(const sigv4::Verified& grant, const RequestFacts& request,
                                 const UploadSession& session) {
  Outcome<Checksums> checksums = signed_checksums(grant.other_query, request.headers);
  if (!checksums || session.sha256.empty()) return checksums;
  auto [it, inserted] = checksums.value().emplace("sha256", session.sha256);
  if (!inserted && it->second != session.sha256) {
    return Failure{"checksum_mismatch", "The URL's x-amz-checksum-sha256 is not the SHA-256 this upload declared."};
  }
  return checksums;
}

// What a verified URL grants: the key, the upload it names (empty for a URL presigned elsewhere) and the
// body's length.
struct Grant {
  std::string key;
  std::string upload_id;
  int64_t part_number = 0;  // UploadPart: the part; 0 for a whole file
  int64_t length = 0;
  sigv4::Verified verified;
};

// S3's UploadPart names its part and upload in the signed query; Content-Length need not be signed, since
// the ledger holds each part to its exact size.
std::optional<Response> read_part(Grant& grant) {
  const std::string number = signed_parameter(grant.verified, kPartNumberParam);
  if (number.empty()) return std::nullopt;
  const auto part = text::parse_decimal(number);
  if (!part || *part < 1 || *part > kMaxParts) {
    return invalid_request("partNumber", "partNumber must be an integer from 1 to 10000.").to_response();
  }
  grant.part_number = *part;
  grant.upload_id = signed_parameter(grant.verified, kMultipartUploadIdParam);
  if (!records::is_upload_id(grant.upload_id)) return superseded("not an upload id");
  return std::nullopt;
}

// Verifies the URL exactly as S3 would, and that it grants a PUT of this length under shoots/.
Result<Grant> verify_url(Context& context) {
  const Config& config = context.config;
  const RequestFacts& request = context.exchange.request();
  Result<sigv4::Verified> verified = verify_worker_url(context);
  if (!verified) return std::move(verified.refusal());
  Grant grant;
  grant.verified = std::move(verified.value());
  // Upgate's own URLs name their upload and sign its type and length. A URL presigned elsewhere (an S3 SDK
  // with the worker-mode key pair) names none and may sign neither: the pending upload's declaration holds
  // it to both instead (find_writer).
  if (auto refused = read_part(grant)) return std::move(*refused);
  if (grant.part_number == 0) grant.upload_id = signed_parameter(grant.verified, kUploadIdParam);
  if (grant.part_number == 0 && !grant.upload_id.empty() &&
      (!is_signed(grant.verified, "content-type") || !is_signed(grant.verified, "content-length"))) {
    return reject(Error::SignatureInvalid)
        .saying("Upload URLs must sign Content-Type and Content-Length.")
        .logging("content-type or content-length unsigned");
  }
  if (!grant.upload_id.empty() && !records::is_upload_id(grant.upload_id)) return superseded("not an upload id");
  const std::string prefix = kWorkerUploadPrefix;
  if (grant.verified.decoded_path.rfind(prefix + "shoots/", 0) != 0) {
    return reject(Error::SignatureInvalid)
        .saying("This upload URL does not name an upload key.")
        .logging("key outside shoots/");
  }
  grant.key = grant.verified.decoded_path.substr(prefix.size());
  const auto length = text::parse_decimal(request.header("content-length"));
  if (!length) return reject(Error::InvalidRequest).saying("Content-Length must be a whole number of bytes.");
  if (*length < 1 || *length > config.max_upload_bytes) {
    return reject(Error::FileTooLarge).with("maxBytes", config.max_upload_bytes);
  }
  if (grant.part_number == 0 && *length > config.max_single_put_bytes) {
    return reject(Error::MultipartRequired).with("maxSinglePutBytes", config.max_single_put_bytes);
  }
  grant.length = *length;
  return grant;
}

// The engine's failure codes for a checksum it cannot hold the body to, as the contract's errors.
Response checksum_refusal(const Failure& failure) {
  Error error = Error::InvalidRequest;
  if (failure.code == "checksum_unsupported") error = Error::ChecksumUnsupported;
  if (failure.code == "checksum_mismatch") error = Error::ChecksumMismatch;
  return reject(error).saying(failure.message);
}

Response put_failed(const json& result) {
  const std::string failure = string_field(result, "failure");
  if (failure == "checksum") {
    return reject(Error::ChecksumMismatch);
  }
  if (failure == "length") {
    return reject(Error::BodyLengthMismatch);
  }
  return storage_unavailable("r2 put failed: " + string_field(result, "error"));
}

// UploadPart: the ledger says whether this part of this upload may be written now, the body streams into
// the storage's part, and the ledger records the part.
Task<Response> put_part(Context& context, const Grant& url) {
  const auto shoot_id = records::shoot_of_upload(url.upload_id);
  json fields{{"uploadId", url.upload_id}, {"key", url.key}, {"partNumber", url.part_number}, {"size", url.length}};
  Result<json> writer = co_await ask_ledger(context, "partWriter", shoot_id.value_or(""), nullptr, std::move(fields));
  if (!writer) co_return std::move(writer.refusal());
  const auto session = UploadSession::from_json(member_of(writer.value(), "upload"));
  if (!session) co_return superseded("no pending upload");
  const Outcome<Checksums> checksums = signed_checksums(url.verified.other_query, context.exchange.request().headers);
  if (!checksums) co_return checksum_refusal(checksums.failure());

  const EffectResult stored = co_await context.exchange.perform_one(effects::r2_put_part(
      session->object_key, session->storage_upload_id, url.part_number, url.length, checksums.value()));
  if (!stored.ok()) co_return put_failed(stored.value());
  const std::string etag = string_field(stored.value(), "etag");
  json part{{"uploadId", url.upload_id}, {"partNumber", url.part_number}, {"size", url.length}, {"etag", etag}};
  Result<json> recorded = co_await ask_ledger(context, "recordPart", session->shoot_id, nullptr, part);
  if (!recorded) co_return std::move(recorded.refusal());
  part.erase("uploadId");
  Response response = json_response(200, part);
  response.header("ETag", "\"" + etag + "\"");
  co_return response;
}

}  // namespace

Task<Response> handle_upload_put(Context& context) {
  if (context.config.upload_mode != UploadMode::Worker) co_return reject(Error::NotFound);
  Result<Grant> grant = verify_url(context);
  if (!grant) co_return std::move(grant.refusal());
  const Grant& url = grant.value();
  if (url.part_number > 0) co_return co_await put_part(context, url);
  Result<UploadSession> writer = co_await find_writer(context, url.upload_id, url.key, url.length);
  if (!writer) co_return std::move(writer.refusal());
  const UploadSession& session = writer.value();
  const RequestFacts& request = context.exchange.request();
  const Outcome<Checksums> checksums = checksums_for(url.verified, request, session);
  if (!checksums) co_return checksum_refusal(checksums.failure());

  const EffectResult stored = co_await context.exchange.perform_one(effects::r2_put_body(
      session.object_key, request.header("content-type"), url.length, checksums.value(), session.upload_id));
  if (!stored.ok()) co_return put_failed(stored.value());
  const json& object = member_of(stored.value(), "object");
  const std::string etag = string_field(object, "etag");
  Response response =
      json_response(200, json{{"key", url.key}, {"size", integer_field(object, "size")}, {"etag", etag}});
  response.header("ETag", "\"" + etag + "\"");
  co_return response;
}

}  // namespace upgate
