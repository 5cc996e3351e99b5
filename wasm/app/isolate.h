// State the core keeps for the life of one isolate (one wasm instance): the validated configuration and
// what is derived from it once, so no request pays for it again.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "config/config.h"
#include "jwt/jwt.h"
#include "jwt/verdict_cache.h"
#include "ratelimit/rate_limiter.h"
#include "sigv4/sigv4.h"

namespace upgate {

struct IsolateState {
  Config config;
  bool configured = false;
  std::optional<jwt::KeyRing> keys;   // absent when neither JWT_SECRET nor a usable JWKS key is configured
  jwt::VerdictCache verified_tokens;  // tokens accepted with these keys
  sigv4::SigningKeyCache signing_keys;
  RateLimiter rate_limiter;
  bool has_global_rate_limiter = false;  // the RATE_LIMITER binding is bound
  bool has_event_queue = true;           // the UPLOAD_EVENTS binding is bound (as the shim reported it)
  json openapi;                          // the OpenAPI document the shim ships, served at /openapi.json
};

IsolateState& isolate_state();

// Replaces the isolate's state with one built from the configure call (see dispatch.h).
void configure_isolate(const json& call);

}  // namespace upgate
