// The probe ops: the engines with caller-chosen inputs, for the Worker tests and the bench
// (tests/worker/fixtures/core-probe.js, bench/compute-worker.js). Only build/wasm/upgate-probe.wasm links
// this file; the Worker's own module links no_probes.cpp, so production answers these ops "unknown op".
#include "probes/probes.h"

#include "app/isolate.h"
#include "app/routes.h"
#include "crypto/crypto.h"
#include "jwt/jwt.h"
#include "sigv4/sigv4.h"
#include "util/encoding.h"

namespace upgate {

namespace {

json error_answer(const std::string& message) { return json{{"error", message}}; }

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

// The SigV4 engine with caller-chosen inputs, for the Worker tests that cross-check it against the AWS SDK.
json sigv4_presign(const json& call) {
  sigv4::PresignInput input;
  input.method = string_field(call, "method", "PUT");
  input.host = string_field(call, "host");
  input.path = string_field(call, "path");
  if (call.contains("headers") && call["headers"].is_object()) {
    for (const auto& [name, value] : call["headers"].items()) {
      if (value.is_string()) input.signed_headers.emplace_back(name, value.get<std::string>());
    }
  }
  input.now_unix_seconds = integer_field(call, "now_seconds");
  input.expires_seconds = integer_field(call, "expires", 900);
  const sigv4::Credentials credentials{string_field(call, "access_key_id"), string_field(call, "secret_access_key")};
  const auto presigned = sigv4::presign(credentials, sigv4::Scope{}, input, isolate_state().signing_keys);
  return json{{"url", presigned.url_path_and_query}, {"signature", presigned.signature}};
}

// The JWT engine against the isolate's key ring, for the Worker tests that verify jose-minted tokens.
json jwt_verify(const json& call) {
  const IsolateState& isolate = isolate_state();
  if (!isolate.keys) return error_answer("no key ring configured");
  jwt::SignatureResults results;
  if (call.contains("results") && call["results"].is_object()) {
    for (const auto& [id, valid] : call["results"].items()) results[id] = valid.is_boolean() && valid.get<bool>();
  }
  const auto verdict =
      jwt::verify(string_field(call, "token"), *isolate.keys, integer_field(call, "now_seconds"), results);
  static const char* const kKinds[] = {"valid", "invalid", "needs_signature_check"};
  json answer{{"kind", kKinds[static_cast<int>(verdict.kind)]}, {"reason", verdict.reason}};
  if (verdict.kind == jwt::Verdict::Kind::Valid)
    answer["claims"] = {{"sub", verdict.claims.sub}, {"roles", verdict.claims.roles}};
  if (verdict.kind == jwt::Verdict::Kind::NeedsSignatureCheck) answer["check"] = jwt::check_to_json(verdict.check);
  return answer;
}

}  // namespace

std::optional<json> probe_call(const std::string& op, const json& call) {
  if (op == "digest") return digest(call);
  if (op == "sigv4_presign") return sigv4_presign(call);
  if (op == "jwt_verify") return jwt_verify(call);
  if (op == "routes") return json{{"routes", route_catalogue()}};
  return std::nullopt;
}

}  // namespace upgate
