// The Worker's side of the ledger: the effect that runs one operation in a shoot's Durable Object, and what
// its answer means. The operations and their fields are in wasm/protocol/PROTOCOL.md.
#pragma once
#include <optional>
#include <string>

#include "http/errors.h"
#include "protocol/exchange.h"
#include "util/json.h"

namespace upgate::ledger {

// Who asks: the caller's sub and whether they are an admin; the ledger decides what they may do.
struct Actor {
  std::string sub;
  bool admin = false;
};

// {"type": "ledger", "shootId", "request": {"op", "shootId", "actor", "requestId", "now", ...fields}}; the shim
// answers {"ok": true, "result": {...}} or {"ok": false, "error"} when the object or its storage failed.
// "now" is the time the request reasons with (the cron's scheduled time, say): the ledger decides with it.
json operation_effect(const std::string& op, const std::string& shoot_id, const std::optional<Actor>& actor,
                      const std::string& request_id, int64_t now_ms, json fields = json::object());

// The contract error a refused operation names ({"refused": "<code>"}); nullopt when it was not refused.
std::optional<Rejection> refusal_of(const json& result);

// An item's {"error": "<code>"} as the contract's rejection (the catalogue's sentence).
Rejection item_rejection(const json& item);

}  // namespace upgate::ledger
