// Fuzz target: request body decoding (parse_presign_request, parse_complete_request,
// parse_create_shoot_request, parse_multipart_request, parse_sign_parts_request, parse_sign_request), with the
// input as the body text.
//
// Invariants:
//  - nothing throws (an nlohmann type error would escape as an uncaught exception and abort);
//  - the three parsers agree on what is not JSON (400 invalid_json, exactly when an independent parse fails)
//    and what is not an object (400 invalid_request);
//  - presign: an accepted request has a valid shoot id, 1-100 files in batch mode (exactly 1 otherwise), one
//    declared filename per file; every accepted file passes the naming standard for that shoot id, has a size
//    in 1..max, an allowed lower-case type without parameters and a 64-hex-digit or empty sha256; every refused
//    file carries one of the contract's per-file statuses and codes; the answer for each file is exactly what
//    check_file says for that item;
//  - complete: 1-100 non-empty ids, batch exactly when "uploadIds" is present, in request order;
//  - create shoot: the id returned is a valid shoot id and is the body's "shootId".
//  - multipart: an accepted file is cut into 1-10,000 parts of 5 MiB up to the largest part, the last holding
//    the rest; sign: 1-100 part numbers in 1..10,000, digests only for those; sign-request: the key is the
//    shoot's, and the operation agrees with the upload id and part number it carries.
//  - every rejection renders to JSON that parses again.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "fuzz_check.h"
#include "naming/naming.h"
#include "uploads/multipart_request.h"
#include "uploads/sign_request.h"
#include "uploads/upload_request.h"
#include "util/json.h"

using namespace upgate;

namespace {

constexpr int64_t kNow = 1795262400;                                  // 2026-11-21T12:00:00Z
constexpr int64_t kMaxUploadBytes = int64_t(5) * 1024 * 1024 * 1024;  // the defaults: 5 GiB in all,
constexpr int64_t kMaxSinglePutBytes = int64_t(95) * 1024 * 1024;     // 95 MiB in one worker-mode PUT
constexpr SizeLimits kLimits{kMaxSinglePutBytes, kMaxUploadBytes};

bool is_lower_hex(const std::string& text) { return text.find_first_not_of("0123456789abcdef") == std::string::npos; }

void check_rejection(const Rejection& rejection, const std::string& where) {
  FUZZ_CHECK(!rejection.code.empty() && !rejection.message.empty() && rejection.details.is_object(),
             where + " code=" + rejection.code);
  const Response response = rejection.to_response();
  FUZZ_CHECK(response.status == rejection.status && response.body.is_object(), where);
  FUZZ_CHECK(parse_json(to_text(response.body)).has_value(), where);
  FUZZ_CHECK(parse_json(to_text(rejection.to_error_object())).has_value(), where);
}

// The same top-level decision all three parsers make about the body; nullopt when it is an object.
std::optional<std::string> top_level_code(const std::optional<json>& parsed) {
  if (!parsed) return "invalid_json";
  if (!parsed->is_object()) return "invalid_request";
  return std::nullopt;
}

void check_file_accepted(const FileRequest& file, const std::string& shoot_id, const std::string& where) {
  FUZZ_CHECK(!naming::check_filename(file.filename, shoot_id, file.content_type, kNow).has_value(),
             where + " file=" + file.filename);
  FUZZ_CHECK(file.size >= 1 && file.size <= kMaxSinglePutBytes, where);
  FUZZ_CHECK(naming::is_allowed_content_type(file.content_type), where);
  FUZZ_CHECK(file.content_type.find_first_of("; \tABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos,
             where + " type=" + file.content_type);
  FUZZ_CHECK(file.sha256.empty() || (file.sha256.size() == 64 && is_lower_hex(file.sha256)), where);
}

void check_presign(const std::string& body, const std::optional<json>& parsed, const std::string& where) {
  const auto result = parse_presign_request(body, kLimits, kNow);
  if (const auto* rejected = std::get_if<Rejection>(&result)) {
    check_rejection(*rejected, where);
    FUZZ_CHECK(rejected->status == 400, where + " code=" + rejected->code);
    if (auto code = top_level_code(parsed))
      FUZZ_CHECK(rejected->code == *code, where + " code=" + rejected->code);
    else
      FUZZ_CHECK(rejected->code == "invalid_request", where + " code=" + rejected->code);
    return;
  }
  FUZZ_CHECK(parsed && parsed->is_object(), where);
  const PresignRequest& request = std::get<PresignRequest>(result);
  FUZZ_CHECK(naming::is_valid_shoot_id(request.shoot_id) && string_field(*parsed, "shootId") == request.shoot_id,
             where);
  FUZZ_CHECK(request.files.size() == request.declared_filenames.size(), where);
  const bool has_files = parsed->contains("files") && !(*parsed)["files"].is_null();
  FUZZ_CHECK(request.batch == has_files, where);
  if (request.batch) {
    FUZZ_CHECK((*parsed)["files"].is_array() && (*parsed)["files"].size() == request.files.size(), where);
    FUZZ_CHECK(request.files.size() >= 1 && request.files.size() <= kMaxBatchFiles, where);
  } else {
    FUZZ_CHECK(request.files.size() == 1, where);
  }
  for (size_t i = 0; i < request.files.size(); ++i) {
    const json& item = request.batch ? (*parsed)["files"][i] : *parsed;
    FUZZ_CHECK(request.declared_filenames[i] == string_field(item, "filename"), where);
    // Each entry is exactly check_file's answer for its item.
    const auto alone = check_file(item, request.shoot_id, kLimits, kNow);
    FUZZ_CHECK(alone.index() == request.files[i].index(), where);
    if (const auto* file = std::get_if<FileRequest>(&request.files[i])) {
      check_file_accepted(*file, request.shoot_id, where);
      FUZZ_CHECK(file->filename == request.declared_filenames[i], where);
      FUZZ_CHECK(file->replace == bool_field(item, "replace"), where);
      continue;
    }
    const Rejection& rejection = std::get<Rejection>(request.files[i]);
    check_rejection(rejection, where);
    FUZZ_CHECK(std::get<Rejection>(alone).code == rejection.code, where);
    const bool known = (rejection.status == 400 && rejection.code == "invalid_request") ||
                       (rejection.status == 403 && rejection.code == "content_type_not_allowed") ||
                       (rejection.status == 413 && rejection.code == "file_too_large") ||
                       (rejection.status == 413 && rejection.code == "multipart_required") ||
                       (rejection.status == 422 && rejection.code == "invalid_filename");
    FUZZ_CHECK(known, where + " status=" + std::to_string(rejection.status) + " code=" + rejection.code);
    if (rejection.code == "invalid_filename") {
      FUZZ_CHECK(rejection.details.contains("rule") && rejection.details["rule"].is_string(), where);
    }
  }
}

void check_complete(const std::string& body, const std::optional<json>& parsed, const std::string& where) {
  const auto result = parse_complete_request(body);
  if (const auto* rejected = std::get_if<Rejection>(&result)) {
    check_rejection(*rejected, where);
    FUZZ_CHECK(rejected->status == 400, where);
    if (auto code = top_level_code(parsed))
      FUZZ_CHECK(rejected->code == *code, where + " code=" + rejected->code);
    else
      FUZZ_CHECK(rejected->code == "invalid_request", where + " code=" + rejected->code);
    return;
  }
  FUZZ_CHECK(parsed && parsed->is_object(), where);
  const CompleteRequest& request = std::get<CompleteRequest>(result);
  const bool has_ids = parsed->contains("uploadIds") && !(*parsed)["uploadIds"].is_null();
  FUZZ_CHECK(request.batch == has_ids, where);
  FUZZ_CHECK(!request.upload_ids.empty() && request.upload_ids.size() <= kMaxBatchFiles, where);
  if (!request.batch) {
    FUZZ_CHECK(request.upload_ids.size() == 1 && request.upload_ids[0] == string_field(*parsed, "uploadId"), where);
  } else {
    const json& ids = (*parsed)["uploadIds"];
    FUZZ_CHECK(ids.is_array() && ids.size() == request.upload_ids.size(), where);
    for (size_t i = 0; i < ids.size(); ++i)
      FUZZ_CHECK(ids[i].is_string() && ids[i].get<std::string>() == request.upload_ids[i], where);
  }
  for (const std::string& id : request.upload_ids) FUZZ_CHECK(!id.empty(), where);
}

// A shoot's optional title: absent (or null), or a string of at most kMaxTitleBytes.
bool title_acceptable(const json& request) {
  const json& title = member_of(request, "title");
  return title.is_null() || (title.is_string() && title.get<std::string>().size() <= kMaxTitleBytes);
}

void check_create_shoot(const std::string& body, const std::optional<json>& parsed, const std::string& where) {
  const auto result = parse_create_shoot_request(body);
  if (const auto* rejected = std::get_if<Rejection>(&result)) {
    check_rejection(*rejected, where);
    FUZZ_CHECK(rejected->status == 400, where);
    if (auto code = top_level_code(parsed))
      FUZZ_CHECK(rejected->code == *code, where + " code=" + rejected->code);
    else
      FUZZ_CHECK(rejected->code == "invalid_request" &&
                     (!naming::is_valid_shoot_id(string_field(*parsed, "shootId")) || !title_acceptable(*parsed)),
                 where);
    return;
  }
  FUZZ_CHECK(parsed && parsed->is_object(), where);
  const CreateShootRequest& request = std::get<CreateShootRequest>(result);
  FUZZ_CHECK(naming::is_valid_shoot_id(request.shoot_id) && string_field(*parsed, "shootId") == request.shoot_id,
             where);
  FUZZ_CHECK(title_acceptable(*parsed) && request.title == string_field(*parsed, "title"), where);
}

// Multipart's create: a file checked as presign checks one (up to the upload limit), cut into parts that fit
// S3's rules: at least 5 MiB but the last, at most the largest part, at most 10,000 of them.
void check_multipart(const std::string& body, const std::string& where) {
  const auto result = parse_multipart_request(body, kMaxUploadBytes, kMaxSinglePutBytes, kNow);
  if (const auto* rejected = std::get_if<Rejection>(&result)) {
    check_rejection(*rejected, where);
    FUZZ_CHECK(rejected->code != "multipart_required", where);
    return;
  }
  const MultipartRequest& request = std::get<MultipartRequest>(result);
  const int64_t size = request.file.size;
  FUZZ_CHECK(size >= 1 && size <= kMaxUploadBytes, where);
  FUZZ_CHECK(request.file.part_size >= kMinPartBytes && request.file.part_size <= kMaxSinglePutBytes, where);
  FUZZ_CHECK(request.part_count >= 1 && request.part_count <= kMaxParts, where);
  FUZZ_CHECK(request.file.part_size * request.part_count >= size, where);
  FUZZ_CHECK(request.file.part_size * (request.part_count - 1) < size, where);
  const int64_t last = PartPlan::size_of(request.part_count, request.file.part_size, size);
  FUZZ_CHECK(last >= 1 && last <= request.file.part_size, where);
}

void check_sign_parts(const std::string& body, const std::string& where) {
  const auto result = parse_sign_parts_request(body);
  if (const auto* rejected = std::get_if<Rejection>(&result)) {
    check_rejection(*rejected, where);
    FUZZ_CHECK(rejected->status == 400, where);
    return;
  }
  const SignPartsRequest& request = std::get<SignPartsRequest>(result);
  FUZZ_CHECK(!request.upload_id.empty(), where);
  FUZZ_CHECK(!request.part_numbers.empty() && request.part_numbers.size() <= kMaxPartsPerSign, where);
  for (int64_t number : request.part_numbers) FUZZ_CHECK(number >= 1 && number <= kMaxParts, where);
  for (const auto& [number, digest] : request.sha256) {
    FUZZ_CHECK(
        std::find(request.part_numbers.begin(), request.part_numbers.end(), number) != request.part_numbers.end(),
        where);
    FUZZ_CHECK(digest.size() == 64 && is_lower_hex(digest), where);
  }
}

void check_sign_request(const std::string& body, const std::string& where) {
  const auto result = parse_sign_request(body);
  if (const auto* rejected = std::get_if<Rejection>(&result)) {
    check_rejection(*rejected, where);
    FUZZ_CHECK(rejected->status == 400, where);
    return;
  }
  const SignRequest& request = std::get<SignRequest>(result);
  FUZZ_CHECK(request.key == "shoots/" + request.shoot_id + "/" + request.filename && !request.filename.empty(), where);
  const bool multipart_step =
      request.operation != S3Operation::PutObject && request.operation != S3Operation::CreateMultipartUpload;
  FUZZ_CHECK(multipart_step == !request.upload_id.empty(), where);
  FUZZ_CHECK((request.operation == S3Operation::UploadPart) == (request.part_number > 0), where);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const std::string where = "body=" + body.substr(0, 500);
  const auto parsed = parse_json(body);
  check_presign(body, parsed, where);
  check_complete(body, parsed, where);
  check_create_shoot(body, parsed, where);
  check_multipart(body, where);
  check_sign_parts(body, where);
  check_sign_request(body, where);
  return 0;
}
