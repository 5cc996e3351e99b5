#include "app/cleanup.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "app/storage_uploads.h"
#include "http/request_id.h"
#include "ledger/client.h"
#include "protocol/conversation.h"
#include "protocol/exchange.h"
#include "uploads/records.h"
#include "util/clock.h"

namespace upgate {

namespace {

// An upload whose bytes the ledger handed this run to delete.
struct Due {
  std::string shoot_id;
  std::string upload_id;
  std::string key;
  std::string object_key;
  std::string storage_upload_id;  // multipart: the storage's upload, whose parts are freed by aborting it
  int64_t parts = 0;              // multipart: the parts the ledger knows storage holds
  bool inspected = false;         // its object was looked at (a failed look leaves it for the next run)
  bool deleted = false;
  bool parts_freed = false;
};

std::vector<std::string> old_tmp_objects(const json& listing, int64_t now_ms) {
  std::vector<std::string> keys;
  for (const json& object : member_of(listing, "objects")) {
    if (integer_field(object, "uploaded") < now_ms - records::kTmpMaxAgeMs) keys.push_back(string_field(object, "key"));
  }
  return keys;
}

// Where the next run goes on in the work index (a KV list cursor); absent: from the top.
constexpr const char* kCursorKey = "cleanup:cursor";

std::vector<std::string> shoots_listed(const json& listing) {
  std::vector<std::string> shoots;
  const std::string prefix = records::kWorkPrefix;
  for (const json& entry : member_of(listing, "keys")) {
    const std::string name = string_field(entry, "name");
    if (name.rfind(prefix, 0) == 0) shoots.push_back(name.substr(prefix.size()));
  }
  return shoots;
}

// One cron run: which shoots have work, what their ledgers hand out, look before deleting, delete, record.
class CleanupRun final : public Conversation {
 public:
  explicit CleanupRun(const json& call)
      : Conversation(call_facts_of(call)), request_id_(request_id::choose("", exchange().entropy())) {}

  Task<Answer> run() override {
    Exchange& cron = exchange();
    // Each run goes on through the work index from where the last one stopped, so with more shoots than one run
    // takes, every shoot is reached in turn rather than the first ones in key order every time.
    const EffectResult saved = co_await cron.perform_one(effects::kv_get(kCursorKey));
    const std::string cursor = saved.ok() ? string_field(saved.value(), "value") : "";
    std::vector<json> listing{effects::kv_list(records::kWorkPrefix, cursor, kMaxShootsPerRun),
                              effects::r2_list("tmp/", "", kMaxTmpObjectsPerRun)};
    const std::vector<EffectResult> listings = co_await cron.perform(listing);
    if (!listings[0].ok() || !listings[1].ok()) {
      // A cursor KV no longer takes must not stop every later run: the next one starts from the top.
      if (!cursor.empty()) co_await cron.perform_one(effects::kv_delete(kCursorKey));
      co_return finished(0, 0, 0, 0, true, true);
    }
    const std::string next = string_field(listings[0].value(), "cursor");
    if (next != cursor) {
      json kept = next.empty() ? effects::kv_delete(kCursorKey) : effects::kv_put(kCursorKey, next);
      co_await cron.perform_one(kept);
    }
    more_ = !next.empty() || !string_field(listings[1].value(), "cursor").empty();

    std::vector<Due> due = co_await sweep(shoots_listed(listings[0].value()));
    work_renewed_ = co_await renew_work_index();
    if (!events_.empty()) {
      // Events of assets still pending (contract 10); a failed send is tried again next run.
      const EffectResult sent = co_await cron.perform_one(effects::queue_send(events_));
      events_resent_ = sent.ok() ? static_cast<int64_t>(events_.size()) : 0;
    }
    const size_t inspected = co_await inspect(due);
    std::vector<std::string> doomed = old_tmp_objects(listings[1].value(), cron.now_ms());
    for (const Due& upload : due) {
      if (upload.deleted) doomed.push_back(upload.object_key);
    }
    if (!doomed.empty()) {
      const EffectResult deleted = co_await cron.perform_one(effects::r2_delete(doomed));
      if (!deleted.ok()) co_return finished(0, 0, 0, inspected, more_, true);
    }
    const int64_t recorded = co_await record(due);
    int64_t parts = 0;
    for (const Due& upload : due) parts += upload.parts_freed ? upload.parts : 0;
    co_return finished(static_cast<int64_t>(doomed.size()), parts, recorded, inspected, more_, false);
  }

 private:
  // Each listed shoot's ledger marks what was abandoned and hands out what is due, claimed for this run.
  Task<std::vector<Due>> sweep(const std::vector<std::string>& shoots) {
    // The run's budget shared by the shoots listed; a shoot that used its whole share may have more.
    const int64_t share = kMaxUploadsPerRun / std::max<int64_t>(1, static_cast<int64_t>(shoots.size()));
    std::vector<Effect> round;
    round.reserve(shoots.size());
    for (const std::string& shoot_id : shoots) {
      round.push_back(ledger::operation_effect("sweep", shoot_id, std::nullopt, request_id_, exchange().now_ms(),
                                               json{{"limit", share}}));
    }
    const std::vector<EffectResult> swept = co_await exchange().perform(std::move(round));
    std::vector<Due> due;
    for (size_t i = 0; i < shoots.size(); ++i) {
      if (!swept[i].ok()) continue;  // that shoot waits for the next run
      const json answer = ledger::result_tree(swept[i]);
      const json& handed = member_of(answer, "due");
      more_ = more_ || static_cast<int64_t>(handed.size()) >= share;
      if (integer_field(answer, "open") > 0) still_open_.push_back(shoots[i]);
      for (const json& event : member_of(answer, "events")) events_.push_back(event);
      for (const json& item : handed) {
        due.push_back(Due{shoots[i], string_field(item, "uploadId"), string_field(item, "key"),
                          string_field(item, "objectKey"), string_field(item, "storageUploadId"),
                          integer_field(item, "parts")});
      }
    }
    co_return due;
  }

  // The shoots whose work is still open stay in the work index for another week from now (records.h says why);
  // a failed renewal is tried again by the next run that reaches the shoot. Answers how many were renewed.
  Task<int64_t> renew_work_index() {
    std::vector<json> round;
    round.reserve(still_open_.size());
    for (const std::string& shoot_id : still_open_) {
      round.push_back(effects::kv_put(records::work_key(shoot_id), 1, records::kWorkIndexTtlSeconds));
    }
    const std::vector<EffectResult> renewed = co_await exchange().perform(round);
    co_return std::count_if(renewed.begin(), renewed.end(), [](const EffectResult& r) { return r.ok(); });
  }

  // Only bytes an upload wrote itself are deleted: a key that a completed or newer upload holds is not. A
  // multipart upload's storage upload is aborted in the same round, freeing its parts (a completed upload is
  // never due, so never aborted). Answers how many were looked at.
  Task<size_t> inspect(std::vector<Due>& due) {
    std::vector<json> round;
    round.reserve(due.size());
    for (const Due& upload : due) round.push_back(effects::r2_head(upload.object_key));
    for (const Due& upload : due) {
      if (!upload.storage_upload_id.empty())
        round.push_back(
            abort_storage_upload(isolate_state(), exchange().now_ms(), upload.object_key, upload.storage_upload_id));
    }
    const std::vector<EffectResult> answers = co_await exchange().perform(round);
    size_t inspected = 0;
    size_t next_abort = due.size();
    for (size_t i = 0; i < due.size(); ++i) {
      const EffectResult* abort = due[i].storage_upload_id.empty() ? nullptr : &answers[next_abort++];
      if (!answers[i].ok() || (abort && !abort->ok())) continue;  // tried again next run
      due[i].inspected = true;
      due[i].deleted = string_field(member_of(answers[i].value(), "object"), "uploadId") == due[i].upload_id;
      // Counted only when this abort freed them (not an abort by the client before).
      due[i].parts_freed = abort && storage_upload_freed(*abort);
      ++inspected;
    }
    co_return inspected;
  }

  // Tells each ledger which of its uploads are cleaned up; answers how many records were settled.
  Task<int64_t> record(const std::vector<Due>& due) {
    std::map<std::string, json> by_shoot;
    for (const Due& upload : due) {
      if (!upload.inspected) continue;
      by_shoot[upload.shoot_id].push_back(
          json{{"uploadId", upload.upload_id}, {"key", upload.key}, {"deleted", upload.deleted}});
    }
    std::vector<Effect> round;
    round.reserve(by_shoot.size());
    for (auto& [shoot_id, uploads] : by_shoot) {
      round.push_back(ledger::operation_effect("swept", shoot_id, std::nullopt, request_id_, exchange().now_ms(),
                                               json{{"uploads", std::move(uploads)}}));
    }
    const std::vector<EffectResult> recorded = co_await exchange().perform(std::move(round));
    int64_t settled = 0;
    for (const EffectResult& result : recorded) {
      if (result.ok()) settled += integer_field(ledger::result_tree(result), "recorded");
    }
    co_return settled;
  }

  Answer finished(int64_t objects, int64_t parts, int64_t records_settled, size_t examined, bool more, bool failed) {
    const Exchange& run = exchange();
    const json log{{"ts", clock::iso8601(run.now_ms())},
                   {"level", failed ? "error" : "info"},
                   {"request_id", request_id_},
                   {"event", "cleanup"},
                   {"objects_deleted", objects},
                   {"parts_deleted", parts},
                   {"records_deleted", records_settled},
                   {"uploads_examined", examined},
                   {"events_resent", events_resent_},
                   {"work_renewed", work_renewed_},
                   {"more", more},
                   {"storage_failed", failed},
                   {"io", run.binding_calls()}};
    return Answer::of(json{{"done", true}, {"log", to_text(log)}});
  }

  std::string request_id_;
  bool more_ = false;
  json events_ = json::array();  // upload.completed events the ledgers want sent again
  int64_t events_resent_ = 0;
  std::vector<std::string> still_open_;  // swept shoots whose ledger still has work for the cron
  int64_t work_renewed_ = 0;
};

}  // namespace

Answer start_scheduled(const json& call) { return start_conversation(std::make_unique<CleanupRun>(call)); }

}  // namespace upgate
