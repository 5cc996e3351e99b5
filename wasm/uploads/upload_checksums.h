// The checksums an S3 PUT is held to (contract 5.1): x-amz-checksum-crc32, -crc32c, -sha1 and -sha256, from
// the signed query (where SDK presigners hoist them) or the request headers, as S3 reads them. Any other
// checksum algorithm is refused up front rather than accepted unchecked.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "util/failure.h"

namespace upgate {

// Algorithm ("crc32", "crc32c", "sha1", "sha256") -> the digest the body must have, as lower-case hex.
using Checksums = std::map<std::string, std::string>;

// query: the signed query parameters (decoded); headers: the request headers (names lower case).
// Failures: checksum_unsupported (an algorithm Upgate cannot verify), invalid_request (a value that is not
// base64 of the algorithm's digest length, or two different values for one algorithm).
Outcome<Checksums> signed_checksums(const std::vector<std::pair<std::string, std::string>>& query,
                                    const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace upgate
