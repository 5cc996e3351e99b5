// Ops that expose the core's engines to the Worker tests and the bench, built only into their module
// (build/wasm/upgate-probe.wasm): digest, sigv4_presign, jwt_verify, routes (see protocol/PROTOCOL.md).
// Each executable links exactly one of probes.cpp and no_probes.cpp.
#pragma once
#include <optional>
#include <string>

#include "util/json.h"

namespace upgate {

// The probe's answer, or nullopt when op is not a probe op (or this build has none).
std::optional<json> probe_call(const std::string& op, const json& call);

}  // namespace upgate
