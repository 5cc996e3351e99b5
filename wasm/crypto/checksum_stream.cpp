#include "crypto/checksum_stream.h"

#include <cryptopp/crc.h>

#include <algorithm>
#include <map>

#include "util/encoding.h"

namespace upgate::checksum_stream {

namespace {

std::map<uint32_t, std::unique_ptr<CryptoPP::HashTransformation>>& open_checksums() {
  static std::map<uint32_t, std::unique_ptr<CryptoPP::HashTransformation>> open;
  return open;
}

std::unique_ptr<CryptoPP::HashTransformation> make(uint32_t algorithm) {
  switch (static_cast<Algorithm>(algorithm)) {
    case Algorithm::Crc32:
      return std::make_unique<CryptoPP::CRC32>();
    case Algorithm::Crc32c:
      return std::make_unique<CryptoPP::CRC32C>();
  }
  return nullptr;
}

}  // namespace

uint32_t open(uint32_t algorithm) {
  static uint32_t next_handle = 0;
  auto checksum = make(algorithm);
  if (!checksum) return 0;
  auto& open = open_checksums();
  const uint32_t handle = ++next_handle;
  open.emplace(handle, std::move(checksum));
  while (open.size() > kMaxOpen) open.erase(open.begin());  // handles grow, so begin() is the oldest
  return handle;
}

void update(uint32_t handle, std::string_view bytes) {
  auto it = open_checksums().find(handle);
  if (it == open_checksums().end()) return;
  it->second->Update(reinterpret_cast<const CryptoPP::byte*>(bytes.data()), bytes.size());
}

std::string finish(uint32_t handle) {
  auto it = open_checksums().find(handle);
  if (it == open_checksums().end()) return "";
  std::string digest(it->second->DigestSize(), '\0');
  it->second->Final(reinterpret_cast<CryptoPP::byte*>(digest.data()));
  open_checksums().erase(it);
  // Crypto++ writes the CRC register's bytes in memory order (little-endian); S3 sends the value big-endian.
  std::reverse(digest.begin(), digest.end());
  return encoding::hex_encode(digest);
}

}  // namespace upgate::checksum_stream
