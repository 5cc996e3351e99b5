// Loading a shoot for a caller (contract section 3): only its owner or an admin may act on it.
#pragma once
#include <optional>
#include <string>

#include "context.h"

namespace upgate {

struct ShootAccess {
  std::optional<Step> stop;  // when set, the handler returns it: nullopt while loading, or the refusal
  json shoot;                // the stored record, when allowed
};

// 404 shoot_not_found for an id that is not stored (or cannot be one), 403 not_shoot_owner for someone
// else's shoot, 503 storage_unavailable when KV fails.
ShootAccess load_owned_shoot(Context& context, const std::string& shoot_id, const jwt::Claims& caller);

}  // namespace upgate
