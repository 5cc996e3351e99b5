#include <doctest/doctest.h>

#include <string>

#include "crypto/crypto.h"
#include "jwt/jwt.h"
#include "util/encoding.h"

using namespace upgate;
using jwt::Verdict;
using Kind = jwt::Verdict::Kind;

namespace {

// ---- RFC 7515 appendix A vectors -------------------------------------------------------------------------

// A.1: HS256 with the symmetric JWK {"kty":"oct","k":...}.
const char* kA1Key = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const char* kA1Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// The payload shared by A.1, A.2 and A.3: {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
const char* kRfcPayload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const int64_t kRfcExp = 1300819380;
const int64_t kBeforeRfcExp = 1300819000;

// A.2: RS256.
const char* kA2N =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-"
    "pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-"
    "KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-"
    "DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const char* kA2Header = "eyJhbGciOiJSUzI1NiJ9";
const char* kA2Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1d"
    "nZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--"
    "xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_"
    "IoypGlUPQGe77Rw";

// A.3: ES256.
const char* kA3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const char* kA3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const char* kA3Header = "eyJhbGciOiJFUzI1NiJ9";
const char* kA3Signature = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

const char* kRsaKid = "2010-12-29";
const char* kEcKid = "e9bc097a-ce51-4036-9562-d2ade882db0d";

// ---- helpers -------------------------------------------------------------------------------------------

std::string b64(std::string_view bytes) { return encoding::base64url_encode(bytes); }

std::string rsa_jwk(const char* kid, const std::string& n = kA2N) {
  std::string jwk = R"({"kty":"RSA","n":")" + n + R"(","e":"AQAB")";
  if (kid != nullptr) jwk += std::string(R"(,"kid":")") + kid + "\"";
  return jwk + "}";
}

std::string ec_jwk(const char* kid, const std::string& x = kA3X, const std::string& y = kA3Y) {
  std::string jwk = R"({"kty":"EC","crv":"P-256","x":")" + x + R"(","y":")" + y + "\"";
  if (kid != nullptr) jwk += std::string(R"(,"kid":")") + kid + "\"";
  return jwk + "}";
}

std::string jwks(std::initializer_list<std::string> keys) {
  std::string out = R"({"keys":[)";
  bool first = true;
  for (const auto& key : keys) {
    if (!first) out += ",";
    out += key;
    first = false;
  }
  return out + "]}";
}

const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

jwt::KeyRing ring_with(jwt::Settings settings) {
  auto built = jwt::KeyRing::build(settings);
  REQUIRE_MESSAGE(built.ok(), (built.ok() ? "" : built.failure().code + ": " + built.failure().message));
  return built.value();
}

jwt::KeyRing hs_ring(std::string issuer = "", std::string audience = "") {
  return ring_with({kSecret, "", std::move(issuer), std::move(audience)});
}

// Everything configured: the secret plus the RFC RSA and EC keys, each with its kid.
jwt::KeyRing full_ring() { return ring_with({kSecret, jwks({rsa_jwk(kRsaKid), ec_jwk(kEcKid)}), "", ""}); }

// A compact HS256 token over the given header and payload JSON texts.
std::string mint_hs256(const std::string& header, const std::string& payload, const std::string& secret = kSecret) {
  const std::string input = b64(header) + "." + b64(payload);
  return input + "." + b64(crypto::hmac_sha256(secret, input));
}

std::string mint(const std::string& payload) { return mint_hs256(R"({"alg":"HS256","typ":"JWT"})", payload); }

// A compact token with an arbitrary signature (for RS256/ES256, whose verification is the shim's).
std::string mint_raw(const std::string& header, const std::string& payload, const std::string& signature) {
  return b64(header) + "." + b64(payload) + "." + b64(signature);
}

const int64_t kNow = 1800000000;

std::string claims(const std::string& extra = "", int64_t exp = kNow + 600, const std::string& sub = "user-1") {
  std::string out = R"({"sub":")" + sub + R"(","exp":)" + std::to_string(exp);
  if (!extra.empty()) out += "," + extra;
  return out + "}";
}

Verdict check(std::string_view token, const jwt::KeyRing& ring, int64_t now = kNow) {
  return jwt::verify(token, ring, now, {});
}

// Runs the two-phase flow with a shim that answers `answer` for whatever the core asks.
Verdict settle(std::string_view token, const jwt::KeyRing& ring, bool answer = true, int64_t now = kNow) {
  Verdict first = jwt::verify(token, ring, now, {});
  if (first.kind != Kind::NeedsSignatureCheck) return first;
  return jwt::verify(token, ring, now, {{first.check.id, answer}});
}

std::string reason_of(const Verdict& verdict) {
  switch (verdict.kind) {
    case Kind::Valid:
      return "(valid)";
    case Kind::NeedsSignatureCheck:
      return "(needs signature check)";
    case Kind::Invalid:
      return verdict.reason;
  }
  return "?";
}

}  // namespace

// ---- RFC vectors -------------------------------------------------------------------------------------------

TEST_CASE("RFC 7515 A.1: HS256 signature verifies with the RFC's key") {
  const auto key = encoding::base64url_decode(kA1Key);
  REQUIRE(key.has_value());
  const auto ring = ring_with({*key, "", "", ""});

  // The signature is accepted (signature checks come first for HS256), then the claims: the RFC payload has
  // no sub.
  CHECK(reason_of(check(kA1Token, ring, kBeforeRfcExp)) == "missing_sub");
  // One changed signature character is a bad signature.
  std::string tampered = kA1Token;
  tampered[tampered.size() - 10] = tampered[tampered.size() - 10] == 'A' ? 'B' : 'A';
  CHECK(reason_of(check(tampered, ring, kBeforeRfcExp)) == "bad_signature");
  // The same bytes under another key are a bad signature too.
  CHECK(reason_of(check(kA1Token, hs_ring(), kBeforeRfcExp)) == "bad_signature");
  // Past its exp (plus skew): expired.
  CHECK(reason_of(check(kA1Token, ring, kRfcExp + 60)) == "expired");

  // A token minted here with the RFC key, sub and exp.
  const std::string token = mint_hs256(R"({"alg":"HS256","typ":"JWT"})", R"({"sub":"joe","exp":1300819380})", *key);
  const Verdict verdict = check(token, ring, kBeforeRfcExp);
  REQUIRE(verdict.kind == Kind::Valid);
  CHECK(verdict.claims.sub == "joe");
  CHECK(verdict.claims.exp == kRfcExp);
  CHECK(verdict.claims.roles.empty());
  CHECK_FALSE(verdict.claims.is_admin());
}

TEST_CASE("RFC 7515 A.2: RS256 asks the shim for exactly the RFC's signing input and signature") {
  const auto ring = ring_with({"", jwks({rsa_jwk(kRsaKid)}), "", ""});
  const std::string signing_input = std::string(kA2Header) + "." + kRfcPayload;
  const std::string token = signing_input + "." + kA2Signature;

  const Verdict first = check(token, ring, kBeforeRfcExp);
  REQUIRE(first.kind == Kind::NeedsSignatureCheck);
  const jwt::SignatureCheck& c = first.check;
  CHECK(c.alg == "RS256");
  CHECK(c.kid == kRsaKid);
  CHECK(c.signing_input == signing_input);
  CHECK(c.signature_b64url == kA2Signature);
  CHECK(c.jwk["kty"] == "RSA");
  CHECK(c.jwk["n"] == kA2N);
  CHECK(c.jwk["e"] == "AQAB");
  CHECK(c.jwk["alg"] == "RS256");
  CHECK(c.jwk["kid"] == kRsaKid);
  CHECK_FALSE(c.jwk.contains("d"));
  CHECK(c.thumbprint == jwt::jwk_thumbprint(c.jwk));
  CHECK(c.id == jwt::expected_check_id("RS256", kRsaKid, c.thumbprint, signing_input, kA2Signature));
  CHECK(c.id.size() == 64);

  // An answer under any other id is ignored: the core asks again.
  CHECK(jwt::verify(token, ring, kBeforeRfcExp, {{"other-id", true}}).kind == Kind::NeedsSignatureCheck);
  CHECK(jwt::verify(token, ring, kBeforeRfcExp, {{std::string(64, '0'), true}}).kind == Kind::NeedsSignatureCheck);

  // With the shim's yes, it proceeds to the claim checks (the RFC payload has no sub).
  CHECK(reason_of(jwt::verify(token, ring, kBeforeRfcExp, {{c.id, true}})) == "missing_sub");
  CHECK(reason_of(jwt::verify(token, ring, kRfcExp + 60, {{c.id, true}})) == "expired");
  // With its no: bad signature.
  CHECK(reason_of(jwt::verify(token, ring, kBeforeRfcExp, {{c.id, false}})) == "bad_signature");

  // The yes for these bytes never validates other bytes: a changed payload gets a different id.
  const std::string forged = std::string(kA2Header) + "." + b64(claims("", kRfcExp, "mallory")) + "." + kA2Signature;
  const Verdict forged_verdict = jwt::verify(forged, ring, kBeforeRfcExp, {{c.id, true}});
  REQUIRE(forged_verdict.kind == Kind::NeedsSignatureCheck);
  CHECK(forged_verdict.check.id != c.id);
}

TEST_CASE("RFC 7515 A.3: ES256 asks the shim for exactly the RFC's signing input and signature") {
  const auto ring = ring_with({"", jwks({ec_jwk(kEcKid)}), "", ""});
  const std::string signing_input = std::string(kA3Header) + "." + kRfcPayload;
  const std::string token = signing_input + "." + kA3Signature;

  const Verdict first = check(token, ring, kBeforeRfcExp);
  REQUIRE(first.kind == Kind::NeedsSignatureCheck);
  const jwt::SignatureCheck& c = first.check;
  CHECK(c.alg == "ES256");
  CHECK(c.kid == kEcKid);
  CHECK(c.signing_input == signing_input);
  CHECK(c.signature_b64url == kA3Signature);
  CHECK(c.jwk == nlohmann::json::parse(std::string(R"({"kty":"EC","crv":"P-256","alg":"ES256","kid":")") + kEcKid +
                                       R"(","x":")" + kA3X + R"(","y":")" + kA3Y + "\"}"));
  CHECK(c.id == jwt::expected_check_id("ES256", kEcKid, c.thumbprint, signing_input, kA3Signature));

  CHECK(jwt::verify(token, ring, kBeforeRfcExp, {{"other-id", true}}).kind == Kind::NeedsSignatureCheck);
  CHECK(reason_of(jwt::verify(token, ring, kBeforeRfcExp, {{c.id, true}})) == "missing_sub");
  CHECK(reason_of(jwt::verify(token, ring, kBeforeRfcExp, {{c.id, false}})) == "bad_signature");

  // The wire shape the shim reads.
  const nlohmann::json wire = jwt::check_to_json(c);
  CHECK(wire.size() == 7);
  CHECK(wire["id"] == c.id);
  CHECK(wire["alg"] == "ES256");
  CHECK(wire["kid"] == kEcKid);
  CHECK(wire["thumbprint"] == c.thumbprint);
  CHECK(wire["jwk"] == c.jwk);
  CHECK(wire["signingInput"] == signing_input);
  CHECK(wire["signature"] == kA3Signature);
}

TEST_CASE("an answer for the same bytes under another key does not count") {
  // Two RSA keys with the same modulus cannot be configured twice under different kids... but two different
  // keys can: the id binds the key's thumbprint and kid, so a yes for key A is no yes for key B.
  const std::string n2 = b64(std::string(1, '\xc5') + std::string(254, '\x5a') + std::string(1, '\x01'));
  const auto ring = ring_with({"", jwks({rsa_jwk("a"), rsa_jwk("b", n2)}), "", ""});
  const std::string sig(256, '\x01');
  const std::string token_a = mint_raw(R"({"alg":"RS256","kid":"a"})", claims(), sig);
  const Verdict asked = check(token_a, ring);
  REQUIRE(asked.kind == Kind::NeedsSignatureCheck);
  const std::string id_for_b = jwt::expected_check_id("RS256", "b", ring.find("b")->thumbprint,
                                                      asked.check.signing_input, asked.check.signature_b64url);
  CHECK(jwt::verify(token_a, ring, kNow, {{id_for_b, true}}).kind == Kind::NeedsSignatureCheck);
  CHECK(jwt::verify(token_a, ring, kNow, {{asked.check.id, true}}).kind == Kind::Valid);
}

TEST_CASE("RFC 7638 thumbprint") {
  const nlohmann::json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
       "BJECPebWKRXjBZCiFV4n3oknj"
       "hMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
       "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQ"
       "vRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
       "kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  CHECK(jwt::jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  CHECK(jwt::jwk_thumbprint(nlohmann::json{{"kty", "RSA"}, {"e", "AQAB"}}).empty());
  CHECK(jwt::jwk_thumbprint(nlohmann::json{{"kty", "oct"}, {"k", "AAAA"}}).empty());
  CHECK(jwt::jwk_thumbprint(nlohmann::json::array()).empty());
}

// ---- HS256 tokens and claim checks -----------------------------------------------------------------------

TEST_CASE("a well-formed HS256 token is valid") {
  const Verdict verdict = check(mint(claims(R"("iat":1799999990,"nbf":1799999990)")), hs_ring());
  REQUIRE(verdict.kind == Kind::Valid);
  CHECK(verdict.claims.sub == "user-1");
  CHECK(verdict.claims.exp == kNow + 600);
}

TEST_CASE("alg none is rejected in any spelling") {
  const auto ring = hs_ring();
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    CAPTURE(alg);
    const std::string header = std::string(R"({"alg":")") + alg + "\"}";
    CHECK(reason_of(check(b64(header) + "." + b64(claims()) + ".", ring)) == "alg_none");
    // A signature present changes nothing.
    CHECK(reason_of(check(mint_hs256(header, claims()), ring)) == "alg_none");
  }
}

TEST_CASE("only HS256, RS256 and ES256 are accepted") {
  const auto ring = full_ring();
  for (const char* alg : {"HS384", "HS512", "RS384", "PS256", "ES384", "EdDSA", "hs256", ""}) {
    CAPTURE(alg);
    CHECK(reason_of(check(mint_hs256(std::string(R"({"alg":")") + alg + "\"}", claims()), ring)) == "alg_not_allowed");
  }
  CHECK(reason_of(check(mint_hs256(R"({"alg":256})", claims()), ring)) == "alg_not_allowed");
  CHECK(reason_of(check(mint_hs256(R"({"typ":"JWT"})", claims()), ring)) == "missing_alg");
}

TEST_CASE("algorithm/key mismatch: HS256 with the kid of an RSA key (the confusion attack)") {
  const auto ring = full_ring();
  // The attacker signs with HMAC keyed by the RSA public key's bytes; it must never reach an HMAC check.
  const std::string public_key_bytes = rsa_jwk(kRsaKid);
  const std::string header = std::string(R"({"alg":"HS256","kid":")") + kRsaKid + "\"}";
  CHECK(reason_of(check(mint_hs256(header, claims(), public_key_bytes), ring)) == "alg_key_mismatch");
  CHECK(reason_of(check(mint_hs256(header, claims()), ring)) == "alg_key_mismatch");
  // RS256 naming the EC key, ES256 naming the RSA key.
  CHECK(reason_of(check(
            mint_raw(std::string(R"({"alg":"RS256","kid":")") + kEcKid + "\"}", claims(), std::string(256, '\x01')),
            ring)) == "alg_key_mismatch");
  CHECK(reason_of(check(
            mint_raw(std::string(R"({"alg":"ES256","kid":")") + kRsaKid + "\"}", claims(), std::string(64, '\x01')),
            ring)) == "alg_key_mismatch");
}

TEST_CASE("bad HS256 signature") {
  const auto ring = hs_ring();
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256"})", claims(), "another secret of enough length....."), ring)) ==
        "bad_signature");
  // A truncated MAC, and an empty one.
  const std::string token = mint(claims());
  const std::string mac = *encoding::base64url_decode(token.substr(token.rfind('.') + 1));
  CHECK(reason_of(check(token.substr(0, token.rfind('.') + 1) + b64(mac.substr(0, 31)), ring)) == "bad_signature");
  CHECK(reason_of(check(token.substr(0, token.rfind('.') + 1), ring)) == "bad_signature");
  // A signed payload swapped for another.
  const std::string other = mint(claims("", kNow + 600, "admin"));
  const std::string spliced = token.substr(0, token.find('.')) +
                              other.substr(other.find('.'), other.rfind('.') - other.find('.')) +
                              token.substr(token.rfind('.'));
  CHECK(reason_of(check(spliced, ring)) == "bad_signature");
}

TEST_CASE("HS256 without a configured secret") {
  const auto ring = ring_with({"", jwks({rsa_jwk(kRsaKid)}), "", ""});
  CHECK(reason_of(check(mint(claims()), ring)) == "no_secret");
}

TEST_CASE("exp: required, numeric, 60 s skew") {
  const auto ring = hs_ring();
  CHECK(reason_of(check(mint(R"({"sub":"user-1"})"), ring)) == "missing_exp");
  CHECK(reason_of(check(mint(R"({"sub":"user-1","exp":"1800000600"})"), ring)) == "bad_exp");
  CHECK(reason_of(check(mint(R"({"sub":"user-1","exp":null})"), ring)) == "bad_exp");
  CHECK(reason_of(check(mint(R"({"sub":"user-1","exp":true})"), ring)) == "bad_exp");
  CHECK(reason_of(check(mint(claims("", kNow - 3600)), ring)) == "expired");
  CHECK(reason_of(check(mint(claims("", kNow - 60)), ring)) == "expired");
  // Expired by less than the skew: still accepted.
  CHECK(check(mint(claims("", kNow - 59)), ring).kind == Kind::Valid);
  CHECK(check(mint(claims("", kNow)), ring).kind == Kind::Valid);
  // A fractional exp is a number too.
  const Verdict fractional = check(mint(R"({"sub":"user-1","exp":1800000600.75})"), ring);
  REQUIRE(fractional.kind == Kind::Valid);
  CHECK(fractional.claims.exp == 1800000600);
}

TEST_CASE("nbf and iat in the future") {
  const auto ring = hs_ring();
  CHECK(reason_of(check(mint(claims(R"("nbf":1800000061)")), ring)) == "not_yet_valid");
  CHECK(check(mint(claims(R"("nbf":1800000060)")), ring).kind == Kind::Valid);
  CHECK(reason_of(check(mint(claims(R"("nbf":"soon")")), ring)) == "bad_nbf");
  CHECK(reason_of(check(mint(claims(R"("iat":1800000061)")), ring)) == "iat_in_future");
  CHECK(check(mint(claims(R"("iat":1800000060)")), ring).kind == Kind::Valid);
  CHECK(reason_of(check(mint(claims(R"("iat":[1])")), ring)) == "bad_iat");
}

TEST_CASE("sub: required, a non-empty string") {
  const auto ring = hs_ring();
  CHECK(reason_of(check(mint(R"({"exp":1800000600})"), ring)) == "missing_sub");
  CHECK(reason_of(check(mint(R"({"exp":1800000600,"sub":""})"), ring)) == "bad_sub");
  CHECK(reason_of(check(mint(R"({"exp":1800000600,"sub":42})"), ring)) == "bad_sub");
}

TEST_CASE("iss must match JWT_ISSUER when set") {
  const auto ring = hs_ring("https://issuer.example");
  CHECK(check(mint(claims(R"("iss":"https://issuer.example")")), ring).kind == Kind::Valid);
  CHECK(reason_of(check(mint(claims(R"("iss":"https://evil.example")")), ring)) == "wrong_iss");
  CHECK(reason_of(check(mint(claims(R"("iss":"https://issuer.example/")")), ring)) == "wrong_iss");
  CHECK(reason_of(check(mint(claims(R"("iss":["https://issuer.example"])")), ring)) == "wrong_iss");
  CHECK(reason_of(check(mint(claims()), ring)) == "missing_iss");
  // Unset: any iss, or none, is fine.
  CHECK(check(mint(claims(R"("iss":"anyone")")), hs_ring()).kind == Kind::Valid);
}

TEST_CASE("aud must match JWT_AUDIENCE when set, as a string or inside an array") {
  const auto ring = hs_ring("", "upgate");
  CHECK(check(mint(claims(R"("aud":"upgate")")), ring).kind == Kind::Valid);
  CHECK(reason_of(check(mint(claims(R"("aud":"other")")), ring)) == "wrong_aud");
  CHECK(check(mint(claims(R"("aud":["other","upgate"])")), ring).kind == Kind::Valid);
  CHECK(reason_of(check(mint(claims(R"("aud":["other","another"])")), ring)) == "wrong_aud");
  CHECK(reason_of(check(mint(claims(R"("aud":[])")), ring)) == "wrong_aud");
  CHECK(reason_of(check(mint(claims(R"("aud":["upgate",7])")), ring)) == "bad_aud");
  CHECK(reason_of(check(mint(claims(R"("aud":{"upgate":true})")), ring)) == "bad_aud");
  CHECK(reason_of(check(mint(claims()), ring)) == "missing_aud");
  CHECK(check(mint(claims(R"("aud":"whatever")")), hs_ring()).kind == Kind::Valid);
}

TEST_CASE("token size limit is 8 KiB") {
  const auto ring = hs_ring();
  auto padded = [&](size_t pad) { return mint(claims(R"("pad":")" + std::string(pad, 'x') + "\"")); };
  std::string at_limit, over_limit;
  for (size_t pad = 5000; pad < 7000 && (at_limit.empty() || over_limit.empty()); ++pad) {
    const std::string token = padded(pad);
    if (token.size() == jwt::kMaxTokenBytes) at_limit = token;
    if (token.size() == jwt::kMaxTokenBytes + 1) over_limit = token;
  }
  REQUIRE(at_limit.size() == 8192);
  CHECK(check(at_limit, ring).kind == Kind::Valid);
  // Properly signed but one byte too long: rejected on size alone.
  REQUIRE(over_limit.size() == 8193);
  CHECK(reason_of(check(over_limit, ring)) == "too_large");
  CHECK(reason_of(check(padded(9000), ring)) == "too_large");
  CHECK(reason_of(check(std::string(100000, 'a'), ring)) == "too_large");
}

TEST_CASE("exactly three parts") {
  const auto ring = hs_ring();
  const std::string token = mint(claims());
  CHECK(reason_of(check("", ring)) == "malformed");
  CHECK(reason_of(check("abc", ring)) == "malformed");
  CHECK(reason_of(check(token.substr(0, token.rfind('.')), ring)) == "malformed");
  CHECK(reason_of(check(token + ".", ring)) == "malformed");
  CHECK(reason_of(check(token + ".AAAA", ring)) == "malformed");
  CHECK(reason_of(check(token + ".AAAA.AAAA", ring)) == "malformed");  // JWE-shaped
  CHECK(reason_of(check("..", ring)) == "bad_header");
}

TEST_CASE("strict base64url: no padding, no stray characters") {
  const auto ring = hs_ring();
  const std::string token = mint(claims());
  const size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  const std::string header = token.substr(0, dot1), payload = token.substr(dot1 + 1, dot2 - dot1 - 1),
                    signature = token.substr(dot2 + 1);
  // Padding on any part.
  CHECK(reason_of(check(header + "=." + payload + "." + signature, ring)) == "bad_base64");
  CHECK(reason_of(check(header + "." + payload + "=." + signature, ring)) == "bad_base64");
  CHECK(reason_of(check(header + "." + payload + "." + signature + "=", ring)) == "bad_base64");
  // Standard-alphabet characters.
  std::string plus = signature;
  plus[5] = '+';
  CHECK(reason_of(check(header + "." + payload + "." + plus, ring)) == "bad_base64");
  std::string slash = payload;
  slash[3] = '/';
  CHECK(reason_of(check(header + "." + slash + "." + signature, ring)) == "bad_base64");
  // Whitespace, and non-zero trailing bits (a second spelling of the same bytes).
  CHECK(reason_of(check(" " + token, ring)) == "bad_base64");
  std::string trailing = signature;  // 43 characters: the last carries 2 unused bits
  REQUIRE(trailing.size() == 43);
  trailing.back() = static_cast<char>(trailing.back() + 1);
  CHECK(reason_of(check(header + "." + payload + "." + trailing, ring)) == "bad_base64");
}

TEST_CASE("header: JSON object, no crit, typ JWT or at+jwt, no duplicates") {
  const auto ring = hs_ring();
  CHECK(reason_of(check(mint_hs256(R"(["HS256"])", claims()), ring)) == "bad_header");
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256")", claims()), ring)) == "bad_header");
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256","crit":["exp"],"exp":1})", claims()), ring)) == "crit");
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256","crit":[]})", claims()), ring)) == "crit");
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256","b64":false,"crit":["b64"]})", claims()), ring)) == "crit");
  for (const char* typ : {"JWT", "jwt", "Jwt", "at+jwt", "AT+JWT", "application/jwt", "application/at+jwt"}) {
    CAPTURE(typ);
    CHECK(check(mint_hs256(std::string(R"({"alg":"HS256","typ":")") + typ + "\"}", claims()), ring).kind ==
          Kind::Valid);
  }
  for (const char* typ : {R"("JWE")", R"("dpop+jwt")", R"("")", "1", "null"}) {
    CAPTURE(typ);
    CHECK(reason_of(check(mint_hs256(std::string(R"({"alg":"HS256","typ":)") + typ + "}", claims()), ring)) ==
          "bad_typ");
  }
  // Two "alg" members: which one would a reader believe? Neither.
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256","alg":"none"})", claims()), ring)) == "duplicate_member");
  CHECK(reason_of(check(mint(R"({"sub":"a","exp":1800000600,"sub":"admin"})"), ring)) == "duplicate_member");
  // The same name in different objects is fine.
  CHECK(check(mint(claims(R"("x":{"sub":1},"y":[{"sub":2}])")), ring).kind == Kind::Valid);
  // A key embedded in the header is never used.
  CHECK(check(mint_hs256(R"({"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}})", claims()), ring).kind == Kind::Valid);
}

TEST_CASE("payload must be a JSON object") {
  const auto ring = hs_ring();
  for (const char* payload : {"[]", R"("sub")", "123", "null", "true", "{", "", "{\"sub\":\"a\",}"}) {
    CAPTURE(payload);
    CHECK(reason_of(check(mint(payload), ring)) == "bad_payload");
  }
  // Invalid UTF-8 inside a string.
  CHECK(reason_of(check(mint("{\"sub\":\"\xff\",\"exp\":1800000600}"), ring)) == "bad_payload");
}

TEST_CASE("kid: must name a configured key") {
  const auto ring = full_ring();
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256","kid":"nope"})", claims()), ring)) == "unknown_kid");
  CHECK(reason_of(check(mint_raw(R"({"alg":"RS256","kid":"nope"})", claims(), std::string(256, '\x01')), ring)) ==
        "unknown_kid");
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256","kid":""})", claims()), ring)) == "bad_kid");
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256","kid":7})", claims()), ring)) == "bad_kid");
}

// ---- RS256 / ES256 -----------------------------------------------------------------------------------------

TEST_CASE("RS256/ES256 key choice without kid") {
  const std::string rs_sig(256, '\x01'), es_sig(64, '\x01');
  SUBCASE("a single key of the alg is used, kid or not") {
    const auto ring = ring_with({"", jwks({rsa_jwk(nullptr), ec_jwk(kEcKid)}), "", ""});
    const Verdict rs = check(mint_raw(R"({"alg":"RS256"})", claims(), rs_sig), ring);
    REQUIRE(rs.kind == Kind::NeedsSignatureCheck);
    CHECK(rs.check.kid.empty());
    CHECK_FALSE(rs.check.jwk.contains("kid"));
    const Verdict es = check(mint_raw(R"({"alg":"ES256"})", claims(), es_sig), ring);
    REQUIRE(es.kind == Kind::NeedsSignatureCheck);
    CHECK(es.check.kid == kEcKid);
    CHECK(settle(mint_raw(R"({"alg":"ES256"})", claims(), es_sig), ring).kind == Kind::Valid);
  }
  SUBCASE("two keys of the alg: a kid is needed") {
    const std::string n2 = b64(std::string(1, '\xc5') + std::string(254, '\x5a') + std::string(1, '\x01'));
    const auto ring = ring_with({"", jwks({rsa_jwk("a"), rsa_jwk("b", n2)}), "", ""});
    CHECK(reason_of(check(mint_raw(R"({"alg":"RS256"})", claims(), rs_sig), ring)) == "ambiguous_key");
    CHECK(check(mint_raw(R"({"alg":"RS256","kid":"b"})", claims(), rs_sig), ring).kind == Kind::NeedsSignatureCheck);
  }
  SUBCASE("no key of the alg") {
    const auto ring = ring_with({kSecret, jwks({rsa_jwk(kRsaKid)}), "", ""});
    CHECK(reason_of(check(mint_raw(R"({"alg":"ES256"})", claims(), es_sig), ring)) == "no_key");
    CHECK(reason_of(check(mint_raw(R"({"alg":"RS256"})", claims(), rs_sig), hs_ring())) == "no_key");
  }
}

TEST_CASE("signature shapes are checked before asking the shim") {
  const auto ring = full_ring();
  const std::string rs_header = std::string(R"({"alg":"RS256","kid":")") + kRsaKid + "\"}";
  const std::string es_header = std::string(R"({"alg":"ES256","kid":")") + kEcKid + "\"}";
  // RS256: exactly the modulus length, and below the modulus.
  CHECK(reason_of(check(mint_raw(rs_header, claims(), std::string(255, '\x01')), ring)) == "bad_signature_length");
  CHECK(reason_of(check(mint_raw(rs_header, claims(), std::string(257, '\x01')), ring)) == "bad_signature_length");
  CHECK(reason_of(check(mint_raw(rs_header, claims(), std::string(256, '\xff')), ring)) == "bad_signature");
  // ES256: raw r||s of exactly 64 bytes. A DER SEQUENCE (30 44 02 20 r 02 20 s, 70 bytes) is refused.
  const auto raw = encoding::base64url_decode(kA3Signature);
  REQUIRE(raw.has_value());
  const std::string der =
      std::string("\x30\x44\x02\x20", 4) + raw->substr(0, 32) + std::string("\x02\x20", 2) + raw->substr(32);
  CHECK(reason_of(check(mint_raw(es_header, claims(), der), ring)) == "bad_signature_length");
  CHECK(reason_of(check(mint_raw(es_header, claims(), raw->substr(0, 63)), ring)) == "bad_signature_length");
  CHECK(reason_of(check(mint_raw(es_header, claims(), ""), ring)) == "bad_signature_length");
  // r or s zero, or not below the group order.
  CHECK(reason_of(check(mint_raw(es_header, claims(), std::string(32, '\0') + raw->substr(32)), ring)) ==
        "bad_signature");
  CHECK(reason_of(check(mint_raw(es_header, claims(), raw->substr(0, 32) + std::string(32, '\xff')), ring)) ==
        "bad_signature");
  CHECK(check(mint_raw(es_header, claims(), *raw), ring).kind == Kind::NeedsSignatureCheck);
}

TEST_CASE("RS256/ES256 claim checks follow the shim's answer") {
  const auto ring = ring_with({"", jwks({rsa_jwk(kRsaKid), ec_jwk(kEcKid)}), "https://issuer.example", "upgate"});
  const std::string rs_header = std::string(R"({"alg":"RS256","kid":")") + kRsaKid + "\"}";
  const std::string es_header = std::string(R"({"alg":"ES256","kid":")") + kEcKid + "\"}";
  const std::string good = claims(R"("iss":"https://issuer.example","aud":["upgate"],"roles":["admin"])");
  for (const auto& [header, sig] :
       {std::pair{rs_header, std::string(256, '\x01')}, std::pair{es_header, std::string(64, '\x01')}}) {
    const Verdict valid = settle(mint_raw(header, good, sig), ring);
    REQUIRE(valid.kind == Kind::Valid);
    CHECK(valid.claims.sub == "user-1");
    CHECK(valid.claims.is_admin());
    CHECK(reason_of(settle(mint_raw(header, good, sig), ring, false)) == "bad_signature");
    CHECK(reason_of(settle(mint_raw(header, claims(R"("iss":"https://issuer.example","aud":"upgate")", kNow - 61), sig),
                           ring)) == "expired");
    CHECK(reason_of(settle(mint_raw(header, claims(R"("iss":"x","aud":"upgate")"), sig), ring)) == "wrong_iss");
    CHECK(reason_of(settle(mint_raw(header, claims(R"("iss":"https://issuer.example","aud":"x")"), sig), ring)) ==
          "wrong_aud");
    // A payload that is not an object is refused before the shim is asked.
    CHECK(reason_of(check(mint_raw(header, "[1]", sig), ring)) == "bad_payload");
  }
}

// ---- roles ------------------------------------------------------------------------------------------------

TEST_CASE("roles from role (string) and roles (array)") {
  const auto ring = hs_ring();
  auto roles_of = [&](const std::string& extra) {
    const Verdict verdict = check(mint(claims(extra)), ring);
    REQUIRE(verdict.kind == Kind::Valid);
    return verdict.claims;
  };
  {
    const jwt::Claims c = roles_of(R"("role":"photographer")");
    CHECK(c.roles == std::vector<std::string>{"photographer"});
    CHECK_FALSE(c.is_admin());
  }
  {
    const jwt::Claims c = roles_of(R"("role":"admin")");
    CHECK(c.is_admin());
  }
  {
    const jwt::Claims c = roles_of(R"("roles":["editor","admin"])");
    CHECK(c.roles == std::vector<std::string>{"editor", "admin"});
    CHECK(c.is_admin());
  }
  {
    const jwt::Claims c = roles_of(R"("role":"editor","roles":["editor","viewer"])");
    CHECK(c.roles == std::vector<std::string>{"editor", "viewer"});
    CHECK_FALSE(c.is_admin());
  }
  {
    // Case matters, and ill-typed entries grant nothing.
    const jwt::Claims c = roles_of(R"("role":"Admin","roles":[{"admin":true},["admin"],1,"ADMIN"])");
    CHECK(c.roles == std::vector<std::string>{"Admin", "ADMIN"});
    CHECK_FALSE(c.is_admin());
  }
  {
    const jwt::Claims c = roles_of(R"("role":["admin"],"roles":"admin")");
    CHECK(c.roles.empty());
    CHECK_FALSE(c.is_admin());
  }
  CHECK_FALSE(roles_of("").is_admin());
}

// ---- KeyRing::build ---------------------------------------------------------------------------------------

TEST_CASE("KeyRing::build: malformed JWKS") {
  for (const char* text : {"{", "not json", "[]", R"({"keys":{}})", R"({"key":[]})", R"({"keys":[1]})",
                           R"({"keys":[],"keys":[]})", "\"keys\""}) {
    CAPTURE(text);
    auto built = jwt::KeyRing::build({kSecret, text, "", ""});
    REQUIRE_FALSE(built.ok());
    CHECK(built.failure().code == "jwks_malformed");
  }
}

TEST_CASE("KeyRing::build: neither secret nor usable key") {
  auto none = jwt::KeyRing::build({});
  REQUIRE_FALSE(none.ok());
  CHECK(none.failure().code == "no_verification_key");
  auto empty_set = jwt::KeyRing::build({"", R"({"keys":[]})", "", ""});
  REQUIRE_FALSE(empty_set.ok());
  CHECK(empty_set.failure().code == "no_verification_key");
  CHECK(jwt::KeyRing::build({kSecret, "", "", ""}).ok());
  CHECK(jwt::KeyRing::build({"", jwks({ec_jwk(nullptr)}), "", ""}).ok());
}

TEST_CASE("KeyRing::build: weak or odd RSA keys are ignored") {
  // 1024 bits.
  const std::string n1024 = b64(std::string(1, '\xc5') + std::string(126, '\x5a') + std::string(1, '\x01'));
  // 2047 bits: 256 bytes whose top bit is clear.
  const std::string n2047 = b64(std::string(1, '\x7f') + std::string(254, '\x5a') + std::string(1, '\x01'));
  // 2048 bits written with a superfluous leading zero byte: accepted, and normalized.
  const auto a2n = encoding::base64url_decode(kA2N);
  REQUIRE(a2n.has_value());
  const std::string n_leading_zero = b64(std::string(1, '\0') + *a2n);

  for (const std::string& n : {n1024, n2047}) {
    auto alone = jwt::KeyRing::build({"", jwks({rsa_jwk("small", n)}), "", ""});
    REQUIRE_FALSE(alone.ok());
    CHECK(alone.failure().code == "no_verification_key");
    const auto ring = ring_with({kSecret, jwks({rsa_jwk("small", n)}), "", ""});
    CHECK(ring.keys().empty());
    REQUIRE(ring.notes().size() == 1);
    CHECK(ring.notes()[0].find("2048") != std::string::npos);
    // A token naming it finds no key.
    CHECK(reason_of(check(mint_raw(R"({"alg":"RS256","kid":"small"})", claims(), std::string(n.size(), '\x01')),
                          ring)) == "unknown_kid");
  }
  {
    const auto ring = ring_with({"", jwks({rsa_jwk("z", n_leading_zero)}), "", ""});
    REQUIRE(ring.keys().size() == 1);
    CHECK(ring.keys()[0].jwk["n"] == kA2N);
    CHECK(ring.keys()[0].modulus_bytes == 256);
  }
  // Exponents: even, 1, absent, too long.
  for (const char* e : {"AQAA", "AQ", "", "AQEBAQEB"}) {
    CAPTURE(e);
    const std::string key = std::string(R"({"kty":"RSA","kid":"e","n":")") + kA2N + R"(","e":")" + e + "\"}";
    CHECK(ring_with({kSecret, jwks({key}), "", ""}).keys().empty());
  }
  CHECK(ring_with({kSecret, jwks({std::string(R"({"kty":"RSA","n":")") + kA2N + "\"}"}), "", ""}).keys().empty());
  // Even modulus, and n that is not base64url.
  const std::string even = b64(std::string(1, '\xc5') + std::string(254, '\x5a') + std::string(1, '\x02'));
  CHECK(ring_with({kSecret, jwks({rsa_jwk("even", even)}), "", ""}).keys().empty());
  CHECK(ring_with({kSecret, jwks({rsa_jwk("pad", std::string(kA2N) + "==")}), "", ""}).keys().empty());
}

TEST_CASE("KeyRing::build: EC keys other than valid P-256 are ignored") {
  const std::string x48 = b64(std::string(48, '\x11')), y48 = b64(std::string(48, '\x22'));
  const std::string p384 = R"({"kty":"EC","crv":"P-384","kid":"p384","x":")" + x48 + R"(","y":")" + y48 + "\"}";
  const std::string secp256k1 =
      std::string(R"({"kty":"EC","crv":"secp256k1","kid":"k1","x":")") + kA3X + R"(","y":")" + kA3Y + "\"}";
  // The RFC point with y changed: off the curve.
  std::string off_y = kA3Y;
  off_y[10] = off_y[10] == 'A' ? 'B' : 'A';
  // x of 31 bytes.
  const std::string short_x = b64(std::string(31, '\x11'));
  for (const std::string& key : {p384, secp256k1, ec_jwk("off", kA3X, off_y), ec_jwk("short", short_x, kA3Y),
                                 std::string(R"({"kty":"EC","crv":"P-256","x":")") + kA3X + "\"}"}) {
    CAPTURE(key);
    auto alone = jwt::KeyRing::build({"", jwks({key}), "", ""});
    REQUIRE_FALSE(alone.ok());
    CHECK(alone.failure().code == "no_verification_key");
    const auto ring = ring_with({"", jwks({key, ec_jwk(kEcKid)}), "", ""});
    REQUIRE(ring.keys().size() == 1);
    CHECK(ring.keys()[0].kid == kEcKid);
    CHECK(ring.notes().size() == 1);
  }
}

TEST_CASE("KeyRing::build: the P-256 base point is a valid public point") {
  const std::string gx = b64(*encoding::hex_decode("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"));
  const std::string gy = b64(*encoding::hex_decode("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"));
  CHECK(ring_with({"", jwks({ec_jwk("g", gx, gy)}), "", ""}).keys().size() == 1);
  // (x, p - y) is on the curve too; (x, y + 1) is not; coordinates at or above p are refused.
  const std::string neg_gy =
      b64(*encoding::hex_decode("b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a"));
  CHECK(ring_with({"", jwks({ec_jwk("g", gx, neg_gy)}), "", ""}).keys().size() == 1);
  const std::string gy_plus_1 =
      b64(*encoding::hex_decode("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f6"));
  CHECK(jwt::KeyRing::build({"", jwks({ec_jwk("g", gx, gy_plus_1)}), "", ""}).failure().code == "no_verification_key");
  const std::string p = b64(*encoding::hex_decode("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"));
  CHECK(jwt::KeyRing::build({"", jwks({ec_jwk("p", p, gy)}), "", ""}).failure().code == "no_verification_key");
}

TEST_CASE("KeyRing::build: use, key_ops, alg and kty filters") {
  auto with = [](const std::string& rsa_extra) {
    return std::string(R"({"kty":"RSA","kid":"k","n":")") + kA2N + R"(","e":"AQAB")" + rsa_extra + "}";
  };
  CHECK(ring_with({kSecret, jwks({with(R"(,"use":"sig")")}), "", ""}).keys().size() == 1);
  CHECK(ring_with({kSecret, jwks({with(R"(,"use":"enc")")}), "", ""}).keys().empty());
  CHECK(ring_with({kSecret, jwks({with(R"(,"key_ops":["verify"])")}), "", ""}).keys().size() == 1);
  CHECK(ring_with({kSecret, jwks({with(R"(,"key_ops":["encrypt"])")}), "", ""}).keys().empty());
  CHECK(ring_with({kSecret, jwks({with(R"(,"alg":"RS256")")}), "", ""}).keys().size() == 1);
  CHECK(ring_with({kSecret, jwks({with(R"(,"alg":"ES256")")}), "", ""}).keys().empty());
  CHECK(ring_with({kSecret, jwks({with(R"(,"alg":"PS256")")}), "", ""}).keys().empty());
  CHECK(ring_with({kSecret, jwks({with(R"(,"alg":"HS256")")}), "", ""}).keys().empty());
  CHECK(ring_with({kSecret,
                   jwks({std::string(R"({"kty":"EC","crv":"P-256","alg":"RS256","x":")") + kA3X + R"(","y":")" + kA3Y +
                         "\"}"}),
                   "", ""})
            .keys()
            .empty());
  // oct and OKP keys, and keys without kty, are ignored: a JWKS can never smuggle in an HMAC key.
  const auto ring =
      ring_with({kSecret,
                 jwks({R"({"kty":"oct","kid":"o","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ"})",
                       R"({"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
                       R"({"kid":"none"})", rsa_jwk(kRsaKid)}),
                 "", ""});
  CHECK(ring.keys().size() == 1);
  CHECK(ring.notes().size() == 3);
  CHECK(reason_of(check(mint_hs256(R"({"alg":"HS256","kid":"o"})", claims(), "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ"),
                        ring)) == "unknown_kid");
}

TEST_CASE("KeyRing::build: duplicate kids, private members, lookups") {
  auto duplicate = jwt::KeyRing::build({kSecret, jwks({rsa_jwk("same"), ec_jwk("same")}), "", ""});
  REQUIRE_FALSE(duplicate.ok());
  CHECK(duplicate.failure().code == "jwks_duplicate_kid");
  // An ignored key may share a kid with a usable one.
  CHECK(
      jwt::KeyRing::build({kSecret, jwks({R"({"kty":"oct","kid":"same","k":"AAAA"})", ec_jwk("same")}), "", ""}).ok());

  const std::string with_private = std::string(R"({"kty":"EC","crv":"P-256","kid":"p","x":")") + kA3X + R"(","y":")" +
                                   kA3Y + R"(","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
  const auto ring = ring_with({"", jwks({with_private}), "", ""});
  REQUIRE(ring.keys().size() == 1);
  CHECK_FALSE(ring.keys()[0].jwk.contains("d"));
  REQUIRE(ring.notes().size() == 1);
  CHECK(ring.notes()[0].find("private") != std::string::npos);
  CHECK(ring.notes()[0].find("jpsQ") == std::string::npos);  // notes never carry key material

  const auto full = full_ring();
  CHECK(full.has_secret());
  REQUIRE(full.find(kRsaKid) != nullptr);
  CHECK(full.find(kRsaKid)->alg == "RS256");
  CHECK(full.find(kEcKid)->alg == "ES256");
  CHECK(full.find("") == nullptr);
  CHECK(full.find("missing") == nullptr);
}
