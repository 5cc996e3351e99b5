// A conversation's answer to the shim, kept as text from the start: its JSON, and the response bodies that
// travel after it, each behind a NUL byte, where the JSON's "body" is that body's index (PROTOCOL.md). JSON
// text never holds a raw NUL, so the split is unambiguous, and a body crosses as it is rather than escaped.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "util/json.h"

namespace upgate {

struct Answer {
  std::string text;                 // the JSON
  std::vector<std::string> bodies;  // the response bodies "body" indexes

  // An answer with no bodies (a cron run's, a queue batch's, a configure or probe call's), from its tree.
  static Answer of(const json& value) { return Answer{to_text(value), {}}; }

  // What the shim reads: the JSON, then each body behind a NUL.
  std::string wire() && {
    std::string wire = std::move(text);
    for (const std::string& body : bodies) {
      wire += '\0';
      wire += body;
    }
    return wire;
  }
};

}  // namespace upgate
