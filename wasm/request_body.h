// Reading a JSON request body through the shim, capped at 64 KiB (413 payload_too_large beyond), and the
// responses that depend on storage (503 storage_unavailable, responses that wait on their writes).
#pragma once
#include <string>
#include <vector>

#include "context.h"

namespace upgate {

struct RequestBody {
  enum class State { Pending, Ready, Refused } state = State::Pending;
  std::string text;   // when Ready
  Response refusal;   // when Refused
};

RequestBody read_request_body(Context& context);

Response storage_unavailable(const std::string& detail);

// A response that depends on writes: sent as soon as they all succeed (the shim closes the conversation),
// or, when the shim reports a failed one, replaced by 503 storage_unavailable. writes: the effects the
// handler performed for it in this step.
Response after_writes(Response response, const std::vector<EffectResult>& writes);

}  // namespace upgate
