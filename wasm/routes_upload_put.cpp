// PUT /upload/{key} in worker mode (contract section 5): the Worker verifies its own SigV4 URL exactly as S3
// would, then streams the body into BUCKET with the signed type, length and (when declared) SHA-256.
#include "encoding.h"
#include "isolate.h"
#include "records.h"
#include "request_body.h"
#include "routes.h"
#include "sigv4.h"
#include "upload_url.h"

namespace upgate {

namespace {

Response refused(const std::string& code, const std::string& message, const std::string& detail) {
  Response response = error_response(403, code, message);
  response.log_detail = detail;
  return response;
}

bool is_signed(const sigv4::Verified& verified, const std::string& name) {
  for (const auto& header : verified.signed_header_names) {
    if (header == name) return true;
  }
  return false;
}

std::optional<int64_t> content_length(const std::string& text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

sigv4::IncomingRequest incoming(const RequestFacts& request) {
  return sigv4::IncomingRequest{request.method, request.path, request.query, request.headers};
}

std::string signed_upload_id(const sigv4::Verified& grant) {
  for (const auto& [name, value] : grant.other_query) {
    if (name == kUploadIdParam) return value;
  }
  return "";
}

}  // namespace

Step handle_upload_put(Context& context) {
  const Config& config = context.config;
  if (config.upload_mode != UploadMode::Worker) return error_response(404, "not_found", "No such endpoint.");
  const RequestFacts& request = context.exchange.request();
  const auto credentials_for = [&config](std::string_view key_id) -> std::optional<sigv4::Credentials> {
    if (key_id != config.upload_key_id) return std::nullopt;
    return sigv4::Credentials{config.upload_key_id, config.upload_secret};
  };
  auto verified = sigv4::verify(incoming(request), sigv4::Scope{}, credentials_for, context.exchange.now_seconds(),
                                context.isolate.signing_keys);
  if (!verified) {
    if (verified.failure().code == "expired") {
      return refused("url_expired", "This upload URL has expired; ask for a new one.", "expired");
    }
    return refused("signature_invalid", "This upload URL is not valid for this request.", verified.failure().code);
  }
  const sigv4::Verified& grant = verified.value();
  if (!is_signed(grant, "content-type") || !is_signed(grant, "content-length")) {
    return refused("signature_invalid", "Upload URLs must sign Content-Type and Content-Length.",
                   "content-type or content-length unsigned");
  }
  const std::string prefix = kWorkerUploadPrefix;
  if (grant.decoded_path.rfind(prefix + "shoots/", 0) != 0) {
    return refused("signature_invalid", "This upload URL does not name an upload key.", "key outside shoots/");
  }
  const std::string key = grant.decoded_path.substr(prefix.size());
  const auto length = content_length(request.header("content-length"));
  if (!length) return error_response(400, "invalid_request", "Content-Length must be a whole number of bytes.");
  if (*length < 1 || *length > config.max_upload_bytes) {
    return error_response(413, "file_too_large", "The body is larger than this service accepts.",
                          json{{"maxBytes", config.max_upload_bytes}});
  }
  std::string sha256_hex;
  if (is_signed(grant, "x-amz-checksum-sha256")) {
    const auto digest = encoding::base64_decode(request.header("x-amz-checksum-sha256"));
    if (!digest || digest->size() != 32) {
      return error_response(400, "invalid_request", "x-amz-checksum-sha256 must be a base64 SHA-256 digest.");
    }
    sha256_hex = encoding::hex_encode(*digest);
  }

  // A URL stays valid after its upload completed; it must not swap unverified bytes under a verified asset.
  // A replacement is presigned as a new upload, with its own id and URL.
  const std::string upload_id = signed_upload_id(grant);
  if (!upload_id.empty()) {
    EffectResult session = context.exchange.perform(effects::kv_get(records::session_key(upload_id)));
    if (!session.ready()) return std::nullopt;
    if (!session.ok()) return storage_unavailable("kv_get upload session failed");
    const auto record = parse_json(string_field(session.value(), "value"));
    if (record && string_field(*record, "state") == "completed") {
      return error_response(409, "already_exists",
                            "This upload was already completed; presign again with \"replace\": true to replace it.");
    }
  }
  EffectResult stored = context.exchange.perform(
      effects::r2_put_body(key, request.header("content-type"), *length, sha256_hex));
  if (!stored.ready()) return std::nullopt;
  if (!stored.ok()) {
    const std::string failure = string_field(stored.value(), "failure");
    if (failure == "checksum") {
      return error_response(400, "checksum_mismatch", "The body's SHA-256 is not the one the URL was signed for; nothing was stored.");
    }
    if (failure == "length") {
      return error_response(400, "body_length_mismatch", "The body was not exactly Content-Length bytes; nothing was stored.");
    }
    return storage_unavailable("r2 put failed: " + string_field(stored.value(), "error"));
  }
  const json& object = member_of(stored.value(), "object");
  const std::string etag = string_field(object, "etag");
  Response response = json_response(200, json{{"key", key}, {"size", integer_field(object, "size")}, {"etag", etag}});
  response.header("ETag", "\"" + etag + "\"");
  return response;
}

}  // namespace upgate
