// The checksums a PUT is held to: the running CRCs the shim streams through the core, and which signed
// x-amz-checksum-* values a request carries.
#include <doctest/doctest.h>

#include "crypto/checksum_stream.h"
#include "uploads/upload_checksums.h"
#include "util/encoding.h"

using namespace upgate;

namespace {
std::string crc_of(checksum_stream::Algorithm algorithm, const std::vector<std::string>& chunks) {
  const uint32_t handle = checksum_stream::open(static_cast<uint32_t>(algorithm));
  for (const auto& chunk : chunks) checksum_stream::update(handle, chunk);
  return checksum_stream::finish(handle);
}
}  // namespace

TEST_CASE("CRC-32 and CRC-32C give the catalogued check values, big-endian, in any chunking") {
  // The "check" values of the CRC catalogue for the ASCII string 123456789.
  CHECK(crc_of(checksum_stream::Algorithm::Crc32, {"123456789"}) == "cbf43926");
  CHECK(crc_of(checksum_stream::Algorithm::Crc32, {"1234", "", "56789"}) == "cbf43926");
  CHECK(crc_of(checksum_stream::Algorithm::Crc32c, {"123456789"}) == "e3069283");
  CHECK(crc_of(checksum_stream::Algorithm::Crc32c, {"1", "23456789"}) == "e3069283");
  // The empty body: what an SDK that presigns without a body signs (AAAAAA== in base64).
  CHECK(crc_of(checksum_stream::Algorithm::Crc32, {}) == "00000000");
}

TEST_CASE("an unknown algorithm or handle gives nothing") {
  CHECK(checksum_stream::open(99) == 0);
  CHECK(checksum_stream::finish(123456789) == "");
  const uint32_t handle = checksum_stream::open(static_cast<uint32_t>(checksum_stream::Algorithm::Crc32));
  CHECK(checksum_stream::finish(handle) == "00000000");
  CHECK(checksum_stream::finish(handle) == "");  // closed by the first finish
}

TEST_CASE("signed checksums come from the query and the headers") {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  const std::string crc_base64 = encoding::base64_encode(encoding::hex_decode("cbf43926").value());

  SUBCASE("a hoisted query value and an announced algorithm") {
    auto found =
        signed_checksums(Pairs{{"x-amz-checksum-crc32", crc_base64}, {"x-amz-sdk-checksum-algorithm", "CRC32"}}, {});
    REQUIRE(found.ok());
    CHECK(found.value() == Checksums{{"crc32", "cbf43926"}});
  }
  SUBCASE("a header, in any case, alongside descriptors that carry no value") {
    auto found =
        signed_checksums({}, Pairs{{"X-Amz-Checksum-CRC32C", crc_base64}, {"x-amz-checksum-type", "FULL_OBJECT"}});
    REQUIRE(found.ok());
    CHECK(found.value() == Checksums{{"crc32c", "cbf43926"}});
  }
  SUBCASE("the same value twice is one checksum; two values for one algorithm are refused") {
    CHECK(signed_checksums(Pairs{{"x-amz-checksum-crc32", crc_base64}}, Pairs{{"x-amz-checksum-crc32", crc_base64}})
              .ok());
    auto conflict =
        signed_checksums(Pairs{{"x-amz-checksum-crc32", crc_base64}}, Pairs{{"x-amz-checksum-crc32", "AAAAAA=="}});
    REQUIRE_FALSE(conflict.ok());
    CHECK(conflict.failure().code == "invalid_request");
  }
  SUBCASE("an algorithm Upgate cannot verify is refused up front") {
    auto value = signed_checksums(Pairs{{"x-amz-checksum-crc64nvme", "AAAAAAAAAAA="}}, {});
    REQUIRE_FALSE(value.ok());
    CHECK(value.failure().code == "checksum_unsupported");
    auto announced = signed_checksums({}, Pairs{{"x-amz-sdk-checksum-algorithm", "CRC64NVME"}});
    REQUIRE_FALSE(announced.ok());
    CHECK(announced.failure().code == "checksum_unsupported");
  }
  SUBCASE("a value of the wrong length or not base64 is invalid") {
    CHECK(signed_checksums(Pairs{{"x-amz-checksum-sha256", crc_base64}}, {}).failure().code == "invalid_request");
    CHECK(signed_checksums(Pairs{{"x-amz-checksum-crc32", "not base64!"}}, {}).failure().code == "invalid_request");
  }
  SUBCASE("no checksum at all") { CHECK(signed_checksums(Pairs{{"x-id", "PutObject"}}, {}).value().empty()); }
}
