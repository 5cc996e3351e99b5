// Reading a JSON request body through the shim, capped at 64 KiB (413 payload_too_large beyond).
#pragma once
#include <string>

#include "context.h"

namespace upgate {

struct RequestBody {
  enum class State { Pending, Ready, Refused } state = State::Pending;
  std::string text;   // when Ready
  Response refusal;   // when Refused
};

RequestBody read_request_body(Context& context);

Response storage_unavailable(const std::string& detail);

}  // namespace upgate
