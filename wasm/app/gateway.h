// The HTTP pipeline: request id, configuration gate, CORS, routing, and the headers every response carries.
#pragma once
#include "protocol/answer.h"
#include "protocol/exchange.h"
#include "util/json.h"

namespace upgate {

// Starts the conversation for {"op": "http", ...} (conversation.h): its answer is {"effects", "handle"} while
// I/O is outstanding, {"effects", "handle", "then"} when the response only waits on its writes, else
// {"response": {"status", "headers", "body"}, "log": "<JSON text of the line>"}.
Answer start_http(CallFacts facts);

}  // namespace upgate
