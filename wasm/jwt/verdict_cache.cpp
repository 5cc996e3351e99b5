#include "jwt/verdict_cache.h"

namespace upgate::jwt {

std::optional<Claims> VerdictCache::find(const std::string& token, int64_t now_seconds) const {
  const auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  const Entry& entry = it->second;
  if (now_seconds < entry.verified_at || entry.claims.exp <= now_seconds - kClockSkewSeconds) return std::nullopt;
  return entry.claims;
}

void VerdictCache::remember(const std::string& token, const Claims& claims, int64_t now_seconds) {
  // Full: start again rather than track ages. Filling it takes that many distinct valid tokens, and each one
  // costs only its next verification.
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(token, Entry{claims, now_seconds});
}

}  // namespace upgate::jwt
