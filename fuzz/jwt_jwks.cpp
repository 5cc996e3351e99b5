// Fuzz target: jwt::KeyRing::build with the input as the JWT_JWKS JSON (once without and once with an HS256
// secret), then jwt::verify against whatever ring it built.
//
// Invariants:
//  - build never throws; a failure has one of the three documented codes, and text that is not JSON at all is
//    always jwks_malformed; adding the secret changes nothing but the no_verification_key case;
//  - every key in a built ring is usable as documented: RS256 with an odd 2048-8192-bit modulus without
//    leading zeros and an odd exponent of 1-4 bytes >= 3, or ES256 with 32-byte coordinates; its JWK is in
//    canonical form and its thumbprint is jwk_thumbprint(jwk); non-empty kids are unique and find() returns them;
//  - the JWKS never decides an HS256 token: a token HMAC-signed with the secret is Valid whatever the JWKS
//    holds, one signed with another secret never is;
//  - for every key with a kid, a well-shaped RS256/ES256 token naming it asks the shim about exactly that key,
//    and is Valid once the shim agrees (so no key in the ring is unusable for verification).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "crypto/crypto.h"
#include "fuzz_check.h"
#include "jwt/jwt.h"
#include "util/encoding.h"
#include "util/json.h"

using namespace upgate;
using Kind = jwt::Verdict::Kind;

namespace {

constexpr int64_t kNow = 1800000000;
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

std::string b64(std::string_view bytes) { return encoding::base64url_encode(bytes); }

std::string hs256_token(const std::string& secret, const std::string& header) {
  const std::string input = b64(header) + "." + b64(R"({"sub":"user-1","exp":1800000600})");
  return input + "." + b64(crypto::hmac_sha256(secret, input));
}

size_t bit_length(std::string_view bytes) {
  if (bytes.empty()) return 0;
  size_t bits = (bytes.size() - 1) * 8;
  for (unsigned top = static_cast<uint8_t>(bytes[0]); top != 0; top >>= 1) ++bits;
  return bits;
}

void check_key(const jwt::PublicKey& key, const jwt::KeyRing& ring, const std::string& where) {
  const json& jwk = key.jwk;
  FUZZ_CHECK(jwk.is_object(), where);
  FUZZ_CHECK(string_field(jwk, "alg") == key.alg, where);
  FUZZ_CHECK(key.thumbprint.size() == 43 && key.thumbprint == jwt::jwk_thumbprint(jwk), where);
  if (key.kid.empty()) {
    FUZZ_CHECK(!jwk.contains("kid"), where);
  } else {
    FUZZ_CHECK(string_field(jwk, "kid") == key.kid, where);
    FUZZ_CHECK(ring.find(key.kid) == &key, where);
  }
  if (key.alg == "RS256") {
    FUZZ_CHECK(jwk.size() == (key.kid.empty() ? 4u : 5u) && string_field(jwk, "kty") == "RSA", where);
    const auto n = encoding::base64url_decode(string_field(jwk, "n"));
    const auto e = encoding::base64url_decode(string_field(jwk, "e"));
    FUZZ_CHECK(n && e, where);
    FUZZ_CHECK(!n->empty() && (*n)[0] != '\0' && n->size() == key.modulus_bytes, where);
    FUZZ_CHECK(bit_length(*n) >= 2048 && bit_length(*n) <= 8192 && (static_cast<uint8_t>(n->back()) & 1) == 1, where);
    FUZZ_CHECK(!e->empty() && e->size() <= 4 && (*e)[0] != '\0' && (static_cast<uint8_t>(e->back()) & 1) == 1, where);
    FUZZ_CHECK(e->size() > 1 || static_cast<uint8_t>((*e)[0]) >= 3, where);
  } else {
    FUZZ_CHECK(key.alg == "ES256", where);
    FUZZ_CHECK(jwk.size() == (key.kid.empty() ? 5u : 6u) && string_field(jwk, "kty") == "EC" &&
                   string_field(jwk, "crv") == "P-256",
               where);
    const auto x = encoding::base64url_decode(string_field(jwk, "x"));
    const auto y = encoding::base64url_decode(string_field(jwk, "y"));
    FUZZ_CHECK(x && y && x->size() == 32 && y->size() == 32, where);
  }
}

// A token naming this key by kid, with a signature of the right shape; the shim is then asked and says yes.
void check_key_verifies(const jwt::PublicKey& key, const jwt::KeyRing& ring, const std::string& where) {
  if (key.kid.empty()) return;
  const std::string header = to_text(json{{"alg", key.alg}, {"kid", key.kid}});
  const std::string signing_input = b64(header) + "." + b64(R"({"sub":"user-1","exp":1800000600})");
  std::string signature;
  if (key.alg == "RS256") {
    signature.assign(key.modulus_bytes, '\0');  // zero is below every modulus
    signature.back() = '\x01';
  } else {
    signature.assign(64, '\0');
    signature[31] = '\x01';
    signature[63] = '\x01';
  }
  const std::string token = signing_input + "." + b64(signature);
  const jwt::Verdict first = jwt::verify(token, ring, kNow, {});
  FUZZ_CHECK(first.kind == Kind::NeedsSignatureCheck, where + " kid=" + key.kid + " reason=" + first.reason);
  FUZZ_CHECK(first.check.thumbprint == key.thumbprint && first.check.jwk == key.jwk && first.check.alg == key.alg,
             where);
  const jwt::Verdict settled = jwt::verify(token, ring, kNow, {{first.check.id, true}});
  FUZZ_CHECK(settled.kind == Kind::Valid && settled.claims.sub == "user-1", where + " reason=" + settled.reason);
}

void check_ring(const jwt::KeyRing& ring, bool with_secret, const std::string& where) {
  FUZZ_CHECK(ring.has_secret() == with_secret, where);
  FUZZ_CHECK(with_secret || !ring.keys().empty(), where);
  std::set<std::string> kids;
  for (const jwt::PublicKey& key : ring.keys()) {
    check_key(key, ring, where);
    if (!key.kid.empty()) FUZZ_CHECK(kids.insert(key.kid).second, where + " duplicate kid " + key.kid);
  }
  for (const std::string& note : ring.notes()) FUZZ_CHECK(!note.empty(), where);
  for (const jwt::PublicKey& key : ring.keys()) check_key_verifies(key, ring, where);

  // HS256 is the secret's business alone.
  const jwt::Verdict good = jwt::verify(hs256_token(kSecret, R"({"alg":"HS256"})"), ring, kNow, {});
  const jwt::Verdict forged =
      jwt::verify(hs256_token("another-secret-another-secret-0000", R"({"alg":"HS256"})"), ring, kNow, {});
  FUZZ_CHECK(forged.kind == Kind::Invalid, where + " forged HS256 token: " + forged.reason);
  if (with_secret) {
    FUZZ_CHECK(good.kind == Kind::Valid, where + " HS256 token: " + good.reason);
  } else {
    FUZZ_CHECK(good.kind == Kind::Invalid && good.reason == "no_secret", where + " HS256 token: " + good.reason);
  }
  // Without a shim answer an asymmetric token is never Valid, whatever the JWKS says.
  for (const char* alg : {"RS256", "ES256"}) {
    const std::string header = std::string(R"({"alg":")") + alg + "\"}";
    const std::string token =
        b64(header) + "." + b64(R"({"sub":"user-1","exp":1800000600})") + "." + b64(std::string(64, '\x01'));
    FUZZ_CHECK(jwt::verify(token, ring, kNow, {}).kind != Kind::Valid, where);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string jwks(reinterpret_cast<const char*>(data), size);
  const std::string where = "jwks=" + jwks.substr(0, 400);

  const auto without = jwt::KeyRing::build(jwt::Settings{"", jwks, "", ""});
  const auto with = jwt::KeyRing::build(jwt::Settings{kSecret, jwks, "", ""});

  for (const auto* outcome : {&without, &with}) {
    if (outcome->ok()) continue;
    const std::string& code = outcome->failure().code;
    FUZZ_CHECK(code == "jwks_malformed" || code == "jwks_duplicate_kid" || code == "no_verification_key",
               where + " code=" + code);
    FUZZ_CHECK(!outcome->failure().message.empty(), where);
  }
  if (jwks.empty()) {
    // An empty JWT_JWKS means unset: only the secret can verify anything.
    FUZZ_CHECK(!without.ok() && without.failure().code == "no_verification_key", where);
    FUZZ_CHECK(with.ok() && with.value().keys().empty(), where);
  } else if (!parse_json(jwks)) {
    FUZZ_CHECK(!without.ok() && without.failure().code == "jwks_malformed", where);
  }
  // The secret only rescues a JWKS without usable keys.
  if (with.ok()) {
    FUZZ_CHECK(without.ok() || (without.failure().code == "no_verification_key" && with.value().keys().empty()), where);
  } else {
    FUZZ_CHECK(
        !without.ok() && without.failure().code == with.failure().code && with.failure().code != "no_verification_key",
        where + " code=" + with.failure().code);
  }
  if (without.ok()) {
    FUZZ_CHECK(with.ok() && with.value().keys().size() == without.value().keys().size(), where);
    check_ring(without.value(), false, where);
  }
  if (with.ok()) check_ring(with.value(), true, where);
  return 0;
}
