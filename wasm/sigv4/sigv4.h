// AWS Signature Version 4 query presigning for S3 (path-style, UNSIGNED-PAYLOAD) and the matching verifier,
// so worker mode accepts exactly the URLs S3 would accept (contract section 5). Pure: no I/O, no clock; the
// time is always an argument.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/failure.h"

namespace upgate::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
};

// Production signs with region "auto" and service "s3", as R2 does.
struct Scope {
  std::string region = "auto";
  std::string service = "s3";
};

// Caches the derived signing key per (secret, yyyymmdd, region, service): the four-HMAC derivation then runs
// once per day and key, not once per request. Bounded: when full, the entry with the oldest date goes first
// (verification only ever needs the last eight days, since X-Amz-Expires is at most seven).
class SigningKeyCache {
 public:
  explicit SigningKeyCache(size_t capacity = 32) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The returned reference stays valid until the next call to key_for (which may evict it).
  const std::string& key_for(const Credentials& credentials, std::string_view yyyymmdd, const Scope& scope);

  // How many keys have been derived so far; lets tests (and metrics) see that the cache works.
  uint64_t derivations() const { return derivations_; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string day;
    std::string key;
  };
  void evict_oldest();

  std::map<std::string, Entry> entries_;  // keyed by secret, day, region and service joined with '\0'
  size_t capacity_;
  uint64_t derivations_ = 0;
};

struct PresignInput {
  std::string method;  // "PUT" (GET in the AWS example)
  std::string host;    // as the client will send it in Host (may include :port)
  std::string path;    // decoded path, e.g. "/bucket/shoots/x/a b.jpg"; encoded here with S3 rules keeping '/'
  // Extra headers to sign (e.g. content-type, content-length, x-amz-checksum-sha256). Host is always signed
  // with the value of `host`; a "host" entry here is ignored.
  std::vector<std::pair<std::string, std::string>> signed_headers;
  // Other query parameters to include, decoded; entries named like an X-Amz-* auth parameter are ignored.
  std::vector<std::pair<std::string, std::string>> extra_query;
  int64_t now_unix_seconds = 0;
  int64_t expires_seconds = 0;  // X-Amz-Expires; verify accepts 1..604800
};

struct Presigned {
  // "/encoded/path?X-Amz-Algorithm=...&...&X-Amz-Signature=..."; the caller prefixes scheme://host.
  std::string url_path_and_query;
  std::string signature;
  int64_t expires_at_unix = 0;
};

Presigned presign(const Credentials& credentials, const Scope& scope, const PresignInput& input,
                  SigningKeyCache& cache);

// A request signed in its Authorization header ("header auth"), as s3 mode's Worker calls R2's S3 API
// itself (CreateMultipartUpload, ListParts, CompleteMultipartUpload, AbortMultipartUpload). The body's
// SHA-256 is signed (x-amz-content-sha256), and so are host, x-amz-date and the headers given.
struct RequestToSign {
  std::string method;
  std::string host;                                          // as the request will carry it (may include :port)
  std::string path;                                          // decoded, encoded here as for presign
  std::vector<std::pair<std::string, std::string>> query;    // decoded; "uploads" with an empty value, etc.
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  int64_t now_unix_seconds = 0;
};

struct SignedRequest {
  std::string path_and_query;                                // encoded; the caller prefixes scheme://host
  std::vector<std::pair<std::string, std::string>> headers;  // to send: the given ones, x-amz-*, authorization
};

SignedRequest sign_request(const Credentials& credentials, const Scope& scope, const RequestToSign& input,
                           SigningKeyCache& cache);

struct IncomingRequest {
  std::string method;
  std::string raw_path;                                      // exactly as received, still percent-encoded
  std::string raw_query;                                     // exactly as received, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names any case; values as received
};

struct Verified {
  std::string access_key_id;
  std::string decoded_path;
  int64_t expires_at_unix = 0;
  std::vector<std::string> signed_header_names;
  // The signed query parameters other than the six X-Amz-* authentication ones, decoded, in request order.
  std::vector<std::pair<std::string, std::string>> other_query;
};

// Checks a query-presigned request as S3 would. Failure codes: malformed_request, bad_algorithm,
// bad_credential_scope, expires_too_long, not_yet_valid, expired, signed_header_missing, signature_mismatch.
// Decisions S3 leaves implicit:
//  - valid from X-Amz-Date minus 15 minutes through X-Amz-Date + X-Amz-Expires inclusive;
//  - X-Amz-SignedHeaders must be the canonical list (lower case, sorted, no repeats) and include host;
//  - a credential not of the form <key>/<yyyymmdd>/<region>/<service>/aws4_request is bad_credential_scope;
//  - every query parameter is signed, so an added one is a signature_mismatch;
//  - the path is decoded then re-encoded, so "%2F" and "/" (or "%7E" and "~") sign alike;
//  - repeated request headers are trimmed and comma-joined, as SigV4 specifies.
Outcome<Verified> verify(
    const IncomingRequest& request, const Scope& expected_scope,
    const std::function<std::optional<Credentials>(std::string_view access_key_id)>& credentials_for,
    int64_t now_unix_seconds, SigningKeyCache& cache);

// Building blocks, public so tests can pin each step against the AWS documentation.

// "YYYYMMDDTHHMMSSZ" for a unix time (UTC). Expects a time in the years 0000-9999.
std::string format_amz_date(int64_t unix_seconds);
// The inverse; nullopt unless the text is exactly that form and a real calendar date and time.
std::optional<int64_t> parse_amz_date(std::string_view amz_date);
// S3 canonical URI: the decoded path URI-encoded with '/' kept; "/" for an empty path.
std::string canonical_uri(std::string_view decoded_path);
// S3 canonical query string of a raw query: every parameter but X-Amz-Signature, decoded then re-encoded,
// sorted by encoded name then value. malformed_request on a bad percent-escape.
Outcome<std::string> canonical_query_string(std::string_view raw_query);

}  // namespace upgate::sigv4
