// CORS (contract section 2): only origins in CORS_ORIGINS; preflights answer 204 with the allowed methods and
// headers; X-Request-Id and the rate-limit headers are exposed to scripts.
#pragma once
#include <string>
#include <string_view>

#include "config/config.h"
#include "http/response.h"
#include "protocol/exchange.h"

namespace upgate::cors {

// Exact match, or a configured "scheme://host:*" matching that scheme and host on any port (or none).
bool origin_allowed(const Config& config, std::string_view origin);

// A disallowed origin still gets 204, but without any Access-Control-Allow-* header, so the browser refuses.
Response preflight(const Config& config, const RequestFacts& request, const std::string& methods);

void add_response_headers(Response& response, const Config& config, const RequestFacts& request);

}  // namespace upgate::cors
