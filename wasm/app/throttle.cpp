#include "app/throttle.h"

#include "app/auth.h"
#include "app/isolate.h"

namespace upgate {

namespace {

std::string rate_key(Context& context) {
  if (context.authentication && context.authentication->valid) return "sub:" + context.authentication->claims.sub;
  return "ip:" + context.exchange.request().ip;
}

RateDecision spend(Context& context, int64_t cost) {
  const RateDecision decision = context.isolate.rate_limiter.spend(
      rate_key(context), cost, context.config.rate_limit_per_minute, context.exchange.now_ms());
  context.rate = decision;
  return decision;
}

Response too_many(const RateDecision& decision, const std::string& detail) {
  Response response = reject(Error::RateLimited).with("retryAfter", decision.retry_after_seconds).logging(detail);
  response.header("Retry-After", std::to_string(decision.retry_after_seconds));
  return response;
}

}  // namespace

Task<std::optional<Response>> throttle_request(Context& context) {
  co_await authenticate(context);  // the key is the caller's sub when the token is valid
  RateDecision decision = spend(context, 1);
  if (!decision.allowed) co_return too_many(decision, "local bucket empty");
  if (!context.isolate.has_global_rate_limiter) co_return std::nullopt;

  const EffectResult global = co_await context.exchange.perform_one(effects::rate_limiter(rate_key(context)));
  // The backstop failing open keeps an outage of the binding from taking the API down with it.
  if (global.ok() && !bool_field(global.value(), "success", true)) {
    decision.retry_after_seconds = std::max<int64_t>(decision.retry_after_seconds, 1);
    co_return too_many(decision, "global rate limiter refused");
  }
  co_return std::nullopt;
}

std::optional<Response> spend_rate_limit(Context& context, int64_t extra_tokens) {
  if (extra_tokens <= 0) return std::nullopt;
  const RateDecision decision = spend(context, extra_tokens);
  if (decision.allowed) return std::nullopt;
  return too_many(decision, "batch needs more tokens than the bucket holds");
}

void add_rate_limit_headers(Response& response, const Context& context) {
  if (!context.rate) return;
  const RateDecision& d = *context.rate;
  const int64_t reset_in = std::max<int64_t>(0, d.reset_unix_seconds - context.exchange.now_seconds());
  response.header("X-RateLimit-Limit", std::to_string(d.limit));
  response.header("X-RateLimit-Remaining", std::to_string(d.remaining));
  response.header("X-RateLimit-Reset", std::to_string(d.reset_unix_seconds));
  response.header("RateLimit-Policy", "\"default\";q=" + std::to_string(d.limit) + ";w=60");
  response.header("RateLimit", "\"default\";r=" + std::to_string(d.remaining) + ";t=" + std::to_string(reset_in));
}

}  // namespace upgate
