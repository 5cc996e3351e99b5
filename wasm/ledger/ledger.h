// The shoot ledger (contract 1, 3, 5.5): the authority for one shoot — its owner, its uploads, its assets and
// its audit trail — kept in the SQLite database of the shoot's Durable Object. The same core that serves the
// Worker runs inside the object and makes every decision there; the object only runs the SQL the core asks
// for, all of one operation inside one transaction (shim/ledger.js), so the decisions on a shoot happen one
// at a time and each one's writes land together or not at all.
//
//   {"op": "ledger", "request": {"op", "shootId", "actor"?: {"sub", "admin"}, "requestId", "now", ...}, "entropy"}
//     -> a conversation answer whose effects are "sql" statements, ending in {"done": true, "result": {...}}
//
// The operations, their fields and their answers are listed in wasm/protocol/PROTOCOL.md; the Worker side
// builds them with ledger/client.h.
#pragma once
#include <string_view>

#include "protocol/answer.h"
#include "protocol/exchange.h"

namespace upgate::ledger {

// facts: the call's entropy (its time is the request's "now"); request: the operation's JSON text.
Answer start_ledger(CallFacts facts, std::string_view request);

}  // namespace upgate::ledger
