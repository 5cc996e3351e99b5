// Decoding a first call's facts (CallFacts, exchange.h): the request, the time, the shim's entropy and a body
// the shim read ahead.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/exchange.h"
#include "util/json.h"

namespace upgate {

// A call read from its text without building a tree: its op ("" when it has none), the facts a first call
// brings, and what a "resume" carries: the conversation's handle and the effects' results, each kept as text.
struct DecodedCall {
  std::string op;
  CallFacts facts;
  int64_t handle = 0;
  std::vector<EffectResult> results;
  // The "request" member exactly as it stands, a view of the decoded text: an "http" call's is read into
  // facts.request; a "ledger" call's is the operation, which the ledger reads itself (ledger/ledger.h).
  std::string_view request_text;
};
// nullopt when the text is not a well-formed JSON object.
std::optional<DecodedCall> decode_call(std::string_view text);

// The time and the entropy of a call already parsed: the ops still read as a tree (scheduled, queue)
// bring no HTTP request and no body.
CallFacts call_facts_of(const json& call);

}  // namespace upgate
