#include "app/check_files.h"

#include "naming/naming.h"
#include "uploads/upload_request.h"

namespace upgate {

namespace {

json checked(json item, const std::string& shoot_id, SizeLimits limits, int64_t now_seconds) {
  const std::string filename = string_field(item, "filename");
  if (!present_member(item, "contentType")) item["contentType"] = naming::content_type_for_filename(filename);
  // Checked against the whole-file limit; above one PUT's it goes in parts.
  auto file = check_file(item, shoot_id, SizeLimits{limits.upload_bytes, limits.upload_bytes}, now_seconds);
  if (const auto* rejected = std::get_if<Rejection>(&file)) {
    return json{{"filename", filename}, {"error", rejected->to_error_object()}};
  }
  const FileRequest& accepted = std::get<FileRequest>(file);
  return json{{"filename", accepted.filename},
              {"contentType", accepted.content_type},
              {"multipart", accepted.size > limits.single_put_bytes}};
}

}  // namespace

json check_files(const json& call) {
  const std::string shoot_id = string_field(call, "shootId");
  if (!naming::is_valid_shoot_id(shoot_id)) return json{{"error", "shootId is not a valid shoot id"}};
  const json& limits = member_of(call, "limits");
  const SizeLimits size_limits{integer_field(limits, "maxSinglePutBytes"), integer_field(limits, "maxUploadBytes")};
  const int64_t now_seconds = integer_field(call, "now") / 1000;
  json files = json::array();
  for (const json& item : member_of(call, "files")) files.push_back(checked(item, shoot_id, size_limits, now_seconds));
  return json{{"files", std::move(files)}};
}

}  // namespace upgate
