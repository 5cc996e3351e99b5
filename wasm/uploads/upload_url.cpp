#include "uploads/upload_url.h"

#include "uploads/multipart_request.h"
#include "uploads/signing_keys.h"
#include "util/encoding.h"

namespace upgate {

namespace {

// Where a presigned URL points and what signs it, by upload mode: worker mode this Worker (the request's
// scheme and host) with the worker-mode key pair; s3 mode R2's endpoint with the R2 key pair.
struct SigningTarget {
  bool worker = false;
  sigv4::Credentials credentials;
  std::string scheme;
  std::string host;
};

SigningTarget signing_target(const Config& config, const std::string& scheme, const std::string& request_host) {
  if (config.upload_mode == UploadMode::Worker) {
    return SigningTarget{true, worker_signing_credentials(config), scheme, request_host};
  }
  return SigningTarget{
      false, {config.r2_key_id, config.r2_secret}, config.r2_endpoint_scheme(), config.r2_endpoint_host()};
}

// Signs input for the target, with the configured lifetime; input.host is the target's.
sigv4::Presigned sign(const Config& config, const SigningTarget& target, sigv4::PresignInput input, int64_t now_ms,
                      sigv4::SigningKeyCache& keys) {
  input.host = target.host;
  input.now_unix_seconds = now_ms / 1000;
  input.expires_seconds = config.presign_ttl_seconds;
  return sigv4::presign(target.credentials, sigv4::Scope{}, input, keys);
}

std::string url_of(const SigningTarget& target, const sigv4::Presigned& presigned) {
  return target.scheme + "://" + target.host + presigned.url_path_and_query;
}

}  // namespace

UploadUrl presign_upload(const Config& config, const std::string& scheme, const std::string& request_host,
                         const UploadSession& upload, int64_t now_ms, sigv4::SigningKeyCache& keys) {
  const SigningTarget target = signing_target(config, scheme, request_host);
  const bool worker = target.worker;
  UploadUrl url;
  url.headers = {{"Content-Type", upload.content_type}, {"Content-Length", std::to_string(upload.size)}};
  if (!upload.sha256.empty()) {
    url.headers.emplace_back("x-amz-checksum-sha256",
                             encoding::base64_encode(encoding::hex_decode(upload.sha256).value_or("")));
  }
  if (!worker) {
    // Each upload writes a key of its own that nothing else holds (a new key, or its staging key).
    url.headers.emplace_back("If-None-Match", "*");
    url.headers.emplace_back("x-amz-meta-upload-id", upload.upload_id);
  }
  sigv4::PresignInput input;
  input.method = "PUT";
  input.path = worker ? kWorkerUploadPrefix + upload.key : "/" + config.r2_bucket + "/" + upload.object_key;
  for (const auto& [name, value] : url.headers) input.signed_headers.emplace_back(name, value);
  if (worker) input.extra_query.emplace_back(kUploadIdParam, upload.upload_id);
  const sigv4::Presigned signed_url = sign(config, target, std::move(input), now_ms, keys);
  url.url = url_of(target, signed_url);
  url.expires_at_ms = signed_url.expires_at_unix * 1000;
  return url;
}

UploadUrl presign_part(const Config& config, const std::string& scheme, const std::string& request_host,
                       const UploadSession& upload, int64_t part_number, const std::string& sha256, int64_t now_ms,
                       sigv4::SigningKeyCache& keys) {
  const SigningTarget target = signing_target(config, scheme, request_host);
  UploadUrl url;
  url.headers = {{"Content-Length", std::to_string(PartPlan::size_of(part_number, upload.part_size, upload.size))}};
  if (!sha256.empty()) {
    url.headers.emplace_back("x-amz-checksum-sha256",
                             encoding::base64_encode(encoding::hex_decode(sha256).value_or("")));
  }
  sigv4::PresignInput input;
  input.method = "PUT";
  input.path = target.worker ? kWorkerUploadPrefix + upload.key : "/" + config.r2_bucket + "/" + upload.object_key;
  for (const auto& [name, value] : url.headers) input.signed_headers.emplace_back(name, value);
  input.extra_query.emplace_back(kPartNumberParam, std::to_string(part_number));
  input.extra_query.emplace_back(kMultipartUploadIdParam, target.worker ? upload.upload_id : upload.storage_upload_id);
  const sigv4::Presigned signed_url = sign(config, target, std::move(input), now_ms, keys);
  url.url = url_of(target, signed_url);
  url.expires_at_ms = signed_url.expires_at_unix * 1000;
  return url;
}

UploadUrl presign_worker_request(const Config& config, const std::string& scheme, const std::string& request_host,
                                 const std::string& method, const std::string& key,
                                 std::vector<std::pair<std::string, std::string>> query, int64_t now_ms,
                                 sigv4::SigningKeyCache& keys) {
  const SigningTarget target{true, worker_signing_credentials(config), scheme, request_host};
  sigv4::PresignInput input;
  input.method = method;
  input.path = kWorkerUploadPrefix + key;
  input.extra_query = std::move(query);
  const sigv4::Presigned signed_url = sign(config, target, std::move(input), now_ms, keys);
  return UploadUrl{url_of(target, signed_url), {}, signed_url.expires_at_unix * 1000};
}

DownloadUrl presign_download(const Config& config, const std::string& scheme, const std::string& request_host,
                             const std::string& key, int64_t now_ms, sigv4::SigningKeyCache& keys) {
  const SigningTarget target = signing_target(config, scheme, request_host);
  sigv4::PresignInput input;
  input.method = "GET";
  input.path = target.worker ? kWorkerDownloadPrefix + key : "/" + config.r2_bucket + "/" + key;
  const sigv4::Presigned signed_url = sign(config, target, std::move(input), now_ms, keys);
  return DownloadUrl{url_of(target, signed_url), signed_url.expires_at_unix * 1000};
}

}  // namespace upgate
