#include "uploads/upload_url.h"

#include "util/encoding.h"

namespace upgate {

UploadUrl presign_upload(const Config& config, const std::string& scheme, const std::string& request_host,
                         const UploadSession& upload, int64_t now_ms, sigv4::SigningKeyCache& keys) {
  const bool worker = config.upload_mode == UploadMode::Worker;
  const sigv4::Credentials credentials = worker ? sigv4::Credentials{config.upload_key_id, config.upload_secret}
                                                : sigv4::Credentials{config.r2_key_id, config.r2_secret};
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
  input.host = worker ? request_host : config.r2_endpoint_host();
  input.path = worker ? kWorkerUploadPrefix + upload.key : "/" + config.r2_bucket + "/" + upload.object_key;
  for (const auto& [name, value] : url.headers) input.signed_headers.emplace_back(name, value);
  if (worker) input.extra_query.emplace_back(kUploadIdParam, upload.upload_id);
  input.now_unix_seconds = now_ms / 1000;
  input.expires_seconds = config.presign_ttl_seconds;
  const sigv4::Presigned signed_url = sigv4::presign(credentials, sigv4::Scope{}, input, keys);
  url.url = (worker ? scheme : config.r2_endpoint_scheme()) + "://" + input.host + signed_url.url_path_and_query;
  url.expires_at_ms = signed_url.expires_at_unix * 1000;
  return url;
}

DownloadUrl presign_download(const Config& config, const std::string& scheme, const std::string& request_host,
                             const std::string& key, int64_t now_ms, sigv4::SigningKeyCache& keys) {
  const bool worker = config.upload_mode == UploadMode::Worker;
  const sigv4::Credentials credentials = worker ? sigv4::Credentials{config.upload_key_id, config.upload_secret}
                                                : sigv4::Credentials{config.r2_key_id, config.r2_secret};
  sigv4::PresignInput input;
  input.method = "GET";
  input.host = worker ? request_host : config.r2_endpoint_host();
  input.path = worker ? kWorkerDownloadPrefix + key : "/" + config.r2_bucket + "/" + key;
  input.now_unix_seconds = now_ms / 1000;
  input.expires_seconds = config.presign_ttl_seconds;
  const sigv4::Presigned signed_url = sigv4::presign(credentials, sigv4::Scope{}, input, keys);
  return DownloadUrl{
      (worker ? scheme : config.r2_endpoint_scheme()) + "://" + input.host + signed_url.url_path_and_query,
      signed_url.expires_at_unix * 1000};
}

}  // namespace upgate
