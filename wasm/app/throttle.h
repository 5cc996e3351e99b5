// Applies the rate limit to /api/* requests (contract section 7): keyed by the token's sub when the caller
// authenticated, else by the client IP; the RATE_LIMITER binding, when bound, is asked after the local bucket
// as a global backstop.
#pragma once
#include <optional>

#include "app/context.h"

namespace upgate {

// One token for the request itself: nullopt when allowed, the 429 otherwise.
Task<std::optional<Response>> throttle_request(Context& context);

// Extra tokens for work a handler discovers it will do (a batch presign spends one per file), after
// throttle_request. nullopt when allowed; the 429 otherwise.
std::optional<Response> spend_rate_limit(Context& context, int64_t extra_tokens);

// X-RateLimit-* and the IETF draft's RateLimit-Policy / RateLimit, from the context's latest decision.
void add_rate_limit_headers(Response& response, const Context& context);

}  // namespace upgate
