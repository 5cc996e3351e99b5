// Fuzz target: jwt::verify with a fixed KeyRing (HS256 secret + a JWKS with the RFC 7515 RSA and P-256 keys).
//
// The input is used twice:
//  1. as the compact token itself (what arrives in "Authorization: Bearer ...");
//  2. when it contains a newline, as "<header JSON>\n<payload JSON>": the harness base64url-encodes both and
//     signs them like a legitimate issuer would (HMAC-SHA256 with the fixed secret; for RS256/ES256 a
//     well-shaped signature that the simulated shim then vouches for), so mutations reach the header and
//     claim checks instead of dying in base64.
//
// Invariants (any failure aborts, so libFuzzer keeps the input):
//  - verify is deterministic and never throws; an Invalid verdict always carries a reason;
//  - with no shim answers, Valid only for an HS256 token whose signature is HMAC(secret, signing input);
//  - Valid claims satisfy the claim rules (sub non-empty, exp/nbf/iat against the clock, iss/aud, roles);
//  - a NeedsSignatureCheck names a configured key and the token's own bytes, under the id expected_check_id
//    computes; answering false gives bad_signature, answering for another key changes nothing, answering true
//    never asks again;
//  - a ring with issuer and audience set never accepts what the plain ring refuses;
//  - a correctly HMAC-signed token is never refused as bad_signature.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
const std::string kIssuer = "https://issuer.example";
const std::string kAudience = "upgate-api";

// RFC 7515 A.2 (RSA) and A.3 (P-256) public keys, as in tests/unit/jwt_test.cpp.
const char* kRsaN =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-"
    "pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-"
    "KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-"
    "DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const char* kEcX = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const char* kEcY = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const char* kRsaKid = "2010-12-29";
const char* kEcKid = "e9bc097a-ce51-4036-9562-d2ade882db0d";

std::string jwks_text() {
  return std::string(R"({"keys":[{"kty":"RSA","n":")") + kRsaN + R"(","e":"AQAB","kid":")" + kRsaKid +
         R"("},{"kty":"EC","crv":"P-256","x":")" + kEcX + R"(","y":")" + kEcY + R"(","kid":")" + kEcKid + R"("}]})";
}

jwt::KeyRing build_ring(const std::string& issuer, const std::string& audience) {
  auto built = jwt::KeyRing::build(jwt::Settings{kSecret, jwks_text(), issuer, audience});
  if (!built.ok() || built.value().keys().size() != 2) {
    std::fprintf(stderr, "fixture key ring does not build: %s\n",
                 built.ok() ? "wrong key count" : built.failure().message.c_str());
    std::abort();
  }
  return built.value();
}

const jwt::KeyRing& plain_ring() {
  static const jwt::KeyRing ring = build_ring("", "");
  return ring;
}
const jwt::KeyRing& strict_ring() {
  static const jwt::KeyRing ring = build_ring(kIssuer, kAudience);
  return ring;
}

std::string b64(std::string_view bytes) { return encoding::base64url_encode(bytes); }

struct Parts {
  bool ok = false;
  std::string_view header, payload, signature, signing_input;
};

Parts split_token(std::string_view token) {
  Parts parts;
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return parts;
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) return parts;
  parts.ok = true;
  parts.header = token.substr(0, dot1);
  parts.payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
  parts.signature = token.substr(dot2 + 1);
  parts.signing_input = token.substr(0, dot2);
  return parts;
}

// The decoded header or payload as an object (lenient parse: only used once the strict one has accepted it).
json decoded_object(std::string_view b64url) {
  auto text = encoding::base64url_decode(b64url);
  if (!text) return json();
  auto parsed = parse_json(*text);
  return parsed && parsed->is_object() ? *parsed : json();
}

std::string describe(std::string_view token, const jwt::Verdict& verdict) {
  static const char* const kinds[] = {"Valid", "Invalid", "NeedsSignatureCheck"};
  std::string out = "verdict=" + std::string(kinds[static_cast<int>(verdict.kind)]) + " reason=" + verdict.reason;
  out += " token=" + std::string(token.substr(0, 300));
  return out;
}

bool is_number_at_most(const json& value, double bound) { return value.is_number() && value.get<double>() <= bound; }

// What a Valid verdict promises about the payload, checked against an independent (lenient) parse.
void check_valid_claims(std::string_view token, const jwt::Verdict& verdict, const jwt::KeyRing& ring) {
  const std::string where = describe(token, verdict);
  const Parts parts = split_token(token);
  FUZZ_CHECK(parts.ok, where);
  const json header = decoded_object(parts.header);
  const json payload = decoded_object(parts.payload);
  FUZZ_CHECK(header.is_object() && payload.is_object(), where);
  FUZZ_CHECK(!header.contains("crit"), where);
  const std::string alg = string_field(header, "alg");
  FUZZ_CHECK(alg == "HS256" || alg == "RS256" || alg == "ES256", where);

  FUZZ_CHECK(payload.contains("sub") && payload["sub"].is_string(), where);
  FUZZ_CHECK(!verdict.claims.sub.empty() && payload["sub"].get<std::string>() == verdict.claims.sub, where);
  FUZZ_CHECK(payload.contains("exp") && payload["exp"].is_number(), where);
  const double now = static_cast<double>(kNow);
  FUZZ_CHECK(payload["exp"].get<double>() > now - jwt::kClockSkewSeconds, where);
  if (payload.contains("nbf")) FUZZ_CHECK(is_number_at_most(payload["nbf"], now + jwt::kClockSkewSeconds), where);
  if (payload.contains("iat")) FUZZ_CHECK(is_number_at_most(payload["iat"], now + jwt::kClockSkewSeconds), where);
  if (!ring.issuer().empty()) FUZZ_CHECK(string_field(payload, "iss") == ring.issuer(), where);
  if (!ring.audience().empty()) {
    const json& aud = payload.contains("aud") ? payload["aud"] : json();
    bool match = aud.is_string() && aud.get<std::string>() == ring.audience();
    if (aud.is_array()) {
      for (const json& entry : aud) {
        FUZZ_CHECK(entry.is_string(), where);
        match = match || entry.get<std::string>() == ring.audience();
      }
    }
    FUZZ_CHECK(match, where);
  }
  // Roles: non-empty, unique, and each one named by "role" or inside "roles".
  const auto& roles = verdict.claims.roles;
  for (size_t i = 0; i < roles.size(); ++i) {
    FUZZ_CHECK(!roles[i].empty(), where);
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(roles[i] != roles[j], where);
    bool named = string_field(payload, "role") == roles[i];
    if (payload.contains("roles") && payload["roles"].is_array()) {
      for (const json& entry : payload["roles"])
        named = named || (entry.is_string() && entry.get<std::string>() == roles[i]);
    }
    FUZZ_CHECK(named, where);
  }
  bool admin = false;
  for (const auto& role : roles) admin = admin || role == "admin";
  FUZZ_CHECK(verdict.claims.is_admin() == admin, where);
}

// The two-phase flow for RS256/ES256, with a shim that answers as told.
void check_signature_request(std::string_view token, const jwt::Verdict& first, const jwt::KeyRing& ring) {
  const std::string where = describe(token, first);
  const jwt::SignatureCheck& check = first.check;
  FUZZ_CHECK(check.alg == "RS256" || check.alg == "ES256", where);
  FUZZ_CHECK(check.signing_input + "." + check.signature_b64url == token, where);
  FUZZ_CHECK(check.id == jwt::expected_check_id(check.alg, check.kid, check.thumbprint, check.signing_input,
                                                check.signature_b64url),
             where);
  const jwt::PublicKey* chosen = nullptr;
  for (const jwt::PublicKey& key : ring.keys()) {
    if (key.thumbprint == check.thumbprint) chosen = &key;
  }
  FUZZ_CHECK(chosen != nullptr, where);
  FUZZ_CHECK(chosen->alg == check.alg && chosen->kid == check.kid && chosen->jwk == check.jwk, where);
  const json wire = jwt::check_to_json(check);
  FUZZ_CHECK(parse_json(to_text(wire)).has_value(), where);

  // The shim says no.
  const jwt::Verdict refused = jwt::verify(token, ring, kNow, {{check.id, false}});
  FUZZ_CHECK(refused.kind == Kind::Invalid && refused.reason == "bad_signature", describe(token, refused));
  // An answer for the same bytes under another key, or for other bytes, does not count.
  for (const jwt::PublicKey& other : ring.keys()) {
    if (&other == chosen) continue;
    const std::string forged =
        jwt::expected_check_id(check.alg, other.kid, other.thumbprint, check.signing_input, check.signature_b64url);
    const jwt::Verdict still = jwt::verify(token, ring, kNow, {{forged, true}});
    FUZZ_CHECK(still.kind == Kind::NeedsSignatureCheck && still.check.id == check.id, describe(token, still));
  }
  const std::string other_bytes =
      jwt::expected_check_id(check.alg, check.kid, check.thumbprint, check.signing_input + "x", check.signature_b64url);
  FUZZ_CHECK(jwt::verify(token, ring, kNow, {{other_bytes, true}}).kind == Kind::NeedsSignatureCheck, where);
  // The shim says yes: a final verdict, never a second question.
  const jwt::Verdict settled = jwt::verify(token, ring, kNow, {{check.id, true}});
  FUZZ_CHECK(settled.kind != Kind::NeedsSignatureCheck, describe(token, settled));
  if (settled.kind == Kind::Valid) check_valid_claims(token, settled, ring);
  if (settled.kind == Kind::Invalid) FUZZ_CHECK(!settled.reason.empty(), describe(token, settled));
}

// Returns the settled verdict (after a yes from the shim, for RS256/ES256).
jwt::Verdict examine(std::string_view token, const jwt::KeyRing& ring) {
  const jwt::Verdict verdict = jwt::verify(token, ring, kNow, {});
  const std::string where = describe(token, verdict);
  if (std::getenv("UPGATE_FUZZ_VERBOSE")) std::fprintf(stderr, "%s\n", where.substr(0, 200).c_str());
  const jwt::Verdict again = jwt::verify(token, ring, kNow, {});
  FUZZ_CHECK(again.kind == verdict.kind && again.reason == verdict.reason && again.check.id == verdict.check.id, where);
  if (token.size() > jwt::kMaxTokenBytes)
    FUZZ_CHECK(verdict.kind == Kind::Invalid && verdict.reason == "too_large", where);

  switch (verdict.kind) {
    case Kind::Invalid:
      FUZZ_CHECK(!verdict.reason.empty(), where);
      return verdict;
    case Kind::Valid: {
      // No shim answer was given, so only the HMAC can have accepted it: recompute it independently.
      const Parts parts = split_token(token);
      FUZZ_CHECK(parts.ok, where);
      FUZZ_CHECK(string_field(decoded_object(parts.header), "alg") == "HS256", where);
      FUZZ_CHECK(b64(crypto::hmac_sha256(kSecret, parts.signing_input)) == parts.signature, where);
      check_valid_claims(token, verdict, ring);
      return verdict;
    }
    case Kind::NeedsSignatureCheck:
      check_signature_request(token, verdict, ring);
      return jwt::verify(token, ring, kNow, {{verdict.check.id, true}});
  }
  return verdict;
}

void examine_both_rings(std::string_view token) {
  const jwt::Verdict plain = examine(token, plain_ring());
  const jwt::Verdict strict = examine(token, strict_ring());
  // Setting JWT_ISSUER and JWT_AUDIENCE only ever removes tokens from the accepted set.
  if (strict.kind == Kind::Valid) FUZZ_CHECK(plain.kind == Kind::Valid, describe(token, plain));
}

// A signature the verifier accepts the shape of, for the key a header names (or the only key of its alg).
std::string shaped_signature(const std::string& alg, const std::string& signing_input) {
  if (alg == "RS256") {
    std::string sig(256, '\x01');  // the RFC modulus is 256 bytes with a top byte above 0x01
    sig[0] = '\0';
    return b64(sig);
  }
  if (alg == "ES256") {
    std::string sig(64, '\0');
    sig[31] = '\x01';  // r = 1
    sig[63] = '\x02';  // s = 2
    return b64(sig);
  }
  return b64(crypto::hmac_sha256(kSecret, signing_input));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  plain_ring();
  strict_ring();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  // 1. The input is the token.
  examine_both_rings(input);

  // The same header and payload, re-signed with the fixed secret: now only the claims decide.
  const Parts parts = split_token(input);
  if (parts.ok && input.size() <= jwt::kMaxTokenBytes) {
    const std::string resigned =
        std::string(parts.signing_input) + "." + b64(crypto::hmac_sha256(kSecret, parts.signing_input));
    const jwt::Verdict verdict = jwt::verify(resigned, plain_ring(), kNow, {});
    if (verdict.kind == Kind::Invalid && verdict.reason == "bad_signature") {
      const std::string alg = string_field(decoded_object(parts.header), "alg");
      FUZZ_CHECK(alg == "RS256" || alg == "ES256", describe(resigned, verdict));
    }
    examine_both_rings(resigned);
  }

  // 2. "<header JSON>\n<payload JSON>", minted by the harness.
  const size_t newline = input.find('\n');
  if (newline != std::string::npos) {
    const std::string header = input.substr(0, newline);
    const std::string payload = input.substr(newline + 1);
    const std::string signing_input = b64(header) + "." + b64(payload);
    auto parsed_header = parse_json(header);
    const std::string alg = parsed_header ? string_field(*parsed_header, "alg") : "";
    const std::string token = signing_input + "." + shaped_signature(alg, signing_input);
    const jwt::Verdict verdict = jwt::verify(token, plain_ring(), kNow, {});
    if (verdict.kind == Kind::Invalid && verdict.reason == "bad_signature") {
      FUZZ_CHECK(alg == "RS256" || alg == "ES256", describe(token, verdict));
    }
    examine_both_rings(token);
  }
  return 0;
}
