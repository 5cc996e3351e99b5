#include "ledger/client.h"

namespace upgate::ledger {

json operation_effect(const std::string& op, const std::string& shoot_id, const std::optional<Actor>& actor,
                      const std::string& request_id, int64_t now_ms, json fields) {
  fields["op"] = op;
  fields["now"] = now_ms;
  fields["shootId"] = shoot_id;
  fields["requestId"] = request_id;
  if (actor) fields["actor"] = json{{"sub", actor->sub}, {"admin", actor->admin}};
  return json{{"type", "ledger"}, {"shootId", shoot_id}, {"request", std::move(fields)}};
}

namespace {
Rejection rejection_named(const std::string& code) {
  // A code the catalogue lacks would be a ledger bug: the request is refused as unserviceable, not crashed.
  return reject(error_named(code).value_or(Error::StorageUnavailable));
}
}  // namespace

std::optional<Rejection> refusal_of(const json& result) {
  const std::string code = string_field(result, "refused");
  if (code.empty()) return std::nullopt;
  Rejection rejection = rejection_named(code);
  const std::string field = string_field(result, "field");
  if (!field.empty()) rejection = std::move(rejection).with("field", field).saying("The " + field + " is not valid.");
  if (const std::string message = string_field(result, "message"); !message.empty()) {
    rejection = std::move(rejection).saying(message);
  }
  return rejection;
}

Rejection item_rejection(const json& item) {
  Rejection rejection = rejection_named(string_field(item, "error"));
  // parts_missing names the part numbers (contract 5.2).
  if (const json* missing = present_member(item, "missing")) rejection = std::move(rejection).with("missing", *missing);
  return rejection;
}

}  // namespace upgate::ledger
