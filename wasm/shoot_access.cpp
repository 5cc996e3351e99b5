#include "shoot_access.h"

#include "auth.h"
#include "naming.h"
#include "records.h"
#include "request_body.h"

namespace upgate {

ShootAccess load_owned_shoot(Context& context, const std::string& shoot_id, const jwt::Claims& caller) {
  const auto missing = [&shoot_id] {
    return error_response(404, "shoot_not_found", "No shoot with this id.", json{{"shootId", shoot_id}});
  };
  if (!naming::is_valid_shoot_id(shoot_id)) return {Step(missing()), json()};
  EffectResult stored = context.exchange.perform(effects::kv_get(records::shoot_key(shoot_id)));
  if (!stored.ready()) return {Step(std::nullopt), json()};
  if (!stored.ok()) return {Step(storage_unavailable("kv_get shoot failed")), json()};
  auto shoot = parse_json(string_field(stored.value(), "value"));
  if (!shoot || !shoot->is_object()) return {Step(missing()), json()};
  if (!may_act_on(caller, string_field(*shoot, "owner"))) {
    return {Step(error_response(403, "not_shoot_owner", "Only the shoot's owner or an admin may do this.")), json()};
  }
  return {std::nullopt, std::move(*shoot)};
}

}  // namespace upgate
