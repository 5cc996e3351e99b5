// POST /api/shoots and GET /api/shoots/{shootId} (contract section 3): shoots are owned by their creator.
#include "app/auth.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/shoot_access.h"
#include "uploads/records.h"
#include "uploads/upload_request.h"
#include "util/clock.h"

namespace upgate {

Task<Response> handle_create_shoot(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  auto parsed = parse_create_shoot_request(start.value().body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  const std::string& shoot_id = std::get<std::string>(parsed);

  const EffectResult existing = co_await context.exchange.perform_one(read_shoot(shoot_id));
  if (!existing.ok()) co_return storage_unavailable("kv_get shoot failed");
  if (!member_of(existing.value(), "value").is_null()) {
    co_return reject(Error::ShootExists).with("shootId", shoot_id);
  }
  const json shoot{{"shootId", shoot_id},
                   {"owner", start.value().caller.sub},
                   {"createdAt", clock::iso8601(context.exchange.now_ms())}};
  std::vector<json> writes{effects::kv_put(records::shoot_key(shoot_id), shoot)};
  co_return commit(json_response(201, shoot), std::move(writes));
}

Task<Response> handle_get_shoot(Context& context) {
  Result<jwt::Claims> caller = co_await require_caller(context);
  if (!caller) co_return std::move(caller.refusal());
  Result<json> shoot = co_await load_owned_shoot(context, context.route_params.at(0), caller.value());
  if (!shoot) co_return std::move(shoot.refusal());
  co_return json_response(200, shoot.value());
}

}  // namespace upgate
