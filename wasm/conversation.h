// Open conversations between the core and the shim (see exchange.h), kept inside the wasm instance so each
// step sends only the new effect results across the boundary, not the whole request again.
//
//   first call   {"op": "http" | "scheduled", ...}           -> an answer below
//   next calls   {"op": "resume", "handle": N, "results": [...]} (results of exactly the effects asked for)
//   closing      {"op": "close", "handle": N}   (after sending a "then" answer, or when giving up)
//
// Answers: final ({"response", "log"} or {"done", "log"}), after which the conversation is closed;
// {"effects", "handle"} to perform and resume; or {"effects", "handle", "then"}: perform the effects; if every
// one succeeded, send "then" and close; otherwise resume with the results, and the core answers anew.
#pragma once
#include "json.h"

namespace upgate {

// The step function of one kind of conversation: given the call so far (request facts, time, results,
// memo), the final answer, a commit answer, or {"effects", "memo"} to wait for.
using StepFunction = json (*)(const json& call);

json start_conversation(json call, StepFunction step);
json resume_conversation(const json& resume);
json close_conversation(const json& close);

// Conversations a misbehaving shim never finished are evicted oldest first beyond this many.
constexpr size_t kMaxOpenConversations = 4096;

}  // namespace upgate
