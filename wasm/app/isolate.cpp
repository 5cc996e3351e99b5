#include "app/isolate.h"

namespace upgate {

IsolateState& isolate_state() {
  static IsolateState state;
  return state;
}

void configure_isolate(const json& call) {
  IsolateState& isolate = isolate_state();
  isolate = IsolateState();
  isolate.config = load_config(call.contains("env") ? call["env"] : json::object());
  Config& config = isolate.config;
  auto ring =
      jwt::KeyRing::build(jwt::Settings{config.jwt_secret, config.jwt_jwks, config.jwt_issuer, config.jwt_audience});
  if (ring) {
    for (const auto& note : ring.value().notes()) config.notes.push_back("JWT_JWKS: " + note);
    isolate.keys = std::move(ring.value());
  } else if (!config.jwt_secret.empty() || !config.jwt_jwks.empty()) {
    (config.production ? config.problems : config.notes).push_back("JWT_JWKS: " + ring.failure().message);
  }
  isolate.has_global_rate_limiter = bool_field(call, "rate_limiter_bound");
  isolate.openapi = parse_json(string_field(call, "openapi")).value_or(json());
  isolate.configured = true;
}

}  // namespace upgate
