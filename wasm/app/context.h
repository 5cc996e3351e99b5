// What a route handler works with: the exchange (request, time, effects), the configuration and the
// per-isolate state of the core.
#pragma once
#include <optional>
#include <string>

#include "config/config.h"
#include "http/response.h"
#include "jwt/jwt.h"
#include "protocol/exchange.h"
#include "ratelimit/rate_limiter.h"

namespace upgate {

struct IsolateState;

// Who is asking, once the bearer token has been looked at (see auth.h).
struct Authentication {
  bool valid = false;
  jwt::Claims claims;  // when valid
  std::string reason;  // when not: for the log, never the response
};

struct Context {
  Context(Exchange& exchange_, const Config& config_, IsolateState& isolate_, std::string request_id_)
      : exchange(exchange_), config(config_), isolate(isolate_), request_id(std::move(request_id_)) {}

  Exchange& exchange;
  const Config& config;
  IsolateState& isolate;
  std::string request_id;
  std::vector<std::string> route_params;  // the matched route's path parameters, in order
  std::string sub;                        // the authenticated caller, once known (for the log and the rate-limit key)
  std::vector<std::pair<std::string, std::string>> extra_headers;  // added to whatever response results
  std::optional<RateDecision> rate;              // the latest rate-limit decision, for the X-RateLimit-* headers
  std::optional<Authentication> authentication;  // decided once per request, by whoever asks first
};

// A route's handler: the flow of one request, suspending on the I/O it needs (task.h, exchange.h).
using Handler = Task<Response> (*)(Context&);

}  // namespace upgate
