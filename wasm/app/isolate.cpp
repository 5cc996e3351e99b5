#include "app/isolate.h"

namespace upgate {

namespace {

// The bindings every route depends on (contract 1). The shim reports which are bound; in production a missing one
// makes the configuration unusable (503 misconfigured), in development it is a note and the calls needing it fail.
constexpr const char* kRequiredBindings[] = {"BUCKET", "UPLOADS_KV", "SHOOTS", "UPLOAD_EVENTS"};

void check_bindings(Config& config, const json& bound) {
  if (!bound.is_object()) return;  // a core the shim configures for something else (the ledger object, probes)
  for (const char* name : kRequiredBindings) {
    if (!bool_field(bound, name)) {
      (config.production ? config.problems : config.notes).push_back(std::string(name) + " is not bound");
    }
  }
}

}  // namespace

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
  const json& bound = member_of(call, "bindings");
  check_bindings(config, bound);
  isolate.has_event_queue = !bound.is_object() || bool_field(bound, "UPLOAD_EVENTS");
  isolate.openapi = parse_json(string_field(call, "openapi")).value_or(json());
  isolate.configured = true;
}

}  // namespace upgate
