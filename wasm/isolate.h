// State the core keeps for the life of one isolate (one wasm instance): the validated configuration and
// what is derived from it once, so no request pays for it again.
#pragma once
#include <optional>

#include "config.h"

namespace upgate {

struct IsolateState {
  Config config;
  bool configured = false;
};

IsolateState& isolate_state();

}  // namespace upgate
