// The HTTP pipeline: request id, configuration gate, CORS, routing, and the headers every response carries.
#pragma once
#include "json.h"

namespace upgate {

// One step of an HTTP exchange (see exchange.h, conversation.h). Answers {"effects", "memo"} while I/O is
// outstanding; {"effects", "memo", "then"} when the response only waits on its writes; else
// {"response": {"status", "headers", "body"}, "log": {...}}.
json handle_http(const json& call);

}  // namespace upgate
