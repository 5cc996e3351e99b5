#include <doctest/doctest.h>

#include "crypto/crypto.h"
#include "util/encoding.h"

using namespace upgate;

TEST_CASE("SHA-256 matches the FIPS 180-2 vectors") {
  CHECK(crypto::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(crypto::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(crypto::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(crypto::sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("HMAC-SHA256 matches RFC 4231") {
  SUBCASE("test case 1") {
    CHECK(encoding::hex_encode(crypto::hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
  SUBCASE("test case 2") {
    CHECK(encoding::hex_encode(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SUBCASE("test case 6: key longer than the block size") {
    CHECK(encoding::hex_encode(crypto::hmac_sha256(std::string(131, '\xaa'),
                                                   "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
}

TEST_CASE("constant-time comparison") {
  CHECK(crypto::constant_time_equal("abc", "abc"));
  CHECK_FALSE(crypto::constant_time_equal("abc", "abd"));
  CHECK_FALSE(crypto::constant_time_equal("abc", "abcd"));
  CHECK(crypto::constant_time_equal("", ""));
}

TEST_CASE("hex round trip and rejection") {
  CHECK(encoding::hex_encode(std::string("\x00\xff\x10", 3)) == "00ff10");
  CHECK(encoding::hex_decode("00FF10").value() == std::string("\x00\xff\x10", 3));
  CHECK_FALSE(encoding::hex_decode("abc").has_value());
  CHECK_FALSE(encoding::hex_decode("zz").has_value());
}

TEST_CASE("strict base64url") {
  CHECK(encoding::base64url_encode("\xfb\xff") == "-_8");
  CHECK(encoding::base64url_decode("-_8").value() == "\xfb\xff");
  CHECK(encoding::base64url_decode("").value().empty());
  CHECK_FALSE(encoding::base64url_decode("-_8=").has_value());  // padding
  CHECK_FALSE(encoding::base64url_decode("+/8").has_value());   // standard alphabet
  CHECK_FALSE(encoding::base64url_decode("A").has_value());     // impossible length
  CHECK_FALSE(encoding::base64url_decode("-_9").has_value());   // non-zero trailing bits
  CHECK(encoding::base64_encode("ab") == "YWI=");
}

TEST_CASE("S3 URI encoding") {
  CHECK(encoding::uri_encode("a b+c=d~e/f", true) == "a%20b%2Bc%3Dd~e/f");
  CHECK(encoding::uri_encode("a/b", false) == "a%2Fb");
  CHECK(encoding::uri_encode("\xc3\xa9", true) == "%C3%A9");
  CHECK(encoding::uri_decode("a%20b%2b").value() == "a b+");
  CHECK_FALSE(encoding::uri_decode("%2").has_value());
  CHECK_FALSE(encoding::uri_decode("%zz").has_value());
}

TEST_CASE("strict standard base64") {
  CHECK(encoding::base64_decode("YWI=").value() == "ab");
  CHECK(encoding::base64_decode("+/8=").value() == "\xfb\xff");
  CHECK(encoding::base64_decode("").value().empty());
  CHECK_FALSE(encoding::base64_decode("YWI").has_value());   // missing padding
  CHECK_FALSE(encoding::base64_decode("-_8=").has_value());  // url-safe alphabet
  CHECK_FALSE(encoding::base64_decode("Y=I=").has_value());  // padding in the middle
}
