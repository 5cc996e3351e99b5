// After the upload in the ledger (contract 10): each completion's upload.completed event, the claim that makes
// repeated or concurrent deliveries of it process the asset once, what processing made of the asset, and the
// events the cron sends again while an asset stays pending.
#include "ledger/operation.h"
#include "uploads/records.h"
#include "util/clock.h"

namespace upgate::ledger {

json completed_event(const std::string& shoot_id, const json& asset) {
  const std::string upload_id = string_field(asset, "uploadId");
  json event{{"type", "upload.completed"},
             {"eventId", records::event_id(upload_id, "upload.completed")},
             {"uploadId", upload_id},
             {"shootId", shoot_id},
             {"key", string_field(asset, "key")},
             {"size", integer_field(asset, "size")},
             {"contentType", string_field(asset, "contentType")},
             {"etag", string_field(asset, "etag")},
             {"completedAt", clock::iso8601(integer_field(asset, "completedAtMs"))}};
  if (const std::string sha256 = string_field(asset, "sha256"); !sha256.empty()) event["sha256"] = sha256;
  return event;
}

namespace {

Task<std::optional<json>> load_asset(Operation& operation, const std::string& key) {
  Statement read{"SELECT * FROM assets WHERE key = ?", SqlParams{key}};
  const Rows rows = co_await run_one(operation.exchange, std::move(read));
  if (rows.empty()) co_return std::nullopt;
  co_return rows.front();
}

json not_claimed(const char* why) { return json{{"claimed", false}, {"why", why}}; }

}  // namespace

// The consumer, for one delivery: {"key", "uploadId"} -> {"claimed": true, "asset"} when this delivery is the
// one to process it, else {"claimed": false, "why"}: processed already, replaced by a newer upload, or held
// by another delivery whose claim is younger than records::kProcessingClaimMs.
Task<Reply> claim_processing(Operation& operation) {
  if (!operation.shoot) co_return not_claimed("no such shoot");
  const auto asset = co_await load_asset(operation, string_field(operation.request(), "key"));
  if (!asset || string_field(*asset, "uploadId") != string_field(operation.request(), "uploadId")) {
    co_return not_claimed("the key holds another upload's file now");
  }
  if (string_field(*asset, "processing") != "pending") co_return not_claimed("processed already");
  const int64_t now_ms = operation.now_ms();
  if (integer_field(*asset, "processingClaimedAtMs") > now_ms - records::kProcessingClaimMs) {
    co_return not_claimed("another delivery is processing it");
  }
  Statement claim{"UPDATE assets SET processingClaimedAtMs = ? WHERE key = ?",
                  SqlParams{now_ms, string_field(*asset, "key")}};
  operation.write_with_answer(std::move(claim));
  co_return json{{"claimed", true}, {"asset", *asset}};
}

// {"key", "uploadId", "processing": "done" | "skipped" | "failed" | "pending", "reason"?, "metadata"?,
// "previews"?} -> {"recorded": bool}: the outcome of the delivery that holds the claim; false when the asset
// moved on. "pending" lets the claim go (a transient failure, delivered again).
Task<Reply> finish_processing(Operation& operation) {
  const json& request = operation.request();
  if (!operation.shoot) co_return json{{"recorded", false}};
  const std::string key = string_field(request, "key");
  const auto asset = co_await load_asset(operation, key);
  if (!asset || string_field(*asset, "uploadId") != string_field(request, "uploadId") ||
      string_field(*asset, "processing") != "pending") {
    co_return json{{"recorded", false}};
  }
  const std::string state = string_field(request, "processing");
  if (state == "pending") {
    // A transient failure: the claim is let go for the next delivery.
    Statement release{"UPDATE assets SET processingClaimedAtMs = 0 WHERE key = ?", SqlParams{key}};
    operation.write_with_answer(std::move(release));
    co_return json{{"recorded", false}};
  }
  const std::string reason = string_field(request, "reason");
  const auto document = [&request](const char* name) {
    const json& value = member_of(request, name);
    return value.is_object() ? json(to_text(value)) : json();
  };
  std::vector<Statement> writes{
      {"UPDATE assets SET processing = ?, processingReason = ?, metadata = ?, previews = ?, processingClaimedAtMs = 0 "
       "WHERE key = ?",
       SqlParams{state, reason.empty() ? SqlValue() : SqlValue(reason), document("metadata"), document("previews"),
                 key}},
      audit(operation, "upload.processed", key, string_field(request, "uploadId"),
            reason.empty() ? state : state + ": " + reason)};
  operation.write_with_answer(std::move(writes));
  co_return json{{"recorded", true}};
}

Task<json> events_to_resend(Operation& operation, int64_t limit) {
  const int64_t now_ms = operation.now_ms();
  Statement read{
      "SELECT * FROM assets WHERE processing = 'pending' AND eventSentAtMs < ? ORDER BY eventSentAtMs LIMIT ?",
      SqlParams{now_ms - records::kEventResendAfterMs, limit}};
  const Rows rows = co_await run_one(operation.exchange, std::move(read));
  json events = json::array();
  std::vector<std::string> keys;
  for (const json& row : rows) {
    events.push_back(completed_event(operation.shoot_id, row));
    keys.push_back(string_field(row, "key"));
  }
  if (!keys.empty()) {
    Statement sent{"UPDATE assets SET eventSentAtMs = ? WHERE key IN (SELECT value FROM json_each(?))",
                   SqlParams{now_ms, json_list(keys)}};
    co_await run_one(operation.exchange, std::move(sent));
  }
  co_return events;
}

}  // namespace upgate::ledger
