#include "uploads/sign_request.h"

#include "naming/naming.h"
#include "uploads/records.h"
#include "uploads/upload_request.h"
#include "util/text.h"

namespace upgate {

namespace {

Rejection invalid_operation() {
  return invalid_request("request.method",
                         "request must be an S3 PutObject, CreateMultipartUpload, UploadPart, ListParts, "
                         "CompleteMultipartUpload or AbortMultipartUpload.");
}

// Which S3 operation a method and its fields are.
std::variant<S3Operation, Rejection> operation_of(const std::string& method, bool has_upload_id, bool has_part) {
  if (method == "PUT" && !has_upload_id && !has_part) return S3Operation::PutObject;
  if (method == "PUT" && has_upload_id && has_part) return S3Operation::UploadPart;
  if (has_part) return invalid_operation();
  if (method == "POST")
    return has_upload_id ? S3Operation::CompleteMultipartUpload : S3Operation::CreateMultipartUpload;
  if (method == "GET" && has_upload_id) return S3Operation::ListParts;
  if (method == "DELETE" && has_upload_id) return S3Operation::AbortMultipartUpload;
  return invalid_operation();
}

bool declares_file(S3Operation operation) {
  return operation == S3Operation::PutObject || operation == S3Operation::CreateMultipartUpload;
}

// The file a PutObject or CreateMultipartUpload declares, in the shape presign and create read.
json declaration_of(const json& body, const json& request, const std::string& filename) {
  json declaration{{"filename", filename}};
  const json* type = present_member(request, "contentType");
  // A type the extension stands for when none was sent: Uppy 6 sends none with CreateMultipartUpload.
  declaration["contentType"] = type ? *type : json(naming::content_type_for_filename(filename));
  for (const char* field : {"size", "sha256", "replace", "partSize"}) {
    if (const json* value = present_member(body, field)) declaration[field] = *value;
  }
  return declaration;
}

}  // namespace

std::variant<SignRequest, Rejection> parse_sign_request(const std::string& body) {
  auto object = parse_json_object(body);
  if (auto* rejected = std::get_if<Rejection>(&object)) return *rejected;
  const json& fields = std::get<json>(object);
  auto shoot = read_shoot_id(fields);
  if (auto* rejected = std::get_if<Rejection>(&shoot)) return *rejected;
  SignRequest sign;
  sign.shoot_id = std::get<std::string>(shoot);

  const json* request = present_member(fields, "request");
  if (!request || !request->is_object()) return invalid_request("request", "request must be an object.");
  const json* method = present_member(*request, "method");
  const json* key = present_member(*request, "key");
  if (!method || !method->is_string()) return invalid_request("request.method", "request.method must be a string.");
  if (!key || !key->is_string()) return invalid_request("request.key", "request.key must be a string.");
  sign.key = key->get<std::string>();
  const std::string prefix = records::object_key(sign.shoot_id, "");
  if (sign.key.rfind(prefix, 0) != 0 || sign.key.size() == prefix.size()) {
    return invalid_request("request.key", "request.key must be the upload's object key, " + prefix + "<filename>.");
  }
  sign.filename = sign.key.substr(prefix.size());

  const json* upload_id = present_member(*request, "uploadId");
  if (upload_id && (!upload_id->is_string() || !records::is_upload_id(upload_id->get<std::string>()) ||
                    records::shoot_of_upload(upload_id->get<std::string>()) != sign.shoot_id)) {
    return invalid_request("request.uploadId", "request.uploadId must be an upload id of this shoot.");
  }
  if (upload_id) sign.upload_id = upload_id->get<std::string>();
  const json* part = present_member(*request, "partNumber");
  if (part && (!part->is_number_integer() || part->get<int64_t>() < 1)) {
    return invalid_request("request.partNumber", "request.partNumber must be a positive integer.");
  }
  if (part) sign.part_number = part->get<int64_t>();

  auto operation = operation_of(text::ascii_upper(method->get<std::string>()), upload_id != nullptr, part != nullptr);
  if (auto* rejected = std::get_if<Rejection>(&operation)) return *rejected;
  sign.operation = std::get<S3Operation>(operation);
  if (declares_file(sign.operation)) sign.declaration = declaration_of(fields, *request, sign.filename);
  if (sign.operation == S3Operation::UploadPart) {
    if (const json* sha = present_member(fields, "sha256")) {
      const std::string digest = text::ascii_lower(sha->is_string() ? sha->get<std::string>() : "");
      if (digest.size() != 64 || !text::all_lower_hex(digest)) {
        return invalid_request("sha256", "sha256 must be 64 hexadecimal characters.");
      }
      sign.part_sha256 = digest;
    }
  }
  return sign;
}

}  // namespace upgate
