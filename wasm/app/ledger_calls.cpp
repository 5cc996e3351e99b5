#include "app/ledger_calls.h"

#include "app/request_body.h"
#include "uploads/records.h"

namespace upgate {

ledger::Actor actor_of(const jwt::Claims& caller) { return ledger::Actor{caller.sub, caller.is_admin()}; }

json ledger_operation(const Context& context, const std::string& op, const std::string& shoot_id,
                      const jwt::Claims* caller, json fields) {
  std::optional<ledger::Actor> actor;
  if (caller) actor = actor_of(*caller);
  return ledger::operation_effect(op, shoot_id, actor, context.request_id, context.exchange.now_ms(),
                                  std::move(fields));
}

Result<json> ledger_result(EffectResult answered, const std::optional<RefusalSubject>& subject) {
  if (!answered.ok()) return storage_unavailable("ledger failed: " + string_field(answered.value(), "error"));
  const json& result = member_of(answered.value(), "result");
  if (auto refusal = ledger::refusal_of(result)) {
    Rejection rejection = std::move(*refusal);
    const bool about_a_record = rejection.status == 404 || rejection.status == 409 || rejection.status == 410;
    if (subject && about_a_record) rejection = std::move(rejection).with(subject->field, subject->value);
    Response response = rejection.to_response();
    if (const std::string detail = string_field(result, "detail"); !detail.empty()) response.log_detail = detail;
    return response;
  }
  return std::move(answered).take_member("result");
}

Task<Result<json>> ask_ledger(Context& context, const std::string& op, const std::string& shoot_id,
                              const jwt::Claims* caller, json fields) {
  // A caller's refusal names what it is about: the upload, or the shoot. The Worker's own checks (no caller:
  // the PUT's writer) name nothing to whoever holds the URL.
  std::optional<RefusalSubject> subject;
  if (caller) {
    subject = fields.contains("uploadId") ? RefusalSubject{"uploadId", string_field(fields, "uploadId")}
                                          : RefusalSubject{"shootId", shoot_id};
  }
  EffectResult answered =
      co_await context.exchange.perform_one(ledger_operation(context, op, shoot_id, caller, std::move(fields)));
  co_return ledger_result(std::move(answered), subject);
}

std::vector<json> work_index_writes(const json& answer, const std::string& shoot_id) {
  std::vector<json> writes;
  if (bool_field(answer, "indexWork")) {
    writes.push_back(effects::kv_put(records::work_key(shoot_id), 1, records::kWorkIndexTtlSeconds));
  }
  return writes;
}

}  // namespace upgate
