#include "config/config.h"

#include <cerrno>
#include <cstdlib>

#include "util/text.h"

namespace upgate {

namespace {

constexpr size_t kMinSecretBytes = 32;

using text::trim;
// "a, b,,c" -> {"a", "b", "c"}: comma-separated, blanks trimmed, empty items dropped.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  for (const std::string& piece : text::split(text, ',')) {
    std::string item = trim(piece);
    if (!item.empty()) items.push_back(std::move(item));
  }
  return items;
}

// Reads an integer variable; a malformed or out-of-range value is a problem in production and a note (with
// the default kept) in development.
void read_integer(const json& env, const char* name, int64_t low, int64_t high, int64_t& target, Config& config) {
  const std::string text = trim(string_field(env, name));
  if (text.empty()) return;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno == 0 && end && *end == '\0' && value >= low && value <= high) {
    target = value;
    return;
  }
  const std::string message =
      std::string(name) + " must be an integer from " + std::to_string(low) + " to " + std::to_string(high);
  if (config.production) {
    config.problems.push_back(message);
  } else {
    config.notes.push_back(message + "; using " + std::to_string(target));
  }
}

// A secret's absence or weakness: fatal in production, a note in development.
void require_secret(const std::string& value, const char* name, Config& config) {
  std::string problem;
  if (value.empty()) {
    problem = std::string(name) + " is not set";
  } else if (value.size() < kMinSecretBytes) {
    problem = std::string(name) + " is shorter than 32 bytes";
  }
  if (problem.empty()) return;
  (config.production ? config.problems : config.notes).push_back(problem);
}

void read_jwt(const json& env, Config& config) {
  config.jwt_secret = string_field(env, "JWT_SECRET");
  config.jwt_jwks = trim(string_field(env, "JWT_JWKS"));
  config.jwt_issuer = trim(string_field(env, "JWT_ISSUER"));
  config.jwt_audience = trim(string_field(env, "JWT_AUDIENCE"));
  if (config.jwt_secret.empty() && config.jwt_jwks.empty()) {
    (config.production ? config.problems : config.notes).push_back("neither JWT_SECRET nor JWT_JWKS is set");
  } else if (!config.jwt_secret.empty()) {
    require_secret(config.jwt_secret, "JWT_SECRET", config);
  }
}

// Worker mode's previous key pair, set during a key rotation so that URLs signed before it still verify: both
// or neither, a key id other than the current one, and a secret as strong as the current one must be. A pair
// missing a half or repeating the current key id is not used; a weak secret is, in development only, as the
// current one is.
void read_previous_upload_key(const json& env, Config& config) {
  std::string key_id = trim(string_field(env, "UPLOAD_SIGNING_KEY_ID_PREVIOUS"));
  std::string secret = string_field(env, "UPLOAD_SIGNING_SECRET_PREVIOUS");
  if (key_id.empty() && secret.empty()) return;
  auto& sink = config.production ? config.problems : config.notes;
  if (key_id.empty() || secret.empty()) {
    sink.push_back(std::string(key_id.empty() ? "UPLOAD_SIGNING_SECRET_PREVIOUS" : "UPLOAD_SIGNING_KEY_ID_PREVIOUS") +
                   " is set without " +
                   (key_id.empty() ? "UPLOAD_SIGNING_KEY_ID_PREVIOUS" : "UPLOAD_SIGNING_SECRET_PREVIOUS") +
                   "; set both or neither");
    return;
  }
  if (key_id == config.upload_key_id) {
    sink.push_back("UPLOAD_SIGNING_KEY_ID_PREVIOUS must differ from UPLOAD_SIGNING_KEY_ID");
    return;
  }
  require_secret(secret, "UPLOAD_SIGNING_SECRET_PREVIOUS", config);
  config.upload_previous_key_id = std::move(key_id);
  config.upload_previous_secret = std::move(secret);
}

void read_upload_mode(const json& env, Config& config) {
  const std::string mode = trim(string_field(env, "UPLOAD_MODE", "worker"));
  if (mode == "s3") {
    config.upload_mode = UploadMode::S3;
  } else if (mode != "worker" && !mode.empty()) {
    (config.production ? config.problems : config.notes).push_back("UPLOAD_MODE must be worker or s3");
  }
  if (config.upload_mode == UploadMode::Worker) {
    config.upload_key_id = trim(string_field(env, "UPLOAD_SIGNING_KEY_ID"));
    config.upload_secret = string_field(env, "UPLOAD_SIGNING_SECRET");
    if (config.upload_key_id.empty()) {
      (config.production ? config.problems : config.notes).push_back("UPLOAD_SIGNING_KEY_ID is not set");
    }
    require_secret(config.upload_secret, "UPLOAD_SIGNING_SECRET", config);
    read_previous_upload_key(env, config);
    return;
  }
  config.r2_endpoint = trim(string_field(env, "R2_S3_ENDPOINT"));
  config.r2_bucket = trim(string_field(env, "R2_BUCKET_NAME"));
  config.r2_key_id = trim(string_field(env, "R2_ACCESS_KEY_ID"));
  config.r2_secret = string_field(env, "R2_SECRET_ACCESS_KEY");
  auto& sink = config.production ? config.problems : config.notes;
  // The scheme is used as given, so a local S3 server can stand in during development; production needs TLS.
  const bool https = config.r2_endpoint.rfind("https://", 0) == 0;
  const bool http = config.r2_endpoint.rfind("http://", 0) == 0;
  if (config.production && !https) {
    sink.push_back("R2_S3_ENDPOINT must be an https:// URL");
  } else if (!https && !http) {
    sink.push_back("R2_S3_ENDPOINT must be an http:// or https:// URL");
  }
  if (config.r2_bucket.empty()) sink.push_back("R2_BUCKET_NAME is not set");
  if (config.r2_key_id.empty()) sink.push_back("R2_ACCESS_KEY_ID is not set");
  if (config.r2_secret.empty()) sink.push_back("R2_SECRET_ACCESS_KEY is not set");
}

void read_cors(const json& env, Config& config) {
  const bool set = env.is_object() && env.contains("CORS_ORIGINS") && env["CORS_ORIGINS"].is_string();
  config.cors_origins =
      set ? split_list(env["CORS_ORIGINS"].get<std::string>())
          : (config.production ? std::vector<std::string>{} : std::vector<std::string>{"http://localhost:*"});
  if (!set && !config.production) config.notes.push_back("CORS_ORIGINS not set; allowing http://localhost:*");
  for (const auto& origin : config.cors_origins) {
    if (origin == "*" && config.production) config.problems.push_back("CORS_ORIGINS must not be * in production");
  }
}

void read_webhook(const json& env, Config& config) {
  config.webhook_url = trim(string_field(env, "WEBHOOK_URL"));
  config.webhook_secret = string_field(env, "WEBHOOK_SECRET");
  if (config.webhook_url.empty()) return;
  auto& sink = config.production ? config.problems : config.notes;
  const bool https = config.webhook_url.rfind("https://", 0) == 0;
  if (!https && (config.production || config.webhook_url.rfind("http://", 0) != 0)) {
    sink.push_back(config.production ? "WEBHOOK_URL must be an https:// URL" : "WEBHOOK_URL must be an http(s):// URL");
  }
  require_secret(config.webhook_secret, "WEBHOOK_SECRET", config);
}

// EVENT_RETRY_DELAYS_SECONDS: "60,300,900" (contract 10's 1, 5 and 15 minutes); tests shorten it.
void read_retry_delays(const json& env, Config& config) {
  const std::string text = trim(string_field(env, "EVENT_RETRY_DELAYS_SECONDS"));
  if (text.empty()) return;
  std::vector<int64_t> delays;
  for (const std::string& part : split_list(text)) {
    const auto seconds = text::parse_decimal(part);
    if (!seconds || *seconds > 43200) {
      (config.production ? config.problems : config.notes)
          .push_back("EVENT_RETRY_DELAYS_SECONDS must be comma-separated seconds of at most 43200");
      return;
    }
    delays.push_back(*seconds);
  }
  if (!delays.empty()) config.retry_delays_seconds = std::move(delays);
}

}  // namespace

Config load_config(const json& env) {
  Config config;
  config.app_env = trim(string_field(env, "APP_ENV"));
  config.production = config.app_env == "production";
  if (config.app_env != "production" && config.app_env != "development") {
    // Without a known environment, fail safe: treat it as production so nothing weak is served.
    config.problems.push_back("APP_ENV must be development or production");
    config.production = true;
  }
  read_jwt(env, config);
  read_upload_mode(env, config);
  read_integer(env, "PRESIGN_TTL_SECONDS", 60, 3600, config.presign_ttl_seconds, config);
  read_integer(env, "MAX_UPLOAD_BYTES", 1, kDefaultMaxUploadBytes, config.max_upload_bytes, config);
  // s3 mode's PUT goes to R2 directly, which takes up to 5 GiB in one PUT.
  config.max_single_put_bytes =
      config.upload_mode == UploadMode::Worker ? kWorkerMaxSinglePutBytes : kDefaultMaxUploadBytes;
  read_integer(env, "MAX_SINGLE_PUT_BYTES", 1, kDefaultMaxUploadBytes, config.max_single_put_bytes, config);
  config.max_single_put_bytes = std::min(config.max_single_put_bytes, config.max_upload_bytes);
  read_integer(env, "RATE_LIMIT_PER_MINUTE", 1, 1000000, config.rate_limit_per_minute, config);
  read_cors(env, config);
  read_webhook(env, config);
  read_retry_delays(env, config);
  return config;
}

std::string Config::r2_endpoint_scheme() const {
  const auto end = r2_endpoint.find("://");
  return end == std::string::npos ? "https" : r2_endpoint.substr(0, end);
}

std::string Config::r2_endpoint_host() const {
  const auto start = r2_endpoint.find("://");
  if (start == std::string::npos) return "";
  const std::string rest = r2_endpoint.substr(start + 3);
  return rest.substr(0, rest.find('/'));
}

}  // namespace upgate
