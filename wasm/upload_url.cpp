#include "upload_url.h"

#include "encoding.h"

namespace upgate {

UploadUrl presign_upload(const Config& config, const std::string& scheme, const std::string& request_host,
                         const UploadTarget& target, int64_t now_ms, sigv4::SigningKeyCache& keys) {
  const bool worker = config.upload_mode == UploadMode::Worker;
  const sigv4::Credentials credentials = worker ? sigv4::Credentials{config.upload_key_id, config.upload_secret}
                                                : sigv4::Credentials{config.r2_key_id, config.r2_secret};
  UploadUrl upload;
  upload.headers = {{"Content-Type", target.content_type}, {"Content-Length", std::to_string(target.size)}};
  if (!target.sha256_hex.empty()) {
    upload.headers.emplace_back("x-amz-checksum-sha256",
                                encoding::base64_encode(encoding::hex_decode(target.sha256_hex).value_or("")));
  }
  sigv4::PresignInput input;
  input.method = "PUT";
  input.host = worker ? request_host : config.r2_endpoint_host();
  input.path = worker ? kWorkerUploadPrefix + target.key : "/" + config.r2_bucket + "/" + target.key;
  for (const auto& [name, value] : upload.headers) input.signed_headers.emplace_back(name, value);
  if (worker) input.extra_query.emplace_back(kUploadIdParam, target.upload_id);
  input.now_unix_seconds = now_ms / 1000;
  input.expires_seconds = config.presign_ttl_seconds;
  const sigv4::Presigned signed_url = sigv4::presign(credentials, sigv4::Scope{}, input, keys);
  upload.url = (worker ? scheme : std::string("https")) + "://" + input.host + signed_url.url_path_and_query;
  upload.expires_at_ms = signed_url.expires_at_unix * 1000;
  return upload;
}

}  // namespace upgate
