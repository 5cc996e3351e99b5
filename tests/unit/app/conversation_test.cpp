// The core's side of a whole request, driven through its one entry point (dispatch) the way the shim drives it,
// with the shim's effect results written out by hand: the decisions the core makes on them, including the ones
// a local runtime cannot be made to produce (a KV write failing).
#include <doctest/doctest.h>

#include <string>

#include "app/dispatch.h"
#include "crypto/crypto.h"
#include "util/encoding.h"
#include "util/json.h"

using namespace upgate;

namespace {

const std::string kSecret(40, 's');
const int64_t kNowMs = 1795332000000;  // 2026-11-22T08:00:00Z

// The JSON part of an answer (response bodies follow it after NUL bytes), with body 0 put back in place.
json call(const json& message) {
  const std::string wire = dispatch(to_text(message));
  const size_t split = wire.find('\0');
  json answer = json::parse(wire.substr(0, split));
  if (split != std::string::npos) {
    for (json* part : {&answer, answer.contains("then") ? &answer["then"] : nullptr}) {
      if (part && part->contains("response")) (*part)["response"]["body"] = json::parse(wire.substr(split + 1));
    }
  }
  return answer;
}

void configure() {
  call(json{{"op", "configure"},
            {"env",
             {{"APP_ENV", "development"},
              {"JWT_SECRET", kSecret},
              {"UPLOAD_SIGNING_KEY_ID", "AKTEST"},
              {"UPLOAD_SIGNING_SECRET", std::string(40, 'u')},
              {"RATE_LIMIT_PER_MINUTE", "1000000"}}}});
}

std::string token(const std::string& sub) {
  const std::string header = encoding::base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  const std::string payload = encoding::base64url_encode(R"({"sub":")" + sub + R"(","exp":1895332000})");
  const std::string input = header + "." + payload;
  return input + "." + encoding::base64url_encode(crypto::hmac_sha256(kSecret, input));
}

json presign_call(const std::string& body) {
  const json headers =
      json::array({json::array({"host", "upgate.test"}), json::array({"authorization", "Bearer " + token("alice")}),
                   json::array({"content-type", "application/json"})});
  return json{
      {"op", "http"},
      {"request", {{"method", "POST"}, {"path", "/api/uploads/presign"}, {"scheme", "https"}, {"headers", headers}}},
      {"now", kNowMs},
      {"entropy", std::string(64, 'a')},
      {"body", {{"ok", true}, {"text", body}}}};
}

const std::string kPresignBody =
    R"({"shootId":"smith-wedding","filename":"smith-wedding_20261122_0001.jpg","contentType":"image/jpeg","size":10})";
// The shoot's ledger decided: the file gets a new upload, and the shoot's entry in the cron's work index is due.
const json kDecided{{"ok", true},
                    {"result",
                     {{"uploads", json::array({{{"upload",
                                                 {{"uploadId", "up_smith-wedding_" + std::string(32, 'a')},
                                                  {"key", "shoots/smith-wedding/smith-wedding_20261122_0001.jpg"},
                                                  {"shootId", "smith-wedding"},
                                                  {"filename", "smith-wedding_20261122_0001.jpg"},
                                                  {"contentType", "image/jpeg"},
                                                  {"size", 10},
                                                  {"state", "pending"},
                                                  {"createdAtMs", kNowMs},
                                                  {"presignedAtMs", kNowMs}}}}})},
                      {"indexWork", true}}}};

// Presign up to the answer that waits on its writes.
json presign_until_writes() {
  configure();
  json first = call(presign_call(kPresignBody));
  // One operation on the shoot's ledger decides every file.
  REQUIRE(first["effects"].size() == 1);
  CHECK(first["effects"][0]["type"] == "ledger");
  CHECK(first["effects"][0]["request"]["op"] == "presign");
  json second = call(json{{"op", "resume"}, {"handle", first["handle"]}, {"results", json::array({kDecided})}});
  REQUIRE(second.contains("then"));
  return second;
}

}  // namespace

TEST_CASE("presign answers with its URL as soon as the shoot's work index entry is written") {
  json answer = presign_until_writes();
  REQUIRE(answer["effects"].size() == 1);
  CHECK(answer["effects"][0]["type"] == "kv_put");
  CHECK(answer["effects"][0]["key"] == "work:smith-wedding");
  CHECK(answer["then"]["response"]["status"] == 200);
  CHECK(answer["then"]["response"]["body"]["method"] == "PUT");
  CHECK(answer["then"]["log"]["io"] == 2);
  CHECK(call(json{{"op", "close"}, {"handle", answer["handle"]}})["ok"] == true);
  // A closed conversation cannot be resumed.
  CHECK(call(json{{"op", "resume"}, {"handle", answer["handle"]}, {"results", json::array()}}).contains("error"));
}

TEST_CASE("a failed write turns the answer into 503 storage_unavailable: no URL without its records") {
  json answer = presign_until_writes();
  const json failed{{"ok", false}, {"error", "KV is down"}};
  json final_answer = call(json{{"op", "resume"}, {"handle", answer["handle"]}, {"results", json::array({failed})}});
  REQUIRE(final_answer.contains("response"));
  CHECK(final_answer["response"]["status"] == 503);
  CHECK(final_answer["response"]["body"]["error"]["code"] == "storage_unavailable");
  CHECK(final_answer["response"]["body"].dump().find("X-Amz-Signature") == std::string::npos);
  CHECK(final_answer["log"]["status"] == 503);
}

TEST_CASE("a failed ledger call is 503 storage_unavailable and writes nothing") {
  configure();
  json first = call(presign_call(kPresignBody));
  const json failed{{"ok", false}, {"error", "the Durable Object is unreachable"}};
  json answer = call(json{{"op", "resume"}, {"handle", first["handle"]}, {"results", json::array({failed})}});
  REQUIRE(answer.contains("response"));
  CHECK_FALSE(answer.contains("effects"));
  CHECK(answer["response"]["status"] == 503);
}

TEST_CASE("a ledger refusal is the contract's error") {
  configure();
  json first = call(presign_call(kPresignBody));
  const json refusal{{"ok", true}, {"result", {{"refused", "not_shoot_owner"}}}};
  json answer = call(json{{"op", "resume"}, {"handle", first["handle"]}, {"results", json::array({refusal})}});
  REQUIRE(answer.contains("response"));
  CHECK(answer["response"]["status"] == 403);
  CHECK(answer["response"]["body"]["error"]["code"] == "not_shoot_owner");
}

TEST_CASE("open conversations are bounded: the oldest is evicted") {
  configure();
  const json first = call(presign_call(kPresignBody));
  for (int i = 0; i < 4096; ++i) REQUIRE(call(presign_call(kPresignBody)).contains("handle"));
  CHECK(call(json{{"op", "resume"}, {"handle", first["handle"]}, {"results", json::array({kDecided})}})
            .contains("error"));
}

namespace {
// A getShoot operation on the shoot, as the Durable Object hands it to its core.
json get_shoot_call(const std::string& shoot_id) {
  return json{{"op", "ledger"},
              {"request",
               {{"op", "getShoot"},
                {"shootId", shoot_id},
                {"requestId", "req_test"},
                {"now", kNowMs},
                {"actor", {{"sub", "alice"}, {"admin", false}}}}},
              {"now", kNowMs},
              {"entropy", std::string(32, 'b')}};
}

// The first SQL statement a getShoot operation on the shoot asks its Durable Object for.
json first_statement_of_get_shoot(const std::string& shoot_id) {
  configure();
  const json answer = call(get_shoot_call(shoot_id));
  REQUIRE(answer.contains("effects"));
  call(json{{"op", "close"}, {"handle", answer["handle"]}});
  return answer["effects"][0];
}
}  // namespace

TEST_CASE("the ledger looks at sqlite_master until it has seen a shoot with every table, then no more") {
  configure();
  const std::string shoot_id = "wed-schema-seen";
  CHECK(string_field(first_statement_of_get_shoot(shoot_id), "query").find("sqlite_master") != std::string::npos);

  // One operation that finds every table and the shoot row.
  json answer = call(get_shoot_call(shoot_id));
  json tables = json::array();
  for (const char* name : {"shoot", "uploads", "parts", "assets", "audit"}) tables.push_back({{"name", name}});
  answer = call(json{{"op", "resume"}, {"handle", answer["handle"]}, {"results", {{{"ok", true}, {"rows", tables}}}}});
  REQUIRE(answer["effects"].size() == 1);  // no CREATE: every table is there
  CHECK(answer["effects"][0]["query"] == "SELECT * FROM shoot WHERE id = 1");
  const json shoot_row{{"shootId", shoot_id}, {"owner", "alice"}, {"createdAtMs", kNowMs}, {"workIndexedAtMs", 0}};
  answer = call(json{{"op", "resume"},
                     {"handle", answer["handle"]},
                     {"results", {{{"ok", true}, {"rows", json::array({shoot_row})}}}}});
  answer = call(
      json{{"op", "resume"}, {"handle", answer["handle"]}, {"results", {{{"ok", true}, {"rows", json::array()}}}}});
  REQUIRE(answer["done"] == true);

  CHECK(first_statement_of_get_shoot(shoot_id)["query"] == "SELECT * FROM shoot WHERE id = 1");
  // Another shoot is looked at afresh.
  CHECK(string_field(first_statement_of_get_shoot("wed-other"), "query").find("sqlite_master") != std::string::npos);
}
