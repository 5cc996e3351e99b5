// SHA-256 and HMAC-SHA256 over Crypto++, plus the constant-time comparison the verifiers need.
#pragma once
#include <string>
#include <string_view>

namespace upgate::crypto {

// Raw 32-byte digests, returned as std::string (bytes).
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

// Lower-case hex of the digest, the form SigV4 and the contract use.
std::string sha256_hex(std::string_view data);

// Compares without an early exit, so timing does not reveal how many leading bytes matched.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace upgate::crypto
