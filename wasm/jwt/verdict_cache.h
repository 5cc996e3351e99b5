// Tokens this isolate has verified, remembered until they expire: a client uploads a whole shoot (3,000 files,
// a presign and a complete each) with one token, and without this every request would decode its JSON,
// check its claims and verify its signature again — for RS256/ES256 a round trip to the shim's Web Crypto.
//
// Only accepted tokens are remembered, keyed by the whole token text (so a token differing in any byte is
// verified afresh), against the key ring they were verified with: the cache belongs to the isolate's
// configuration and is rebuilt with it. A hit is honoured only while the full check would still accept it:
// at or after the time it was verified (so nbf and iat, already passed, stay passed) and before its exp, less
// the clock skew, as floored in Claims (up to a second early; then the full check decides).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "jwt/jwt.h"

namespace upgate::jwt {

class VerdictCache {
 public:
  explicit VerdictCache(size_t capacity = 512) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The claims of a token accepted before, when the full check would accept it now too.
  std::optional<Claims> find(const std::string& token, int64_t now_seconds) const;
  // A token the full check accepted at now_seconds.
  void remember(const std::string& token, const Claims& claims, int64_t now_seconds);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Claims claims;
    int64_t verified_at = 0;
  };
  std::unordered_map<std::string, Entry> entries_;
  size_t capacity_;
};

}  // namespace upgate::jwt
