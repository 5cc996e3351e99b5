#include "crypto/crypto.h"

#include <cryptopp/hmac.h>
#include <cryptopp/misc.h>
#include <cryptopp/sha.h>

#include "util/encoding.h"

namespace upgate::crypto {

namespace {
const CryptoPP::byte* bytes(std::string_view s) { return reinterpret_cast<const CryptoPP::byte*>(s.data()); }
}  // namespace

std::string sha256(std::string_view data) {
  std::string digest(CryptoPP::SHA256::DIGESTSIZE, '\0');
  CryptoPP::SHA256 hash;
  hash.CalculateDigest(reinterpret_cast<CryptoPP::byte*>(digest.data()), bytes(data), data.size());
  return digest;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string mac(CryptoPP::SHA256::DIGESTSIZE, '\0');
  CryptoPP::HMAC<CryptoPP::SHA256> hmac(bytes(key), key.size());
  hmac.CalculateDigest(reinterpret_cast<CryptoPP::byte*>(mac.data()), bytes(data), data.size());
  return mac;
}

std::string sha256_hex(std::string_view data) { return encoding::hex_encode(sha256(data)); }

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CryptoPP::VerifyBufsEqual(bytes(a), bytes(b), a.size());
}

}  // namespace upgate::crypto
