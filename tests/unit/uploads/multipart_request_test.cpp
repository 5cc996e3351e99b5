// How a file is cut into parts, and what the multipart endpoints accept (contract 5.4).
#include <doctest/doctest.h>

#include "uploads/multipart_request.h"
#include "util/clock.h"

using namespace upgate;

namespace {
constexpr int64_t kMiB = 1024 * 1024;
constexpr int64_t kGiB = 1024 * kMiB;
constexpr int64_t kNow = 1764633600;  // 2025-12-02, a day the file names below carry

std::string create_body(int64_t size, const std::string& part_size = "") {
  std::string body = R"({"shootId":"wed-1","filename":"wed-1_20251202_0001.jpg","contentType":"image/jpeg","size":)" +
                     std::to_string(size);
  if (!part_size.empty()) body += R"(,"partSize":)" + part_size;
  return body + "}";
}

Rejection rejection_of(const std::variant<MultipartRequest, Rejection>& parsed) { return std::get<Rejection>(parsed); }
}  // namespace

TEST_CASE("parts are 16 MiB by default, the last one holding the rest") {
  const PartPlan plan = plan_parts(40 * kMiB + 1, 0, 95 * kMiB);
  CHECK(plan.part_size == 16 * kMiB);
  CHECK(plan.part_count == 3);
  CHECK(PartPlan::size_of(1, plan.part_size, 40 * kMiB + 1) == 16 * kMiB);
  CHECK(PartPlan::size_of(3, plan.part_size, 40 * kMiB + 1) == 8 * kMiB + 1);
  CHECK(PartPlan::size_of(4, plan.part_size, 40 * kMiB + 1) == 0);
}

TEST_CASE("where parts must be smaller than 16 MiB, the default is the largest part allowed") {
  CHECK(plan_parts(40 * kMiB, 0, 10 * kMiB).part_size == 10 * kMiB);
  CHECK(plan_parts(40 * kMiB, 0, 10 * kMiB).part_count == 4);
}

TEST_CASE("a file smaller than one part is one part") {
  const PartPlan plan = plan_parts(1000, 0, 95 * kMiB);
  CHECK(plan.part_count == 1);
  CHECK(PartPlan::size_of(1, plan.part_size, 1000) == 1000);
}

TEST_CASE("the part size is raised so that no file needs more than 10,000 parts") {
  const PartPlan plan = plan_parts(5 * kGiB, 5 * kMiB, 95 * kMiB);
  CHECK(plan.part_count <= kMaxParts);
  CHECK(plan.part_size * plan.part_count >= 5 * kGiB);
  CHECK(plan.part_size * (plan.part_count - 1) < 5 * kGiB);
  CHECK(plan_parts(64 * kMiB, 5 * kMiB, 95 * kMiB).part_count == 13);
}

TEST_CASE("a requested part size must lie between 5 MiB and the largest part") {
  const auto ok = parse_multipart_request(create_body(64 * kMiB, std::to_string(5 * kMiB)), 5 * kGiB, 95 * kMiB, kNow);
  REQUIRE(std::holds_alternative<MultipartRequest>(ok));
  CHECK(std::get<MultipartRequest>(ok).file.part_size == 5 * kMiB);
  CHECK(std::get<MultipartRequest>(ok).part_count == 13);

  for (const std::string& bad :
       {std::to_string(5 * kMiB - 1), std::to_string(95 * kMiB + 1), std::string("\"8\""), std::string("5242880.5")}) {
    const Rejection rejected =
        rejection_of(parse_multipart_request(create_body(64 * kMiB, bad), 5 * kGiB, 95 * kMiB, kNow));
    CHECK(rejected.code == "invalid_request");
    CHECK(rejected.details["field"] == "partSize");
  }
}

TEST_CASE("a multipart file may be as large as the upload limit, and no larger") {
  CHECK(std::holds_alternative<MultipartRequest>(
      parse_multipart_request(create_body(5 * kGiB), 5 * kGiB, 95 * kMiB, kNow)));
  CHECK(rejection_of(parse_multipart_request(create_body(5 * kGiB + 1), 5 * kGiB, 95 * kMiB, kNow)).code ==
        "file_too_large");
}

TEST_CASE("a presign above the single-PUT limit is told to use multipart") {
  const json file = {{"filename", "wed-1_20251202_0001.jpg"}, {"contentType", "image/jpeg"}, {"size", 96 * kMiB}};
  const auto checked = check_file(file, "wed-1", SizeLimits{95 * kMiB, 5 * kGiB}, kNow);
  REQUIRE(std::holds_alternative<Rejection>(checked));
  CHECK(std::get<Rejection>(checked).status == 413);
  CHECK(std::get<Rejection>(checked).code == "multipart_required");
  CHECK(std::get<Rejection>(checked).details["maxSinglePutBytes"] == 95 * kMiB);
}

TEST_CASE("sign takes 1 to 100 part numbers, and digests only for those") {
  const auto ok = parse_sign_parts_request(R"({"uploadId":"up_x","partNumbers":[2,1],"sha256":{"2":")" +
                                           std::string(64, 'A') + R"("}})");
  REQUIRE(std::holds_alternative<SignPartsRequest>(ok));
  CHECK(std::get<SignPartsRequest>(ok).part_numbers == std::vector<int64_t>{2, 1});
  CHECK(std::get<SignPartsRequest>(ok).sha256.at(2) == std::string(64, 'a'));

  std::string hundred_and_one = "[";
  for (int i = 1; i <= 101; ++i) hundred_and_one += std::to_string(i) + (i < 101 ? "," : "]");
  for (const std::string& numbers : {std::string("[]"), std::string("[0]"), std::string("[\"1\"]"), hundred_and_one}) {
    const auto parsed = parse_sign_parts_request(R"({"uploadId":"up_x","partNumbers":)" + numbers + "}");
    REQUIRE(std::holds_alternative<Rejection>(parsed));
    CHECK(std::get<Rejection>(parsed).details["field"] == "partNumbers");
  }
  const auto stray = parse_sign_parts_request(R"({"uploadId":"up_x","partNumbers":[1],"sha256":{"3":")" +
                                              std::string(64, 'a') + R"("}})");
  REQUIRE(std::holds_alternative<Rejection>(stray));
  CHECK(std::get<Rejection>(stray).details["field"] == "sha256");
}
