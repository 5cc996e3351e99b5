// Bearer-token verification (contract section 3): every decision about a JWT is made here; the one thing the
// core cannot afford in wasm, an RS256/ES256 signature check, is asked of the JavaScript shim
// (crypto.subtle) as a SignatureCheck and answered through SignatureResults on a second call.
//
// Flow for RS256/ES256: verify() -> NeedsSignatureCheck{check}; the shim verifies check.signing_input against
// check.signature_b64url with check.jwk and calls verify() again with results[check.id] = true/false. An
// answer is only honoured under the id verify() itself computes for this token's bytes and the key it chose,
// so an answer for other bytes or another key can never validate a token.
//
// HS256 is verified here with HMAC-SHA256 (Crypto++), compared in constant time.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/failure.h"

namespace upgate::jwt {

// From JWT_SECRET, JWT_JWKS, JWT_ISSUER, JWT_AUDIENCE. An empty string means unset.
// The secret's bytes are the HMAC key as given (not base64-decoded); its minimum length (32 bytes) is the
// configuration check's business, not this module's.
struct Settings {
  std::string hs256_secret;
  std::string jwks_json;
  std::string issuer;
  std::string audience;
};

// A usable JWKS key, reduced to its public members in canonical form.
struct PublicKey {
  std::string kid;           // as in the JWKS; empty when the key has none
  std::string alg;           // "RS256" (kty RSA) or "ES256" (kty EC, crv P-256)
  nlohmann::json jwk;        // {"alg","e","kid"?,"kty","n"} or {"alg","crv","kid"?,"kty","x","y"}; n/e minimal
  std::string thumbprint;    // RFC 7638 SHA-256 thumbprint, base64url
  size_t modulus_bytes = 0;  // RSA: length of n, which every RS256 signature must have
};

struct Claims {
  std::string sub;
  std::vector<std::string> roles;  // "role" (string) and the strings of "roles" (array), de-duplicated
  int64_t exp = 0;                 // seconds; a fractional exp is floored
  bool is_admin() const;
};

// The one asymmetric check the core asks the shim for. See check_to_json for the wire shape.
struct SignatureCheck {
  std::string id;  // expected_check_id(alg, kid, thumbprint, signing_input, signature_b64url)
  std::string alg;
  std::string kid;
  std::string thumbprint;  // RFC 7638 thumbprint of jwk: a stable per-key cache key for the imported CryptoKey
  nlohmann::json jwk;
  std::string signing_input;  // "<header b64url>.<payload b64url>", exactly as in the token
  std::string signature_b64url;
};

// Answers the shim gave, by SignatureCheck::id.
using SignatureResults = std::map<std::string, bool>;

struct Verdict {
  enum class Kind { Valid, Invalid, NeedsSignatureCheck } kind = Kind::Invalid;
  Claims claims;         // when Valid
  std::string reason;    // when Invalid: a fixed snake_case word for the log, never the response
  SignatureCheck check;  // when NeedsSignatureCheck
};

class KeyRing;
Verdict verify(std::string_view token, const KeyRing& ring, int64_t now_unix_seconds, const SignatureResults& results);

// Built once per isolate from configuration.
class KeyRing {
 public:
  // Failure codes: "jwks_malformed" (not JSON, not {"keys":[objects]}, duplicate members),
  // "jwks_duplicate_kid" (two usable keys share a kid), "no_verification_key" (no secret and no usable key).
  // Keys that are unusable (other kty, use other than "sig", key_ops without "verify", alg not fitting,
  // weak or malformed material, curve other than P-256) are skipped and described in notes().
  static Outcome<KeyRing> build(const Settings& settings);

  bool has_secret() const { return !secret_.empty(); }
  const std::vector<PublicKey>& keys() const { return keys_; }
  const PublicKey* find(std::string_view kid) const;
  const std::string& issuer() const { return issuer_; }
  const std::string& audience() const { return audience_; }
  // One sentence per skipped key or oddity, naming the key by position (never by key material), for the
  // configuration log line.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  friend Verdict verify(std::string_view, const KeyRing&, int64_t, const SignatureResults&);
  std::string secret_;
  std::vector<PublicKey> keys_;
  std::string issuer_;
  std::string audience_;
  std::vector<std::string> notes_;
};

// Largest accepted token, in bytes (8 KiB).
constexpr size_t kMaxTokenBytes = 8192;
// Clock skew tolerated on exp, nbf and iat, in seconds.
constexpr int64_t kClockSkewSeconds = 60;

// The id the core expects for a check: lower-case hex SHA-256 over the domain tag "upgate.jwt.sigcheck.v1"
// followed by alg, kid, thumbprint, signing input and signature (base64url text), each of the six preceded by
// its length as 8 bytes big-endian.
std::string expected_check_id(std::string_view alg, std::string_view kid, std::string_view thumbprint,
                              std::string_view signing_input, std::string_view signature_b64url);

// RFC 7638 thumbprint (SHA-256, base64url) of an RSA {e,kty,n} or EC {crv,kty,x,y} JWK; empty when the JWK
// lacks a required member (or it is not a string) or has another kty.
std::string jwk_thumbprint(const nlohmann::json& jwk);

// The shape the shim receives:
// {"id": "<64 hex>", "alg": "RS256"|"ES256", "kid": "<kid or empty>", "thumbprint": "<b64url>",
//  "jwk": {...public members, always with "alg"...}, "signingInput": "<ascii>", "signature": "<b64url>"}
nlohmann::json check_to_json(const SignatureCheck& check);

}  // namespace upgate::jwt
