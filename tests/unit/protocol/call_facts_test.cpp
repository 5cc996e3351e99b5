// A first call read from its text without a tree (protocol/call_facts.h): the facts the tree reading it
// replaced gave, the same fallbacks for what is missing or mistyped.
#include <doctest/doctest.h>

#include "protocol/call_facts.h"

using namespace upgate;

TEST_CASE("an http call decodes to its facts") {
  const std::string text = R"({"op":"http","request":{"method":"POST","path":"/api/uploads/presign","query":"a=1",
    "scheme":"http","ip":"203.0.113.7","headers":[["Host","upgate.test"],["X-Request-Id","r\u00e9q"],
    ["bad"],["too","many","items"],[1,"number"],"not a pair",["content-type","application/json"]]},
    "now":1796228935000,"entropy":"00ff","body":{"ok":true,"text":"{\"shootId\":\"s\"}"},"extra":[{}]})";
  const std::optional<DecodedCall> call = decode_call(text);
  REQUIRE(call.has_value());
  CHECK(call->op == "http");
  const CallFacts& facts = call->facts;
  CHECK(facts.request.method == "POST");
  CHECK(facts.request.path == "/api/uploads/presign");
  CHECK(facts.request.query == "a=1");
  CHECK(facts.request.scheme == "http");
  CHECK(facts.request.ip == "203.0.113.7");
  CHECK(facts.request.host == "upgate.test");
  // Names lower-cased; every item that is not a pair of strings left out.
  const std::vector<std::pair<std::string, std::string>> headers{
      {"host", "upgate.test"}, {"x-request-id", "r\xC3\xA9q"}, {"content-type", "application/json"}};
  CHECK(facts.request.headers == headers);
  CHECK(facts.now_ms == 1796228935000);
  CHECK(facts.entropy == "00ff");
  REQUIRE(facts.prefetched_body.has_value());
  CHECK(facts.prefetched_body->ok());
  CHECK(facts.prefetched_body->value() == json{{"ok", true}, {"text", R"({"shootId":"s"})"}});
}

TEST_CASE("missing or mistyped members take the fallbacks") {
  for (const char* text : {R"({"op":"http"})", R"({"op":"http","request":"no","now":"soon","entropy":7,"body":[]})",
                           R"({"op":"http","request":{"path":5,"scheme":null,"headers":{}},"now":1.5})"}) {
    CAPTURE(text);
    const std::optional<DecodedCall> call = decode_call(text);
    REQUIRE(call.has_value());
    const CallFacts& facts = call->facts;
    CHECK(facts.request.method.empty());
    CHECK(facts.request.path == "/");
    CHECK(facts.request.query.empty());
    CHECK(facts.request.scheme == "https");
    CHECK(facts.request.ip.empty());
    CHECK(facts.request.host.empty());
    CHECK(facts.request.headers.empty());
    CHECK(facts.now_ms == 0);
    CHECK(facts.entropy.empty());
    CHECK_FALSE(facts.prefetched_body.has_value());
  }
}

TEST_CASE("a call read as a tree brings only its time and entropy") {
  const CallFacts facts =
      call_facts_of(json{{"op", "scheduled"}, {"cron", "*/15 * * * *"}, {"now", 42}, {"entropy", "ab"}});
  CHECK(facts.now_ms == 42);
  CHECK(facts.entropy == "ab");
  CHECK(facts.request.method.empty());
  CHECK(facts.request.headers.empty());
  CHECK_FALSE(facts.prefetched_body.has_value());
}

TEST_CASE("a ledger call's request is kept as text, not read as an HTTP request") {
  const std::string text =
      R"({"op":"ledger","request":{"op":"getShoot","shootId":"s","path":"/x","now":42},"entropy":"ab"})";
  const std::optional<DecodedCall> call = decode_call(text);
  REQUIRE(call.has_value());
  CHECK(call->op == "ledger");
  CHECK(call->request_text == R"({"op":"getShoot","shootId":"s","path":"/x","now":42})");
  CHECK(call->facts.request.path == "/");
  CHECK(call->facts.entropy == "ab");
}

TEST_CASE("other ops are named, and malformed text is refused") {
  const std::optional<DecodedCall> resume = decode_call(R"({"handle":3,"op":"resume","results":[{"ok":true}]})");
  REQUIRE(resume.has_value());
  CHECK(resume->op == "resume");
  CHECK(decode_call(R"({"op":"http",})") == std::nullopt);
  CHECK(decode_call(R"(["op","http"])") == std::nullopt);
  CHECK(decode_call(R"({"op":"http"} {})") == std::nullopt);
}
