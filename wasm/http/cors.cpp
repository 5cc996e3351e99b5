#include "http/cors.h"

#include "util/text.h"

namespace upgate::cors {

namespace {
// Every header a presign answer may tell a client to send (its "headers"), and the checksum headers S3 clients
// such as the AWS SDK add on their own: a browser cannot send one the preflight does not allow.
constexpr const char* kAllowedHeaders =
    "Authorization, Content-Type, X-Request-Id, x-amz-checksum-sha256, x-amz-checksum-sha1, x-amz-checksum-crc32, "
    "x-amz-checksum-crc32c, x-amz-sdk-checksum-algorithm, x-amz-meta-upload-id, If-None-Match";
// ETag: browser upload clients (Uppy) read it after every PUT, and multipart needs it per part.
constexpr const char* kExposedHeaders =
    "X-Request-Id, ETag, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, RateLimit-Policy, RateLimit, "
    "Retry-After";

bool matches(std::string_view pattern, std::string_view origin) {
  if (pattern == origin) return true;
  if (pattern.size() < 2 || pattern.substr(pattern.size() - 2) != ":*") return false;
  const std::string_view base = pattern.substr(0, pattern.size() - 2);
  if (origin == base) return true;
  return origin.size() > base.size() + 1 && origin.substr(0, base.size()) == base && origin[base.size()] == ':' &&
         text::all_digits(origin.substr(base.size() + 1));
}
}  // namespace

bool origin_allowed(const Config& config, std::string_view origin) {
  if (origin.empty()) return false;
  for (const auto& pattern : config.cors_origins) {
    if (pattern == "*" || matches(pattern, origin)) return true;
  }
  return false;
}

Response preflight(const Config& config, const RequestFacts& request, const std::string& methods) {
  Response response;
  response.status = 204;
  const std::string origin = request.header("origin");
  if (origin_allowed(config, origin)) {
    response.header("Access-Control-Allow-Methods", methods + ", OPTIONS");
    response.header("Access-Control-Allow-Headers", kAllowedHeaders);
    response.header("Access-Control-Max-Age", "600");
  } else {
    response.log_detail = "preflight from an origin not in CORS_ORIGINS";
  }
  return response;
}

void add_response_headers(Response& response, const Config& config, const RequestFacts& request) {
  response.header("Vary", "Origin");
  const std::string origin = request.header("origin");
  if (!origin_allowed(config, origin)) return;
  response.header("Access-Control-Allow-Origin", origin);
  response.header("Access-Control-Expose-Headers", kExposedHeaders);
}

}  // namespace upgate::cors
