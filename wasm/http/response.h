// A response as the core decides it; gateway.cpp adds the headers every response carries.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/json.h"

namespace upgate {

struct Response {
  int status = 200;
  json body;  // null: no body (204)
  // A body that is not JSON (S3's XML answers), sent as it is with its content type; body stays null.
  std::optional<std::string> text;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the log line only; never sent to the client.
  std::string log_level = "info";
  std::string log_detail;
  // Writes the response depends on (see commit in request_body.h): the shim performs them and sends the
  // response if all succeed, without another round trip; otherwise the answer is 503 storage_unavailable.
  std::vector<json> commit;
  // A body the shim streams from R2 instead of one the core wrote: that object's bytes from offset, length
  // of them (GET /download). The core has set the status and every header already.
  struct Stream {
    std::string key;
    int64_t offset = 0;
    int64_t length = 0;
  };
  std::optional<Stream> stream;

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  bool has_header(std::string_view name) const {
    for (const auto& [present, value] : headers) {
      if (present == name) return true;
    }
    return false;
  }
};

inline Response json_response(int status, json body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

constexpr const char* kJsonContentType = "application/json; charset=utf-8";

// A JSON body written as text already (util/json_writer.h), for an answer on a hot path: no tree to build and dump.
inline Response json_text_response(int status, std::string text) {
  Response response;
  response.status = status;
  response.text = std::move(text);
  response.content_type = kJsonContentType;
  return response;
}

}  // namespace upgate
