// The core's single entry point: one JSON request in, one JSON answer out (see abi.cpp for the memory side).
//
//   {"op": "configure", "env": {...}}           -> {"ok", "env", "problems": [...], "notes": [...]}
//   {"op": "http", "request": {...}, "now", "entropy", "results", "memo"}  -> see gateway.h
//   {"op": "digest", "algorithm": "sha256" | "hmac-sha256", "data_hex", "key_hex"?}  -> {"hex"}
//
// Unknown ops and malformed input answer {"error": "..."}; nothing here throws past this function.
#pragma once
#include <string>
#include <string_view>

namespace upgate {

std::string dispatch(std::string_view input);

}  // namespace upgate
