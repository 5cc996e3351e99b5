// POST /api/uploads/presign (contract 5.1): single or batch. Each valid file becomes the upload pending on its
// object key — the same upload again when it was asked for before with the same declaration, else a new one
// that cancels the old — and no URL goes out before its session, the key's pending record and its cleanup
// index entry are written.
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
#include "upload_session.h"
#include "upload_url.h"

namespace upgate {

namespace {

// Distinct per file of a batch and stable across the replayed steps of one request.
std::string upload_id_for(const std::string& entropy, size_t index) {
  return records::kUploadIdPrefix + crypto::sha256_hex(entropy + ":" + std::to_string(index)).substr(0, 32);
}

json presign_answer(const UploadSession& session, const UploadUrl& url) {
  json headers = json::object();
  for (const auto& [name, value] : url.headers) headers[name] = value;
  return json{{"uploadId", session.upload_id}, {"key", session.key},     {"method", "PUT"},
              {"url", url.url},                {"headers", headers}, {"expiresAt", clock::iso8601(url.expires_at_ms)}};
}

// What KV says about one file's key: whether a completed upload holds it, and which upload is pending on it.
struct KeyState {
  EffectResult asset{nullptr};
  EffectResult pending{nullptr};
};

std::vector<KeyState> look_up_keys(Context& context, const std::string& shoot_id,
                                   const std::vector<std::variant<FileRequest, Rejection>>& files) {
  std::vector<KeyState> states(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    const auto* file = std::get_if<FileRequest>(&files[i]);
    if (!file) continue;
    const std::string key = records::object_key(shoot_id, file->filename);
    states[i].asset = context.exchange.perform(effects::kv_get(records::asset_key(key)));
    states[i].pending = context.exchange.perform(effects::kv_get(records::pending_key(key)));
  }
  return states;
}

// The session a file gets: the pending one again when declared the same way (a fresh window and URL), or a
// new one. A new one writes beside a completed file it replaces (records::staging_key), never over it.
UploadSession session_for(const FileRequest& file, const std::optional<UploadSession>& pending, bool key_holds_asset,
                          const std::string& shoot_id, const std::string& owner, const std::string& new_id,
                          int64_t now_ms) {
  const std::string key = records::object_key(shoot_id, file.filename);
  if (pending && pending->state == UploadSession::State::Pending && !pending->abandoned_at(now_ms) &&
      pending->declared_as(file) && pending->replaces() == key_holds_asset) {
    UploadSession again = *pending;
    again.presigned_at_ms = now_ms;
    return again;
  }
  UploadSession session;
  session.upload_id = new_id;
  session.key = key;
  session.object_key = key_holds_asset ? records::staging_key(new_id, file.filename) : key;
  session.shoot_id = shoot_id;
  session.filename = file.filename;
  session.owner = owner;
  session.content_type = file.content_type;
  session.size = file.size;
  session.sha256 = file.sha256;
  session.created_at_ms = now_ms;
  session.presigned_at_ms = now_ms;
  return session;
}

Rejection already_exists(const FileRequest& file) {
  return Rejection{409, "already_exists",
                   "A completed upload already holds this file name; send \"replace\": true to replace it.",
                   json{{"filename", file.filename}}};
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

  // The shoot and every key's records are looked up in the same round: one KV round trip instead of two.
  ShootAccess access = load_owned_shoot(context, request.shoot_id, start.caller);
  const bool shoot_loading = access.stop && !access.stop->has_value();
  if (access.stop && !shoot_loading) return *access.stop;
  const std::vector<KeyState> keys = look_up_keys(context, request.shoot_id, request.files);
  if (context.exchange.suspended()) return std::nullopt;
  for (const auto& state : keys) {
    if (state.asset.ready() && (!state.asset.ok() || !state.pending.ok())) {
      return storage_unavailable("kv_get asset or pending upload failed");
    }
  }

  json answers = json::array();
  std::vector<EffectResult> writes;
  const RequestFacts& facts = context.exchange.request();
  const std::string owner = string_field(access.shoot, "owner");
  for (size_t i = 0; i < request.files.size(); ++i) {
    if (const auto* file = std::get_if<FileRequest>(&request.files[i])) {
      const bool key_holds_asset = !member_of(keys[i].asset.value(), "value").is_null();
      if (key_holds_asset && !file->replace) request.files[i] = already_exists(*file);
    }
    if (const auto* rejected = std::get_if<Rejection>(&request.files[i])) {
      answers.push_back(json{{"filename", request.declared_filenames[i]}, {"error", rejected->to_error_object()}});
      continue;
    }
    const FileRequest& file = std::get<FileRequest>(request.files[i]);
    const bool key_holds_asset = !member_of(keys[i].asset.value(), "value").is_null();
    const auto pending = UploadSession::from_kv_value(keys[i].pending.value());
    UploadSession session = session_for(file, pending, key_holds_asset, request.shoot_id, owner,
                                        upload_id_for(context.exchange.entropy(), i), now_ms);
    if (pending && pending->upload_id != session.upload_id && pending->state == UploadSession::State::Pending) {
      UploadSession cancelled = *pending;
      cancelled.state = UploadSession::State::Cancelled;
      writes.push_back(context.exchange.perform(effects::kv_put(
          records::session_key(cancelled.upload_id), cancelled.to_json(), records::kPendingSessionTtlSeconds)));
    }
    const UploadUrl url = presign_upload(config, facts.scheme, facts.host, session, now_ms, context.isolate.signing_keys);
    session.url_expires_at_ms = url.expires_at_ms;
    const json record = session.to_json();
    writes.push_back(context.exchange.perform(
        effects::kv_put(records::session_key(session.upload_id), record, records::kPendingSessionTtlSeconds)));
    writes.push_back(context.exchange.perform(
        effects::kv_put(records::pending_key(session.key), record, records::kPendingSessionTtlSeconds)));
    const json entry{{"uploadId", session.upload_id}, {"key", session.key}, {"objectKey", session.object_key}};
    writes.push_back(context.exchange.perform(effects::kv_put(records::cleanup_key(now_ms, session.upload_id), entry,
                                                              records::kPendingSessionTtlSeconds, entry)));
    answers.push_back(presign_answer(session, url));
  }
  // No URL goes out unless its records were written.
  if (!request.batch) {
    if (const auto* rejected = std::get_if<Rejection>(&request.files[0])) return rejected->to_response();
    return after_writes(json_response(200, answers[0]), writes);
  }
  return after_writes(json_response(200, json{{"uploads", answers}}), writes);
}

}  // namespace upgate
