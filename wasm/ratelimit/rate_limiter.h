// Token buckets per key (contract section 7): RATE_LIMIT_PER_MINUTE tokens, refilled continuously. Memory is
// bounded: at most max_keys buckets; a bucket that has refilled completely holds no information and is dropped
// inline, and when the table is still full the least recently used bucket is evicted. No timers.
#pragma once
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

namespace upgate {

struct RateDecision {
  bool allowed = false;
  int64_t limit = 0;
  int64_t remaining = 0;            // whole tokens left after this request
  int64_t reset_unix_seconds = 0;   // when the bucket is full again
  int64_t retry_after_seconds = 0;  // when refused: until enough tokens have refilled
};

class RateLimiter {
 public:
  explicit RateLimiter(size_t max_keys = 10000) : max_keys_(max_keys) {}

  // Takes cost tokens from key's bucket at now_ms if it holds that many; otherwise takes nothing.
  RateDecision spend(const std::string& key, int64_t cost, int64_t limit_per_minute, int64_t now_ms);

  size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    int64_t updated_ms;
    std::list<std::string>::iterator recency;  // position in recency_, most recent first
  };
  void drop_full_buckets(int64_t limit_per_minute, int64_t now_ms);

  size_t max_keys_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> recency_;
};

}  // namespace upgate
