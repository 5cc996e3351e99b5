// The isolate's memory of accepted tokens: a hit only where the full check would accept the token too.
#include <doctest/doctest.h>

#include "jwt/verdict_cache.h"

using namespace upgate::jwt;

namespace {
Claims claims_until(int64_t exp) { return Claims{"ana", {"admin"}, exp}; }
}  // namespace

TEST_CASE("a remembered token is found, with its claims, by its whole text only") {
  VerdictCache cache;
  cache.remember("header.payload.signature", claims_until(10'000), 1'000);
  const auto found = cache.find("header.payload.signature", 1'001);
  REQUIRE(found);
  CHECK(found->sub == "ana");
  CHECK(found->is_admin());
  CHECK(found->exp == 10'000);
  CHECK_FALSE(cache.find("header.payload.signaturf", 1'001));
  CHECK_FALSE(cache.find("header.payload.signature ", 1'001));
  CHECK_FALSE(cache.find("", 1'001));
}

TEST_CASE("a remembered token stops being found where the full check could refuse it") {
  VerdictCache cache;
  cache.remember("t", claims_until(10'000), 1'000);
  // Before the time it was verified: nbf and iat were checked against a later clock.
  CHECK_FALSE(cache.find("t", 999));
  // Its exp, less the clock skew the full check grants: from there on, the full check decides.
  CHECK(cache.find("t", 10'000 + kClockSkewSeconds - 1));
  CHECK_FALSE(cache.find("t", 10'000 + kClockSkewSeconds));
}

TEST_CASE("a full cache starts again rather than growing") {
  VerdictCache cache(2);
  cache.remember("a", claims_until(10'000), 1);
  cache.remember("b", claims_until(10'000), 1);
  CHECK(cache.size() == 2);
  cache.remember("c", claims_until(10'000), 1);
  CHECK(cache.size() == 1);
  CHECK(cache.find("c", 1));
  CHECK_FALSE(cache.find("a", 1));
}
