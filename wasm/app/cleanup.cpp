#include "app/cleanup.h"

#include <map>
#include <string>
#include <vector>

#include "app/isolate.h"
#include "http/request_id.h"
#include "protocol/conversation.h"
#include "protocol/exchange.h"
#include "uploads/records.h"
#include "uploads/upload_session.h"
#include "util/clock.h"

namespace upgate {

namespace {

struct Abandoned {
  std::string index_key;
  std::string upload_id;
  std::string key;         // the file's key
  std::string object_key;  // where the upload's bytes went (the key, or its staging key)
};

// "cleanup:<15-digit ms>:<uploadId>" -> the ms; -1 when the key is not of that form.
int64_t created_ms_of(const std::string& index_key) {
  const size_t start = std::string(records::kCleanupPrefix).size();
  if (index_key.size() < start + 16 || index_key[start + 15] != ':') return -1;
  int64_t value = 0;
  for (size_t i = start; i < start + 15; ++i) {
    if (index_key[i] < '0' || index_key[i] > '9') return -1;
    value = value * 10 + (index_key[i] - '0');
  }
  return value;
}

// A run that died mid-way never releases its claims; after this long they are free again.
constexpr int64_t kClaimLifetimeMs = 15 * records::kMinuteMs;

bool claim(std::map<std::string, int64_t>& claims, const std::string& name, int64_t now_ms) {
  auto it = claims.find(name);
  if (it != claims.end() && now_ms - it->second < kClaimLifetimeMs) return false;
  claims[name] = now_ms;
  return true;
}

// Entries old enough to be past the completion fence, claimed for this run unless another overlapping run
// of this isolate holds them.
std::vector<Abandoned> claim_old_entries(const Exchange& run, const json& listing,
                                         std::map<std::string, int64_t>& claims) {
  std::vector<Abandoned> entries;
  const int64_t cutoff = run.now_ms() - records::kCleanupAfterMs;
  for (const json& entry : member_of(listing, "keys")) {
    const std::string name = string_field(entry, "name");
    const int64_t created = created_ms_of(name);
    if (created < 0 || created > cutoff) continue;     // young (or foreign): not ours to touch yet
    if (!claim(claims, name, run.now_ms())) continue;  // another overlapping run has it
    const json& meta = member_of(entry, "metadata");
    const std::string key = string_field(meta, "key");
    entries.push_back({name, string_field(meta, "uploadId"), key, string_field(meta, "objectKey", key)});
  }
  return entries;
}

std::vector<std::string> old_tmp_objects(const json& listing, int64_t now_ms) {
  std::vector<std::string> keys;
  for (const json& object : member_of(listing, "objects")) {
    if (integer_field(object, "uploaded") < now_ms - records::kTmpMaxAgeMs) keys.push_back(string_field(object, "key"));
  }
  return keys;
}

json finished(const Exchange& run, int64_t objects, int64_t records_deleted, size_t examined, bool more, bool failed) {
  return json{{"done", true},
              {"log",
               {{"ts", clock::iso8601(run.now_ms())},
                {"level", failed ? "error" : "info"},
                {"request_id", request_id::choose("", run.entropy())},
                {"event", "cleanup"},
                {"objects_deleted", objects},
                {"parts_deleted", 0},  // no multipart uploads yet
                {"records_deleted", records_deleted},
                {"uploads_examined", examined},
                {"more", more},
                {"storage_failed", failed},
                {"io", run.binding_calls()}}}};
}

// Whether the upload an index entry speaks for was abandoned: not completed, and not presigned again since
// the entry was written (a later presign wrote a later entry, which speaks for it then).
bool abandoned(const json& stored, const Abandoned& entry) {
  const auto session = UploadSession::from_kv_value(stored);
  return session && session->state != UploadSession::State::Completed &&
         session->presigned_at_ms <= created_ms_of(entry.index_key);
}

void release(std::map<std::string, int64_t>& claims, const std::vector<Abandoned>& entries) {
  for (const auto& entry : entries) claims.erase(entry.index_key);
}

// One cron run: list what is due, look before deleting, delete, log the counts.
class CleanupRun final : public Conversation {
 public:
  explicit CleanupRun(const json& call) : Conversation(call) {}

  Task<json> run() override {
    Exchange& cron = exchange();
    std::map<std::string, int64_t>& claims = isolate_state().cleanup_claims;
    std::vector<json> listing{effects::kv_list(records::kCleanupPrefix, "", kMaxUploadsPerRun),
                              effects::r2_list("tmp/", "", kMaxTmpObjectsPerRun)};
    const std::vector<EffectResult> listings = co_await cron.perform(std::move(listing));
    const EffectResult& index = listings[0];
    const EffectResult& tmp = listings[1];
    if (!index.ok() || !tmp.ok()) co_return finished(cron, 0, 0, 0, true, true);

    const std::vector<Abandoned> entries = claim_old_entries(cron, index.value(), claims);
    // Look before deleting: the session says whether the upload completed or was presigned again after this
    // entry, the key's pending record whether it is still this upload's, and the head whose bytes are there.
    std::vector<json> looks;
    for (const auto& entry : entries) {
      looks.push_back(effects::kv_get(records::session_key(entry.upload_id)));
      looks.push_back(effects::kv_get(records::pending_key(entry.key)));
      looks.push_back(effects::r2_head(entry.object_key));
    }
    const std::vector<EffectResult> seen = co_await cron.perform(std::move(looks));

    std::vector<std::string> doomed_objects = old_tmp_objects(tmp.value(), cron.now_ms());
    int64_t records_deleted = 0;
    std::vector<json> deletions;
    const auto remove_record = [&](const std::string& key) {
      deletions.push_back(effects::kv_delete(key));
      ++records_deleted;
    };
    for (size_t i = 0; i < entries.size(); ++i) {
      const EffectResult& session = seen[3 * i];
      const EffectResult& pending = seen[3 * i + 1];
      const EffectResult& head = seen[3 * i + 2];
      if (!session.ok() || !pending.ok() || !head.ok()) continue;  // left for the next run
      const Abandoned& entry = entries[i];
      if (abandoned(session.value(), entry)) {
        // Only bytes this upload wrote; a key that a completed or newer upload holds is never touched.
        if (string_field(member_of(head.value(), "object"), "uploadId") == entry.upload_id) {
          doomed_objects.push_back(entry.object_key);
        }
        remove_record(records::session_key(entry.upload_id));
        const auto current = UploadSession::from_kv_value(pending.value());
        if (current && current->upload_id == entry.upload_id) remove_record(records::pending_key(entry.key));
      }
      remove_record(entry.index_key);
    }
    if (!doomed_objects.empty()) deletions.push_back(effects::r2_delete(doomed_objects));
    const std::vector<EffectResult> deleted = co_await cron.perform(std::move(deletions));

    bool failed = false;
    for (const EffectResult& deletion : deleted) failed = failed || !deletion.ok();
    release(claims, entries);
    const bool more = !string_field(index.value(), "cursor").empty() || !string_field(tmp.value(), "cursor").empty();
    const auto objects = static_cast<int64_t>(doomed_objects.size());
    co_return finished(cron, failed ? 0 : objects, failed ? 0 : records_deleted, entries.size(), more, failed);
  }
};

}  // namespace

json start_scheduled(const json& call) { return start_conversation(std::make_unique<CleanupRun>(call)); }

}  // namespace upgate
