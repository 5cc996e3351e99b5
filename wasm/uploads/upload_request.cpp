#include "uploads/upload_request.h"

#include <cctype>

#include "naming/naming.h"
#include "uploads/multipart_request.h"
#include "util/json_reader.h"
#include "util/text.h"

namespace upgate {

void FileRequest::write(JsonWriter& out) const {
  out.begin_object().key("filename").string(filename).key("contentType").string(content_type);
  out.key("size").integer(size).key("sha256").string(sha256).key("replace").boolean(replace);
  out.key("partSize").integer(part_size).end_object();
}

FileRequest FileRequest::read(JsonReader& reader) {
  FileRequest file;
  reader.object([&](std::string_view key) {
    if (key == "filename") {
      file.filename = reader.string().value_or("");
    } else if (key == "contentType") {
      file.content_type = reader.string().value_or("");
    } else if (key == "size") {
      file.size = reader.integer().value_or(0);
    } else if (key == "sha256") {
      file.sha256 = reader.string().value_or("");
    } else if (key == "replace") {
      file.replace = reader.boolean().value_or(false);
    } else if (key == "partSize") {
      file.part_size = reader.integer().value_or(0);
    } else {
      reader.skip();
    }
  });
  return file;
}

namespace {

std::optional<Rejection> check_fields(const json& item, FileRequest& file) {
  if (!item.is_object()) return invalid_request("files", "Each file must be a JSON object.");
  const json* filename = present_member(item, "filename");
  if (!filename || !filename->is_string())
    return invalid_request("filename", "filename is required and must be a string.");
  const json* type = present_member(item, "contentType");
  if (!type || !type->is_string())
    return invalid_request("contentType", "contentType is required and must be a string.");
  const json* size = present_member(item, "size");
  if (!size || !size->is_number_integer()) return invalid_request("size", "size is required and must be an integer.");
  file.filename = filename->get<std::string>();
  file.content_type = naming::media_type(type->get<std::string>());
  file.size = size->get<int64_t>();
  if (const json* sha = present_member(item, "sha256")) {
    const std::string digest = text::ascii_lower(sha->is_string() ? sha->get<std::string>() : "");
    if (digest.size() != 64 || !text::all_lower_hex(digest)) {
      return invalid_request("sha256", "sha256 must be 64 hexadecimal characters.");
    }
    file.sha256 = digest;
  }
  if (const json* replace = present_member(item, "replace")) {
    if (!replace->is_boolean()) return invalid_request("replace", "replace must be true or false.");
    file.replace = replace->get<bool>();
  }
  return std::nullopt;
}

}  // namespace

std::variant<json, Rejection> parse_json_object(const std::string& body) {
  auto parsed = parse_json(body);
  if (!parsed) return reject(Error::InvalidJson);
  if (!parsed->is_object()) return invalid_request("body", "The request body must be a JSON object.");
  return std::move(*parsed);
}

std::variant<std::string, Rejection> read_shoot_id(const json& object) {
  const json* id = present_member(object, "shootId");
  if (!id || !id->is_string()) return invalid_request("shootId", "shootId is required and must be a string.");
  const std::string value = id->get<std::string>();
  if (!naming::is_valid_shoot_id(value)) {
    return invalid_request("shootId", "shootId must be 3-32 characters of a-z and 0-9 with single inner hyphens.");
  }
  return value;
}

std::variant<FileRequest, Rejection> check_file(const json& item, const std::string& shoot_id, SizeLimits limits,
                                                int64_t now_unix_seconds) {
  FileRequest file;
  if (auto rejected = check_fields(item, file)) return *rejected;
  if (!naming::is_allowed_content_type(file.content_type)) {
    return reject(Error::ContentTypeNotAllowed).with("contentType", file.content_type);
  }
  if (file.size < 1 || file.size > limits.upload_bytes) {
    return reject(Error::FileTooLarge)
        .saying("size must be from 1 to " + std::to_string(limits.upload_bytes) + " bytes.")
        .with("maxBytes", limits.upload_bytes);
  }
  if (file.size > limits.single_put_bytes) {
    return reject(Error::MultipartRequired)
        .saying("Files over " + std::to_string(limits.single_put_bytes) +
                " bytes are uploaded in parts: POST /api/uploads/multipart.")
        .with("maxSinglePutBytes", limits.single_put_bytes);
  }
  if (auto broken = naming::check_filename(file.filename, shoot_id, file.content_type, now_unix_seconds)) {
    const std::string rule(naming::rule_name(*broken));
    return reject(Error::InvalidFilename)
        .saying("The file name breaks the naming standard v3.1 (rule " + rule + ").")
        .with("rule", rule);
  }
  return file;
}

std::variant<PresignRequest, Rejection> parse_presign_request(const std::string& body, SizeLimits limits,
                                                              int64_t now_unix_seconds) {
  auto object = parse_json_object(body);
  if (auto* rejected = std::get_if<Rejection>(&object)) return *rejected;
  const json& request = std::get<json>(object);
  auto shoot = read_shoot_id(request);
  if (auto* rejected = std::get_if<Rejection>(&shoot)) return *rejected;

  PresignRequest presign;
  presign.shoot_id = std::get<std::string>(shoot);
  const json* files = present_member(request, "files");
  presign.batch = files != nullptr;
  if (!presign.batch) {
    presign.files.push_back(check_file(request, presign.shoot_id, limits, now_unix_seconds));
    presign.declared_filenames.push_back(string_field(request, "filename"));
    return presign;
  }
  if (!files->is_array() || files->empty() || files->size() > kMaxBatchFiles) {
    return invalid_request("files", "files must be an array of 1 to 100 files.");
  }
  for (const json& item : *files) {
    presign.files.push_back(check_file(item, presign.shoot_id, limits, now_unix_seconds));
    presign.declared_filenames.push_back(string_field(item, "filename"));
  }
  return presign;
}

namespace {

constexpr size_t kMaxEtagBytes = 256;

// [{"partNumber": 1..10000, "etag": "<non-empty>"}, ...], each number once.
std::variant<std::map<int64_t, std::string>, Rejection> read_part_etags(const json& parts) {
  const auto refused = [] {
    return invalid_request("parts",
                           "parts must be an array of {\"partNumber\": 1 to 10000, \"etag\"}, each part once.");
  };
  if (!parts.is_array() || parts.size() > static_cast<size_t>(kMaxParts)) return refused();
  std::map<int64_t, std::string> etags;
  for (const json& part : parts) {
    const json* number = part.is_object() ? present_member(part, "partNumber") : nullptr;
    const json* etag = part.is_object() ? present_member(part, "etag") : nullptr;
    if (!number || !number->is_number_integer() || !etag || !etag->is_string()) return refused();
    const auto value = number->get<int64_t>();
    const auto& text = etag->get_ref<const std::string&>();
    if (value < 1 || value > kMaxParts || text.empty() || text.size() > kMaxEtagBytes) return refused();
    if (!etags.emplace(value, text).second) return refused();
  }
  return etags;
}

}  // namespace

std::variant<CompleteRequest, Rejection> parse_complete_request(const std::string& body) {
  auto object = parse_json_object(body);
  if (auto* rejected = std::get_if<Rejection>(&object)) return *rejected;
  const json& request = std::get<json>(object);
  CompleteRequest complete;
  if (const json* ids = present_member(request, "uploadIds")) {
    complete.batch = true;
    if (!ids->is_array() || ids->empty() || ids->size() > kMaxBatchFiles) {
      return invalid_request("uploadIds", "uploadIds must be an array of 1 to 100 upload ids.");
    }
    for (const json& id : *ids) {
      if (!id.is_string() || id.get<std::string>().empty()) {
        return invalid_request("uploadIds", "Every upload id must be a non-empty string.");
      }
      complete.upload_ids.push_back(id.get<std::string>());
    }
    return complete;
  }
  const json* id = present_member(request, "uploadId");
  if (!id || !id->is_string() || id->get<std::string>().empty()) {
    return invalid_request("uploadId", "uploadId is required and must be a string.");
  }
  complete.upload_ids.push_back(id->get<std::string>());
  if (const json* parts = present_member(request, "parts")) {
    auto etags = read_part_etags(*parts);
    if (auto* rejected = std::get_if<Rejection>(&etags)) return *rejected;
    complete.part_etags = std::move(std::get<std::map<int64_t, std::string>>(etags));
  }
  return complete;
}

std::variant<CreateShootRequest, Rejection> parse_create_shoot_request(const std::string& body) {
  auto object = parse_json_object(body);
  if (auto* rejected = std::get_if<Rejection>(&object)) return *rejected;
  auto shoot = read_shoot_id(std::get<json>(object));
  if (auto* rejected = std::get_if<Rejection>(&shoot)) return *rejected;
  CreateShootRequest request{std::get<std::string>(shoot), ""};
  if (const json* title = present_member(std::get<json>(object), "title")) {
    if (!title->is_string() || title->get<std::string>().size() > kMaxTitleBytes) {
      return invalid_request("title", "title must be a string of at most 200 bytes.");
    }
    request.title = title->get<std::string>();
  }
  return request;
}

std::variant<std::string, Rejection> parse_upload_id_request(const std::string& body) {
  auto object = parse_json_object(body);
  if (auto* rejected = std::get_if<Rejection>(&object)) return *rejected;
  const json* id = present_member(std::get<json>(object), "uploadId");
  if (!id || !id->is_string()) return invalid_request("uploadId", "uploadId is required and must be a string.");
  return id->get<std::string>();
}

std::variant<DownloadRequest, Rejection> parse_download_request(const std::string& body) {
  auto object = parse_json_object(body);
  if (auto* rejected = std::get_if<Rejection>(&object)) return *rejected;
  auto shoot = read_shoot_id(std::get<json>(object));
  if (auto* rejected = std::get_if<Rejection>(&shoot)) return *rejected;
  DownloadRequest request{std::get<std::string>(shoot), {}};
  const json* keys = present_member(std::get<json>(object), "keys");
  if (!keys || !keys->is_array() || keys->empty() || keys->size() > kMaxBatchFiles) {
    return invalid_request("keys", "keys must be an array of 1 to 100 object keys.");
  }
  for (const json& key : *keys) {
    if (!key.is_string() || key.get<std::string>().empty() || key.get<std::string>().size() > 1024) {
      return invalid_request("keys", "Each key must be a non-empty string of at most 1024 bytes.");
    }
    request.keys.push_back(key.get<std::string>());
  }
  return request;
}

}  // namespace upgate
