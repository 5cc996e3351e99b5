// The core's single entry point: one JSON request in, one JSON answer out (see abi.cpp for the memory side).
//
//   {"op": "configure", "env": {...}, "rate_limiter_bound": bool, "bindings": {...}?, "openapi": "<document text>"}
//                                                 -> {"ok", "env", "problems": [...], "notes": [...],
//                                                     "prefetch_body": {"method", "path_prefix", "limit"}}
//     prefetch_body: requests it covers may carry "body" (a read_body result) in their first "http" call.
//   {"op": "http", "request": {...}, "now", "entropy"}   -> a conversation (conversation.h, gateway.h)
//   {"op": "scheduled", "now"}                           -> a conversation (conversation.h, cleanup.h)
//   {"op": "resume", "handle", "results"} / {"op": "close", "handle"}
//
// A final HTTP answer's response bodies follow the JSON, each after a NUL byte; "body" holds its index.
//   {"op": "digest", "algorithm": "sha256" | "hmac-sha256", "data_hex", "key_hex"?}  -> {"hex"}
//   {"op": "sigv4_presign", "access_key_id", "secret_access_key", "method", "host", "path", "headers": {...},
//    "now_seconds", "expires"}                    -> {"url": "/path?query", "signature"}
//   {"op": "jwt_verify", "token", "now_seconds", "results": {id: bool}}
//                                                 -> {"kind", "reason", "claims"?, "check"?}
//   {"op": "routes"}                              -> {"routes": [{"path", "method"}, ...]}
// digest, sigv4_presign, jwt_verify and routes expose the engines to the Worker tests
// (tests/worker/fixtures/core-probe.js); the Worker's routes never call them.
//
// Unknown ops and malformed input answer {"error": "..."}; nothing here throws past this function.
#pragma once
#include <string>
#include <string_view>

namespace upgate {

std::string dispatch(std::string_view input);

}  // namespace upgate
