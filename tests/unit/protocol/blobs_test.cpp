// Bytes that cross the core's boundary as bytes (protocol/blobs.h): held by id, taken once, bounded.
#include <doctest/doctest.h>

#include <algorithm>

#include "protocol/blobs.h"

using namespace upgate;

TEST_CASE("a blob holds its bytes until it is taken, and only once") {
  const uint32_t id = blobs::put("preview bytes");
  REQUIRE(id != 0);
  CHECK(blobs::size(id) == 13);
  CHECK(std::string(blobs::data(id), blobs::size(id)) == "preview bytes");
  CHECK(blobs::take(id) == std::optional<std::string>("preview bytes"));
  CHECK_FALSE(blobs::take(id).has_value());
  CHECK(blobs::data(id) == nullptr);
  CHECK(blobs::size(id) == 0);
}

TEST_CASE("the shim fills an allocated blob in place") {
  const uint32_t id = blobs::alloc(4);
  REQUIRE(id != 0);
  std::copy_n("JFIF", 4, blobs::data(id));
  CHECK(blobs::take(id) == std::optional<std::string>("JFIF"));
}

TEST_CASE("blobs past the bound are refused, and released bytes count no more") {
  CHECK(blobs::alloc(static_cast<uint32_t>(blobs::kMaxBlobBytes + 1)) == 0);
  const uint32_t big = blobs::alloc(static_cast<uint32_t>(blobs::kMaxBlobBytes));
  REQUIRE(big != 0);
  CHECK(blobs::put("x") == 0);
  blobs::release(big);
  const uint32_t small = blobs::put("x");
  CHECK(small != 0);
  blobs::release(small);
}
