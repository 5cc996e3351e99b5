// POST /api/uploads/presign (contract 5.1): single or batch. Each valid file becomes the upload pending on its
// object key — the same upload again when it was asked for before with the same declaration, else a new one
// that cancels the old — and no URL goes out before its session, the key's pending record and its cleanup
// index entry are written.
#include "app/auth.h"
#include "app/isolate.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/shoot_access.h"
#include "app/throttle.h"
#include "crypto/crypto.h"
#include "uploads/records.h"
#include "uploads/upload_request.h"
#include "uploads/upload_session.h"
#include "uploads/upload_url.h"
#include "util/clock.h"

namespace upgate {

namespace {

// Distinct per file of a batch and stable across the replayed steps of one request.
std::string upload_id_for(const std::string& entropy, size_t index) {
  return records::kUploadIdPrefix + crypto::sha256_hex(entropy + ":" + std::to_string(index)).substr(0, 32);
}

json presign_answer(const UploadSession& session, const UploadUrl& url) {
  json headers = json::object();
  for (const auto& [name, value] : url.headers) headers[name] = value;
  return json{{"uploadId", session.upload_id},
              {"key", session.key},
              {"method", "PUT"},
              {"url", url.url},
              {"headers", headers},
              {"expiresAt", clock::iso8601(url.expires_at_ms)}};
}

// What KV says about one file's key: whether a completed upload holds it, and which upload is pending on it.
struct KeyState {
  bool holds_asset = false;
  std::optional<UploadSession> pending;
};

// One round: the shoot, and each valid file's asset and pending records.
struct Lookups {
  EffectResult shoot;
  std::vector<KeyState> keys;  // per file of the request; empty for a refused file
  bool failed = false;
};

Task<Lookups> look_up(Context& context, const PresignRequest& request) {
  std::vector<json> round{read_shoot(request.shoot_id)};
  for (const auto& entry : request.files) {
    const auto* file = std::get_if<FileRequest>(&entry);
    if (!file) continue;
    const std::string key = records::object_key(request.shoot_id, file->filename);
    round.push_back(effects::kv_get(records::asset_key(key)));
    round.push_back(effects::kv_get(records::pending_key(key)));
  }
  const std::vector<EffectResult> results = co_await context.exchange.perform(std::move(round));
  Lookups lookups{results[0], std::vector<KeyState>(request.files.size()), false};
  size_t next = 1;
  for (size_t i = 0; i < request.files.size(); ++i) {
    if (!std::holds_alternative<FileRequest>(request.files[i])) continue;
    const EffectResult& asset = results[next++];
    const EffectResult& pending = results[next++];
    lookups.failed = lookups.failed || !asset.ok() || !pending.ok();
    lookups.keys[i] =
        KeyState{!member_of(asset.value(), "value").is_null(), UploadSession::from_kv_value(pending.value())};
  }
  co_return lookups;
}

// The session a file gets: the pending one again when declared the same way (a fresh window and URL), or a
// new one. A new one writes beside a completed file it replaces (records::staging_key), never over it.
UploadSession session_for(const FileRequest& file, const KeyState& state, const std::string& shoot_id,
                          const std::string& owner, const std::string& new_id, int64_t now_ms) {
  const std::string key = records::object_key(shoot_id, file.filename);
  const bool key_holds_asset = state.holds_asset;
  const std::optional<UploadSession>& pending = state.pending;
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
  return reject(Error::AlreadyExists).with("filename", file.filename);
}

}  // namespace

Task<Response> handle_presign(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());

  const Config& config = context.config;
  const int64_t now_ms = context.exchange.now_ms();
  auto parsed = parse_presign_request(start.value().body, config.max_upload_bytes, now_ms / 1000);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  PresignRequest& request = std::get<PresignRequest>(parsed);
  if (auto spent = spend_rate_limit(context, static_cast<int64_t>(request.files.size()) - 1))
    co_return std::move(*spent);

  const Lookups lookups = co_await look_up(context, request);
  Result<json> shoot = owned_shoot(request.shoot_id, lookups.shoot, start.value().caller);
  if (!shoot) co_return std::move(shoot.refusal());
  if (lookups.failed) co_return storage_unavailable("kv_get asset or pending upload failed");

  json answers = json::array();
  std::vector<json> writes;
  const RequestFacts& facts = context.exchange.request();
  const std::string owner = string_field(shoot.value(), "owner");
  for (size_t i = 0; i < request.files.size(); ++i) {
    if (const auto* file = std::get_if<FileRequest>(&request.files[i])) {
      if (lookups.keys[i].holds_asset && !file->replace) request.files[i] = already_exists(*file);
    }
    if (const auto* rejected = std::get_if<Rejection>(&request.files[i])) {
      answers.push_back(json{{"filename", request.declared_filenames[i]}, {"error", rejected->to_error_object()}});
      continue;
    }
    const FileRequest& file = std::get<FileRequest>(request.files[i]);
    const std::optional<UploadSession>& pending = lookups.keys[i].pending;
    UploadSession session = session_for(file, lookups.keys[i], request.shoot_id, owner,
                                        upload_id_for(context.exchange.entropy(), i), now_ms);
    if (pending && pending->upload_id != session.upload_id && pending->state == UploadSession::State::Pending) {
      UploadSession cancelled = *pending;
      cancelled.state = UploadSession::State::Cancelled;
      writes.push_back(effects::kv_put(records::session_key(cancelled.upload_id), cancelled.to_json(),
                                       records::kPendingSessionTtlSeconds));
    }
    const UploadUrl url =
        presign_upload(config, facts.scheme, facts.host, session, now_ms, context.isolate.signing_keys);
    session.url_expires_at_ms = url.expires_at_ms;
    const json record = session.to_json();
    writes.push_back(
        effects::kv_put(records::session_key(session.upload_id), record, records::kPendingSessionTtlSeconds));
    writes.push_back(effects::kv_put(records::pending_key(session.key), record, records::kPendingSessionTtlSeconds));
    const json entry{{"uploadId", session.upload_id}, {"key", session.key}, {"objectKey", session.object_key}};
    writes.push_back(effects::kv_put(records::cleanup_key(now_ms, session.upload_id), entry,
                                     records::kPendingSessionTtlSeconds, entry));
    answers.push_back(presign_answer(session, url));
  }
  // No URL goes out unless its records were written.
  if (!request.batch) {
    if (const auto* rejected = std::get_if<Rejection>(&request.files[0])) co_return rejected->to_response();
    co_return commit(json_response(200, answers[0]), std::move(writes));
  }
  co_return commit(json_response(200, json{{"uploads", answers}}), std::move(writes));
}

}  // namespace upgate
