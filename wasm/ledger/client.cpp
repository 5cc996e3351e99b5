#include "ledger/client.h"

#include "util/json_reader.h"

namespace upgate::ledger {

Effect operation_effect(const std::string& op, const std::string& shoot_id, const std::optional<Actor>& actor,
                        const std::string& request_id, int64_t now_ms, const FieldWriter& fields) {
  JsonWriter request;
  request.begin_object().key("op").string(op).key("now").integer(now_ms).key("shootId").string(shoot_id);
  request.key("requestId").string(request_id);
  if (actor) {
    request.key("actor").begin_object().key("sub").string(actor->sub).key("admin").boolean(actor->admin);
    request.end_object();
  }
  fields(request);
  request.end_object();
  const std::string request_text = std::move(request).text();
  JsonWriter out(request_text.size() + request_text.size() / 4 + 64);
  out.begin_object().key("type").string("ledger").key("shootId").string(shoot_id);
  out.key("request").string(request_text).end_object();
  return Effect{"ledger", std::move(out).text()};
}

Effect operation_effect(const std::string& op, const std::string& shoot_id, const std::optional<Actor>& actor,
                        const std::string& request_id, int64_t now_ms, const json& fields) {
  return operation_effect(op, shoot_id, actor, request_id, now_ms, [&](JsonWriter& out) {
    if (!fields.is_object()) return;
    for (const auto& [name, value] : fields.items()) out.key(name).raw(to_text(value));
  });
}

Answered read_answered(std::string_view text) {
  Answered answered;
  bool result_is_text = true;
  JsonReader reader(text);
  reader.object([&](std::string_view key) {
    if (key == "ok") {
      answered.ok = reader.boolean().value_or(false);
    } else if (key == "error") {
      answered.error = reader.string().value_or("");
    } else if (key == "result") {
      std::optional<std::string> written = reader.string();
      result_is_text = written.has_value();
      answered.result = std::move(written).value_or("");
    } else {
      reader.skip();
    }
  });
  if (!reader.finished()) return Answered{false, "the ledger's answer was not JSON", {}};
  if (!result_is_text) return Answered{false, "the ledger's result was not JSON text", {}};
  return answered;
}

json result_tree(const EffectResult& answered) {
  const Answered read = read_answered(answered.text());
  if (!read.ok) return json();
  return parse_json(read.result).value_or(json());
}

namespace {
Rejection rejection_named(std::string_view code) {
  // A code the catalogue lacks would be a ledger bug: the request is refused as unserviceable, not crashed.
  return reject(error_named(code).value_or(Error::StorageUnavailable));
}
}  // namespace

std::optional<Refusal> refusal_of(std::string_view result) {
  std::string code;
  std::string field;
  std::string message;
  std::string detail;
  JsonReader reader(result);
  reader.object([&](std::string_view key) {
    std::string* text = key == "refused"   ? &code
                        : key == "field"   ? &field
                        : key == "message" ? &message
                        : key == "detail"  ? &detail
                                           : nullptr;
    if (text == nullptr) {
      reader.skip();
    } else {
      *text = reader.string().value_or("");
    }
  });
  if (code.empty()) return std::nullopt;
  Rejection rejection = rejection_named(code);
  if (!field.empty()) rejection = std::move(rejection).with("field", field).saying("The " + field + " is not valid.");
  if (!message.empty()) rejection = std::move(rejection).saying(message);
  return Refusal{std::move(rejection), std::move(detail)};
}

Rejection item_rejection(const json& item) {
  Rejection rejection = rejection_named(string_field(item, "error"));
  // parts_missing names the part numbers (contract 5.2).
  if (const json* missing = present_member(item, "missing")) rejection = std::move(rejection).with("missing", *missing);
  return rejection;
}

namespace {
PresignItem read_presign_item(JsonReader& reader) {
  PresignItem item;
  std::string error;
  reader.object([&](std::string_view key) {
    if (key == "upload") {
      item.upload = UploadSession::read(reader);
    } else if (key == "duplicateOf") {
      item.duplicate_of = reader.string().value_or("");
    } else if (key == "parts") {
      item.parts = parse_json(reader.raw()).value_or(json());
    } else if (key == "error") {
      error = reader.string().value_or("");
    } else {
      reader.skip();
    }
  });
  if (!item.upload) item.refused = rejection_named(error);
  return item;
}
}  // namespace

std::optional<PresignDecision> read_presign_decision(std::string_view result) {
  PresignDecision decision;
  JsonReader reader(result);
  reader.object([&](std::string_view key) {
    if (key == "uploads") {
      reader.array([&] { decision.items.push_back(read_presign_item(reader)); });
    } else if (key == "indexWork") {
      decision.index_work = reader.boolean().value_or(false);
    } else {
      reader.skip();
    }
  });
  if (!reader.finished()) return std::nullopt;
  return decision;
}

}  // namespace upgate::ledger
