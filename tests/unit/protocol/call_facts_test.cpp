// A first call read from its text without a tree (protocol/call_facts.h), against the tree reading it
// replaces for "http" calls.
#include <doctest/doctest.h>

#include "protocol/call_facts.h"

using namespace upgate;

namespace {
void check_same(const CallFacts& decoded, const CallFacts& expected) {
  CHECK(decoded.request.method == expected.request.method);
  CHECK(decoded.request.path == expected.request.path);
  CHECK(decoded.request.query == expected.request.query);
  CHECK(decoded.request.scheme == expected.request.scheme);
  CHECK(decoded.request.ip == expected.request.ip);
  CHECK(decoded.request.host == expected.request.host);
  CHECK(decoded.request.headers == expected.request.headers);
  CHECK(decoded.now_ms == expected.now_ms);
  CHECK(decoded.entropy == expected.entropy);
  REQUIRE(decoded.prefetched_body.has_value() == expected.prefetched_body.has_value());
  if (decoded.prefetched_body) CHECK(decoded.prefetched_body->value() == expected.prefetched_body->value());
}
}  // namespace

TEST_CASE("an http call decodes to the facts the tree reading gives") {
  const std::string text = R"({"op":"http","request":{"method":"POST","path":"/api/uploads/presign","query":"a=1",
    "scheme":"http","ip":"203.0.113.7","headers":[["Host","upgate.test"],["X-Request-Id","r\u00e9q"],
    ["bad"],["too","many","items"],[1,"number"],"not a pair",["content-type","application/json"]]},
    "now":1796228935000,"entropy":"00ff","body":{"ok":true,"text":"{\"shootId\":\"s\"}"},"extra":[{}]})";
  const std::optional<DecodedCall> call = decode_call(text);
  REQUIRE(call.has_value());
  CHECK(call->op == "http");
  check_same(call->facts, call_facts_of(*parse_json(text)));
  CHECK(call->facts.request.headers.size() == 3);
  CHECK(call->facts.request.host == "upgate.test");
  CHECK(call->facts.request.header("x-request-id") == "r\xC3\xA9q");
}

TEST_CASE("missing or mistyped members take the tree reading's fallbacks") {
  for (const char* text : {R"({"op":"http"})", R"({"op":"http","request":"no","now":"soon","entropy":7,"body":[]})",
                           R"({"op":"http","request":{"path":5,"scheme":null,"headers":{}},"now":1.5})"}) {
    CAPTURE(text);
    const std::optional<DecodedCall> call = decode_call(text);
    REQUIRE(call.has_value());
    check_same(call->facts, call_facts_of(*parse_json(text)));
    CHECK(call->facts.request.path == "/");
    CHECK(call->facts.request.scheme == "https");
  }
}

TEST_CASE("other ops are named, and malformed text is refused") {
  const std::optional<DecodedCall> resume = decode_call(R"({"handle":3,"op":"resume","results":[{"ok":true}]})");
  REQUIRE(resume.has_value());
  CHECK(resume->op == "resume");
  CHECK(decode_call(R"({"op":"http",})") == std::nullopt);
  CHECK(decode_call(R"(["op","http"])") == std::nullopt);
  CHECK(decode_call(R"({"op":"http"} {})") == std::nullopt);
}
