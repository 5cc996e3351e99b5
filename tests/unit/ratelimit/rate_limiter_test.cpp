#include <doctest/doctest.h>

#include "ratelimit/rate_limiter.h"

using upgate::RateLimiter;

TEST_CASE("a bucket allows the limit per minute, then refuses with a retry time") {
  RateLimiter limiter;
  const int64_t t0 = 1'700'000'000'000;
  for (int i = 0; i < 100; ++i) {
    auto decision = limiter.spend("sub:alice", 1, 100, t0);
    REQUIRE(decision.allowed);
    CHECK(decision.remaining == 99 - i);
    CHECK(decision.limit == 100);
  }
  auto refused = limiter.spend("sub:alice", 1, 100, t0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.remaining == 0);
  CHECK(refused.retry_after_seconds == 1);  // one token refills in 0.6 s
  CHECK(refused.reset_unix_seconds == t0 / 1000 + 60);
}

TEST_CASE("tokens refill continuously") {
  RateLimiter limiter;
  const int64_t t0 = 1'700'000'000'000;
  CHECK(limiter.spend("k", 100, 100, t0).allowed);
  CHECK_FALSE(limiter.spend("k", 1, 100, t0 + 500).allowed);  // 0.83 tokens
  auto after = limiter.spend("k", 1, 100, t0 + 600);          // exactly one token
  CHECK(after.allowed);
  CHECK(after.remaining == 0);
  CHECK(limiter.spend("k", 50, 100, t0 + 600 + 30'000).allowed);
}

TEST_CASE("a refused spend takes nothing, and a batch costs its size") {
  RateLimiter limiter;
  const int64_t t0 = 1'700'000'000'000;
  CHECK(limiter.spend("k", 90, 100, t0).allowed);
  auto refused = limiter.spend("k", 20, 100, t0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.remaining == 10);
  CHECK(refused.retry_after_seconds == 6);  // 10 more tokens take 6 s
  CHECK(limiter.spend("k", 10, 100, t0).allowed);
}

TEST_CASE("keys are independent") {
  RateLimiter limiter;
  CHECK(limiter.spend("a", 100, 100, 0).allowed);
  CHECK_FALSE(limiter.spend("a", 1, 100, 0).allowed);
  auto other = limiter.spend("b", 1, 100, 0);
  CHECK(other.allowed);
  CHECK(other.remaining == 99);
}

TEST_CASE("memory is bounded: the key past the bound evicts the least recently used") {
  RateLimiter limiter(10000);
  for (int i = 0; i < 10000; ++i) limiter.spend("key" + std::to_string(i), 1, 100, 0);
  CHECK(limiter.size() == 10000);
  limiter.spend("key0", 1, 100, 0);  // key0 is now the most recent; key1 the least
  limiter.spend("key10000", 1, 100, 0);
  CHECK(limiter.size() == 10000);
  // key1 was evicted, so it starts afresh; key0 kept its spent tokens.
  CHECK(limiter.spend("key1", 1, 100, 0).remaining == 99);
  CHECK(limiter.spend("key0", 1, 100, 0).remaining == 97);
}

TEST_CASE("buckets that have refilled completely are dropped inline") {
  RateLimiter limiter;
  for (int i = 0; i < 50; ++i) limiter.spend("key" + std::to_string(i), 1, 100, 0);
  CHECK(limiter.size() == 50);
  limiter.spend("fresh", 1, 100, 60'000);  // a minute later every old bucket is full again
  CHECK(limiter.size() == 1);
}
