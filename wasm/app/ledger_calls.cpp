#include "app/ledger_calls.h"

#include "app/request_body.h"

namespace upgate {

ledger::Actor actor_of(const jwt::Claims& caller) { return ledger::Actor{caller.sub, caller.is_admin()}; }

json ledger_operation(const Context& context, const std::string& op, const std::string& shoot_id,
                      const jwt::Claims* caller, json fields) {
  std::optional<ledger::Actor> actor;
  if (caller) actor = actor_of(*caller);
  return ledger::operation_effect(op, shoot_id, actor, context.request_id, context.exchange.now_ms(),
                                  std::move(fields));
}

Result<json> ledger_result(const EffectResult& answered, const json& details) {
  if (!answered.ok()) return storage_unavailable("ledger failed: " + string_field(answered.value(), "error"));
  const json& result = member_of(answered.value(), "result");
  if (auto refusal = ledger::refusal_of(result)) {
    Rejection rejection = std::move(*refusal);
    const bool about_a_record = rejection.status == 404 || rejection.status == 409 || rejection.status == 410;
    for (const auto& [field, value] : details.items()) {
      if (about_a_record && rejection.code != catalogue_entry(Error::UploadSuperseded).code) {
        rejection = std::move(rejection).with(field.c_str(), value);
      }
    }
    Response response = rejection.to_response();
    if (const std::string detail = string_field(result, "detail"); !detail.empty()) response.log_detail = detail;
    return response;
  }
  return result;
}

Task<Result<json>> ask_ledger(Context& context, const std::string& op, const std::string& shoot_id,
                              const jwt::Claims* caller, json fields) {
  // A refusal names what it is about: the shoot, or the upload.
  json details = json::object();
  if (fields.contains("uploadId")) {
    details["uploadId"] = fields["uploadId"];
  } else {
    details["shootId"] = shoot_id;
  }
  const EffectResult answered =
      co_await context.exchange.perform_one(ledger_operation(context, op, shoot_id, caller, std::move(fields)));
  co_return ledger_result(answered, details);
}

}  // namespace upgate
