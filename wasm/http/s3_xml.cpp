#include "http/s3_xml.h"

namespace upgate::s3_xml {

namespace {

std::string escaped(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string element(const char* name, const std::string& text) {
  return std::string("<") + name + ">" + escaped(text) + "</" + name + ">";
}

std::string document(const char* root, const std::string& children) {
  return std::string(R"(<?xml version="1.0" encoding="UTF-8"?>)") + "\n<" + root +
         R"( xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)" + children + "</" + root + ">";
}

// S3 writes ETags quoted, in headers and in XML alike.
std::string quoted(const std::string& etag) { return "\"" + etag + "\""; }

}  // namespace

std::string initiate_result(const std::string& bucket, const std::string& key, const std::string& upload_id) {
  return document("InitiateMultipartUploadResult",
                  element("Bucket", bucket) + element("Key", key) + element("UploadId", upload_id));
}

std::string list_parts_result(const std::string& bucket, const std::string& key, const std::string& upload_id,
                              const json& parts) {
  std::string children = element("Bucket", bucket) + element("Key", key) + element("UploadId", upload_id) +
                         element("PartNumberMarker", "0");
  int64_t last = 0;
  std::string listed;
  for (const json& part : parts) {
    last = integer_field(part, "partNumber");
    listed += "<Part>" + element("PartNumber", std::to_string(last)) +
              element("ETag", quoted(string_field(part, "etag"))) +
              element("Size", std::to_string(integer_field(part, "size"))) + "</Part>";
  }
  children += element("NextPartNumberMarker", std::to_string(last)) + element("MaxParts", "10000") +
              element("IsTruncated", "false") + listed;
  return document("ListPartsResult", children);
}

std::string complete_result(const std::string& location, const std::string& bucket, const std::string& key,
                            const std::string& etag) {
  return document("CompleteMultipartUploadResult", element("Location", location) + element("Bucket", bucket) +
                                                       element("Key", key) + element("ETag", quoted(etag)));
}

std::string error_document(const std::string& code, const std::string& message, const std::string& request_id) {
  return std::string(R"(<?xml version="1.0" encoding="UTF-8"?>)") + "\n<Error>" + element("Code", code) +
         element("Message", message) + element("RequestId", request_id) + "</Error>";
}

Response as_s3_error(Response response, const std::string& request_id) {
  const json& error = member_of(response.body, "error");
  if (!error.is_object()) return response;
  std::string message = string_field(error, "message");
  // S3's error document has no field for parts_missing's list: the sentence names them.
  if (const json& missing = member_of(error, "missing"); missing.is_array() && !missing.empty()) {
    std::string numbers;
    for (const json& number : missing) numbers += (numbers.empty() ? "" : ", ") + to_text(number);
    message += " Missing parts: " + numbers + ".";
  }
  response.text = error_document(string_field(error, "code"), message, request_id);
  response.content_type = kContentType;
  response.body = json();
  return response;
}

}  // namespace upgate::s3_xml
