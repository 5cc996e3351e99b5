// Loading a shoot for a caller (contract section 3): only its owner or an admin may act on it.
#pragma once
#include <string>

#include "app/context.h"
#include "http/result.h"

namespace upgate {

// The shoot record, when the caller may act on it: 404 shoot_not_found for an id that is not stored (or
// cannot be one), 403 not_shoot_owner for someone else's shoot, 503 storage_unavailable when KV fails.
Task<Result<json>> load_owned_shoot(Context& context, const std::string& shoot_id, const jwt::Claims& caller);

// The same in two halves, for a handler that reads the shoot in one round with other records: the effect
// that reads it, and the judgement of what it answered.
json read_shoot(const std::string& shoot_id);
Result<json> owned_shoot(const std::string& shoot_id, const EffectResult& stored, const jwt::Claims& caller);

}  // namespace upgate
