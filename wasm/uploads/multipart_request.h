// Multipart uploads' requests and their part arithmetic (contract 5.4): how a file is cut into parts, and
// the bodies of POST /api/uploads/multipart and /api/uploads/multipart/sign, checked with the contract's
// codes. Pure: the caller supplies the limits and the time.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"
#include "http/errors.h"
#include "uploads/upload_request.h"

namespace upgate {

// S3's (and R2's) rules for parts: every part but the last at least 5 MiB, at most 10,000 parts.
constexpr int64_t kMinPartBytes = kMinimumPartBytes;
constexpr int64_t kDefaultPartBytes = int64_t(16) * 1024 * 1024;
constexpr int64_t kMaxParts = 10000;
constexpr size_t kMaxPartsPerSign = 100;

// How a file of `size` bytes is cut: part_count parts of part_size bytes, the last holding the rest.
struct PartPlan {
  int64_t part_size = 0;
  int64_t part_count = 0;
  // The exact size of part n (1 … part_count).
  static int64_t size_of(int64_t part_number, int64_t part_size, int64_t size);
};

// The default part size where parts may be at most max_part_bytes: 16 MiB, or less where parts must be smaller.
inline int64_t default_part_bytes(int64_t max_part_bytes) { return std::min(kDefaultPartBytes, max_part_bytes); }

// The requested part size (or, for 0, the default), raised so the file fits in 10,000 parts.
PartPlan plan_parts(int64_t size, int64_t requested_part_size, int64_t max_part_bytes);

struct MultipartRequest {
  std::string shoot_id;
  FileRequest file;  // file.part_size set
  int64_t part_count = 0;
};

// {"shootId", "filename", "contentType", "size", "sha256"?, "replace"?, "partSize"?}: the file is checked as
// presign checks one (up to max_upload_bytes); a requested partSize must lie in 5 MiB … max_part_bytes.
std::variant<MultipartRequest, Rejection> parse_multipart_request(const std::string& body, int64_t max_upload_bytes,
                                                                  int64_t max_part_bytes, int64_t now_unix_seconds);

struct SignPartsRequest {
  std::string upload_id;
  std::vector<int64_t> part_numbers;      // 1–100 of them, each ≥ 1 (the ledger checks them against partCount)
  std::map<int64_t, std::string> sha256;  // part number -> lower-case hex digest the part must have
};

// {"uploadId", "partNumbers": [n, ...], "sha256"?: {"<n>": "<64 hex>"}}
std::variant<SignPartsRequest, Rejection> parse_sign_parts_request(const std::string& body);

}  // namespace upgate
