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

json route_call(json call) {
  const std::string op = string_field(call, "op");
  if (op == "configure") return configure(call);
  if (op == "check_files") return check_files(call);  // for clients; needs no configuration
  if (!isolate_state().configured) return error_answer("configure must be called first");
  if (op == "http") return start_http(call);
  if (op == "scheduled") return start_scheduled(call);
  if (op == "queue") return start_queue(call);
  if (op == "ledger") return ledger::start_ledger(call);
  if (op == "resume") return resume_conversation(std::move(call));
  if (op == "close") return close_conversation(call);
  if (auto answer = probe_call(op, call)) return std::move(*answer);
  return error_answer("unknown op");
}

}  // namespace

namespace {
// Response bodies travel after the answer, each behind a NUL byte, instead of as escaped strings inside it:
// "body" becomes the body's index. (JSON text never contains a raw NUL, so the split is unambiguous.)
std::string encode_answer(json answer) {
  std::vector<std::string> bodies;
  for (json* part : {&answer, answer.contains("then") ? &answer["then"] : nullptr}) {
    if (!part || !part->contains("response")) continue;
    json& body = (*part)["response"]["body"];
    if (!body.is_string()) continue;
    bodies.push_back(body.get<std::string>());
    body = bodies.size() - 1;
  }
  std::string wire = to_text(answer);
  for (const auto& body : bodies) {
    wire += '\0';
    wire += body;
  }
  return wire;
}
}  // namespace

std::string dispatch(std::string_view input) {
  auto call = parse_json(input);
  if (!call || !call->is_object()) return to_text(error_answer("input is not a JSON object"));
  // The core's own code returns errors as values; this catch is the last line against a library throwing
  // (nlohmann on an unexpected type, Crypto++ on a bad key length), so one request cannot take the isolate down.
  try {
    return encode_answer(route_call(std::move(*call)));
  } catch (const std::exception& failure) {
    return to_text(json{{"error", "internal"}, {"detail", failure.what()}});
  }
}

}  // namespace upgate
