// The Worker's side of the ledger, read off text: the answer of a ledger call, a refusal, presign's decision,
// and an upload record read straight off JSON, which must agree with the tree reader the ledger itself uses.
#include <doctest/doctest.h>

#include "ledger/client.h"
#include "util/json_reader.h"

using namespace upgate;

namespace {

UploadSession sample_upload() {
  UploadSession upload;
  upload.upload_id = "up_wedding-01_00000000000000000000000000000001";
  upload.key = "shoots/wedding-01/wedding-01_20261203_0001.cr3";
  upload.object_key = upload.key + ".staging";
  upload.shoot_id = "wedding-01";
  upload.filename = "wedding-01_20261203_0001.cr3";
  upload.content_type = "image/x-canon-cr3";
  upload.size = 210'000'000;
  upload.sha256 = std::string(64, 'a');
  upload.state = UploadSession::State::Completed;
  upload.multipart = true;
  upload.part_size = 16 * 1024 * 1024;
  upload.part_count = 13;
  upload.storage_upload_id = "storage \"quoted\" id";
  upload.created_at_ms = 1'796'000'000'000;
  upload.presigned_at_ms = 1'796'000'100'000;
  upload.completing_at_ms = 1'796'000'200'000;
  upload.completion = json{{"etag", "\"abc\""}, {"completedAt", "2026-12-03T10:00:00.000Z"}};
  return upload;
}

std::optional<UploadSession> read_text(const std::string& text) {
  JsonReader reader(text);
  return UploadSession::read(reader);
}

}  // namespace

TEST_CASE("an upload read off its JSON text is the upload the tree reader reads") {
  const json record = sample_upload().to_json();
  const auto from_tree = UploadSession::from_json(record);
  const auto from_text = read_text(to_text(record));
  REQUIRE(from_tree);
  REQUIRE(from_text);
  CHECK(from_text->to_json() == from_tree->to_json());
  CHECK(from_text->to_json() == record);
}

TEST_CASE("an upload written as text is the record its tree is") {
  for (UploadSession upload : {sample_upload(), UploadSession{}}) {
    if (upload.upload_id.empty()) upload.upload_id = "up_plain";  // a pending upload, no completion yet
    JsonWriter out;
    upload.write(out);
    const std::string text = std::move(out).text();
    CHECK(parse_json(text).value_or(json()) == upload.to_json());
    const auto read_back = read_text(text);
    REQUIRE(read_back);
    CHECK(read_back->to_json() == upload.to_json());
  }
}

TEST_CASE("the text reader falls back as the tree reader does") {
  // objectKey and presignedAtMs absent: the key and the creation time stand in for them.
  const std::string text = R"({"uploadId":"up_x","key":"shoots/x/a.jpg","state":"pending","createdAtMs":5,)"
                           R"("size":"not a number","multipart":false,"extra":[1,{"a":2}]})";
  const auto from_text = read_text(text);
  const auto from_tree = UploadSession::from_json(*parse_json(text));
  REQUIRE(from_text);
  REQUIRE(from_tree);
  CHECK(from_text->object_key == "shoots/x/a.jpg");
  CHECK(from_text->presigned_at_ms == 5);
  CHECK(from_text->size == 0);
  CHECK(from_text->to_json() == from_tree->to_json());
  // Not an upload: no state, no id, not an object, malformed.
  CHECK_FALSE(read_text(R"({"uploadId":"up_x"})"));
  CHECK_FALSE(read_text(R"({"state":"pending"})"));
  CHECK_FALSE(read_text(R"([1,2])"));
  CHECK_FALSE(read_text(R"({"uploadId":"up_x","state":"pending")"));
}

TEST_CASE("a ledger call's answer: its result's text, or the error") {
  // The result crosses as a string holding its JSON text.
  const ledger::Answered ok = ledger::read_answered(R"({"ok":true,"result":"{\"uploads\":[],\"indexWork\":true}"})");
  CHECK(ok.ok);
  CHECK(ok.result == R"({"uploads":[],"indexWork":true})");
  const ledger::Answered failed = ledger::read_answered(R"({"ok":false,"error":"object reset"})");
  CHECK_FALSE(failed.ok);
  CHECK(failed.error == "object reset");
  CHECK_FALSE(ledger::read_answered(R"({"ok":true,"result":"{)").ok);
  // A result that is not a string of JSON text is not one the object sends.
  CHECK_FALSE(ledger::read_answered(R"({"ok":true,"result":{"uploads":[]}})").ok);
}

TEST_CASE("a refusal names the catalogue's error, its field and its log detail") {
  CHECK_FALSE(ledger::refusal_of(R"({"uploads":[]})"));
  const auto refused = ledger::refusal_of(R"({"refused":"not_shoot_owner","detail":"owner is someone else"})");
  REQUIRE(refused);
  CHECK(refused->rejection.status == 403);
  CHECK(refused->rejection.code == "not_shoot_owner");
  CHECK(refused->detail == "owner is someone else");
  const auto field = ledger::refusal_of(R"({"refused":"invalid_request","field":"partNumbers"})");
  REQUIRE(field);
  CHECK(field->rejection.details["field"] == "partNumbers");
  CHECK(field->rejection.message == "The partNumbers is not valid.");
  // A code the catalogue lacks is a ledger bug: refused as unserviceable.
  const auto unknown = ledger::refusal_of(R"({"refused":"no_such_code"})");
  REQUIRE(unknown);
  CHECK(unknown->rejection.status == 503);
}

TEST_CASE("presign's decision: an upload per file, or why not, in order") {
  const json answer{
      {"uploads", json::array({json{{"upload", sample_upload().to_json()}, {"duplicateOf", "shoots/w/b.jpg"}},
                               json{{"error", "already_exists"}},
                               json{{"upload", sample_upload().to_json()}, {"parts", json::array({1, 2})}}})},
      {"indexWork", true}};
  const auto decision = ledger::read_presign_decision(to_text(answer));
  REQUIRE(decision);
  CHECK(decision->index_work);
  REQUIRE(decision->items.size() == 3);
  REQUIRE(decision->items[0].upload);
  CHECK(decision->items[0].upload->upload_id == sample_upload().upload_id);
  CHECK(decision->items[0].duplicate_of == "shoots/w/b.jpg");
  CHECK_FALSE(decision->items[1].upload);
  CHECK(decision->items[1].refused.code == "already_exists");
  CHECK(decision->items[2].parts == json::array({1, 2}));
  CHECK_FALSE(ledger::read_presign_decision(R"({"uploads":[)"));
}

TEST_CASE("an operation's effect carries the common fields and the operation's own") {
  const Effect effect = ledger::operation_effect("presign", "wedding-01", ledger::Actor{"ana", false}, "req_1", 42,
                                                 json{{"files", json::array()}});
  CHECK(effect.type == "ledger");
  const json written = *parse_json(effect.text);
  CHECK(written["type"] == "ledger");
  CHECK(written["shootId"] == "wedding-01");
  // The request travels as its JSON text.
  REQUIRE(written["request"].is_string());
  CHECK(*parse_json(written["request"].get<std::string>()) == json{{"op", "presign"},
                                                                   {"now", 42},
                                                                   {"shootId", "wedding-01"},
                                                                   {"requestId", "req_1"},
                                                                   {"actor", {{"sub", "ana"}, {"admin", false}}},
                                                                   {"files", json::array()}});
}
