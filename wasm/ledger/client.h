// The Worker's side of the ledger: the effect that runs one operation in a shoot's Durable Object, and what
// its answer means. The operations and their fields are in wasm/protocol/PROTOCOL.md.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/errors.h"
#include "protocol/exchange.h"
#include "uploads/upload_session.h"
#include "util/json.h"
#include "util/json_writer.h"

namespace upgate::ledger {

// Who asks: the caller's sub and whether they are an admin; the ledger decides what they may do.
struct Actor {
  std::string sub;
  bool admin = false;
};

// {"type": "ledger", "shootId", "request": "<JSON text of {op, shootId, actor, requestId, now, ...fields}>"}; the
// shim answers {"ok": true, "result": "<JSON text of the operation's answer>"} or {"ok": false, "error"} when the
// object or its storage failed. Request and result cross as strings: the shim and the Durable Object's RPC only
// carry them, so no JavaScript parses, clones or re-serialises their members on the way.
// "now" is the time the request reasons with (the cron's scheduled time, say): the ledger decides with it.
// The request is written as text: an operation's own fields are written into it by `fields`, after the common
// ones, or come from a tree.
using FieldWriter = std::function<void(JsonWriter&)>;
Effect operation_effect(const std::string& op, const std::string& shoot_id, const std::optional<Actor>& actor,
                        const std::string& request_id, int64_t now_ms, const FieldWriter& fields);
Effect operation_effect(const std::string& op, const std::string& shoot_id, const std::optional<Actor>& actor,
                        const std::string& request_id, int64_t now_ms, const json& fields = json::object());

// What the shim answered, read off its text: the operation's result (its JSON text) when ok, else the error.
struct Answered {
  bool ok = false;
  std::string error;   // when not ok
  std::string result;  // the operation's answer, JSON text
};
Answered read_answered(std::string_view text);
// The operation's answer as a tree, for the cron and the queue consumer; null when the call failed or the
// answer is not JSON.
json result_tree(const EffectResult& answered);

// A refused operation's result: {"refused": "<code>", "field"?, "message"?, "detail"?} read off its text.
struct Refusal {
  Rejection rejection;
  std::string detail;  // for the log line only
};
// nullopt when the result is not a refusal.
std::optional<Refusal> refusal_of(std::string_view result);

// An item's {"error": "<code>"} as the contract's rejection (the catalogue's sentence).
Rejection item_rejection(const json& item);

// presign's answer (ledger/uploads.cpp), read off its text on the Worker's hot path:
// {"uploads": [{"upload", "duplicateOf"?, "parts"?} | {"error"}], "indexWork"}.
struct PresignItem {
  std::optional<UploadSession> upload;  // absent when refused
  std::string duplicate_of;             // "" when none
  json parts;                           // a multipart upload asked for again: its stored parts (else null)
  Rejection refused;                    // why not, when no upload
};
struct PresignDecision {
  std::vector<PresignItem> items;
  bool index_work = false;
};
// nullopt when the text is not such an answer.
std::optional<PresignDecision> read_presign_decision(std::string_view result);

}  // namespace upgate::ledger
