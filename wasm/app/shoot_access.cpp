#include "app/shoot_access.h"

#include "app/auth.h"
#include "app/request_body.h"
#include "naming/naming.h"
#include "uploads/records.h"

namespace upgate {

namespace {
Response missing(const std::string& shoot_id) { return reject(Error::ShootNotFound).with("shootId", shoot_id); }
}  // namespace

json read_shoot(const std::string& shoot_id) { return effects::kv_get(records::shoot_key(shoot_id)); }

Result<json> owned_shoot(const std::string& shoot_id, const EffectResult& stored, const jwt::Claims& caller) {
  if (!stored.ok()) return storage_unavailable("kv_get shoot failed");
  const json& shoot = member_of(stored.value(), "value");
  if (!shoot.is_object()) return missing(shoot_id);
  if (!may_act_on(caller, string_field(shoot, "owner"))) return reject(Error::NotShootOwner);
  return shoot;
}

Task<Result<json>> load_owned_shoot(Context& context, const std::string& shoot_id, const jwt::Claims& caller) {
  if (!naming::is_valid_shoot_id(shoot_id)) co_return missing(shoot_id);
  const EffectResult stored = co_await context.exchange.perform_one(read_shoot(shoot_id));
  co_return owned_shoot(shoot_id, stored, caller);
}

}  // namespace upgate
