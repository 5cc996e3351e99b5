// Builds the presigned PUT URL for one file, in either upload mode (contract section 5).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "config.h"
#include "sigv4.h"

namespace upgate {

struct UploadUrl {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // what the client must send, with values
  int64_t expires_at_ms = 0;
};

struct UploadTarget {
  std::string upload_id;
  std::string key;
  std::string content_type;
  int64_t size = 0;
  std::string sha256_hex;  // empty when not declared
};

// worker mode: <scheme>://<request host>/upload/<key>, signed with the worker-mode key pair;
// s3 mode: <R2_S3_ENDPOINT>/<bucket>/<key>, signed with the R2 key pair. Both sign host, content-type,
// content-length and, when a digest was declared, x-amz-checksum-sha256, so the storage side enforces them.
UploadUrl presign_upload(const Config& config, const std::string& scheme, const std::string& request_host,
                         const UploadTarget& target, int64_t now_ms, sigv4::SigningKeyCache& keys);

// The path prefix of worker-mode upload URLs.
constexpr const char* kWorkerUploadPrefix = "/upload/";
// Worker-mode URLs also sign the upload id, so the PUT can refuse to overwrite that upload once completed.
constexpr const char* kUploadIdParam = "x-upgate-upload-id";

}  // namespace upgate
