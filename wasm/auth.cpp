#include "auth.h"

#include <cctype>

#include "isolate.h"
#include "request_body.h"

namespace upgate {

namespace {

// "Bearer <token>"; the scheme is case-insensitive (RFC 7235).
std::string bearer_token(const std::string& header) {
  if (header.size() < 7) return "";
  std::string scheme = header.substr(0, 7);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return "";
  const auto start = header.find_first_not_of(' ', 7);
  return start == std::string::npos ? "" : header.substr(start);
}

Authentication verify_bearer(Context& context) {
  const std::string token = bearer_token(context.exchange.request().header("authorization"));
  if (token.empty()) return {Authentication::State::Invalid, {}, "missing_bearer_token"};
  if (!context.isolate.keys) return {Authentication::State::Invalid, {}, "no_verification_key_configured"};
  const jwt::KeyRing& ring = *context.isolate.keys;
  const int64_t now = context.exchange.now_seconds();

  jwt::SignatureResults results;
  jwt::Verdict verdict = jwt::verify(token, ring, now, results);
  if (verdict.kind == jwt::Verdict::Kind::NeedsSignatureCheck) {
    EffectResult answer = context.exchange.perform(effects::verify_signature(jwt::check_to_json(verdict.check)));
    if (!answer.ready()) return {Authentication::State::Pending, {}, ""};
    if (!answer.ok()) return {Authentication::State::Invalid, {}, "signature_check_failed"};
    results[string_field(answer.value(), "id")] = bool_field(answer.value(), "valid");
    verdict = jwt::verify(token, ring, now, results);
  }
  if (verdict.kind != jwt::Verdict::Kind::Valid) {
    return {Authentication::State::Invalid, {}, verdict.reason.empty() ? "unverified" : verdict.reason};
  }
  context.sub = verdict.claims.sub;
  return {Authentication::State::Valid, verdict.claims, ""};
}

}  // namespace

// A verified caller is remembered in the conversation's memo (which never leaves the wasm instance), so the
// later steps of a request do not verify the token again.
Authentication authenticate(Context& context) {
  if (context.authentication && context.authentication->state != Authentication::State::Pending) {
    return *context.authentication;
  }
  json& memo = context.exchange.memo();
  if (memo.contains("caller")) {
    const json& caller = memo["caller"];
    context.exchange.pass_over(static_cast<size_t>(integer_field(caller, "effects")));
    jwt::Claims claims;
    claims.sub = string_field(caller, "sub");
    claims.exp = integer_field(caller, "exp");
    for (const auto& role : caller["roles"]) claims.roles.push_back(role.get<std::string>());
    context.sub = claims.sub;
    context.authentication = Authentication{Authentication::State::Valid, std::move(claims), ""};
    return *context.authentication;
  }
  const size_t effects_before = context.exchange.effects_asked();
  context.authentication = verify_bearer(context);
  if (context.authentication->state == Authentication::State::Valid) {
    const jwt::Claims& claims = context.authentication->claims;
    memo["caller"] = {{"sub", claims.sub},
                      {"exp", claims.exp},
                      {"roles", claims.roles},
                      {"effects", context.exchange.effects_asked() - effects_before}};
  }
  return *context.authentication;
}

Response unauthorized(const std::string& reason) {
  Response response = error_response(401, "invalid_token", "A valid bearer token is required.");
  response.header("WWW-Authenticate", "Bearer realm=\"upgate\", error=\"invalid_token\"");
  response.log_detail = reason;
  return response;
}

bool may_act_on(const jwt::Claims& caller, const std::string& owner) {
  return caller.sub == owner || caller.is_admin();
}

AuthenticatedRequest require_caller(Context& context) {
  Authentication auth = authenticate(context);
  if (auth.state == Authentication::State::Pending) return {Step(std::nullopt), {}, ""};
  if (auth.state == Authentication::State::Invalid) return {Step(unauthorized(auth.reason)), {}, ""};
  return {std::nullopt, auth.claims, ""};
}

AuthenticatedRequest require_caller_and_body(Context& context) {
  AuthenticatedRequest request = require_caller(context);
  if (request.stop) return request;
  RequestBody body = read_request_body(context);
  if (body.state == RequestBody::State::Pending) return {Step(std::nullopt), {}, ""};
  if (body.state == RequestBody::State::Refused) return {Step(body.refusal), {}, ""};
  request.body = std::move(body.text);
  return request;
}

}  // namespace upgate
