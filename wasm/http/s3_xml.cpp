#include "http/s3_xml.h"

#include <cstdint>
#include <utility>

#include "util/encoding.h"

namespace upgate::s3_xml {

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

namespace {

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

namespace {

// The end of the open tag <name …> or <name/> starting at `at` (which points at '<'), and whether it closes
// itself; npos when the tag there is not of this name.
struct OpenTag {
  size_t end = std::string_view::npos;  // one past '>'
  bool empty = false;
};

OpenTag open_tag_at(std::string_view xml, size_t at, std::string_view name) {
  const size_t after_name = at + 1 + name.size();
  if (xml.compare(at + 1, name.size(), name) != 0 || after_name >= xml.size()) return {};
  const char next = xml[after_name];
  if (next != '>' && next != '/' && next != ' ' && next != '\t' && next != '\n' && next != '\r') return {};
  const size_t close = xml.find('>', after_name);
  if (close == std::string_view::npos) return {};
  return {close + 1, xml[close - 1] == '/'};
}

// The code point of a numeric reference's digits ("#34", "#x22"); nullopt when malformed or out of range.
std::optional<uint32_t> numeric_reference(std::string_view digits) {
  if (digits.size() < 2 || digits[0] != '#') return std::nullopt;
  const bool hex = digits[1] == 'x' || digits[1] == 'X';
  const std::string_view number = digits.substr(hex ? 2 : 1);
  if (number.empty() || number.size() > 8) return std::nullopt;
  uint32_t code = 0;
  for (char c : number) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (hex && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return std::nullopt;
    code = code * (hex ? 16 : 10) + static_cast<uint32_t>(digit);
  }
  if (code == 0 || code > 0x10FFFF) return std::nullopt;
  return code;
}

}  // namespace

std::vector<std::string_view> elements_named(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> found;
  const std::string closing = "</" + std::string(name) + ">";
  size_t at = xml.find('<');
  while (at != std::string_view::npos) {
    const OpenTag tag = open_tag_at(xml, at, name);
    if (tag.end == std::string_view::npos) {
      at = xml.find('<', at + 1);
      continue;
    }
    if (tag.empty) {
      found.emplace_back();
      at = xml.find('<', tag.end);
      continue;
    }
    const size_t close = xml.find(closing, tag.end);
    if (close == std::string_view::npos) break;  // unterminated: nothing more to trust
    found.push_back(xml.substr(tag.end, close - tag.end));
    at = xml.find('<', close + closing.size());
  }
  return found;
}

std::optional<std::string> text_of(std::string_view xml, std::string_view name) {
  const auto found = elements_named(xml, name);
  if (found.empty()) return std::nullopt;
  return decoded(found.front());
}

std::string decoded(std::string_view text) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t end = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (end == std::string_view::npos || end - i > 12) {
      out += text[i];
      continue;
    }
    const std::string_view reference = text.substr(i + 1, end - i - 1);
    bool replaced = false;
    for (const auto& [entity, character] : kEntities) {
      if (reference == entity) {
        out += character;
        replaced = true;
      }
    }
    if (auto code = replaced ? std::nullopt : numeric_reference(reference)) {
      encoding::append_utf8(out, *code);
      replaced = true;
    }
    if (!replaced) {
      out += text[i];
      continue;
    }
    i = end;
  }
  return out;
}

}  // namespace upgate::s3_xml
