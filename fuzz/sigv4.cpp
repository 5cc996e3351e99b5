// Fuzz target: SigV4 query parsing and verification (sigv4::verify, sigv4::canonical_query_string).
//
// The input is split on '\n': line 1 is the raw request path, line 2 the raw query, line 3 the Host header
// value, and every further line a "name: value" request header. Credentials and the clock are fixed.
//
// Three checks per input:
//  1. verify() on the request as received. Failures carry a documented code; a query with a malformed
//     percent-escape is always malformed_request; an accepted request names the fixed key, is unexpired,
//     signed host, and stops verifying under another secret, another method or with a parameter added.
//  2. canonical_query_string() on the query: fails exactly on a malformed escape; otherwise its output is
//     made of encoded pairs only, drops X-Amz-Signature, and is a fixed point (canonicalising it again
//     changes nothing).
//  3. Round trip: presign() a URL for the same path, extra query parameters and headers, then verify() the
//     request a client would send with it: it must be accepted with the same decoded path and signed
//     headers, and refused (with the right code) once expired, before its time, with another method, with a
//     parameter added or with a signed header missing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "sigv4/sigv4.h"
#include "util/encoding.h"
#include "util/text.h"

using namespace upgate;

namespace {

const sigv4::Credentials kUpgate{"UPGATEKEY123", "upgate/secret+value=xyz"};
constexpr int64_t kNow = 1795257005;  // 2026-11-21T10:30:05Z
constexpr int64_t kExpires = 900;

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::optional<sigv4::Credentials> lookup(std::string_view id) {
  if (id == kUpgate.access_key_id) return kUpgate;
  return std::nullopt;
}
std::optional<sigv4::Credentials> lookup_other_secret(std::string_view id) {
  if (id == kUpgate.access_key_id) return sigv4::Credentials{kUpgate.access_key_id, kUpgate.secret_access_key + "!"};
  return std::nullopt;
}

sigv4::SigningKeyCache& cache() {
  static sigv4::SigningKeyCache keys;
  return keys;
}

using text::split;

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Independent of the core: every '%' must start a two-hex-digit escape ('&' and '=' are not hex digits, so
// looking at the whole query is the same as looking at each name and value).
bool has_bad_escape(std::string_view query) {
  for (size_t i = 0; i < query.size(); ++i) {
    if (query[i] != '%') continue;
    if (i + 2 >= query.size() || !is_hex(query[i + 1]) || !is_hex(query[i + 2])) return true;
    i += 2;
  }
  return false;
}

bool is_canonical_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~' || c == '%' || c == '&' || c == '=';
}

bool is_known_code(const std::string& code) {
  static const std::set<std::string> codes = {"malformed_request",     "bad_algorithm",     "bad_credential_scope",
                                              "expires_too_long",      "not_yet_valid",     "expired",
                                              "signed_header_missing", "signature_mismatch"};
  return codes.count(code) == 1;
}

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

bool is_token_name(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

std::string show(const sigv4::IncomingRequest& request) {
  std::string out = request.method + " " + request.raw_path.substr(0, 200) + " ? " + request.raw_query.substr(0, 600);
  for (const auto& [name, value] : request.headers) out += " | " + name + ": " + value.substr(0, 100);
  return out;
}

upgate::Outcome<sigv4::Verified> check(const sigv4::IncomingRequest& request, int64_t now = kNow) {
  return sigv4::verify(request, sigv4::Scope{}, lookup, now, cache());
}

std::string code_of(const upgate::Outcome<sigv4::Verified>& outcome) {
  return outcome.ok() ? "ok" : outcome.failure().code;
}

void check_received(const sigv4::IncomingRequest& request) {
  const std::string where = show(request);
  const auto outcome = check(request);
  if (std::getenv("UPGATE_FUZZ_VERBOSE")) std::fprintf(stderr, "received: %s\n", code_of(outcome).c_str());
  if (!outcome.ok()) {
    FUZZ_CHECK(is_known_code(outcome.failure().code), where + " code=" + outcome.failure().code);
    if (has_bad_escape(request.raw_query)) FUZZ_CHECK(outcome.failure().code == "malformed_request", where);
    return;
  }
  FUZZ_CHECK(!has_bad_escape(request.raw_query), where);
  const sigv4::Verified& verified = outcome.value();
  FUZZ_CHECK(verified.access_key_id == kUpgate.access_key_id, where);
  FUZZ_CHECK(verified.expires_at_unix >= kNow && verified.expires_at_unix <= kNow + 900 + 604800, where);
  FUZZ_CHECK(encoding::uri_decode(request.raw_path) == verified.decoded_path, where);
  const auto& names = verified.signed_header_names;
  FUZZ_CHECK(
      std::is_sorted(names.begin(), names.end()) && std::adjacent_find(names.begin(), names.end()) == names.end(),
      where);
  FUZZ_CHECK(std::find(names.begin(), names.end(), "host") != names.end(), where);

  // The signature binds the secret, the method and every parameter.
  FUZZ_CHECK(
      code_of(sigv4::verify(request, sigv4::Scope{}, lookup_other_secret, kNow, cache())) == "signature_mismatch",
      where);
  sigv4::IncomingRequest changed = request;
  changed.method = request.method == "GET" ? "PUT" : "GET";
  FUZZ_CHECK(code_of(check(changed)) == "signature_mismatch", where);
  changed = request;
  changed.raw_query += "&x-fuzz-added=1";
  FUZZ_CHECK(code_of(check(changed)) == "signature_mismatch", where);
  FUZZ_CHECK(code_of(check(request, verified.expires_at_unix + 1)) == "expired", where);
}

void check_canonical_query(const std::string& query) {
  const auto canonical = sigv4::canonical_query_string(query);
  const std::string where = "query=" + query.substr(0, 600);
  FUZZ_CHECK(canonical.ok() != has_bad_escape(query), where);
  if (!canonical.ok()) {
    FUZZ_CHECK(canonical.failure().code == "malformed_request", where);
    return;
  }
  const std::string& text = canonical.value();
  FUZZ_CHECK(std::all_of(text.begin(), text.end(), is_canonical_char), where + " canonical=" + text.substr(0, 600));
  for (const std::string& pair : split(text, '&')) {
    if (text.empty()) break;
    FUZZ_CHECK(std::count(pair.begin(), pair.end(), '=') == 1, where + " canonical=" + text.substr(0, 600));
    FUZZ_CHECK(pair.rfind("X-Amz-Signature=", 0) != 0, where);
  }
  const auto again = sigv4::canonical_query_string(text);
  FUZZ_CHECK(again.ok() && again.value() == text, where + " canonical=" + text.substr(0, 600));
}

void check_round_trip(const std::string& path, const std::string& query, const std::string& host,
                      const Pairs& extra_headers) {
  sigv4::PresignInput input;
  input.method = "PUT";
  input.host = host;
  input.path = path;
  input.signed_headers = {{"Content-Type", "image/jpeg"}, {"Content-Length", "1234"}};
  std::set<std::string> expected_names = {"content-length", "content-type", "host"};
  for (const auto& [name, value] : extra_headers) {
    // Header names the caller could legitimately sign (HTTP tokens); host is always the input's own.
    if (!is_token_name(lower(name)) || lower(name) == "host") continue;
    input.signed_headers.emplace_back(name, value);
    expected_names.insert(lower(name));
  }
  if (!query.empty()) {
    for (const std::string& piece : split(query, '&')) {
      const size_t eq = piece.find('=');
      input.extra_query.emplace_back(piece.substr(0, eq), eq == std::string::npos ? "" : piece.substr(eq + 1));
    }
  }
  input.now_unix_seconds = kNow;
  input.expires_seconds = kExpires;
  const sigv4::Presigned presigned = sigv4::presign(kUpgate, sigv4::Scope{}, input, cache());

  const std::string& url = presigned.url_path_and_query;
  const size_t q = url.find('?');
  FUZZ_CHECK(q != std::string::npos, url);
  sigv4::IncomingRequest request{"PUT", url.substr(0, q), url.substr(q + 1), {{"Host", host}}};
  for (const auto& header : input.signed_headers) request.headers.push_back(header);
  const std::string where =
      "path=" + path.substr(0, 200) + " presigned=" + url.substr(0, 800) + " request=" + show(request);

  FUZZ_CHECK(presigned.expires_at_unix == kNow + kExpires, where);
  FUZZ_CHECK(url.size() > 81 && url.substr(url.size() - 81) == "&X-Amz-Signature=" + presigned.signature, where);
  const auto outcome = check(request);
  FUZZ_CHECK(outcome.ok(), where + " code=" + code_of(outcome) + " " + (outcome.ok() ? "" : outcome.failure().message));
  const sigv4::Verified& verified = outcome.value();
  FUZZ_CHECK(verified.decoded_path == (path.empty() ? "/" : path), where);
  FUZZ_CHECK(verified.access_key_id == kUpgate.access_key_id && verified.expires_at_unix == kNow + kExpires, where);
  FUZZ_CHECK(std::set<std::string>(verified.signed_header_names.begin(), verified.signed_header_names.end()) ==
                     expected_names &&
                 verified.signed_header_names.size() == expected_names.size(),
             where);

  FUZZ_CHECK(code_of(check(request, kNow + kExpires)) == "ok", where);
  FUZZ_CHECK(code_of(check(request, kNow + kExpires + 1)) == "expired", where);
  FUZZ_CHECK(code_of(check(request, kNow - 901)) == "not_yet_valid", where);
  sigv4::IncomingRequest changed = request;
  changed.method = "GET";
  FUZZ_CHECK(code_of(check(changed)) == "signature_mismatch", where);
  changed = request;
  changed.raw_query += "&x-fuzz-added=1";
  FUZZ_CHECK(code_of(check(changed)) == "signature_mismatch", where);
  changed = request;
  changed.headers.erase(std::remove_if(changed.headers.begin(), changed.headers.end(),
                                       [](const auto& header) { return lower(header.first) == "content-type"; }),
                        changed.headers.end());
  FUZZ_CHECK(code_of(check(changed)) == "signed_header_missing", where);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> lines = split(std::string_view(reinterpret_cast<const char*>(data), size), '\n');
  const std::string& path = lines[0];
  const std::string query = lines.size() > 1 ? lines[1] : "";
  const std::string host = lines.size() > 2 ? lines[2] : "uploads.example";
  Pairs extra_headers;
  for (size_t i = 3; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    extra_headers.emplace_back(lines[i].substr(0, colon), colon == std::string::npos ? "" : lines[i].substr(colon + 1));
  }

  sigv4::IncomingRequest received{
      "PUT", path, query, {{"Host", host}, {"Content-Type", "image/jpeg"}, {"Content-Length", "1234"}}};
  for (const auto& header : extra_headers) received.headers.push_back(header);
  check_received(received);
  check_canonical_query(query);
  check_round_trip(path, query, host, extra_headers);
  return 0;
}
