#include "app/auth.h"

#include "util/text.h"

#include "app/isolate.h"
#include "app/request_body.h"

namespace upgate {

namespace {

// "Bearer <token>"; the scheme is case-insensitive (RFC 7235).
std::string bearer_token(const std::string& header) {
  if (header.size() < 7) return "";
  if (text::ascii_lower(header.substr(0, 7)) != "bearer ") return "";
  const auto start = header.find_first_not_of(' ', 7);
  return start == std::string::npos ? "" : header.substr(start);
}

Task<Authentication> verify_bearer(Context& context) {
  const std::string token = bearer_token(context.exchange.request().header("authorization"));
  if (token.empty()) co_return Authentication{false, {}, "missing_bearer_token"};
  if (!context.isolate.keys) co_return Authentication{false, {}, "no_verification_key_configured"};
  const jwt::KeyRing& ring = *context.isolate.keys;
  const int64_t now = context.exchange.now_seconds();
  jwt::VerdictCache& verified = context.isolate.verified_tokens;
  if (std::optional<jwt::Claims> claims = verified.find(token, now))
    co_return Authentication{true, std::move(*claims), ""};

  jwt::SignatureResults results;
  jwt::Verdict verdict = jwt::verify(token, ring, now, results);
  if (verdict.kind == jwt::Verdict::Kind::NeedsSignatureCheck) {
    const EffectResult answer =
        co_await context.exchange.perform_one(effects::verify_signature(jwt::check_to_json(verdict.check)));
    if (!answer.ok()) co_return Authentication{false, {}, "signature_check_failed"};
    results[string_field(answer.value(), "id")] = bool_field(answer.value(), "valid");
    verdict = jwt::verify(token, ring, now, results);
  }
  if (verdict.kind != jwt::Verdict::Kind::Valid) {
    co_return Authentication{false, {}, verdict.reason.empty() ? "unverified" : verdict.reason};
  }
  verified.remember(token, verdict.claims, now);
  co_return Authentication{true, verdict.claims, ""};
}

}  // namespace

Task<Authentication> authenticate(Context& context) {
  if (!context.authentication) {
    context.authentication = co_await verify_bearer(context);
    if (context.authentication->valid) context.sub = context.authentication->claims.sub;
  }
  co_return *context.authentication;
}

Response unauthorized(const std::string& reason) {
  Response response = reject(Error::InvalidToken).logging(reason);
  response.header("WWW-Authenticate", "Bearer realm=\"upgate\", error=\"invalid_token\"");
  return response;
}

bool may_act_on(const jwt::Claims& caller, const std::string& owner) {
  return caller.sub == owner || caller.is_admin();
}

Task<Result<jwt::Claims>> require_caller(Context& context) {
  const Authentication auth = co_await authenticate(context);
  if (!auth.valid) co_return unauthorized(auth.reason);
  co_return auth.claims;
}

Task<Result<CallerAndBody>> require_caller_and_body(Context& context) {
  Result<jwt::Claims> caller = co_await require_caller(context);
  if (!caller) co_return std::move(caller.refusal());
  Result<std::string> body = co_await read_request_body(context);
  if (!body) co_return std::move(body.refusal());
  co_return CallerAndBody{std::move(caller.value()), std::move(body.value())};
}

}  // namespace upgate
