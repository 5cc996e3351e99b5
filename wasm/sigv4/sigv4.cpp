// SigV4 query presigning and verification as S3 documents it ("Authenticating Requests: Using Query
// Parameters"). Both directions share one canonicalisation, so what presign signs is exactly what verify checks.
#include "sigv4/sigv4.h"

#include "util/clock.h"

#include <algorithm>
#include <array>

#include "crypto/crypto.h"
#include "util/encoding.h"
#include "util/text.h"

namespace upgate::sigv4 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr int64_t kMaxExpires = 604800;  // seven days, S3's limit for X-Amz-Expires
constexpr int64_t kClockSkew = 900;      // S3 accepts a request dated up to 15 minutes in the future
constexpr int64_t kSecondsPerDay = 86400;

constexpr std::string_view kParamAlgorithm = "X-Amz-Algorithm";
constexpr std::string_view kParamCredential = "X-Amz-Credential";
constexpr std::string_view kParamDate = "X-Amz-Date";
constexpr std::string_view kParamExpires = "X-Amz-Expires";
constexpr std::string_view kParamSignedHeaders = "X-Amz-SignedHeaders";
constexpr std::string_view kParamSignature = "X-Amz-Signature";
constexpr std::array<std::string_view, 6> kAuthParams = {kParamAlgorithm, kParamCredential,    kParamDate,
                                                         kParamExpires,   kParamSignedHeaders, kParamSignature};

using Pairs = std::vector<std::pair<std::string, std::string>>;

Failure fail(std::string code, std::string message) { return Failure{std::move(code), std::move(message)}; }

bool is_auth_param(std::string_view name) {
  return std::find(kAuthParams.begin(), kAuthParams.end(), name) != kAuthParams.end();
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

using clock::civil_from_days;
using clock::CivilDate;

void append_padded(std::string& out, int64_t value, size_t width) {
  std::string digits = std::to_string(value);
  if (digits.size() < width) out.append(width - digits.size(), '0');
  out += digits;
}

int64_t digits_value(std::string_view text) {
  int64_t value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

// ---- Query strings ----

// Splits on '&' and the first '=' and percent-decodes both halves. '+' is NOT a space here: S3 treats it as a
// literal '+', so it re-encodes to %2B in the canonical query (a form-encoding client that meant a space must
// send %20). Empty pieces ("a=1&&b=2") carry no parameter and are skipped.
Outcome<Pairs> parse_query(std::string_view raw_query) {
  Pairs params;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    const std::string_view piece = raw_query.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    auto name = encoding::uri_decode(piece.substr(0, eq));
    auto value = encoding::uri_decode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1));
    if (!name || !value) return fail("malformed_request", "The query string contains a malformed percent-escape.");
    params.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

// Encodes every decoded parameter except the signature and sorts by encoded name, then encoded value, as
// SigV4 requires; any client spelling of the same parameters therefore canonicalises to the same string.
std::string canonical_query_from(const Pairs& decoded) {
  Pairs encoded;
  encoded.reserve(decoded.size());
  for (const auto& [name, value] : decoded) {
    if (name == kParamSignature) continue;
    encoded.emplace_back(encoding::uri_encode(name, false), encoding::uri_encode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

// ---- Headers ----

bool is_space(char c) { return c == ' ' || c == '\t'; }

// SigV4 "trimall": strip leading and trailing blanks and collapse inner runs to one space.
std::string trim_all(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// Values of every header with this (lower-case) name, trimmed and comma-joined as SigV4 does for repeats.
std::optional<std::string> header_value(const Pairs& headers, std::string_view lower_name) {
  std::optional<std::string> joined;
  for (const auto& [name, value] : headers) {
    if (to_lower(name) != lower_name) continue;
    joined = joined ? *joined + "," + trim_all(value) : trim_all(value);
  }
  return joined;
}

struct CanonicalHeaders {
  std::string block;        // "name:value\n" per header
  std::string signed_list;  // "name;name"
};

// `sorted` holds unique lower-case names in ascending order with their canonical values.
CanonicalHeaders canonical_headers_from(const Pairs& sorted) {
  CanonicalHeaders out;
  for (const auto& [name, value] : sorted) {
    out.block.append(name).append(":").append(value).append("\n");
    if (!out.signed_list.empty()) out.signed_list += ';';
    out.signed_list += name;
  }
  return out;
}

// ---- Signing ----

std::string scope_string(std::string_view day, const Scope& scope) {
  std::string out(day);
  out += '/' + scope.region + '/' + scope.service + '/';
  out += kTerminator;
  return out;
}

std::string canonical_request(std::string_view method, std::string_view uri, std::string_view query,
                              const CanonicalHeaders& headers, std::string_view payload_hash = kUnsignedPayload) {
  std::string out(method);
  out += '\n';
  out += uri;
  out += '\n';
  out += query;
  out += '\n';
  out += headers.block;
  out += '\n';
  out += headers.signed_list;
  out += '\n';
  out += payload_hash;
  return out;
}

std::string signature_for(const std::string& signing_key, std::string_view amz_date, std::string_view scope,
                          std::string_view canonical) {
  std::string to_sign(kAlgorithm);
  to_sign += '\n';
  to_sign += amz_date;
  to_sign += '\n';
  to_sign += scope;
  to_sign += '\n';
  to_sign += crypto::sha256_hex(canonical);
  return encoding::hex_encode(crypto::hmac_sha256(signing_key, to_sign));
}

// ---- presign helpers ----

// Host plus the caller's headers, lower-cased, sorted, repeats comma-joined.
Pairs headers_to_sign(std::string_view host, const Pairs& signed_headers) {
  Pairs headers = {{"host", trim_all(host)}};
  for (const auto& [name, value] : signed_headers) {
    std::string lower = to_lower(name);
    if (lower != "host") headers.emplace_back(std::move(lower), trim_all(value));
  }
  std::stable_sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Pairs merged;
  for (auto& header : headers) {
    if (!merged.empty() && merged.back().first == header.first) {
      merged.back().second += "," + header.second;
    } else {
      merged.push_back(std::move(header));
    }
  }
  return merged;
}

// The auth parameters, then the caller's extra ones (the canonical query sorts them all).
Pairs presign_params(const Credentials& credentials, const PresignInput& input, std::string_view amz_date,
                     std::string_view scope, std::string_view signed_list) {
  Pairs params = {{std::string(kParamAlgorithm), std::string(kAlgorithm)},
                  {std::string(kParamCredential), credentials.access_key_id + "/" + std::string(scope)},
                  {std::string(kParamDate), std::string(amz_date)},
                  {std::string(kParamExpires), std::to_string(input.expires_seconds)},
                  {std::string(kParamSignedHeaders), std::string(signed_list)}};
  for (const auto& param : input.extra_query) {
    if (!is_auth_param(param.first)) params.push_back(param);
  }
  return params;
}

// ---- verify helpers ----

struct AuthParams {
  std::string algorithm, credential, date, expires, signed_headers, signature;
};

std::string* auth_slot(AuthParams& auth, std::string_view name) {
  if (name == kParamAlgorithm) return &auth.algorithm;
  if (name == kParamCredential) return &auth.credential;
  if (name == kParamDate) return &auth.date;
  if (name == kParamExpires) return &auth.expires;
  if (name == kParamSignedHeaders) return &auth.signed_headers;
  if (name == kParamSignature) return &auth.signature;
  return nullptr;
}

// Each auth parameter exactly once: a repeat would leave it ambiguous which one was signed.
Outcome<AuthParams> collect_auth(const Pairs& params) {
  AuthParams auth;
  std::array<bool, kAuthParams.size()> seen{};
  for (const auto& [name, value] : params) {
    const auto it = std::find(kAuthParams.begin(), kAuthParams.end(), name);
    if (it == kAuthParams.end()) continue;
    bool& was_seen = seen[static_cast<size_t>(it - kAuthParams.begin())];
    if (was_seen) return fail("malformed_request", "The query parameter " + name + " appears more than once.");
    was_seen = true;
    *auth_slot(auth, name) = value;
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      return fail("malformed_request", "The query parameter " + std::string(kAuthParams[i]) + " is missing.");
    }
  }
  return auth;
}

using text::split;

struct CredentialScope {
  std::string access_key_id;
  Credentials credentials;
};

// "<access key>/<yyyymmdd>/<region>/<service>/aws4_request", dated the same day as X-Amz-Date.
Outcome<CredentialScope> check_credential(
    const AuthParams& auth, const Scope& expected,
    const std::function<std::optional<Credentials>(std::string_view)>& credentials_for) {
  const std::vector<std::string> parts = split(auth.credential, '/');
  if (parts.size() != 5 || parts[0].empty()) {
    return fail("bad_credential_scope",
                "X-Amz-Credential must be <access key>/<yyyymmdd>/<region>/<service>/aws4_request.");
  }
  if (parts[1] != std::string_view(auth.date).substr(0, 8)) {
    return fail("bad_credential_scope", "The credential date is not the date of X-Amz-Date.");
  }
  if (parts[2] != expected.region) {
    return fail("bad_credential_scope", "The credential region must be " + expected.region + ".");
  }
  if (parts[3] != expected.service) {
    return fail("bad_credential_scope", "The credential service must be " + expected.service + ".");
  }
  if (parts[4] != kTerminator) return fail("bad_credential_scope", "The credential must end in aws4_request.");
  std::optional<Credentials> credentials = credentials_for(parts[0]);
  if (!credentials) return fail("bad_credential_scope", "The access key id is not known.");
  return CredentialScope{parts[0], std::move(*credentials)};
}

// A plain decimal integer in 1..604800; over seven days gets its own code, as S3 gives it its own message.
Outcome<int64_t> parse_expires(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) {
    return fail("malformed_request", "X-Amz-Expires must be a whole number of seconds.");
  }
  int64_t value = 0;
  for (char c : text) {
    value = value * 10 + (c - '0');
    if (value > kMaxExpires) return fail("expires_too_long", "X-Amz-Expires must be at most 604800 (7 days).");
  }
  if (value < 1) return fail("malformed_request", "X-Amz-Expires must be at least 1 second.");
  return value;
}

bool is_header_name_char(char c) {
  return (c >= 'a' && c <= 'z') || is_digit(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Lower-case header names, ';'-separated, strictly ascending (so no repeats), and host among them: the
// canonical form every SigV4 signer produces, and host binds the URL to this server.
Outcome<std::vector<std::string>> parse_signed_headers(std::string_view text) {
  std::vector<std::string> names = split(text, ';');
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), is_header_name_char);
    if (!valid || (i > 0 && names[i - 1] >= name)) {
      return fail("malformed_request", "X-Amz-SignedHeaders must list lower-case header names in sorted order.");
    }
  }
  if (std::find(names.begin(), names.end(), "host") == names.end()) {
    return fail("malformed_request", "X-Amz-SignedHeaders must include host.");
  }
  return names;
}

Outcome<CanonicalHeaders> request_headers(const IncomingRequest& request, const std::vector<std::string>& names) {
  Pairs sorted;
  for (const std::string& name : names) {
    std::optional<std::string> value = header_value(request.headers, name);
    if (!value) return fail("signed_header_missing", "The signed header " + name + " is missing from the request.");
    sorted.emplace_back(name, std::move(*value));
  }
  return canonical_headers_from(sorted);
}

// S3 rejects a request dated more than 15 minutes ahead, and accepts one until date + expires inclusive.
std::optional<Failure> check_time(int64_t signed_at, int64_t expires_at, int64_t now) {
  if (now < signed_at - kClockSkew) return fail("not_yet_valid", "The request is dated in the future.");
  if (now > expires_at) return fail("expired", "The presigned URL has expired.");
  return std::nullopt;
}

bool is_lower_hex_64(std::string_view text) { return text.size() == 64 && text::all_lower_hex(text); }

// Everything verify has learned from the auth parameters before it computes the signature.
struct Checked {
  AuthParams auth;
  CredentialScope credential;
  int64_t expires_at = 0;
  std::vector<std::string> signed_names;
};

Outcome<Checked> check_auth_params(const Pairs& params, const Scope& expected,
                                   const std::function<std::optional<Credentials>(std::string_view)>& credentials_for,
                                   int64_t now) {
  Outcome<AuthParams> auth = collect_auth(params);
  if (!auth) return auth.failure();
  if (auth.value().algorithm != kAlgorithm) return fail("bad_algorithm", "X-Amz-Algorithm must be AWS4-HMAC-SHA256.");
  const std::optional<int64_t> signed_at = parse_amz_date(auth.value().date);
  if (!signed_at) return fail("malformed_request", "X-Amz-Date must be in the form YYYYMMDDTHHMMSSZ.");
  Outcome<CredentialScope> credential = check_credential(auth.value(), expected, credentials_for);
  if (!credential) return credential.failure();
  Outcome<int64_t> expires = parse_expires(auth.value().expires);
  if (!expires) return expires.failure();
  Outcome<std::vector<std::string>> names = parse_signed_headers(auth.value().signed_headers);
  if (!names) return names.failure();
  const int64_t expires_at = *signed_at + expires.value();
  if (std::optional<Failure> late = check_time(*signed_at, expires_at, now)) return *late;
  return Checked{std::move(auth.value()), std::move(credential.value()), expires_at, std::move(names.value())};
}

}  // namespace

// ---- SigningKeyCache ----

const std::string& SigningKeyCache::key_for(const Credentials& credentials, std::string_view yyyymmdd,
                                            const Scope& scope) {
  std::string id = credentials.secret_access_key;
  id += '\0';
  id += yyyymmdd;
  id += '\0' + scope.region + '\0' + scope.service;
  auto found = entries_.find(id);
  if (found != entries_.end()) return found->second.key;
  if (entries_.size() >= capacity_) evict_oldest();
  // kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
  std::string key = crypto::hmac_sha256("AWS4" + credentials.secret_access_key, yyyymmdd);
  key = crypto::hmac_sha256(key, scope.region);
  key = crypto::hmac_sha256(key, scope.service);
  key = crypto::hmac_sha256(key, kTerminator);
  ++derivations_;
  return entries_.emplace(std::move(id), Entry{std::string(yyyymmdd), std::move(key)}).first->second.key;
}

// yyyymmdd strings order like the dates they name, so the smallest is the oldest.
void SigningKeyCache::evict_oldest() {
  auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                 [](const auto& a, const auto& b) { return a.second.day < b.second.day; });
  if (oldest != entries_.end()) entries_.erase(oldest);
}

// ---- Building blocks ----

std::string format_amz_date(int64_t unix_seconds) {
  const int64_t days = clock::day_of(unix_seconds);
  const int64_t seconds = unix_seconds - days * kSecondsPerDay;
  const CivilDate date = civil_from_days(days);
  std::string out;
  out.reserve(16);
  append_padded(out, date.year, 4);
  append_padded(out, date.month, 2);
  append_padded(out, date.day, 2);
  out += 'T';
  append_padded(out, seconds / 3600, 2);
  append_padded(out, seconds / 60 % 60, 2);
  append_padded(out, seconds % 60, 2);
  out += 'Z';
  return out;
}

std::optional<int64_t> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const std::string_view date = text.substr(0, 8), time = text.substr(9, 6);
  if (!std::all_of(date.begin(), date.end(), is_digit) || !std::all_of(time.begin(), time.end(), is_digit)) {
    return std::nullopt;
  }
  const int64_t year = digits_value(date.substr(0, 4));
  const auto month = static_cast<unsigned>(digits_value(date.substr(4, 2)));
  const auto day = static_cast<unsigned>(digits_value(date.substr(6, 2)));
  const int64_t hour = digits_value(time.substr(0, 2)), minute = digits_value(time.substr(2, 2)),
                second = digits_value(time.substr(4, 2));
  const std::optional<int64_t> days = clock::days_of_date(year, month, day);
  if (!days || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return *days * kSecondsPerDay + hour * 3600 + minute * 60 + second;
}

// S3 neither normalises ("a//b", "./") nor double-encodes the path, unlike the generic SigV4 rules.
std::string canonical_uri(std::string_view decoded_path) {
  if (decoded_path.empty()) return "/";
  return encoding::uri_encode(decoded_path, true);
}

Outcome<std::string> canonical_query_string(std::string_view raw_query) {
  Outcome<Pairs> params = parse_query(raw_query);
  if (!params) return params.failure();
  return canonical_query_from(params.value());
}

// ---- presign / verify ----

Presigned presign(const Credentials& credentials, const Scope& scope, const PresignInput& input,
                  SigningKeyCache& cache) {
  const std::string amz_date = format_amz_date(input.now_unix_seconds);
  const std::string day = amz_date.substr(0, 8);
  const std::string credential_scope = scope_string(day, scope);
  const CanonicalHeaders headers = canonical_headers_from(headers_to_sign(input.host, input.signed_headers));
  const Pairs params = presign_params(credentials, input, amz_date, credential_scope, headers.signed_list);
  const std::string uri = canonical_uri(input.path);
  const std::string query = canonical_query_from(params);
  const std::string canonical = canonical_request(input.method, uri, query, headers);
  std::string signature = signature_for(cache.key_for(credentials, day, scope), amz_date, credential_scope, canonical);
  // The URL carries the canonical query itself (sorted, as S3's own presigned URLs are), then the signature:
  // what is sent is exactly what was signed, encoded once.
  std::string url = uri;
  url.reserve(uri.size() + query.size() + signature.size() + 20);
  url.append("?").append(query).append("&").append(kParamSignature).append("=").append(signature);
  return Presigned{std::move(url), std::move(signature), input.now_unix_seconds + input.expires_seconds};
}

SignedRequest sign_request(const Credentials& credentials, const Scope& scope, const RequestToSign& input,
                           SigningKeyCache& cache) {
  const std::string amz_date = format_amz_date(input.now_unix_seconds);
  const std::string day = amz_date.substr(0, 8);
  const std::string credential_scope = scope_string(day, scope);
  const std::string payload_hash = crypto::sha256_hex(input.body);
  Pairs sent = input.headers;
  sent.emplace_back("x-amz-content-sha256", payload_hash);
  sent.emplace_back("x-amz-date", amz_date);
  const CanonicalHeaders headers = canonical_headers_from(headers_to_sign(input.host, sent));
  // The URL carries the query in its canonical form, so what is sent is exactly what was signed.
  const std::string query = canonical_query_from(input.query);
  const std::string uri = canonical_uri(input.path);
  const std::string canonical = canonical_request(input.method, uri, query, headers, payload_hash);
  const std::string signature =
      signature_for(cache.key_for(credentials, day, scope), amz_date, credential_scope, canonical);
  sent.emplace_back("authorization", std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                                         credential_scope + ", SignedHeaders=" + headers.signed_list +
                                         ", Signature=" + signature);
  return SignedRequest{query.empty() ? uri : uri + "?" + query, std::move(sent)};
}

Outcome<Verified> verify(
    const IncomingRequest& request, const Scope& expected_scope,
    const std::function<std::optional<Credentials>(std::string_view access_key_id)>& credentials_for,
    int64_t now_unix_seconds, SigningKeyCache& cache) {
  Outcome<Pairs> params = parse_query(request.raw_query);
  if (!params) return params.failure();
  Outcome<Checked> checked = check_auth_params(params.value(), expected_scope, credentials_for, now_unix_seconds);
  if (!checked) return checked.failure();
  const Checked& c = checked.value();
  std::optional<std::string> path = encoding::uri_decode(request.raw_path);
  if (!path) return fail("malformed_request", "The path contains a malformed percent-escape.");
  Outcome<CanonicalHeaders> headers = request_headers(request, c.signed_names);
  if (!headers) return headers.failure();
  if (!is_lower_hex_64(c.auth.signature)) {
    return fail("signature_mismatch", "X-Amz-Signature must be 64 lower-case hex characters.");
  }
  const std::string canonical =
      canonical_request(request.method, canonical_uri(*path), canonical_query_from(params.value()), headers.value());
  // The signing key and scope come only after the time check, so the cache holds at most ~9 days per key.
  const std::string day = c.auth.date.substr(0, 8);
  const std::string expected = signature_for(cache.key_for(c.credential.credentials, day, expected_scope), c.auth.date,
                                             scope_string(day, expected_scope), canonical);
  if (!crypto::constant_time_equal(expected, c.auth.signature)) {
    return fail("signature_mismatch", "The signature does not match the request.");
  }
  Pairs others;
  for (const auto& param : params.value()) {
    if (std::find(kAuthParams.begin(), kAuthParams.end(), param.first) == kAuthParams.end()) others.push_back(param);
  }
  return Verified{c.credential.access_key_id, std::move(*path), c.expires_at, c.signed_names, std::move(others)};
}

}  // namespace upgate::sigv4
