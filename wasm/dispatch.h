// The core's single entry point: one JSON request in, one JSON answer out (see abi.cpp for the memory side).
//
//   {"op": "configure", "env": {...}, "rate_limiter_bound": bool, "openapi": "<document text>"}
//                                                 -> {"ok", "env", "problems": [...], "notes": [...]}
//   {"op": "http", "request": {...}, "now", "entropy", "results", "memo"}  -> see gateway.h
//   {"op": "scheduled", "now", "results", "memo"}  -> see cleanup.h
//   {"op": "digest", "algorithm": "sha256" | "hmac-sha256", "data_hex", "key_hex"?}  -> {"hex"}
//   {"op": "sigv4_presign", "access_key_id", "secret_access_key", "method", "host", "path", "headers": {...},
//    "now_seconds", "expires"}                    -> {"url": "/path?query", "signature"}
//   {"op": "jwt_verify", "token", "now_seconds", "results": {id: bool}}
//                                                 -> {"kind", "reason", "claims"?, "check"?}
//   {"op": "routes"}                              -> {"routes": [{"path", "method"}, ...]}
// digest, sigv4_presign, jwt_verify and routes expose the engines to the Worker tests (tests/worker/fixtures/core-probe.js);
// the Worker's routes never call them.
//
// Unknown ops and malformed input answer {"error": "..."}; nothing here throws past this function.
#pragma once
#include <string>
#include <string_view>

namespace upgate {

std::string dispatch(std::string_view input);

}  // namespace upgate
