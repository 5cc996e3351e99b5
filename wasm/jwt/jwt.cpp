#include "jwt/jwt.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "crypto/crypto.h"
#include "util/encoding.h"

namespace upgate::jwt {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------------------------------------------------
// JSON parsing that never throws and refuses duplicate member names (RFC 7515 section 4 allows "reject" or
// "last wins"; rejecting removes any doubt about which "alg" or "sub" was meant).

enum class ParseError { None, Syntax, Duplicate };

json parse_strict(std::string_view text, ParseError& error) {
  std::vector<std::set<std::string>> seen;
  bool duplicate = false;
  json::parser_callback_t callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        seen.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!seen.empty()) seen.pop_back();
        break;
      case json::parse_event_t::key:
        if (!seen.empty() && parsed.is_string() && !seen.back().insert(parsed.get_ref<const std::string&>()).second) {
          duplicate = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  json value = json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    error = ParseError::Syntax;
    return json();
  }
  error = duplicate ? ParseError::Duplicate : ParseError::None;
  return value;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

const json* member(const json& object, const char* name) {
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

const std::string* string_member(const json& object, const char* name) {
  const json* value = member(object, name);
  return value != nullptr && value->is_string() ? &value->get_ref<const std::string&>() : nullptr;
}

// ---------------------------------------------------------------------------------------------------------
// 256-bit arithmetic, just enough to check that a P-256 public point lies on the curve and that an ECDSA
// signature's r and s are in range. Runs once per key at build time and twice per ES256 token; no secrets
// are involved, so it need not be constant time.

using U256 = std::array<uint32_t, 8>;  // little-endian 32-bit limbs

U256 u256_from_be(std::string_view bytes32) {
  U256 out{};
  for (size_t i = 0; i < 32; ++i) {
    const size_t bit = (31 - i) * 8;
    out[bit / 32] |= uint32_t(uint8_t(bytes32[i])) << (bit % 32);
  }
  return out;
}

U256 u256_from_hex(const char* hex) {
  auto bytes = encoding::hex_decode(hex);
  return u256_from_be(*bytes);
}

int u256_cmp(const U256& a, const U256& b) {
  for (int i = 7; i >= 0; --i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

bool u256_is_zero(const U256& a) {
  return std::all_of(a.begin(), a.end(), [](uint32_t limb) { return limb == 0; });
}

// a - b, returning the borrow.
uint32_t u256_sub(U256& out, const U256& a, const U256& b) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < 8; ++i) {
    const uint64_t d = uint64_t(a[i]) - b[i] - borrow;
    out[i] = uint32_t(d);
    borrow = (d >> 63) & 1;
  }
  return uint32_t(borrow);
}

// (a + b) mod m for a, b < m.
U256 add_mod(const U256& a, const U256& b, const U256& m) {
  U256 sum{};
  uint64_t carry = 0;
  for (size_t i = 0; i < 8; ++i) {
    const uint64_t s = uint64_t(a[i]) + b[i] + carry;
    sum[i] = uint32_t(s);
    carry = s >> 32;
  }
  if (carry != 0 || u256_cmp(sum, m) >= 0) {
    U256 reduced{};
    u256_sub(reduced, sum, m);
    return reduced;
  }
  return sum;
}

// (a - b) mod m for a, b < m.
U256 sub_mod(const U256& a, const U256& b, const U256& m) {
  U256 diff{};
  if (u256_sub(diff, a, b) != 0) {
    uint64_t carry = 0;
    for (size_t i = 0; i < 8; ++i) {
      const uint64_t s = uint64_t(diff[i]) + m[i] + carry;
      diff[i] = uint32_t(s);
      carry = s >> 32;
    }
  }
  return diff;
}

// (a * b) mod m for a, b < m: schoolbook product, then binary long reduction.
U256 mul_mod(const U256& a, const U256& b, const U256& m) {
  std::array<uint32_t, 16> product{};
  for (size_t i = 0; i < 8; ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < 8; ++j) {
      const uint64_t t = uint64_t(a[i]) * b[j] + product[i + j] + carry;
      product[i + j] = uint32_t(t);
      carry = t >> 32;
    }
    product[i + 8] = uint32_t(carry);
  }
  U256 r{};
  const U256 one{1, 0, 0, 0, 0, 0, 0, 0};
  for (int bit = 511; bit >= 0; --bit) {
    r = add_mod(r, r, m);
    if ((product[bit / 32] >> (bit % 32)) & 1) r = add_mod(r, one, m);
  }
  return r;
}

const U256& p256_p() {
  static const U256 p = u256_from_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  return p;
}
const U256& p256_b() {
  static const U256 b = u256_from_hex("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");
  return b;
}
const U256& p256_n() {
  static const U256 n = u256_from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  return n;
}

// y^2 = x^3 - 3x + b (mod p), with x, y < p.
bool p256_on_curve(std::string_view x_bytes, std::string_view y_bytes) {
  const U256& p = p256_p();
  const U256 x = u256_from_be(x_bytes), y = u256_from_be(y_bytes);
  if (u256_cmp(x, p) >= 0 || u256_cmp(y, p) >= 0) return false;
  const U256 three{3, 0, 0, 0, 0, 0, 0, 0};
  const U256 lhs = mul_mod(y, y, p);
  const U256 rhs = add_mod(mul_mod(sub_mod(mul_mod(x, x, p), three, p), x, p), p256_b(), p);
  return u256_cmp(lhs, rhs) == 0;
}

// r and s of a raw 64-byte ECDSA signature both in [1, n-1].
bool p256_signature_in_range(std::string_view sig64) {
  const U256 r = u256_from_be(sig64.substr(0, 32)), s = u256_from_be(sig64.substr(32, 32));
  return !u256_is_zero(r) && !u256_is_zero(s) && u256_cmp(r, p256_n()) < 0 && u256_cmp(s, p256_n()) < 0;
}

// ---------------------------------------------------------------------------------------------------------
// JWKS key validation.

std::string strip_leading_zeros(std::string bytes) {
  size_t i = 0;
  while (i < bytes.size() && bytes[i] == '\0') ++i;
  return bytes.substr(i);
}

size_t bit_length(std::string_view minimal_be) {
  if (minimal_be.empty()) return 0;
  size_t bits = (minimal_be.size() - 1) * 8;
  for (unsigned top = uint8_t(minimal_be[0]); top != 0; top >>= 1) ++bits;
  return bits;
}

constexpr size_t kMinRsaBits = 2048;
constexpr size_t kMaxRsaBits = 8192;

struct KeyResult {
  std::optional<PublicKey> key;
  std::string why;  // when skipped
};

KeyResult read_key(const json& entry) {
  KeyResult result;
  const std::string* kty = string_member(entry, "kty");
  if (kty == nullptr) return {std::nullopt, "has no kty"};
  if (*kty != "RSA" && *kty != "EC") return {std::nullopt, "has a kty other than RSA or EC"};
  const std::string expected_alg = *kty == "RSA" ? "RS256" : "ES256";

  if (const json* use = member(entry, "use"); use != nullptr && !(use->is_string() && *use == "sig")) {
    return {std::nullopt, "has a use other than sig"};
  }
  if (const json* ops = member(entry, "key_ops"); ops != nullptr) {
    if (!ops->is_array()) return {std::nullopt, "has a key_ops that is not an array"};
    const bool verify =
        std::any_of(ops->begin(), ops->end(), [](const json& op) { return op.is_string() && op == "verify"; });
    if (!verify) return {std::nullopt, "has key_ops without verify"};
  }
  if (const json* alg = member(entry, "alg"); alg != nullptr && !(alg->is_string() && *alg == expected_alg)) {
    return {std::nullopt, "has an alg that does not fit its kty (RSA keys must be RS256, EC keys ES256)"};
  }
  std::string kid;
  if (const json* k = member(entry, "kid"); k != nullptr) {
    if (!k->is_string()) return {std::nullopt, "has a kid that is not a string"};
    kid = k->get<std::string>();
  }

  PublicKey key;
  key.kid = kid;
  key.alg = expected_alg;
  if (*kty == "RSA") {
    const std::string* n_text = string_member(entry, "n");
    const std::string* e_text = string_member(entry, "e");
    if (n_text == nullptr || e_text == nullptr) return {std::nullopt, "is an RSA key without n or e"};
    auto n = encoding::base64url_decode(*n_text);
    auto e = encoding::base64url_decode(*e_text);
    if (!n || !e) return {std::nullopt, "is an RSA key whose n or e is not base64url"};
    const std::string n_min = strip_leading_zeros(*n), e_min = strip_leading_zeros(*e);
    const size_t bits = bit_length(n_min);
    if (bits < kMinRsaBits) return {std::nullopt, "is an RSA key with a modulus under 2048 bits"};
    if (bits > kMaxRsaBits) return {std::nullopt, "is an RSA key with a modulus over 8192 bits"};
    if ((uint8_t(n_min.back()) & 1) == 0) return {std::nullopt, "is an RSA key with an even modulus"};
    // e: odd, at least 3, at most 32 bits (65537 in practice).
    if (e_min.empty() || e_min.size() > 4 || (uint8_t(e_min.back()) & 1) == 0 ||
        (e_min.size() == 1 && uint8_t(e_min[0]) < 3)) {
      return {std::nullopt, "is an RSA key with an unusable exponent"};
    }
    key.modulus_bytes = n_min.size();
    key.jwk = json::object({{"kty", "RSA"},
                            {"n", encoding::base64url_encode(n_min)},
                            {"e", encoding::base64url_encode(e_min)},
                            {"alg", "RS256"}});
  } else {
    const std::string* crv = string_member(entry, "crv");
    if (crv == nullptr || *crv != "P-256") return {std::nullopt, "is an EC key on a curve other than P-256"};
    const std::string* x_text = string_member(entry, "x");
    const std::string* y_text = string_member(entry, "y");
    if (x_text == nullptr || y_text == nullptr) return {std::nullopt, "is an EC key without x or y"};
    auto x = encoding::base64url_decode(*x_text);
    auto y = encoding::base64url_decode(*y_text);
    if (!x || !y || x->size() != 32 || y->size() != 32) {
      return {std::nullopt, "is an EC key whose x or y is not 32 bytes of base64url"};
    }
    if (!p256_on_curve(*x, *y)) return {std::nullopt, "is an EC key whose point is not on P-256"};
    key.jwk = json::object({{"kty", "EC"}, {"crv", "P-256"}, {"x", *x_text}, {"y", *y_text}, {"alg", "ES256"}});
  }
  if (!kid.empty()) key.jwk["kid"] = kid;
  key.thumbprint = jwk_thumbprint(key.jwk);
  result.key = std::move(key);
  if (member(entry, "d") != nullptr || member(entry, "p") != nullptr || member(entry, "q") != nullptr) {
    result.why = "contains private key members; only its public part is used, and the JWKS should not hold them";
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Verification helpers.

Verdict invalid(const char* reason) {
  Verdict verdict;
  verdict.kind = Verdict::Kind::Invalid;
  verdict.reason = reason;
  return verdict;
}

// A NumericDate as a double (JSON numbers of any kind); nullopt when the value is not a number.
std::optional<double> numeric_date(const json& value) {
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

int64_t clamp_to_int64(double value) {
  const double floored = std::floor(value);
  if (floored <= -9.2e18) return std::numeric_limits<int64_t>::min();
  if (floored >= 9.2e18) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(floored);
}

bool typ_accepted(std::string_view typ) {
  return iequals(typ, "JWT") || iequals(typ, "application/jwt") || iequals(typ, "at+jwt") ||
         iequals(typ, "application/at+jwt");
}

void append_length_prefixed(std::string& out, std::string_view field) {
  const uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  out.append(field.data(), field.size());
}

// The claim checks that follow an accepted signature.
Verdict check_claims(const json& payload, const KeyRing& ring, int64_t now) {
  // Compare in double: every int64 "now" the core sees (Unix seconds) is exactly representable.
  const double now_d = static_cast<double>(now);
  const double skew = static_cast<double>(kClockSkewSeconds);

  const json* exp = member(payload, "exp");
  if (exp == nullptr) return invalid("missing_exp");
  auto exp_value = numeric_date(*exp);
  if (!exp_value) return invalid("bad_exp");
  if (*exp_value <= now_d - skew) return invalid("expired");

  if (const json* nbf = member(payload, "nbf"); nbf != nullptr) {
    auto value = numeric_date(*nbf);
    if (!value) return invalid("bad_nbf");
    if (*value > now_d + skew) return invalid("not_yet_valid");
  }
  if (const json* iat = member(payload, "iat"); iat != nullptr) {
    auto value = numeric_date(*iat);
    if (!value) return invalid("bad_iat");
    if (*value > now_d + skew) return invalid("iat_in_future");
  }

  const json* sub = member(payload, "sub");
  if (sub == nullptr) return invalid("missing_sub");
  if (!sub->is_string() || sub->get_ref<const std::string&>().empty()) return invalid("bad_sub");

  if (!ring.issuer().empty()) {
    const json* iss = member(payload, "iss");
    if (iss == nullptr) return invalid("missing_iss");
    if (!iss->is_string() || *iss != ring.issuer()) return invalid("wrong_iss");
  }
  if (!ring.audience().empty()) {
    const json* aud = member(payload, "aud");
    if (aud == nullptr) return invalid("missing_aud");
    bool match = false;
    if (aud->is_string()) {
      match = *aud == ring.audience();
    } else if (aud->is_array()) {
      for (const json& entry : *aud) {
        if (!entry.is_string()) return invalid("bad_aud");
        if (entry == ring.audience()) match = true;
      }
    } else {
      return invalid("bad_aud");
    }
    if (!match) return invalid("wrong_aud");
  }

  Verdict verdict;
  verdict.kind = Verdict::Kind::Valid;
  verdict.claims.sub = sub->get<std::string>();
  verdict.claims.exp = clamp_to_int64(*exp_value);
  auto add_role = [&](const json& role) {
    if (!role.is_string()) return;  // ill-typed role entries grant nothing
    const std::string& name = role.get_ref<const std::string&>();
    auto& roles = verdict.claims.roles;
    if (!name.empty() && std::find(roles.begin(), roles.end(), name) == roles.end()) roles.push_back(name);
  };
  if (const json* role = member(payload, "role"); role != nullptr) add_role(*role);
  if (const json* roles = member(payload, "roles"); roles != nullptr && roles->is_array()) {
    for (const json& entry : *roles) add_role(entry);
  }
  return verdict;
}

}  // namespace

// -------------------------------------------------------------------------------------------------------------

bool Claims::is_admin() const { return std::find(roles.begin(), roles.end(), "admin") != roles.end(); }

std::string jwk_thumbprint(const json& jwk) {
  if (!jwk.is_object()) return {};
  const std::string* kty = string_member(jwk, "kty");
  if (kty == nullptr) return {};
  json canonical = json::object();  // nlohmann's object is a std::map: members come out in lexicographic order
  const char* const rsa_members[] = {"e", "kty", "n"};
  const char* const ec_members[] = {"crv", "kty", "x", "y"};
  auto copy = [&](const char* const* names, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      const std::string* value = string_member(jwk, names[i]);
      if (value == nullptr) return false;
      canonical[names[i]] = *value;
    }
    return true;
  };
  const bool ok = *kty == "RSA" ? copy(rsa_members, 3) : *kty == "EC" ? copy(ec_members, 4) : false;
  if (!ok) return {};
  return encoding::base64url_encode(crypto::sha256(canonical.dump()));
}

std::string expected_check_id(std::string_view alg, std::string_view kid, std::string_view thumbprint,
                              std::string_view signing_input, std::string_view signature_b64url) {
  std::string framed;
  framed.reserve(96 + alg.size() + kid.size() + thumbprint.size() + signing_input.size() + signature_b64url.size());
  append_length_prefixed(framed, "upgate.jwt.sigcheck.v1");
  append_length_prefixed(framed, alg);
  append_length_prefixed(framed, kid);
  append_length_prefixed(framed, thumbprint);
  append_length_prefixed(framed, signing_input);
  append_length_prefixed(framed, signature_b64url);
  return crypto::sha256_hex(framed);
}

json check_to_json(const SignatureCheck& check) {
  return json::object({{"id", check.id},
                       {"alg", check.alg},
                       {"kid", check.kid},
                       {"thumbprint", check.thumbprint},
                       {"jwk", check.jwk},
                       {"signingInput", check.signing_input},
                       {"signature", check.signature_b64url}});
}

const PublicKey* KeyRing::find(std::string_view kid) const {
  if (kid.empty()) return nullptr;
  for (const PublicKey& key : keys_) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

Outcome<KeyRing> KeyRing::build(const Settings& settings) {
  KeyRing ring;
  ring.secret_ = settings.hs256_secret;
  ring.issuer_ = settings.issuer;
  ring.audience_ = settings.audience;

  if (!settings.jwks_json.empty()) {
    ParseError error = ParseError::None;
    const json jwks = parse_strict(settings.jwks_json, error);
    if (error == ParseError::Syntax) return Failure{"jwks_malformed", "JWT_JWKS is not valid JSON."};
    if (error == ParseError::Duplicate) {
      return Failure{"jwks_malformed", "JWT_JWKS repeats a member name inside one object."};
    }
    const json* keys = jwks.is_object() ? member(jwks, "keys") : nullptr;
    if (keys == nullptr || !keys->is_array()) {
      return Failure{"jwks_malformed", "JWT_JWKS must be a JSON object with a \"keys\" array."};
    }
    size_t index = 0;
    for (const json& entry : *keys) {
      const std::string where = "JWT_JWKS key #" + std::to_string(index++);
      if (!entry.is_object()) return Failure{"jwks_malformed", where + " is not a JSON object."};
      KeyResult result = read_key(entry);
      if (!result.key) {
        ring.notes_.push_back(where + " ignored: it " + result.why + ".");
        continue;
      }
      if (!result.why.empty()) ring.notes_.push_back(where + " " + result.why + ".");
      if (!result.key->kid.empty() && ring.find(result.key->kid) != nullptr) {
        return Failure{"jwks_duplicate_kid", where + " has the same kid as an earlier usable key."};
      }
      ring.keys_.push_back(std::move(*result.key));
    }
  }

  if (ring.secret_.empty() && ring.keys_.empty()) {
    return Failure{"no_verification_key",
                   settings.jwks_json.empty()
                       ? "Neither JWT_SECRET nor JWT_JWKS is set: no token could ever be verified."
                       : "JWT_SECRET is not set and JWT_JWKS holds no usable RS256 or ES256 key."};
  }
  return ring;
}

Verdict verify(std::string_view token, const KeyRing& ring, int64_t now, const SignatureResults& results) {
  if (token.size() > kMaxTokenBytes) return invalid("too_large");

  // Exactly three parts.
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return invalid("malformed");
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return invalid("malformed");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);
  const std::string_view signing_input = token.substr(0, dot2);

  // Header.
  auto header_text = encoding::base64url_decode(header_b64);
  if (!header_text) return invalid("bad_base64");
  ParseError error = ParseError::None;
  const json header = parse_strict(*header_text, error);
  if (error == ParseError::Duplicate) return invalid("duplicate_member");
  if (error != ParseError::None || !header.is_object()) return invalid("bad_header");

  const json* alg_value = member(header, "alg");
  if (alg_value == nullptr) return invalid("missing_alg");
  if (!alg_value->is_string()) return invalid("alg_not_allowed");
  const std::string& alg = alg_value->get_ref<const std::string&>();
  if (iequals(alg, "none")) return invalid("alg_none");
  if (alg != "HS256" && alg != "RS256" && alg != "ES256") return invalid("alg_not_allowed");
  if (member(header, "crit") != nullptr) return invalid("crit");  // no extension is understood
  if (const json* typ = member(header, "typ"); typ != nullptr) {
    if (!typ->is_string() || !typ_accepted(typ->get_ref<const std::string&>())) return invalid("bad_typ");
  }

  // Key choice. Keys embedded in the header (jwk, jku, x5c, x5u) are never consulted.
  const PublicKey* key = nullptr;
  if (const json* kid = member(header, "kid"); kid != nullptr) {
    if (!kid->is_string() || kid->get_ref<const std::string&>().empty()) return invalid("bad_kid");
    key = ring.find(kid->get_ref<const std::string&>());
    if (key == nullptr) return invalid("unknown_kid");
    if (key->alg != alg) return invalid("alg_key_mismatch");
  } else if (alg == "HS256") {
    if (ring.secret_.empty()) return invalid("no_secret");
  } else {
    size_t count = 0;
    for (const PublicKey& candidate : ring.keys_) {
      if (candidate.alg == alg) {
        key = &candidate;
        ++count;
      }
    }
    if (count == 0) return invalid("no_key");
    if (count > 1) return invalid("ambiguous_key");
  }

  // Payload and signature bytes.
  auto payload_text = encoding::base64url_decode(payload_b64);
  if (!payload_text) return invalid("bad_base64");
  auto signature = encoding::base64url_decode(signature_b64);
  if (!signature) return invalid("bad_base64");
  const json payload = parse_strict(*payload_text, error);
  if (error == ParseError::Duplicate) return invalid("duplicate_member");
  if (error != ParseError::None || !payload.is_object()) return invalid("bad_payload");

  // Signature.
  if (alg == "HS256") {
    if (!crypto::constant_time_equal(crypto::hmac_sha256(ring.secret_, signing_input), *signature)) {
      return invalid("bad_signature");
    }
  } else {
    if (alg == "RS256") {
      if (signature->size() != key->modulus_bytes) return invalid("bad_signature_length");
      // The signature representative must be below the modulus (RFC 8017 section 5.2.2).
      const std::string* n_text = string_member(key->jwk, "n");
      const auto n = n_text != nullptr ? encoding::base64url_decode(*n_text) : std::nullopt;
      if (!n || !(*signature < *n)) return invalid("bad_signature");
    } else {
      if (signature->size() != 64) return invalid("bad_signature_length");  // raw r||s only, never DER
      if (!p256_signature_in_range(*signature)) return invalid("bad_signature");
    }
    const std::string id = expected_check_id(alg, key->kid, key->thumbprint, signing_input, signature_b64);
    auto answer = results.find(id);
    if (answer == results.end()) {
      Verdict verdict;
      verdict.kind = Verdict::Kind::NeedsSignatureCheck;
      verdict.check.id = id;
      verdict.check.alg = alg;
      verdict.check.kid = key->kid;
      verdict.check.thumbprint = key->thumbprint;
      verdict.check.jwk = key->jwk;
      verdict.check.signing_input = std::string(signing_input);
      verdict.check.signature_b64url = std::string(signature_b64);
      return verdict;
    }
    if (!answer->second) return invalid("bad_signature");
  }

  return check_claims(payload, ring, now);
}

}  // namespace upgate::jwt
