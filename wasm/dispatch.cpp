#include "dispatch.h"

#include <exception>

#include "crypto.h"
#include "encoding.h"
#include "gateway.h"
#include "isolate.h"
#include "json.h"

namespace upgate {

namespace {

json error_answer(const std::string& message) { return json{{"error", message}}; }

json configure(const json& call) {
  IsolateState& isolate = isolate_state();
  isolate = IsolateState{};
  isolate.config = load_config(call.contains("env") ? call["env"] : json::object());
  isolate.configured = true;
  const Config& config = isolate.config;
  return json{{"ok", config.usable()}, {"env", config.app_env}, {"problems", config.problems}, {"notes", config.notes}};
}

// Exposes the core's hashing to the Worker tests, so the RFC vectors are checked inside workerd too.
json digest(const json& call) {
  const auto data = encoding::hex_decode(string_field(call, "data_hex"));
  const auto key = encoding::hex_decode(string_field(call, "key_hex"));
  if (!data || !key) return error_answer("data_hex and key_hex must be hex");
  const std::string algorithm = string_field(call, "algorithm");
  if (algorithm == "sha256") return json{{"hex", crypto::sha256_hex(*data)}};
  if (algorithm == "hmac-sha256") return json{{"hex", encoding::hex_encode(crypto::hmac_sha256(*key, *data))}};
  return error_answer("unknown algorithm");
}

json route_call(const json& call) {
  const std::string op = string_field(call, "op");
  if (op == "configure") return configure(call);
  if (!isolate_state().configured) return error_answer("configure must be called first");
  if (op == "http") return handle_http(call);
  if (op == "digest") return digest(call);
  return error_answer("unknown op");
}

}  // namespace

std::string dispatch(std::string_view input) {
  const auto call = parse_json(input);
  if (!call || !call->is_object()) return to_text(error_answer("input is not a JSON object"));
  // The core's own code returns errors as values; this catch is the last line against a library throwing
  // (nlohmann on an unexpected type, Crypto++ on a bad key length), so one request cannot take the isolate down.
  try {
    return to_text(route_call(*call));
  } catch (const std::exception& failure) {
    return to_text(json{{"error", "internal"}, {"detail", failure.what()}});
  }
}

}  // namespace upgate
