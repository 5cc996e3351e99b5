#include "uploads/upload_checksums.h"

#include <algorithm>
#include <cctype>

#include "util/encoding.h"
#include "util/text.h"

namespace upgate {

namespace {

constexpr std::string_view kChecksumPrefix = "x-amz-checksum-";
constexpr std::string_view kSdkAlgorithm = "x-amz-sdk-checksum-algorithm";

// Digest length in bytes of each algorithm Upgate verifies.
const std::map<std::string, size_t, std::less<>>& digest_lengths() {
  static const std::map<std::string, size_t, std::less<>> lengths{
      {"crc32", 4}, {"crc32c", 4}, {"sha1", 20}, {"sha256", 32}};
  return lengths;
}

// Names under the prefix that describe a checksum rather than carry one.
bool is_descriptor(std::string_view algorithm) {
  return algorithm == "type" || algorithm == "algorithm" || algorithm == "mode";
}

using text::ascii_lower;

Failure unsupported(std::string_view algorithm) {
  return Failure{"checksum_unsupported",
                 "Upgate cannot verify the " + std::string(algorithm) +
                     " checksum this request names; use crc32, crc32c, sha1 or sha256, or none."};
}

// Adds one x-amz-checksum-<algorithm> value; a failure when it cannot be held to.
std::optional<Failure> add(Checksums& checksums, std::string_view algorithm, std::string_view base64) {
  const auto length = digest_lengths().find(algorithm);
  if (length == digest_lengths().end()) return unsupported(algorithm);
  const auto digest = encoding::base64_decode(base64);
  if (!digest || digest->size() != length->second) {
    return Failure{"invalid_request", "x-amz-checksum-" + std::string(algorithm) + " must be the base64 of a " +
                                          std::to_string(length->second) + "-byte digest."};
  }
  const std::string hex = encoding::hex_encode(*digest);
  const auto [it, inserted] = checksums.emplace(std::string(algorithm), hex);
  if (!inserted && it->second != hex) {
    return Failure{"invalid_request", "Two different x-amz-checksum-" + std::string(algorithm) + " values were sent."};
  }
  return std::nullopt;
}

std::optional<Failure> add_all(Checksums& checksums, const std::vector<std::pair<std::string, std::string>>& pairs) {
  for (const auto& [raw_name, value] : pairs) {
    const std::string name = ascii_lower(raw_name);
    if (name == kSdkAlgorithm) {
      // The algorithm a client announces must be one Upgate verifies, even when its value travels elsewhere.
      const std::string algorithm = ascii_lower(value);
      if (digest_lengths().find(algorithm) == digest_lengths().end()) return unsupported(algorithm);
      continue;
    }
    if (name.rfind(kChecksumPrefix, 0) != 0) continue;
    const std::string_view algorithm = std::string_view(name).substr(kChecksumPrefix.size());
    if (is_descriptor(algorithm)) continue;
    if (auto failure = add(checksums, algorithm, value)) return failure;
  }
  return std::nullopt;
}

}  // namespace

Outcome<Checksums> signed_checksums(const std::vector<std::pair<std::string, std::string>>& query,
                                    const std::vector<std::pair<std::string, std::string>>& headers) {
  Checksums checksums;
  if (auto failure = add_all(checksums, query)) return *failure;
  if (auto failure = add_all(checksums, headers)) return *failure;
  return checksums;
}

}  // namespace upgate
