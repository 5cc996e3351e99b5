#include "throttle.h"

#include "auth.h"
#include "isolate.h"

namespace upgate {

namespace {

std::string rate_key(Context& context, const Authentication& auth) {
  if (auth.state == Authentication::State::Valid) return "sub:" + auth.claims.sub;
  return "ip:" + context.exchange.request().ip;
}

json to_memo(const RateDecision& d) {
  return json{{"allowed", d.allowed}, {"limit", d.limit}, {"remaining", d.remaining},
              {"reset", d.reset_unix_seconds}, {"retry", d.retry_after_seconds}};
}

RateDecision from_memo(const json& m) {
  return RateDecision{bool_field(m, "allowed"), integer_field(m, "limit"), integer_field(m, "remaining"),
                      integer_field(m, "reset"), integer_field(m, "retry")};
}

// The local decision for this memo slot: spent on the first step that gets here, recalled on later ones.
RateDecision decide_once(Context& context, const char* slot, const std::string& key, int64_t cost) {
  json& memo = context.exchange.memo();
  if (memo.contains(slot)) return from_memo(memo[slot]);
  const RateDecision decision = context.isolate.rate_limiter.spend(key, cost, context.config.rate_limit_per_minute,
                                                                   context.exchange.now_ms());
  memo[slot] = to_memo(decision);
  return decision;
}

Response too_many(const RateDecision& decision, const std::string& detail) {
  Response response = error_response(429, "rate_limited", "Too many requests; retry after the time in Retry-After.",
                                     json{{"retryAfter", decision.retry_after_seconds}});
  response.header("Retry-After", std::to_string(decision.retry_after_seconds));
  response.log_detail = detail;
  return response;
}

}  // namespace

Throttle throttle_request(Context& context) {
  Authentication auth = authenticate(context);
  if (auth.state == Authentication::State::Pending) return {};
  const std::string key = rate_key(context, auth);
  RateDecision decision = decide_once(context, "rate", key, 1);
  context.rate = decision;
  if (!decision.allowed) return {Throttle::State::Refused, too_many(decision, "local bucket empty")};
  if (!context.isolate.has_global_rate_limiter) return {Throttle::State::Allowed, {}};

  EffectResult global = context.exchange.perform(effects::rate_limiter(key));
  if (!global.ready()) return {};
  // The backstop failing open keeps an outage of the binding from taking the API down with it.
  if (global.ok() && !bool_field(global.value(), "success", true)) {
    decision.retry_after_seconds = std::max<int64_t>(decision.retry_after_seconds, 1);
    return {Throttle::State::Refused, too_many(decision, "global rate limiter refused")};
  }
  return {Throttle::State::Allowed, {}};
}

std::optional<Response> spend_rate_limit(Context& context, int64_t extra_tokens) {
  if (extra_tokens <= 0) return std::nullopt;
  Authentication auth = authenticate(context);
  const RateDecision decision = decide_once(context, "rate_extra", rate_key(context, auth), extra_tokens);
  context.rate = decision;
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
