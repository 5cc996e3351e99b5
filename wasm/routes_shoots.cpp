// POST /api/shoots and GET /api/shoots/{shootId} (contract section 3): shoots are owned by their creator.
#include "auth.h"
#include "clock.h"
#include "records.h"
#include "request_body.h"
#include "routes.h"
#include "shoot_access.h"
#include "upload_request.h"

namespace upgate {

Step handle_create_shoot(Context& context) {
  AuthenticatedRequest start = require_caller_and_body(context);
  if (start.stop) return *start.stop;
  auto parsed = parse_create_shoot_request(start.body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) return rejected->to_response();
  const std::string& shoot_id = std::get<std::string>(parsed);

  EffectResult existing = context.exchange.perform(effects::kv_get(records::shoot_key(shoot_id)));
  if (!existing.ready()) return std::nullopt;
  if (!existing.ok()) return storage_unavailable("kv_get shoot failed");
  if (!member_of(existing.value(), "value").is_null()) {
    return error_response(409, "shoot_exists", "A shoot with this id already exists.", json{{"shootId", shoot_id}});
  }
  const json shoot{{"shootId", shoot_id}, {"owner", start.caller.sub},
                   {"createdAt", clock::iso8601(context.exchange.now_ms())}};
  EffectResult written = context.exchange.perform(effects::kv_put(records::shoot_key(shoot_id), shoot));
  return after_writes(json_response(201, shoot), {written});
}

Step handle_get_shoot(Context& context) {
  AuthenticatedRequest start = require_caller(context);
  if (start.stop) return *start.stop;
  ShootAccess access = load_owned_shoot(context, context.route_params.at(0), start.caller);
  if (access.stop) return *access.stop;
  return json_response(200, access.shoot);
}

}  // namespace upgate
