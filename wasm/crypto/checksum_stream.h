// Incremental CRC-32 and CRC-32C (Crypto++) over a body the shim streams through the core chunk by chunk,
// for the x-amz-checksum-crc32 / -crc32c values a PUT is held to (R2 itself verifies only MD5 and the SHAs).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace upgate::checksum_stream {

enum class Algorithm : uint32_t { Crc32 = 1, Crc32c = 2 };

// A handle for a new running checksum; 0 for an unknown algorithm. At most kMaxOpen are open at once; beyond
// that the oldest is dropped (a stream the shim abandoned never closes its checksum).
uint32_t open(uint32_t algorithm);
void update(uint32_t handle, std::string_view bytes);
// The checksum as S3 spells it (big-endian, lower-case hex), and the handle is closed; "" for an unknown one.
std::string finish(uint32_t handle);

constexpr size_t kMaxOpen = 256;

}  // namespace upgate::checksum_stream
