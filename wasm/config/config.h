// The Worker's configuration (contract section 1), parsed and validated once per isolate from the
// environment strings the shim hands over.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "util/json.h"

namespace upgate {

enum class UploadMode { Worker, S3 };

constexpr int64_t kDefaultMaxUploadBytes = int64_t(5) * 1024 * 1024 * 1024;  // S3's largest object by one PUT
// Under Cloudflare's 100 MB request body limit (Free and Pro plans), which refuses larger bodies before the
// Worker runs.
constexpr int64_t kWorkerMaxSinglePutBytes = int64_t(95) * 1024 * 1024;
constexpr int64_t kMinimumPartBytes = int64_t(5) * 1024 * 1024;  // S3's smallest part but the last

struct Config {
  std::string app_env;  // "development" or "production"
  bool production = false;

  std::string jwt_secret, jwt_jwks, jwt_issuer, jwt_audience;

  UploadMode upload_mode = UploadMode::Worker;
  std::string upload_key_id, upload_secret;                  // worker mode
  std::string r2_endpoint, r2_bucket, r2_key_id, r2_secret;  // s3 mode
  // Worker mode, during a key rotation: the pair URLs signed before it still verify with (both empty: none).
  std::string upload_previous_key_id, upload_previous_secret;

  int64_t presign_ttl_seconds = 900;
  int64_t max_upload_bytes = kDefaultMaxUploadBytes;        // the largest file, in one PUT or in parts
  int64_t max_single_put_bytes = kWorkerMaxSinglePutBytes;  // the largest file in one PUT (contract 5.1)
  // After the upload (contract 10): where events are POSTed and what signs them (both empty: no webhooks),
  // and how long a failed delivery waits before each retry.
  std::string webhook_url, webhook_secret;
  std::vector<int64_t> retry_delays_seconds{60, 300, 900};
  std::vector<std::string> cors_origins;  // exact origins, or patterns ending in ":*" (any port)
  int64_t rate_limit_per_minute = 100;

  // Production: each makes every route but /healthz answer 503. Development: what was defaulted.
  std::vector<std::string> problems;
  std::vector<std::string> notes;

  // The largest part of a multipart upload: a part is one PUT (contract 5.4), though never below S3's 5 MiB
  // minimum, which would leave no part size at all.
  int64_t max_part_bytes() const {
    return std::max(kMinimumPartBytes, std::min(max_single_put_bytes, kDefaultMaxUploadBytes));
  }

  bool usable() const { return problems.empty(); }
  std::string r2_endpoint_host() const;
  std::string r2_endpoint_scheme() const;  // "https", or "http" for a local S3 server in development
};

// env: the Worker's vars and secrets as a JSON object of strings. Never fails: what is wrong is in problems.
Config load_config(const json& env);

}  // namespace upgate
