// The shoot routes (contract 3, 5.6): POST /api/shoots (atomic: the ledger decides), GET /api/shoots (the
// caller's list, from KV's index, which may lag), GET /api/shoots/{shootId} (with exact stats).
#include "app/auth.h"
#include "app/ledger_calls.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "naming/naming.h"
#include "uploads/records.h"
#include "uploads/upload_request.h"

namespace upgate {

namespace {
constexpr int64_t kShootsPerPage = 100;

Response missing_shoot(const std::string& shoot_id) { return reject(Error::ShootNotFound).with("shootId", shoot_id); }
}  // namespace

Task<Response> handle_create_shoot(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  auto parsed = parse_create_shoot_request(start.value().body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  const CreateShootRequest& request = std::get<CreateShootRequest>(parsed);
  const jwt::Claims& caller = start.value().caller;

  json fields = json::object();
  if (!request.title.empty()) fields["title"] = request.title;
  Result<json> created = co_await ask_ledger(context, "createShoot", request.shoot_id, &caller, std::move(fields));
  if (!created) co_return std::move(created.refusal());
  const json& shoot = member_of(created.value(), "shoot");
  // The shoot is the ledger's now. The caller's list is an index that may lag (contract 3): when KV fails,
  // the creation still stands, and the log says the list missed it.
  const EffectResult listed = co_await context.exchange.perform_one(effects::kv_put(
      records::owner_key(caller.sub, integer_field(created.value(), "createdAtMs"), request.shoot_id), 1, 0, shoot));
  Response response = json_response(201, shoot);
  if (!listed.ok()) {
    response.log_level = "warn";
    response.log_detail = "the caller's shoot list was not updated: " + string_field(listed.value(), "error");
  }
  co_return response;
}

Task<Response> handle_list_shoots(Context& context) {
  Result<jwt::Claims> caller = co_await require_caller(context);
  if (!caller) co_return std::move(caller.refusal());
  const std::string cursor = context.exchange.request().query_parameter("cursor");
  const EffectResult listed = co_await context.exchange.perform_one(
      effects::kv_list(records::owner_prefix(caller.value().sub), cursor, kShootsPerPage));
  if (!listed.ok()) {
    // KV refuses a cursor it did not make: that is the client's mistake, not an outage.
    if (!cursor.empty()) co_return invalid_request("cursor", "The cursor is not one this list gave out.");
    co_return storage_unavailable("kv_list shoots failed");
  }
  json shoots = json::array();
  for (const json& entry : member_of(listed.value(), "keys")) {
    if (member_of(entry, "metadata").is_object()) shoots.push_back(member_of(entry, "metadata"));
  }
  json answer{{"shoots", std::move(shoots)}};
  if (const std::string next = string_field(listed.value(), "cursor"); !next.empty()) answer["cursor"] = next;
  co_return json_response(200, std::move(answer));
}

Task<Response> handle_get_shoot(Context& context) {
  Result<jwt::Claims> caller = co_await require_caller(context);
  if (!caller) co_return std::move(caller.refusal());
  const std::string& shoot_id = context.route_params.at(0);
  if (!naming::is_valid_shoot_id(shoot_id)) co_return missing_shoot(shoot_id);
  Result<json> shoot = co_await ask_ledger(context, "getShoot", shoot_id, &caller.value());
  if (!shoot) co_return std::move(shoot.refusal());
  co_return json_response(200, member_of(shoot.value(), "shoot"));
}

}  // namespace upgate
