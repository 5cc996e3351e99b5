#include "app/dispatch.h"

#include <exception>

#include "app/check_files.h"
#include "app/cleanup.h"
#include "app/gateway.h"
#include "app/isolate.h"
#include "app/processing.h"
#include "app/routes.h"
#include "ledger/ledger.h"
#include "probes/probes.h"
#include "protocol/call_facts.h"
#include "protocol/conversation.h"
#include "uploads/upload_request.h"
#include "util/json.h"

namespace upgate {

namespace {

json error_answer(const std::string& message) { return json{{"error", message}}; }

json configure(const json& call) {
  configure_isolate(call);
  const Config& config = isolate_state().config;
  // Every POST under /api/ reads a JSON body, so the shim may read it before the first call and save a step.
  const json prefetch{{"method", "POST"}, {"path_prefix", "/api/"}, {"limit", kMaxJsonBodyBytes}};
  return json{{"ok", config.usable()},
              {"env", config.app_env},
              {"problems", config.problems},
              {"notes", config.notes},
              {"prefetch_body", prefetch}};
}

Answer route_call(const json& call) {
  const std::string op = string_field(call, "op");
  if (op == "configure") return Answer::of(configure(call));
  if (op == "check_files") return Answer::of(check_files(call));  // for clients; needs no configuration
  if (!isolate_state().configured) return Answer::of(error_answer("configure must be called first"));
  if (op == "scheduled") return start_scheduled(call);
  if (op == "queue") return start_queue(call);
  if (op == "close") return Answer::of(close_conversation(call));
  if (auto answer = probe_call(op, call)) return Answer::of(*answer);
  return Answer::of(error_answer("unknown op"));
}

// "http", the call every request starts with, "ledger", the call every ledger operation starts with, and
// "resume", every later step of a conversation, are decoded without a tree (protocol/call_facts.h); the other
// ops are still read as one.
std::optional<Answer> route_without_tree(std::string_view input) {
  if (!isolate_state().configured) return std::nullopt;
  std::optional<DecodedCall> call = decode_call(input);
  if (!call) return Answer::of(error_answer("input is not a JSON object"));
  if (call->op == "http") return start_http(std::move(call->facts));
  if (call->op == "ledger") return ledger::start_ledger(std::move(call->facts), call->request_text);
  if (call->op == "resume") return resume_conversation(call->handle, std::move(call->results));
  return std::nullopt;
}

}  // namespace

std::string dispatch(std::string_view input) {
  // The core's own code returns errors as values; this catch is the last line against a library throwing
  // (nlohmann on an unexpected type, Crypto++ on a bad key length), so one request cannot take the isolate down.
  try {
    if (std::optional<Answer> answer = route_without_tree(input)) return std::move(*answer).wire();
    auto call = parse_json(input);
    if (!call || !call->is_object()) return to_text(error_answer("input is not a JSON object"));
    return route_call(*call).wire();
  } catch (const std::exception& failure) {
    return to_text(json{{"error", "internal"}, {"detail", failure.what()}});
  }
}

}  // namespace upgate
