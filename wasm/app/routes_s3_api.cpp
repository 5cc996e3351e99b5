// The Worker's S3-style API (contract 5.4.1) at the URLs POST /api/uploads/sign-request hands out for what R2
// cannot presign: CreateMultipartUpload (POST ?uploads), ListParts (GET ?uploadId), CompleteMultipartUpload
// (POST ?uploadId) and AbortMultipartUpload (DELETE ?uploadId) under /upload/<key>. Each URL is verified as
// S3 would verify it and names the signer it acts for; the flows are the JSON endpoints' own, and the answers
// S3's XML, errors included.
#include "app/routes.h"
#include "app/upload_flows.h"
#include "app/worker_url.h"
#include "http/s3_xml.h"
#include "uploads/upload_url.h"

namespace upgate {

namespace {

// Bucket and Location as an S3 client expects them: the Worker stands in for the bucket.
constexpr const char* kBucket = "BUCKET";

struct SignedRequest {
  std::string key;
  std::string upload_id;
  bool create = false;
  jwt::Claims actor;
};

// A verified Worker URL of this API: its key, its upload and the actor it names.
Result<SignedRequest> verify_request(Context& context) {
  Result<sigv4::Verified> verified = verify_worker_url(context);
  if (!verified) return std::move(verified.refusal());
  SignedRequest request;
  request.actor.sub = signed_parameter(verified.value(), kActorParam);
  if (signed_parameter(verified.value(), kActorAdminParam) == "1") request.actor.roles.emplace_back("admin");
  request.upload_id = signed_parameter(verified.value(), kMultipartUploadIdParam);
  signed_parameter(verified.value(), kUploadsParam, &request.create);
  const std::string prefix = kWorkerUploadPrefix;
  if (request.actor.sub.empty() || request.upload_id.empty() ||
      verified.value().decoded_path.rfind(prefix + "shoots/", 0) != 0) {
    return reject(Error::SignatureInvalid).saying("This URL was not signed for Upgate's S3-style API.");
  }
  request.key = verified.value().decoded_path.substr(prefix.size());
  return request;
}

Response xml_response(int status, std::string text) {
  Response response;
  response.status = status;
  response.text = std::move(text);
  response.content_type = s3_xml::kContentType;
  return response;
}

// The URL's key must be its upload's (contract 5.4.1): a URL signed for another key of the shoot acts on nothing.
Task<std::optional<Response>> key_mismatch(Context& context, const SignedRequest& request) {
  // The ledger's record is enough here: read_upload would also list the parts storage holds (s3 mode).
  Result<UploadSession> upload = co_await find_upload(context, request.actor, request.upload_id);
  if (!upload) co_return std::move(upload.refusal());
  if (upload.value().key != request.key) {
    co_return reject(Error::UploadNotFound).saying("No upload with this id has this key.").to_response();
  }
  co_return std::nullopt;
}

// POST ?uploads answers the upload created when the URL was signed; POST ?uploadId completes it.
Task<Response> create_or_complete(Context& context, const SignedRequest& request) {
  if (request.create) co_return xml_response(200, s3_xml::initiate_result(kBucket, request.key, request.upload_id));
  if (auto refused = co_await key_mismatch(context, request)) co_return std::move(*refused);
  // The client's CompleteMultipartUpload body lists the parts; the Worker assembles what storage holds.
  const CompleteRequest complete{false, {request.upload_id}, {}};
  Response answer = co_await complete_uploads(context, request.actor, complete);
  if (answer.status != 200) co_return answer;
  const RequestFacts& facts = context.exchange.request();
  const std::string location = facts.scheme + "://" + facts.host + kWorkerDownloadPrefix + request.key;
  answer.text = s3_xml::complete_result(location, kBucket, request.key, string_field(answer.body, "etag"));
  answer.content_type = s3_xml::kContentType;
  answer.body = json();
  co_return answer;
}

Task<Response> list_parts(Context& context, const SignedRequest& request) {
  Result<json> upload = co_await read_upload(context, request.actor, request.upload_id);
  if (!upload) co_return std::move(upload.refusal());
  if (string_field(upload.value(), "key") != request.key) {
    co_return reject(Error::UploadNotFound).saying("No upload with this id has this key.").to_response();
  }
  co_return xml_response(
      200, s3_xml::list_parts_result(kBucket, request.key, request.upload_id, member_of(upload.value(), "parts")));
}

Task<Response> abort(Context& context, const SignedRequest& request) {
  if (auto refused = co_await key_mismatch(context, request)) co_return std::move(*refused);
  Response answer = co_await abort_upload(context, request.actor, request.upload_id);
  if (answer.status != 200) co_return answer;
  answer.status = 204;  // S3's AbortMultipartUpload answers no content
  answer.body = json();
  co_return answer;
}

// Every refusal as S3's error document, which S3 clients parse.
Task<Response> in_s3_terms(Context& context, Task<Response> (*flow)(Context&, const SignedRequest&)) {
  Result<SignedRequest> request = verify_request(context);
  if (!request) co_return s3_xml::as_s3_error(std::move(request.refusal()), context.request_id);
  Response answer = co_await flow(context, request.value());
  co_return s3_xml::as_s3_error(std::move(answer), context.request_id);
}

}  // namespace

Task<Response> handle_s3_post(Context& context) { co_return co_await in_s3_terms(context, create_or_complete); }
Task<Response> handle_s3_list_parts(Context& context) { co_return co_await in_s3_terms(context, list_parts); }
Task<Response> handle_s3_abort(Context& context) { co_return co_await in_s3_terms(context, abort); }

}  // namespace upgate
