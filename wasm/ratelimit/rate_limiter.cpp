#include "ratelimit/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace upgate {

namespace {
constexpr double kWindowMs = 60000.0;

double refilled(double tokens, int64_t elapsed_ms, int64_t limit) {
  return std::min(static_cast<double>(limit), tokens + static_cast<double>(std::max<int64_t>(elapsed_ms, 0)) *
                                                           static_cast<double>(limit) / kWindowMs);
}

int64_t ms_to_refill(double tokens_needed, int64_t limit) {
  return static_cast<int64_t>(std::ceil(std::max(0.0, tokens_needed) * kWindowMs / static_cast<double>(limit)));
}
}  // namespace

// The least recently used buckets are the oldest, so full ones gather at the back of the recency list.
void RateLimiter::drop_full_buckets(int64_t limit, int64_t now_ms) {
  while (!recency_.empty()) {
    auto it = buckets_.find(recency_.back());
    if (refilled(it->second.tokens, now_ms - it->second.updated_ms, limit) < static_cast<double>(limit)) return;
    buckets_.erase(it);
    recency_.pop_back();
  }
}

RateDecision RateLimiter::spend(const std::string& key, int64_t cost, int64_t limit, int64_t now_ms) {
  drop_full_buckets(limit, now_ms);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      buckets_.erase(recency_.back());
      recency_.pop_back();
    }
    recency_.push_front(key);
    it = buckets_.emplace(key, Bucket{static_cast<double>(limit), now_ms, recency_.begin()}).first;
  } else {
    recency_.splice(recency_.begin(), recency_, it->second.recency);
  }
  Bucket& bucket = it->second;
  bucket.tokens = refilled(bucket.tokens, now_ms - bucket.updated_ms, limit);
  bucket.updated_ms = std::max(bucket.updated_ms, now_ms);

  RateDecision decision;
  decision.limit = limit;
  decision.allowed = bucket.tokens >= static_cast<double>(cost);
  if (decision.allowed) {
    bucket.tokens -= static_cast<double>(cost);
  } else {
    const double missing = static_cast<double>(cost) - bucket.tokens;
    decision.retry_after_seconds = std::max<int64_t>(1, (ms_to_refill(missing, limit) + 999) / 1000);
  }
  decision.remaining = static_cast<int64_t>(std::floor(bucket.tokens));
  decision.reset_unix_seconds = (now_ms + ms_to_refill(static_cast<double>(limit) - bucket.tokens, limit) + 999) / 1000;
  return decision;
}

}  // namespace upgate
