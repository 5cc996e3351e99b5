// POST /api/shoots and GET /api/shoots/{shootId} (contract section 3): shoots are owned by their creator.
#include "auth.h"
#include "clock.h"
#include "naming.h"
#include "records.h"
#include "request_body.h"
#include "routes.h"
#include "upload_request.h"

namespace upgate {

Step handle_create_shoot(Context& context) {
  Authentication auth = authenticate(context);
  if (auth.state == Authentication::State::Pending) return std::nullopt;
  if (auth.state == Authentication::State::Invalid) return unauthorized(auth.reason);
  RequestBody body = read_request_body(context);
  if (body.state == RequestBody::State::Pending) return std::nullopt;
  if (body.state == RequestBody::State::Refused) return body.refusal;
  auto parsed = parse_create_shoot_request(body.text);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) return rejected->to_response();
  const std::string& shoot_id = std::get<std::string>(parsed);

  EffectResult existing = context.exchange.perform(effects::kv_get(records::shoot_key(shoot_id)));
  if (!existing.ready()) return std::nullopt;
  if (!existing.ok()) return storage_unavailable("kv_get shoot failed");
  if (!existing.value()["value"].is_null()) {
    return error_response(409, "shoot_exists", "A shoot with this id already exists.", json{{"shootId", shoot_id}});
  }
  const json shoot{{"shootId", shoot_id}, {"owner", auth.claims.sub},
                   {"createdAt", clock::iso8601(context.exchange.now_ms())}};
  EffectResult written = context.exchange.perform(effects::kv_put(records::shoot_key(shoot_id), shoot));
  if (!written.ready()) return std::nullopt;
  if (!written.ok()) return storage_unavailable("kv_put shoot failed");
  return json_response(201, shoot);
}

Step handle_get_shoot(Context& context) {
  Authentication auth = authenticate(context);
  if (auth.state == Authentication::State::Pending) return std::nullopt;
  if (auth.state == Authentication::State::Invalid) return unauthorized(auth.reason);
  const std::string& shoot_id = context.route_params.at(0);
  Response missing = error_response(404, "shoot_not_found", "No shoot with this id.", json{{"shootId", shoot_id}});
  if (!naming::is_valid_shoot_id(shoot_id)) return missing;

  EffectResult stored = context.exchange.perform(effects::kv_get(records::shoot_key(shoot_id)));
  if (!stored.ready()) return std::nullopt;
  if (!stored.ok()) return storage_unavailable("kv_get shoot failed");
  const auto shoot = parse_json(string_field(stored.value(), "value"));
  if (!shoot || !shoot->is_object()) return missing;
  if (!may_act_on(auth.claims, string_field(*shoot, "owner"))) {
    return error_response(403, "not_shoot_owner", "Only the shoot's owner or an admin may do this.");
  }
  return json_response(200, *shoot);
}

}  // namespace upgate
