#include "uploads/signing_keys.h"

namespace upgate {

sigv4::Credentials worker_signing_credentials(const Config& config) {
  if (config.upload_mode == UploadMode::S3) return sigv4::Credentials{config.r2_key_id, config.r2_secret};
  return sigv4::Credentials{config.upload_key_id, config.upload_secret};
}

std::optional<sigv4::Credentials> worker_verifying_credentials(const Config& config, std::string_view key_id) {
  if (key_id.empty()) return std::nullopt;
  if (config.upload_mode == UploadMode::S3) {
    if (key_id == config.r2_key_id) return worker_signing_credentials(config);
    return std::nullopt;
  }
  if (key_id == config.upload_key_id) return worker_signing_credentials(config);
  if (key_id == config.upload_previous_key_id) {
    return sigv4::Credentials{config.upload_previous_key_id, config.upload_previous_secret};
  }
  return std::nullopt;
}

}  // namespace upgate
