// The Worker's configuration (contract section 1), parsed and validated once per isolate from the
// environment strings the shim hands over.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "util/json.h"

namespace upgate {

enum class UploadMode { Worker, S3 };

struct Config {
  std::string app_env;  // "development" or "production"
  bool production = false;

  std::string jwt_secret, jwt_jwks, jwt_issuer, jwt_audience;

  UploadMode upload_mode = UploadMode::Worker;
  std::string upload_key_id, upload_secret;                  // worker mode
  std::string r2_endpoint, r2_bucket, r2_key_id, r2_secret;  // s3 mode

  int64_t presign_ttl_seconds = 900;
  int64_t max_upload_bytes = 104857600;
  std::vector<std::string> cors_origins;  // exact origins, or patterns ending in ":*" (any port)
  int64_t rate_limit_per_minute = 100;

  // Production: each makes every route but /healthz answer 503. Development: what was defaulted.
  std::vector<std::string> problems;
  std::vector<std::string> notes;

  bool usable() const { return problems.empty(); }
  std::string r2_endpoint_host() const;
  std::string r2_endpoint_scheme() const;  // "https", or "http" for a local S3 server in development
};

// env: the Worker's vars and secrets as a JSON object of strings. Never fails: what is wrong is in problems.
Config load_config(const json& env);

}  // namespace upgate
