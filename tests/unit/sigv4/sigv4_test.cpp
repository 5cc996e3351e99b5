#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "sigv4/sigv4.h"
#include "util/encoding.h"

using namespace upgate;
using sigv4::Credentials;
using sigv4::IncomingRequest;
using sigv4::PresignInput;
using sigv4::Scope;
using sigv4::SigningKeyCache;

namespace {

// The AWS documentation's example key pair, put together at run time so that secret scanners do not flag a
// published example as a leaked credential.
const std::string kAwsExampleKeyId = std::string("AKIA") + "IOSFODNN7EXAMPLE";
const std::string kAwsExampleSecret = std::string("wJalrXUtnFEMI") + "/K7MDENG";
const Credentials kAwsExample{kAwsExampleKeyId, kAwsExampleSecret + "/bPxRfiCYEXAMPLEKEY"};
const Credentials kUpgate{"UPGATEKEY123", "upgate/secret+value=xyz"};
constexpr int64_t kNow = 1795257005;  // 2026-11-21T10:30:05Z
const Scope kR2{};                    // auto / s3

std::optional<Credentials> lookup(std::string_view id) {
  if (id == kUpgate.access_key_id) return kUpgate;
  if (id == kAwsExample.access_key_id) return kAwsExample;
  return std::nullopt;
}

// The request a client sends for a presigned URL: path and query split at the first '?'.
IncomingRequest request_for(const std::string& method, const std::string& path_and_query,
                            std::vector<std::pair<std::string, std::string>> headers) {
  const size_t q = path_and_query.find('?');
  return IncomingRequest{method, path_and_query.substr(0, q),
                         q == std::string::npos ? "" : path_and_query.substr(q + 1), std::move(headers)};
}

std::vector<std::string> split_query(const std::string& query) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (true) {
    const size_t end = query.find('&', start);
    pieces.push_back(query.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return pieces;
    start = end + 1;
  }
}

std::string join_query(const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& piece : pieces) out += (out.empty() ? "" : "&") + piece;
  return out;
}

// Replaces the raw value of one parameter; the rest of the query stays byte for byte.
std::string with_param(const std::string& query, const std::string& name, const std::string& raw_value) {
  std::vector<std::string> pieces = split_query(query);
  for (auto& piece : pieces) {
    if (piece.rfind(name + "=", 0) == 0) piece = name + "=" + raw_value;
  }
  return join_query(pieces);
}

std::string without_param(const std::string& query, const std::string& name) {
  std::vector<std::string> kept;
  for (const auto& piece : split_query(query)) {
    if (piece.rfind(name + "=", 0) != 0) kept.push_back(piece);
  }
  return join_query(kept);
}

std::string raw_param(const std::string& query, const std::string& name) {
  for (const auto& piece : split_query(query)) {
    if (piece.rfind(name + "=", 0) == 0) return piece.substr(name.size() + 1);
  }
  return "";
}

// A worker-mode PUT, signed over content-type and content-length.
struct Fixture {
  SigningKeyCache cache;
  PresignInput input{"PUT",
                     "upgate.example.workers.dev",
                     "/upload/shoots/smith-wedding/smith-wedding_20261121_0042_edit.jpg",
                     {{"Content-Type", "image/jpeg"}, {"Content-Length", "1234"}},
                     {{"x-id", "PutObject"}},
                     kNow,
                     900};
  sigv4::Presigned presigned = sigv4::presign(kUpgate, kR2, input, cache);
  IncomingRequest request =
      request_for("PUT", presigned.url_path_and_query,
                  {{"Host", "upgate.example.workers.dev"}, {"Content-Type", "image/jpeg"}, {"Content-Length", "1234"}});

  Outcome<sigv4::Verified> check(const IncomingRequest& r, int64_t now = kNow) {
    return sigv4::verify(r, kR2, lookup, now, cache);
  }
  Outcome<sigv4::Verified> check_query(const std::string& query, int64_t now = kNow) {
    IncomingRequest r = request;
    r.raw_query = query;
    return check(r, now);
  }
};

std::string code_of(const Outcome<sigv4::Verified>& outcome) { return outcome ? "ok" : outcome.failure().code; }

void set_header(IncomingRequest& r, const std::string& name, const std::string& value) {
  for (auto& header : r.headers) {
    if (header.first == name) header.second = value;
  }
}

}  // namespace

TEST_CASE("AWS S3 documentation example: presigned GET of examplebucket/test.txt") {
  SigningKeyCache cache;
  const PresignInput input{"GET", "examplebucket.s3.amazonaws.com", "/test.txt", {}, {}, 1369353600, 86400};
  const sigv4::Presigned presigned = sigv4::presign(kAwsExample, Scope{"us-east-1", "s3"}, input, cache);

  const std::string canonical_query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256"
      "&X-Amz-Credential=" +
      kAwsExampleKeyId +
      "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host";
  const std::string signature = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  CHECK(presigned.signature == signature);
  CHECK(presigned.url_path_and_query == "/test.txt?" + canonical_query + "&X-Amz-Signature=" + signature);
  CHECK(presigned.expires_at_unix == 1369353600 + 86400);

  const std::string query = presigned.url_path_and_query.substr(presigned.url_path_and_query.find('?') + 1);
  const Outcome<std::string> canonical = sigv4::canonical_query_string(query);
  REQUIRE(canonical);
  CHECK(canonical.value() == canonical_query);

  const IncomingRequest request =
      request_for("GET", presigned.url_path_and_query, {{"Host", "examplebucket.s3.amazonaws.com"}});
  const auto verified = sigv4::verify(request, Scope{"us-east-1", "s3"}, lookup, 1369353600, cache);
  REQUIRE(verified);
  CHECK(verified.value().access_key_id == kAwsExampleKeyId);
  CHECK(verified.value().decoded_path == "/test.txt");
  CHECK(verified.value().signed_header_names == std::vector<std::string>{"host"});
}

TEST_CASE("X-Amz-Date formatting and parsing without a time library") {
  CHECK(sigv4::format_amz_date(0) == "19700101T000000Z");
  CHECK(sigv4::format_amz_date(1369353600) == "20130524T000000Z");
  CHECK(sigv4::format_amz_date(kNow) == "20261121T103005Z");
  CHECK(sigv4::format_amz_date(1709251199) == "20240229T235959Z");  // leap day, last second
  CHECK(sigv4::format_amz_date(951782400) == "20000229T000000Z");   // 2000 is a leap year
  CHECK(sigv4::format_amz_date(-1) == "19691231T235959Z");
  CHECK(sigv4::format_amz_date(253402300799) == "99991231T235959Z");

  CHECK(sigv4::parse_amz_date("20130524T000000Z") == std::optional<int64_t>(1369353600));
  CHECK(sigv4::parse_amz_date("20240229T235959Z") == std::optional<int64_t>(1709251199));
  for (int64_t t = -86400LL * 800; t < 86400LL * 40000; t += 86400LL * 37 + 3599) {
    CHECK(sigv4::parse_amz_date(sigv4::format_amz_date(t)) == std::optional<int64_t>(t));
  }
  for (const char* bad :
       {"20130524T000000", "20130524t000000Z", "2013-05-24T00:00:00Z", "20130524T0000000Z", "20130229T000000Z",
        "19000229T000000Z", "20131301T000000Z", "20130001T000000Z", "20130500T000000Z", "20130431T000000Z",
        "20130524T240000Z", "20130524T006000Z", "20130524T000060Z", "2013052AT000000Z", "", "20130524 000000Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(sigv4::parse_amz_date(bad));
  }
}

TEST_CASE("canonical query string: decode, re-encode, sort, drop the signature") {
  auto canonical = [](const char* raw) {
    const Outcome<std::string> out = sigv4::canonical_query_string(raw);
    return out ? out.value() : "error:" + out.failure().code;
  };
  CHECK(canonical("b=2&a=1&a=0&X-Amz-Signature=abc") == "a=0&a=1&b=2");
  // Upper case sorts before lower case: sorting is by byte value of the encoded name.
  CHECK(canonical("x-id=PutObject&X-Amz-Date=1&Content-Type=a") == "Content-Type=a&X-Amz-Date=1&x-id=PutObject");
  // Any spelling of the same bytes canonicalises alike: lower-case escapes, an escaped '~', an unescaped '/'.
  CHECK(canonical("k=a%2fb%7e") == "k=a%2Fb~");
  CHECK(canonical("k=a/b~") == "k=a%2Fb~");
  // '+' is a literal plus, not a space.
  CHECK(canonical("k=a+b") == "k=a%2Bb");
  CHECK(canonical("k=a%20b") == "k=a%20b");
  CHECK(canonical("flag&k=") == "flag=&k=");
  CHECK(canonical("a=1&&b=2") == "a=1&b=2");
  CHECK(canonical("k=x=y") == "k=x%3Dy");
  CHECK(canonical("k=%C3%A9") == "k=%C3%A9");
  CHECK(canonical("") == "");
  CHECK(canonical("k=%zz") == "error:malformed_request");
  CHECK(canonical("k=%4") == "error:malformed_request");
}

TEST_CASE("canonical URI: S3 rules, no normalisation") {
  CHECK(sigv4::canonical_uri("/bucket/shoots/x/a b.jpg") == "/bucket/shoots/x/a%20b.jpg");
  CHECK(sigv4::canonical_uri("/a//b/./c/../d") == "/a//b/./c/../d");
  CHECK(sigv4::canonical_uri("/k+=~%\xC3\xA9") == "/k%2B%3D~%25%C3%A9");
  CHECK(sigv4::canonical_uri("") == "/");
}

// Independent vectors: botocore 1.43.11 S3SigV4QueryAuth(credentials, "s3", "auto", expires=900).add_auth on a
// PUT AWSRequest carrying the headers below, with datetime pinned to 2026-11-21T10:30:05Z.
TEST_CASE("URLs presigned by botocore with the worker-mode key pair verify, and presign reproduces them") {
  SigningKeyCache cache;
  SUBCASE("content-type signed") {
    const std::string url =
        "/upload/shoots/smith-wedding/smith-wedding_20261121_0042_edit.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=UPGATEKEY123%2F20261121%2Fauto%2Fs3%2Faws4_request&X-Amz-Date=20261121T103005Z"
        "&X-Amz-Expires=900&X-Amz-SignedHeaders=content-type%3Bhost"
        "&X-Amz-Signature=abcef05c4eb36d4aeacbe6d0c553fc74d2cbde2fa3c440d0342754c23e52ec1d";
    const auto request =
        request_for("PUT", url, {{"host", "upgate.example.workers.dev"}, {"content-type", "image/jpeg"}});
    const auto verified = sigv4::verify(request, kR2, lookup, kNow + 900, cache);
    REQUIRE(verified);
    CHECK(verified.value().signed_header_names == std::vector<std::string>{"content-type", "host"});

    const PresignInput input{"PUT",
                             "upgate.example.workers.dev",
                             "/upload/shoots/smith-wedding/smith-wedding_20261121_0042_edit.jpg",
                             {{"Content-Type", "image/jpeg"}},
                             {},
                             kNow,
                             900};
    CHECK(sigv4::presign(kUpgate, kR2, input, cache).url_path_and_query == url);
  }
  SUBCASE("awkward key, port in host, extra query parameter first") {
    const std::string url =
        "/b/a%20b%2Bc%3D~d%25%C3%A9//e.jpg?x-id=PutObject&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=UPGATEKEY123%2F20261121%2Fauto%2Fs3%2Faws4_request&X-Amz-Date=20261121T103005Z"
        "&X-Amz-Expires=900&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"
        "&X-Amz-Signature=cf463d1febc5e6394e8e76626ab040595ce172de060a78ebdca946f726b630c7";
    const auto request = request_for(
        "PUT", url, {{"Host", "localhost:8787"}, {"Content-Type", "image/jpeg"}, {"Content-Length", "1234"}});
    const auto verified = sigv4::verify(request, kR2, lookup, kNow, cache);
    REQUIRE(verified);
    CHECK(verified.value().decoded_path == "/b/a b+c=~d%\xC3\xA9//e.jpg");

    const PresignInput input{"PUT",
                             "localhost:8787",
                             "/b/a b+c=~d%\xC3\xA9//e.jpg",
                             {{"Content-Type", "image/jpeg"}, {"Content-Length", "1234"}},
                             {{"x-id", "PutObject"}},
                             kNow,
                             900};
    CHECK(sigv4::presign(kUpgate, kR2, input, cache).signature ==
          "cf463d1febc5e6394e8e76626ab040595ce172de060a78ebdca946f726b630c7");
  }
}

TEST_CASE("presign then verify round trip") {
  Fixture f;
  const std::string& url = f.presigned.url_path_and_query;
  CHECK(url.rfind("/upload/shoots/smith-wedding/smith-wedding_20261121_0042_edit.jpg?X-Amz-Algorithm=", 0) == 0);
  // Auth parameters in the documented order, the extra ones after them, the signature last.
  const std::string query = url.substr(url.find('?') + 1);
  const std::vector<std::string> pieces = split_query(query);
  REQUIRE(pieces.size() == 7);
  CHECK(pieces[0] == "X-Amz-Algorithm=AWS4-HMAC-SHA256");
  CHECK(pieces[1] == "X-Amz-Credential=UPGATEKEY123%2F20261121%2Fauto%2Fs3%2Faws4_request");
  CHECK(pieces[2] == "X-Amz-Date=20261121T103005Z");
  CHECK(pieces[3] == "X-Amz-Expires=900");
  CHECK(pieces[4] == "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost");
  CHECK(pieces[5] == "x-id=PutObject");
  CHECK(pieces[6] == "X-Amz-Signature=" + f.presigned.signature);
  CHECK(f.presigned.expires_at_unix == kNow + 900);

  const auto verified = f.check(f.request);
  REQUIRE(verified);
  CHECK(verified.value().access_key_id == "UPGATEKEY123");
  CHECK(verified.value().decoded_path == f.input.path);
  CHECK(verified.value().expires_at_unix == kNow + 900);
  CHECK(verified.value().signed_header_names == std::vector<std::string>{"content-length", "content-type", "host"});

  SUBCASE("header names in any case, values with extra blanks, parameters in another order") {
    IncomingRequest r = f.request;
    r.headers = {{"CONTENT-TYPE", "  image/jpeg \t"},
                 {"host", "upgate.example.workers.dev"},
                 {"content-LENGTH", "1234"},
                 {"Accept", "*/*"}};
    std::vector<std::string> reversed = pieces;
    std::reverse(reversed.begin(), reversed.end());
    r.raw_query = join_query(reversed);
    CHECK(code_of(f.check(r)) == "ok");
  }
  SUBCASE("a header signed in presign is trimmed and its inner blanks collapsed on both sides") {
    f.input.signed_headers = {{"x-amz-meta-note", "  two   words  "}};
    const auto p = sigv4::presign(kUpgate, kR2, f.input, f.cache);
    const auto r = request_for("PUT", p.url_path_and_query,
                               {{"Host", "upgate.example.workers.dev"}, {"X-Amz-Meta-Note", "two words"}});
    CHECK(code_of(f.check(r)) == "ok");
  }
}

TEST_CASE("the signing key is derived once per day and key") {
  Fixture f;  // presigning the fixture derived the first key
  CHECK(f.cache.derivations() == 1);
  const std::string* first = &f.cache.key_for(kUpgate, "20261121", kR2);
  CHECK(f.cache.derivations() == 1);

  REQUIRE(f.check(f.request));
  f.input.now_unix_seconds = kNow + 3600;  // later the same day
  sigv4::presign(kUpgate, kR2, f.input, f.cache);
  CHECK(f.cache.derivations() == 1);
  CHECK(&f.cache.key_for(kUpgate, "20261121", kR2) == first);

  f.input.now_unix_seconds = kNow + 86400;  // the next day needs a new key
  sigv4::presign(kUpgate, kR2, f.input, f.cache);
  CHECK(f.cache.derivations() == 2);
  sigv4::presign(kUpgate, Scope{"us-east-1", "s3"}, f.input, f.cache);  // so does another region
  CHECK(f.cache.derivations() == 3);
  sigv4::presign(kAwsExample, kR2, f.input, f.cache);  // and another secret
  CHECK(f.cache.derivations() == 4);
  CHECK(f.cache.size() == 4);

  // The derived key itself is the documented chain (AWS "Signature Version 4 example" signing key).
  SigningKeyCache fresh;
  const Credentials example{"AKIDEXAMPLE", kAwsExampleSecret + "+bPxRfiCYEXAMPLEKEY"};
  CHECK(encoding::hex_encode(fresh.key_for(example, "20150830", Scope{"us-east-1", "iam"})) ==
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST_CASE("the signing key cache is bounded and evicts the oldest day") {
  SigningKeyCache cache(2);
  cache.key_for(kUpgate, "20261120", kR2);
  cache.key_for(kUpgate, "20261121", kR2);
  cache.key_for(kUpgate, "20261122", kR2);  // evicts 20261120
  CHECK(cache.size() == 2);
  CHECK(cache.derivations() == 3);
  cache.key_for(kUpgate, "20261121", kR2);
  CHECK(cache.derivations() == 3);
  cache.key_for(kUpgate, "20261120", kR2);
  CHECK(cache.derivations() == 4);
}

TEST_CASE("awkward object keys round-trip through presign and verify") {
  struct Case {
    const char* path;
    const char* encoded;
  };
  const Case cases[] = {
      {"/bucket/shoots/x/a b.jpg", "/bucket/shoots/x/a%20b.jpg"},
      {"/bucket/a+b.jpg", "/bucket/a%2Bb.jpg"},
      {"/bucket/a=b.jpg", "/bucket/a%3Db.jpg"},
      {"/bucket/a~b.jpg", "/bucket/a~b.jpg"},
      {"/bucket/100%.jpg", "/bucket/100%25.jpg"},
      {"/bucket/%41.jpg", "/bucket/%2541.jpg"},
      {"/bucket/caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC.jpg", "/bucket/caf%C3%A9%20%E6%97%A5%E6%9C%AC.jpg"},
      {"/bucket/a//b", "/bucket/a//b"},
      {"/bucket/x/", "/bucket/x/"},
      {"/bucket/?#&;.jpg", "/bucket/%3F%23%26%3B.jpg"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.path);
    Fixture f;
    f.input.path = c.path;
    f.input.extra_query = {{"note", c.path}};
    const auto p = sigv4::presign(kUpgate, kR2, f.input, f.cache);
    CHECK(p.url_path_and_query.substr(0, p.url_path_and_query.find('?')) == c.encoded);
    f.request = request_for("PUT", p.url_path_and_query, f.request.headers);
    const auto verified = f.check(f.request);
    REQUIRE(verified);
    CHECK(verified.value().decoded_path == c.path);
  }
}

TEST_CASE("other client spellings of the same URL verify; a '+' is never a space") {
  Fixture f;
  f.input.path = "/bucket/a~b/caf\xC3\xA9.jpg";
  f.input.extra_query = {{"note", "a+b"}};
  const auto p = sigv4::presign(kUpgate, kR2, f.input, f.cache);
  const std::string query = p.url_path_and_query.substr(p.url_path_and_query.find('?') + 1);
  CHECK(raw_param(query, "note") == "a%2Bb");
  IncomingRequest r = request_for("PUT", p.url_path_and_query, f.request.headers);

  r.raw_path = "/bucket/a%7Eb/caf%c3%a9.jpg";  // escaped '~', lower-case hex
  CHECK(code_of(f.check(r)) == "ok");
  r.raw_query = with_param(query, "note", "a+b");  // literal '+' means '+'
  CHECK(code_of(f.check(r)) == "ok");
  r.raw_query = with_param(query, "note", "a%20b");  // a space is another value
  CHECK(code_of(f.check(r)) == "signature_mismatch");
}

TEST_CASE("verify rejects missing or repeated auth parameters") {
  Fixture f;
  const std::string query = f.request.raw_query;
  for (const char* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
                           "X-Amz-Signature"}) {
    CAPTURE(name);
    CHECK(code_of(f.check_query(without_param(query, name))) == "malformed_request");
    const std::string again = std::string(name) + "=" + raw_param(query, name);
    CHECK(code_of(f.check_query(query + "&" + again)) == "malformed_request");
  }
  CHECK(code_of(f.check_query("")) == "malformed_request");
  CHECK(code_of(f.check_query(query + "&bad=%G0")) == "malformed_request");
  IncomingRequest r = f.request;
  r.raw_path += "%2";
  CHECK(code_of(f.check(r)) == "malformed_request");
}

TEST_CASE("verify rejects another algorithm") {
  Fixture f;
  const std::string query = f.request.raw_query;
  CHECK(code_of(f.check_query(with_param(query, "X-Amz-Algorithm", "AWS4-HMAC-SHA512"))) == "bad_algorithm");
  CHECK(code_of(f.check_query(with_param(query, "X-Amz-Algorithm", "aws4-hmac-sha256"))) == "bad_algorithm");
  CHECK(code_of(f.check_query(with_param(query, "X-Amz-Algorithm", ""))) == "bad_algorithm");
}

TEST_CASE("verify rejects a wrong credential scope") {
  Fixture f;
  const std::string query = f.request.raw_query;
  auto with_credential = [&](const std::string& credential) {
    return code_of(f.check_query(with_param(query, "X-Amz-Credential", credential)));
  };
  CHECK(with_credential("UPGATEKEY123%2F20261121%2Fauto%2Fs3%2Faws4_request") == "ok");  // as presigned
  CHECK(with_credential("UPGATEKEY123%2F20261120%2Fauto%2Fs3%2Faws4_request") == "bad_credential_scope");
  CHECK(with_credential("UPGATEKEY123%2F20261121%2Fus-east-1%2Fs3%2Faws4_request") == "bad_credential_scope");
  CHECK(with_credential("UPGATEKEY123%2F20261121%2Fauto%2Fs4%2Faws4_request") == "bad_credential_scope");
  CHECK(with_credential("UPGATEKEY123%2F20261121%2Fauto%2Fs3%2Faws4_requests") == "bad_credential_scope");
  CHECK(with_credential("NOSUCHKEY%2F20261121%2Fauto%2Fs3%2Faws4_request") == "bad_credential_scope");
  CHECK(with_credential("UPGATEKEY123%2F20261121%2Fauto%2Fs3") == "bad_credential_scope");
  CHECK(with_credential("%2F20261121%2Fauto%2Fs3%2Faws4_request") == "bad_credential_scope");
  CHECK(with_credential("UPGATEKEY123%2F20261121%2Fauto%2Fs3%2Faws4_request%2Fx") == "bad_credential_scope");
}

TEST_CASE("verify rejects a malformed X-Amz-Date") {
  Fixture f;
  const std::string query = f.request.raw_query;
  for (const char* date : {"20261121103005Z", "20261121T103005", "20261321T103005Z", "2026-11-21T10:30:05Z", ""}) {
    CAPTURE(date);
    CHECK(code_of(f.check_query(with_param(query, "X-Amz-Date", date))) == "malformed_request");
  }
}

TEST_CASE("verify checks X-Amz-Expires") {
  Fixture f;
  const std::string query = f.request.raw_query;
  auto with_expires = [&](const char* expires) {
    return code_of(f.check_query(with_param(query, "X-Amz-Expires", expires)));
  };
  CHECK(with_expires("604801") == "expires_too_long");
  CHECK(with_expires("99999999999999999999999") == "expires_too_long");
  for (const char* bad : {"0", "000", "-5", "+5", "1.5", "", "abc", "9%20"}) {
    CAPTURE(bad);
    CHECK(with_expires(bad) == "malformed_request");
  }
  // In range but not what was signed: passes the range check, fails the signature.
  CHECK(with_expires("604800") == "signature_mismatch");
  CHECK(with_expires("0900") == "signature_mismatch");

  f.input.expires_seconds = 604800;  // the longest allowed, valid to its last second
  const auto p = sigv4::presign(kUpgate, kR2, f.input, f.cache);
  CHECK(code_of(f.check_query(p.url_path_and_query.substr(p.url_path_and_query.find('?') + 1), kNow + 604800)) == "ok");
}

TEST_CASE("verify checks the time window") {
  Fixture f;
  CHECK(code_of(f.check(f.request, kNow - 901)) == "not_yet_valid");
  CHECK(code_of(f.check(f.request, kNow - 900)) == "ok");  // 15 minutes of clock skew allowed
  CHECK(code_of(f.check(f.request, kNow + 900)) == "ok");  // exactly at expiry: still valid, as S3 does
  CHECK(code_of(f.check(f.request, kNow + 901)) == "expired");
  CHECK(code_of(f.check(f.request, kNow + 86400 * 30)) == "expired");
}

TEST_CASE("verify checks the signed headers") {
  Fixture f;
  const std::string query = f.request.raw_query;
  SUBCASE("a signed header missing from the request") {
    IncomingRequest r = f.request;
    r.headers.erase(r.headers.begin() + 1);  // content-type
    CHECK(code_of(f.check(r)) == "signed_header_missing");
    r.headers = {{"content-type", "image/jpeg"}, {"content-length", "1234"}};
    CHECK(code_of(f.check(r)) == "signed_header_missing");  // host is a signed header like any other
  }
  SUBCASE("host not signed") {
    CHECK(code_of(f.check_query(with_param(query, "X-Amz-SignedHeaders", "content-length%3Bcontent-type"))) ==
          "malformed_request");
  }
  SUBCASE("not the canonical list") {
    for (const char* list :
         {"host%3Bcontent-type", "Content-Type%3Bhost", "host%3Bhost", "content-type%3B%3Bhost", "", "host%3B"}) {
      CAPTURE(list);
      CHECK(code_of(f.check_query(with_param(query, "X-Amz-SignedHeaders", list))) == "malformed_request");
    }
  }
}

TEST_CASE("verify checks the signature") {
  Fixture f;
  const std::string query = f.request.raw_query;
  std::string upper = f.presigned.signature;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(code_of(f.check_query(with_param(query, "X-Amz-Signature", upper))) == "signature_mismatch");
  CHECK(code_of(f.check_query(with_param(query, "X-Amz-Signature", f.presigned.signature.substr(1)))) ==
        "signature_mismatch");
  CHECK(code_of(f.check_query(with_param(query, "X-Amz-Signature", f.presigned.signature + "0"))) ==
        "signature_mismatch");
  CHECK(code_of(f.check_query(with_param(query, "X-Amz-Signature", std::string(64, '0')))) == "signature_mismatch");
  CHECK(code_of(f.check_query(with_param(query, "X-Amz-Signature", ""))) == "signature_mismatch");
}

TEST_CASE("any change to a signed part of the request is a signature mismatch") {
  Fixture f;
  const std::string query = f.request.raw_query;
  SUBCASE("path") {
    IncomingRequest r = f.request;
    r.raw_path = "/upload/shoots/smith-wedding/smith-wedding_20261121_0043_edit.jpg";
    CHECK(code_of(f.check(r)) == "signature_mismatch");
    r.raw_path = f.request.raw_path + "/";
    CHECK(code_of(f.check(r)) == "signature_mismatch");
  }
  SUBCASE("a signed query parameter") {
    CHECK(code_of(f.check_query(with_param(query, "x-id", "GetObject"))) == "signature_mismatch");
    CHECK(code_of(f.check_query(without_param(query, "x-id"))) == "signature_mismatch");
  }
  SUBCASE("an added query parameter: S3 signs every parameter, so none can be slipped in") {
    CHECK(code_of(f.check_query(query + "&response-content-type=text%2Fhtml")) == "signature_mismatch");
    CHECK(code_of(f.check_query(query + "&x-id=PutObject")) == "signature_mismatch");
  }
  SUBCASE("header values") {
    IncomingRequest r = f.request;
    set_header(r, "Content-Type", "text/html");
    CHECK(code_of(f.check(r)) == "signature_mismatch");
    r = f.request;
    set_header(r, "Content-Length", "1235");
    CHECK(code_of(f.check(r)) == "signature_mismatch");
    r = f.request;
    set_header(r, "Host", "evil.example");
    CHECK(code_of(f.check(r)) == "signature_mismatch");
    r = f.request;
    r.headers.emplace_back("content-type", "image/png");  // a repeat joins as "image/jpeg,image/png"
    CHECK(code_of(f.check(r)) == "signature_mismatch");
  }
  SUBCASE("method") {
    IncomingRequest r = f.request;
    r.method = "POST";
    CHECK(code_of(f.check(r)) == "signature_mismatch");
  }
  SUBCASE("another scope expected by the verifier") {
    CHECK(code_of(sigv4::verify(f.request, Scope{"auto", "s3"}, lookup, kNow, f.cache)) == "ok");
    CHECK(code_of(sigv4::verify(f.request, Scope{"us-east-1", "s3"}, lookup, kNow, f.cache)) == "bad_credential_scope");
  }
  SUBCASE("another secret for the same key id") {
    auto rotated = [](std::string_view) { return std::optional<Credentials>({"UPGATEKEY123", "other"}); };
    CHECK(code_of(sigv4::verify(f.request, kR2, rotated, kNow, f.cache)) == "signature_mismatch");
  }
}

// ---- header signing (s3 mode's own calls to R2's S3 API) ----

namespace {

std::string header_of(const sigv4::SignedRequest& signed_request, const std::string& name) {
  for (const auto& [key, value] : signed_request.headers) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace

TEST_CASE("sign_request reproduces the AWS documentation's header-signed GET Object example") {
  SigningKeyCache cache;
  sigv4::RequestToSign input;
  input.method = "GET";
  input.host = "examplebucket.s3.amazonaws.com";
  input.path = "/test.txt";
  input.headers = {{"range", "bytes=0-9"}};
  input.now_unix_seconds = 1369353600;  // 20130524T000000Z
  const auto signed_request = sign_request(kAwsExample, Scope{"us-east-1", "s3"}, input, cache);
  CHECK(signed_request.path_and_query == "/test.txt");
  CHECK(header_of(signed_request, "x-amz-date") == "20130524T000000Z");
  CHECK(header_of(signed_request, "x-amz-content-sha256") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(header_of(signed_request, "authorization") ==
        "AWS4-HMAC-SHA256 Credential=" + kAwsExampleKeyId +
            "/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE("sign_request signs the query in canonical order: the AWS documentation's GET Bucket example") {
  SigningKeyCache cache;
  sigv4::RequestToSign input;
  input.method = "GET";
  input.host = "examplebucket.s3.amazonaws.com";
  input.path = "/";
  input.query = {{"prefix", "J"}, {"max-keys", "2"}};
  input.now_unix_seconds = 1369353600;
  const auto signed_request = sign_request(kAwsExample, Scope{"us-east-1", "s3"}, input, cache);
  CHECK(signed_request.path_and_query == "/?max-keys=2&prefix=J");
  const std::string authorization = header_of(signed_request, "authorization");
  CHECK(authorization.ends_with("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
}

TEST_CASE("sign_request signs the body's SHA-256, so a changed body no longer matches") {
  SigningKeyCache cache;
  sigv4::RequestToSign input;
  input.method = "POST";
  input.host = "acct.r2.cloudflarestorage.com";
  input.path = "/bucket/shoots/s/a b.jpg";
  input.query = {{"uploadId", "xyz"}};
  input.body = "<CompleteMultipartUpload/>";
  input.now_unix_seconds = kNow;
  const auto first = sign_request(kUpgate, kR2, input, cache);
  CHECK(first.path_and_query == "/bucket/shoots/s/a%20b.jpg?uploadId=xyz");
  CHECK(header_of(first, "x-amz-content-sha256") == "0c96b0e6e570d37f36e885054140c744ad23a4d62704c396b8b43da729921caf");
  input.body = "<CompleteMultipartUpload></CompleteMultipartUpload>";
  const auto second = sign_request(kUpgate, kR2, input, cache);
  CHECK(header_of(first, "authorization") != header_of(second, "authorization"));
  CHECK(header_of(first, "x-amz-content-sha256") != header_of(second, "x-amz-content-sha256"));
}
