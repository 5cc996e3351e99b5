#include "isolate.h"

namespace upgate {

IsolateState& isolate_state() {
  static IsolateState state;
  return state;
}

}  // namespace upgate
