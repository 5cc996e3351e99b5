// The Worker's own module has no probe ops (probes.cpp): every such op is "unknown op".
#include "probes/probes.h"

namespace upgate {

std::optional<json> probe_call(const std::string&, const json&) { return std::nullopt; }

}  // namespace upgate
