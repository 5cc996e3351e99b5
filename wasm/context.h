// What a route handler works with: the exchange (request, time, effects), the configuration and the
// per-isolate state of the core.
#pragma once
#include <optional>
#include <string>

#include "config.h"
#include "exchange.h"
#include "response.h"

namespace upgate {

struct IsolateState;

struct Context {
  Exchange& exchange;
  const Config& config;
  IsolateState& isolate;
  std::string request_id;
  std::string sub;  // the authenticated caller, once known (for the log and the rate-limit key)
  std::vector<std::pair<std::string, std::string>> extra_headers;  // added to whatever response results
};

// nullopt: the handler is waiting for effects (see exchange.h).
using Step = std::optional<Response>;
using Handler = Step (*)(Context&);

}  // namespace upgate
