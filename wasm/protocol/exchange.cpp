#include "protocol/exchange.h"

#include "util/encoding.h"
#include "util/json_reader.h"
#include "util/text.h"

namespace upgate {

std::string RequestFacts::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

std::string RequestFacts::query_parameter(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t equals = pair.find('=');
    if (pair.substr(0, equals) != name) continue;
    if (equals == std::string_view::npos) return "";
    return encoding::uri_decode(pair.substr(equals + 1)).value_or("");
  }
  return "";
}

EffectResult EffectResult::from_text(std::string_view text) {
  EffectResult result;
  result.text_ = text;
  return result;
}

bool EffectResult::ok() const {
  if (parsed_) return bool_field(*parsed_, "ok");
  // Read off the text without a tree: most results are only ever asked this.
  JsonReader reader(text_);
  bool ok = false;
  reader.object([&](std::string_view key) {
    if (key == "ok") {
      ok = reader.boolean().value_or(false);
    } else {
      reader.skip();
    }
  });
  return ok && reader.finished();
}

const json& EffectResult::value() const {
  if (!parsed_) parsed_ = parse_json(text_).value_or(json());
  return *parsed_;
}

std::string_view EffectResult::text() const {
  if (text_.empty() && parsed_) text_ = to_text(*parsed_);
  return text_;
}

json EffectResult::take_member(const char* name) && {
  value();
  return upgate::take_member(*parsed_, name);
}

Exchange::Exchange(CallFacts facts)
    : request_(std::move(facts.request)),
      now_ms_(facts.now_ms),
      entropy_(std::move(facts.entropy)),
      prefetched_body_(std::move(facts.prefetched_body)) {}

Task<EffectResult> Exchange::perform_one(Effect effect) {
  std::vector<Effect> round;
  round.push_back(std::move(effect));
  std::vector<EffectResult> results = co_await perform(std::move(round));
  co_return results.empty() ? EffectResult() : std::move(results.front());
}

Task<EffectResult> Exchange::perform_one(const json& effect) { return perform_one(Effect::of(effect)); }

namespace {
// read_body and verify_signature are the shim's own work, not calls to a binding, nor is a webhook's outbound
// fetch; r2_copy is two (a get and a put); a ledger operation is one Durable Object call.
int64_t binding_calls_of(std::string_view type) {
  if (type == "r2_copy") return 2;
  const bool binding = type.rfind("kv_", 0) == 0 || type.rfind("r2_", 0) == 0 || type.rfind("queue_", 0) == 0 ||
                       type == "rate_limiter" || type == "ledger";
  return binding ? 1 : 0;
}
}  // namespace

Exchange::Round Exchange::perform(const std::vector<json>& effects) {
  std::vector<Effect> encoded;
  encoded.reserve(effects.size());
  for (const json& effect : effects) encoded.push_back(Effect::of(effect));
  return perform(std::move(encoded));
}

int64_t Exchange::count_binding_calls(const std::vector<Effect>& effects) {
  int64_t calls = 0;
  for (const Effect& effect : effects) calls += binding_calls_of(effect.type);
  return calls;
}

int64_t Exchange::count_binding_calls(const std::vector<json>& effects) {
  int64_t calls = 0;
  for (const json& effect : effects) calls += binding_calls_of(string_field(effect, "type"));
  return calls;
}

void Exchange::resume_with(std::vector<EffectResult> results) {
  answered_ = std::move(results);
  make_ready(std::exchange(waiting_, nullptr));
  run_ready();
}

namespace effects {
json read_body(int64_t limit) { return {{"type", "read_body"}, {"limit", limit}}; }
json kv_get(const std::string& key) { return {{"type", "kv_get"}, {"key", key}}; }
json kv_put(const std::string& key, const json& value, int64_t ttl_seconds, const json& metadata) {
  // The shim stores JSON.stringify(value): one serialisation, instead of a JSON string escaped again here.
  json effect{{"type", "kv_put"}, {"key", key}, {"value", value}};
  if (ttl_seconds > 0) effect["ttl"] = ttl_seconds;
  if (!metadata.is_null()) effect["metadata"] = metadata;
  return effect;
}
json kv_delete(const std::string& key) { return {{"type", "kv_delete"}, {"key", key}}; }
json kv_list(const std::string& prefix, const std::string& cursor, int64_t limit) {
  return {{"type", "kv_list"}, {"prefix", prefix}, {"cursor", cursor}, {"limit", limit}};
}
json r2_head(const std::string& key) { return {{"type", "r2_head"}, {"key", key}}; }
json r2_read_head(const std::string& key, int64_t length, bool sha256) {
  json effect{{"type", "r2_read_head"}, {"key", key}, {"length", length}};
  if (sha256) effect["sha256"] = true;
  return effect;
}
json r2_delete(const std::vector<std::string>& keys) { return {{"type", "r2_delete"}, {"keys", keys}}; }
json r2_list(const std::string& prefix, const std::string& cursor, int64_t limit) {
  return {{"type", "r2_list"}, {"prefix", prefix}, {"cursor", cursor}, {"limit", limit}};
}
json r2_put_body(const std::string& key, const std::string& content_type, int64_t length,
                 const std::map<std::string, std::string>& checksums, const std::string& upload_id) {
  return {{"type", "r2_put_body"},  {"key", key},           {"contentType", content_type}, {"length", length},
          {"checksums", checksums}, {"uploadId", upload_id}};
}
json r2_copy(const std::string& from, const std::string& to, const std::string& content_type,
             const std::string& upload_id) {
  return {{"type", "r2_copy"}, {"from", from}, {"to", to}, {"contentType", content_type}, {"uploadId", upload_id}};
}
json r2_multipart_create(const std::string& key, const std::string& content_type, const std::string& upload_id) {
  return {{"type", "r2_multipart_create"}, {"key", key}, {"contentType", content_type}, {"uploadId", upload_id}};
}
json r2_put_part(const std::string& key, const std::string& storage_upload_id, int64_t part_number, int64_t length,
                 const std::map<std::string, std::string>& checksums) {
  return {{"type", "r2_put_part"},     {"key", key},       {"storageUploadId", storage_upload_id},
          {"partNumber", part_number}, {"length", length}, {"checksums", checksums}};
}
json r2_multipart_complete(const std::string& key, const std::string& storage_upload_id, const json& parts) {
  return {{"type", "r2_multipart_complete"}, {"key", key}, {"storageUploadId", storage_upload_id}, {"parts", parts}};
}
json r2_multipart_abort(const std::string& key, const std::string& storage_upload_id) {
  return {{"type", "r2_multipart_abort"}, {"key", key}, {"storageUploadId", storage_upload_id}};
}
json r2_read_range(const std::string& key, int64_t offset, int64_t length) {
  return {{"type", "r2_read_range"}, {"key", key}, {"offset", offset}, {"length", length}};
}
json r2_put_blob(const std::string& key, const std::string& content_type, uint32_t blob) {
  return {{"type", "r2_put_blob"}, {"key", key}, {"contentType", content_type}, {"blob", blob}};
}
json queue_send(const json& messages) { return {{"type", "queue_send"}, {"messages", messages}}; }
json webhook_post(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  json pairs = json::array();
  for (const auto& [name, value] : headers) pairs.push_back(json::array({name, value}));
  return {{"type", "webhook_post"}, {"headers", std::move(pairs)}, {"body", body}};
}
json s3_request(const std::string& method, const std::string& url,
                const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                const std::vector<int>& ok_statuses) {
  json pairs = json::array();
  for (const auto& [name, value] : headers) pairs.push_back(json::array({name, value}));
  return {{"type", "s3_request"},        {"method", method}, {"url", url},
          {"headers", std::move(pairs)}, {"body", body},     {"okStatuses", ok_statuses}};
}
json rate_limiter(const std::string& key) { return {{"type", "rate_limiter"}, {"key", key}}; }
json verify_signature(const json& check) { return {{"type", "verify_signature"}, {"check", check}}; }
}  // namespace effects

}  // namespace upgate
