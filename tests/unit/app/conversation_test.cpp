// The core's side of a whole request, driven through its one entry point (dispatch) the way the shim drives it,
// with the shim's effect results written out by hand: the decisions the core makes on them, including the ones
// a local runtime cannot be made to produce (a KV write failing).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

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

// An answer's log line, which travels as its JSON text.
json log_of(const json& answer) { return parse_json(answer["log"].get<std::string>()).value_or(json()); }

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
// The ledger's answer crosses as its JSON text.
const json kDecided{
    {"ok", true},
    {"result", to_text(json{{"uploads", json::array({{{"upload",
                                                       {{"uploadId", "up_smith-wedding_" + std::string(32, 'a')},
                                                        {"key", "shoots/smith-wedding/smith-wedding_20261122_0001.jpg"},
                                                        {"shootId", "smith-wedding"},
                                                        {"filename", "smith-wedding_20261122_0001.jpg"},
                                                        {"contentType", "image/jpeg"},
                                                        {"size", 10},
                                                        {"state", "pending"},
                                                        {"createdAtMs", kNowMs},
                                                        {"presignedAtMs", kNowMs}}}}})},
                            {"indexWork", true}})}};

// Presign up to the answer that waits on its writes.
json presign_until_writes() {
  configure();
  json first = call(presign_call(kPresignBody));
  // One operation on the shoot's ledger decides every file.
  REQUIRE(first["effects"].size() == 1);
  CHECK(first["effects"][0]["type"] == "ledger");
  CHECK(parse_json(first["effects"][0]["request"].get<std::string>()).value_or(json())["op"] == "presign");
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
  CHECK(log_of(answer["then"])["io"] == 2);
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
  CHECK(log_of(final_answer)["status"] == 503);
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
  const json refusal{{"ok", true}, {"result", to_text(json{{"refused", "not_shoot_owner"}})}};
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

namespace {
// A ledger conversation's result, which its done answer carries as JSON text.
json result_of(const json& answer) { return parse_json(answer["result"].get<std::string>()).value_or(json()); }

// Answers a ledger conversation's open round of statements with these rows, one list per statement.
json answer_rows(const json& answer, const std::vector<json>& rows) {
  json results = json::array();
  for (const json& list : rows) results.push_back({{"ok", true}, {"rows", list}});
  return call(json{{"op", "resume"}, {"handle", answer["handle"]}, {"results", results}});
}

// sqlite_master's rows for a database with every table of the schema.
json every_table() {
  json tables = json::array();
  for (const char* name : {"shoot", "uploads", "parts", "assets", "audit"}) tables.push_back({{"name", name}});
  return tables;
}

// The shoot's row, owned by alice, never put in the work index.
json shoot_row(const std::string& shoot_id) {
  return json{{"shootId", shoot_id}, {"owner", "alice"}, {"createdAtMs", kNowMs}, {"workIndexedAtMs", 0}};
}
}  // namespace

TEST_CASE("the ledger reads a shoot from its database once, then starts from the shoot it remembers") {
  configure();
  const std::string shoot_id = "wed-schema-seen";
  CHECK(string_field(first_statement_of_get_shoot(shoot_id), "query").find("sqlite_master") != std::string::npos);

  // One operation that finds every table and the shoot row.
  json answer = call(get_shoot_call(shoot_id));
  answer = answer_rows(answer, {every_table()});
  REQUIRE(answer["effects"].size() == 1);  // no CREATE: every table is there
  CHECK(answer["effects"][0]["query"] == "SELECT * FROM shoot WHERE id = 1");
  answer = answer_rows(answer, {json::array({shoot_row(shoot_id)})});
  answer = answer_rows(answer, {json::array()});
  REQUIRE(answer["done"] == true);
  CHECK(result_of(answer)["shoot"]["owner"] == "alice");

  // The next operation on it goes straight to its own statement.
  CHECK(string_field(first_statement_of_get_shoot(shoot_id), "query").starts_with("SELECT (SELECT COUNT(*)"));
  // Another shoot is looked at afresh.
  CHECK(string_field(first_statement_of_get_shoot("wed-other"), "query").find("sqlite_master") != std::string::npos);
}

namespace {
json presign_operation(const std::string& shoot_id, const std::string& filename) {
  return json{{"op", "ledger"},
              {"request",
               {{"op", "presign"},
                {"shootId", shoot_id},
                {"requestId", "req_test"},
                {"now", kNowMs},
                {"actor", {{"sub", "alice"}, {"admin", false}}},
                {"files", {{{"filename", filename}, {"contentType", "image/jpeg"}, {"size", 1000}, {"sha256", ""}}}}}},
              {"now", kNowMs},
              {"entropy", std::string(32, 'c')}};
}

// The queries of a done answer's writes, in order.
std::vector<std::string> write_queries(const json& answer) {
  std::vector<std::string> queries;
  for (const json& write : answer["writes"]) queries.push_back(string_field(write, "query"));
  return queries;
}
}  // namespace

TEST_CASE("a ledger operation's last writes travel with its answer, and the shoot it remembers has them") {
  configure();
  const std::string shoot_id = "wed-writes-with-answer";
  json answer = call(presign_operation(shoot_id, "wed-writes-with-answer_20261122_0001.jpg"));
  answer = answer_rows(answer, {every_table()});
  answer = answer_rows(answer, {json::array({shoot_row(shoot_id)})});
  REQUIRE(answer["effects"].size() == 3);  // the look-ups: assets by key, by digest, the pending uploads
  answer = answer_rows(answer, {json::array(), json::array(), json::array()});

  // No round for the writes: the answer carries them, the work index due since the shoot never had it.
  REQUIRE(answer["done"] == true);
  CHECK(result_of(answer)["indexWork"] == true);
  CHECK(result_of(answer)["uploads"][0]["upload"]["state"] == "pending");
  std::vector<std::string> queries = write_queries(answer);
  REQUIRE(queries.size() == 3);
  CHECK(queries[0].starts_with("INSERT INTO uploads"));
  CHECK(queries[1].starts_with("INSERT INTO audit"));
  CHECK(queries[2] == "UPDATE shoot SET workIndexedAtMs = ? WHERE id = 1");
  CHECK(answer["writes"][2]["params"] == json::array({kNowMs}));

  // The next presign starts at its look-ups, and the shoot it remembers knows the index is fresh.
  answer = call(presign_operation(shoot_id, "wed-writes-with-answer_20261122_0002.jpg"));
  REQUIRE(answer["effects"].size() == 3);
  answer = answer_rows(answer, {json::array(), json::array(), json::array()});
  REQUIRE(answer["done"] == true);
  CHECK(result_of(answer)["indexWork"] == false);
  queries = write_queries(answer);
  CHECK(queries.size() == 2);
  CHECK(std::find(queries.begin(), queries.end(), "UPDATE shoot SET workIndexedAtMs = ? WHERE id = 1") ==
        queries.end());
}
