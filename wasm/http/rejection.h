// A refusal that already knows its HTTP status: what request validation returns and handlers turn into
// the contract's error body.
#pragma once
#include <string>

#include "util/json.h"
#include "http/response.h"

namespace upgate {

struct Rejection {
  int status = 400;
  std::string code;
  std::string message;
  json details = json::object();

  Response to_response() const { return error_response(status, code, message, details); }
  // The {"code", "message", ...} object a batch entry carries.
  json to_error_object() const {
    json error{{"code", code}, {"message", message}};
    for (const auto& [key, value] : details.items()) error[key] = value;
    return error;
  }
};

inline Rejection invalid_request(const std::string& field, const std::string& message) {
  return Rejection{400, "invalid_request", message, json{{"field", field}}};
}

}  // namespace upgate
