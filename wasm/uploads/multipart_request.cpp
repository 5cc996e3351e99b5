#include "uploads/multipart_request.h"

#include "util/text.h"

namespace upgate {

int64_t PartPlan::size_of(int64_t part_number, int64_t part_size, int64_t size) {
  const int64_t start = (part_number - 1) * part_size;
  return std::clamp<int64_t>(size - start, 0, part_size);
}

PartPlan plan_parts(int64_t size, int64_t requested_part_size, int64_t max_part_bytes) {
  int64_t part_size = requested_part_size > 0 ? requested_part_size : default_part_bytes(max_part_bytes);
  // Raised so that the file fits in S3's 10,000 parts: within 5 GiB that never passes the 5 MiB minimum.
  part_size = std::max(part_size, (size + kMaxParts - 1) / kMaxParts);
  return PartPlan{part_size, std::max<int64_t>(1, (size + part_size - 1) / part_size)};
}

std::variant<MultipartRequest, Rejection> parse_multipart_request(const std::string& body, int64_t max_upload_bytes,
                                                                  int64_t max_part_bytes, int64_t now_unix_seconds) {
  auto object = parse_json_object(body);
  if (auto* rejected = std::get_if<Rejection>(&object)) return *rejected;
  const json& request = std::get<json>(object);
  auto shoot = read_shoot_id(request);
  if (auto* rejected = std::get_if<Rejection>(&shoot)) return *rejected;
  MultipartRequest multipart;
  multipart.shoot_id = std::get<std::string>(shoot);

  int64_t requested = 0;
  if (const json* part_size = present_member(request, "partSize")) {
    requested = part_size->is_number_integer() ? part_size->get<int64_t>() : 0;
    if (requested < kMinPartBytes || requested > max_part_bytes) {
      return invalid_request("partSize", "partSize must be an integer from " + std::to_string(kMinPartBytes) + " to " +
                                             std::to_string(max_part_bytes) + " bytes.")
          .with("minPartBytes", kMinPartBytes)
          .with("maxPartBytes", max_part_bytes);
    }
  }
  auto file = check_file(request, multipart.shoot_id, SizeLimits{max_upload_bytes, max_upload_bytes}, now_unix_seconds);
  if (auto* rejected = std::get_if<Rejection>(&file)) return *rejected;
  multipart.file = std::get<FileRequest>(file);
  const PartPlan plan = plan_parts(multipart.file.size, requested, max_part_bytes);
  multipart.file.part_size = plan.part_size;
  multipart.part_count = plan.part_count;
  return multipart;
}

namespace {

std::optional<Rejection> read_part_numbers(const json& request, SignPartsRequest& sign) {
  const json* numbers = present_member(request, "partNumbers");
  if (!numbers || !numbers->is_array() || numbers->empty() || numbers->size() > kMaxPartsPerSign) {
    return invalid_request("partNumbers", "partNumbers must be an array of 1 to 100 part numbers.");
  }
  for (const json& number : *numbers) {
    if (!number.is_number_integer() || number.get<int64_t>() < 1 || number.get<int64_t>() > kMaxParts) {
      return invalid_request("partNumbers", "Each part number must be an integer from 1 to 10000.");
    }
    sign.part_numbers.push_back(number.get<int64_t>());
  }
  return std::nullopt;
}

// {"<n>": "<64 hex>"}: each key one of the part numbers asked for.
std::optional<Rejection> read_part_digests(const json& request, SignPartsRequest& sign) {
  const json* digests = present_member(request, "sha256");
  if (!digests) return std::nullopt;
  if (!digests->is_object()) return invalid_request("sha256", "sha256 must map part numbers to SHA-256 digests.");
  for (const auto& [name, value] : digests->items()) {
    const auto number = text::parse_decimal(name);
    if (!number || std::find(sign.part_numbers.begin(), sign.part_numbers.end(), *number) == sign.part_numbers.end()) {
      return invalid_request("sha256", "sha256 names part " + name + ", which partNumbers does not ask for.");
    }
    const std::string digest = text::ascii_lower(value.is_string() ? value.get<std::string>() : "");
    if (digest.size() != 64 || !text::all_lower_hex(digest)) {
      return invalid_request("sha256", "Each part's sha256 must be 64 hexadecimal characters.");
    }
    sign.sha256[*number] = digest;
  }
  return std::nullopt;
}

}  // namespace

std::variant<SignPartsRequest, Rejection> parse_sign_parts_request(const std::string& body) {
  auto object = parse_json_object(body);
  if (auto* rejected = std::get_if<Rejection>(&object)) return *rejected;
  const json& request = std::get<json>(object);
  SignPartsRequest sign;
  const json* id = present_member(request, "uploadId");
  if (!id || !id->is_string() || id->get<std::string>().empty()) {
    return invalid_request("uploadId", "uploadId is required and must be a string.");
  }
  sign.upload_id = id->get<std::string>();
  if (auto rejected = read_part_numbers(request, sign)) return *rejected;
  if (auto rejected = read_part_digests(request, sign)) return *rejected;
  return sign;
}

}  // namespace upgate
