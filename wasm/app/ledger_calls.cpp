#include "app/ledger_calls.h"

#include "app/request_body.h"
#include "uploads/records.h"

namespace upgate {

ledger::Actor actor_of(const jwt::Claims& caller) { return ledger::Actor{caller.sub, caller.is_admin()}; }

namespace {
std::optional<ledger::Actor> actor_or_none(const jwt::Claims* caller) {
  if (caller == nullptr) return std::nullopt;
  return actor_of(*caller);
}
}  // namespace

Effect ledger_operation(const Context& context, const std::string& op, const std::string& shoot_id,
                        const jwt::Claims* caller, const json& fields) {
  return ledger::operation_effect(op, shoot_id, actor_or_none(caller), context.request_id, context.exchange.now_ms(),
                                  fields);
}

Result<std::string> ledger_result_text(const EffectResult& answered, const std::optional<RefusalSubject>& subject) {
  const ledger::Answered read = ledger::read_answered(answered.text());
  if (!read.ok) return storage_unavailable("ledger failed: " + read.error);
  if (auto refusal = ledger::refusal_of(read.result)) {
    Rejection rejection = std::move(refusal->rejection);
    const bool about_a_record = rejection.status == 404 || rejection.status == 409 || rejection.status == 410;
    if (subject && about_a_record) rejection = std::move(rejection).with(subject->field, subject->value);
    Response response = rejection.to_response();
    if (!refusal->detail.empty()) response.log_detail = std::move(refusal->detail);
    return response;
  }
  return std::string(read.result);
}

Result<json> ledger_result(const EffectResult& answered, const std::optional<RefusalSubject>& subject) {
  Result<std::string> text = ledger_result_text(answered, subject);
  if (!text) return std::move(text.refusal());
  return parse_json(text.value()).value_or(json());
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
      co_await context.exchange.perform_one(ledger_operation(context, op, shoot_id, caller, fields));
  co_return ledger_result(answered, subject);
}

Task<Result<std::string>> ask_ledger_text(Context& context, const std::string& op, const std::string& shoot_id,
                                          const jwt::Claims& caller, ledger::FieldWriter fields) {
  Effect effect =
      ledger::operation_effect(op, shoot_id, actor_of(caller), context.request_id, context.exchange.now_ms(), fields);
  EffectResult answered = co_await context.exchange.perform_one(std::move(effect));
  co_return ledger_result_text(answered, RefusalSubject{"shootId", shoot_id});
}

std::vector<json> work_index_writes(bool index_work, const std::string& shoot_id) {
  std::vector<json> writes;
  if (index_work) writes.push_back(effects::kv_put(records::work_key(shoot_id), 1, records::kWorkIndexTtlSeconds));
  return writes;
}

std::vector<json> work_index_writes(const json& answer, const std::string& shoot_id) {
  return work_index_writes(bool_field(answer, "indexWork"), shoot_id);
}

}  // namespace upgate
