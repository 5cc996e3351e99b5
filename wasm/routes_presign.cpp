// POST /api/uploads/presign (contract section 5): single or batch; each valid file gets an upload session in
// KV and an entry in the cleanup index before its URL is returned.
#include "auth.h"
#include "clock.h"
#include "crypto.h"
#include "isolate.h"
#include "records.h"
#include "request_body.h"
#include "routes.h"
#include "shoot_access.h"
#include "throttle.h"
#include "upload_request.h"
#include "upload_url.h"

namespace upgate {

namespace {

// Distinct per file of a batch and stable across the replayed steps of one request.
std::string upload_id_for(const std::string& entropy, size_t index) {
  return "up_" + crypto::sha256_hex(entropy + ":" + std::to_string(index)).substr(0, 32);
}

json session_record(const std::string& upload_id, const std::string& shoot_id, const FileRequest& file,
                    const std::string& owner, int64_t now_ms, const UploadUrl& url) {
  return json{{"uploadId", upload_id},
              {"key", records::object_key(shoot_id, file.filename)},
              {"shootId", shoot_id},
              {"filename", file.filename},
              {"owner", owner},
              {"contentType", file.content_type},
              {"size", file.size},
              {"sha256", file.sha256},
              {"createdAtMs", now_ms},
              {"expiresAt", clock::iso8601(url.expires_at_ms)},
              {"state", "pending"}};
}

json presign_answer(const std::string& upload_id, const std::string& key, const UploadUrl& url) {
  json headers = json::object();
  for (const auto& [name, value] : url.headers) headers[name] = value;
  return json{{"uploadId", upload_id}, {"key", key},     {"method", "PUT"},
              {"url", url.url},        {"headers", headers}, {"expiresAt", clock::iso8601(url.expires_at_ms)}};
}

// Refuses files whose key already holds a completed upload, unless they ask to replace it. Returns false
// while the asset lookups are outstanding.
bool refuse_existing(Context& context, const std::string& shoot_id,
                     std::vector<std::variant<FileRequest, Rejection>>& files, std::optional<Response>& failure) {
  std::vector<std::pair<size_t, EffectResult>> lookups;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto* file = std::get_if<FileRequest>(&files[i]);
    if (!file || file->replace) continue;
    const std::string key = records::asset_key(records::object_key(shoot_id, file->filename));
    lookups.emplace_back(i, context.exchange.perform(effects::kv_get(key)));
  }
  for (const auto& lookup : lookups) {
    if (!lookup.second.ready()) return false;
  }
  for (auto& [index, lookup] : lookups) {
    if (!lookup.ok()) {
      failure = storage_unavailable("kv_get asset failed");
      return true;
    }
    if (!member_of(lookup.value(), "value").is_null()) {
      files[index] = Rejection{409, "already_exists",
                               "A completed upload already holds this file name; send \"replace\": true to replace it.",
                               json{{"filename", std::get<FileRequest>(files[index]).filename}}};
    }
  }
  return true;
}

}  // namespace

Step handle_presign(Context& context) {
  AuthenticatedRequest start = require_caller_and_body(context);
  if (start.stop) return *start.stop;

  const Config& config = context.config;
  const int64_t now_ms = context.exchange.now_ms();
  auto parsed = parse_presign_request(start.body, config.max_upload_bytes, now_ms / 1000);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) return rejected->to_response();
  PresignRequest& request = std::get<PresignRequest>(parsed);
  if (auto spent = spend_rate_limit(context, static_cast<int64_t>(request.files.size()) - 1)) return *spent;

  // The shoot and the asset records are looked up in the same round: one KV round trip instead of two.
  ShootAccess access = load_owned_shoot(context, request.shoot_id, start.caller);
  const bool shoot_loading = access.stop && !access.stop->has_value();
  if (access.stop && !shoot_loading) return *access.stop;
  std::optional<Response> failure;
  const bool assets_known = refuse_existing(context, request.shoot_id, request.files, failure);
  if (shoot_loading || !assets_known) return std::nullopt;
  if (failure) return failure;

  json answers = json::array();
  std::vector<EffectResult> writes;
  const RequestFacts& facts = context.exchange.request();
  for (size_t i = 0; i < request.files.size(); ++i) {
    if (const auto* rejected = std::get_if<Rejection>(&request.files[i])) {
      answers.push_back(json{{"filename", request.declared_filenames[i]}, {"error", rejected->to_error_object()}});
      continue;
    }
    const FileRequest& file = std::get<FileRequest>(request.files[i]);
    const std::string upload_id = upload_id_for(context.exchange.entropy(), i);
    const std::string key = records::object_key(request.shoot_id, file.filename);
    const UploadUrl url = presign_upload(config, facts.scheme, facts.host, {upload_id, key, file.content_type, file.size, file.sha256},
                                         now_ms, context.isolate.signing_keys);
    const json session = session_record(upload_id, request.shoot_id, file, start.caller.sub, now_ms, url);
    writes.push_back(context.exchange.perform(
        effects::kv_put(records::session_key(upload_id), session, records::kPendingSessionTtlSeconds)));
    const json entry{{"uploadId", upload_id}, {"key", key}};
    writes.push_back(context.exchange.perform(effects::kv_put(records::cleanup_key(now_ms, upload_id), entry,
                                                              records::kPendingSessionTtlSeconds, entry)));
    answers.push_back(presign_answer(upload_id, key, url));
  }
  // No URL goes out unless its session and cleanup entry were written.
  if (!request.batch) {
    if (const auto* rejected = std::get_if<Rejection>(&request.files[0])) return rejected->to_response();
    return after_writes(json_response(200, answers[0]), writes);
  }
  return after_writes(json_response(200, json{{"uploads", answers}}), writes);
}

}  // namespace upgate
