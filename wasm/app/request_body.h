// Reading a JSON request body through the shim, capped at 64 KiB (413 payload_too_large beyond), and the
// responses that depend on storage (503 storage_unavailable, responses that wait on their writes).
#pragma once
#include <string>
#include <vector>

#include "app/context.h"
#include "http/result.h"

namespace upgate {

// The body text: the one the shim read up front, or read now.
Task<Result<std::string>> read_request_body(Context& context);

Response storage_unavailable(const std::string& detail);

// A response that depends on writes: sent as soon as they all succeed, or, when the shim reports a failed
// one, replaced by 503 storage_unavailable (the gateway does that; see Response::commit).
Response commit(Response response, std::vector<json> writes);

}  // namespace upgate
