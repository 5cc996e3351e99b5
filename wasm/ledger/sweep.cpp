// Cleanup in the ledger (contract 6): which uploads were abandoned, and whose bytes the cron may delete.
// sweep marks the uploads past their window expired — one decision, so an upload is never both completed and
// abandoned — and hands out, claimed for this run, the uploads whose bytes are due for deletion (expired,
// cancelled, aborted); swept records what the run deleted. A claim keeps overlapping runs from deleting or
// counting the same upload twice; a run that died frees its claims after records::kCleanupClaimMs.
#include "ledger/operation.h"
#include "uploads/records.h"
#include "uploads/upload_session.h"

namespace upgate::ledger {

// {"limit"} -> {"due": [{"uploadId", "key", "objectKey", "multipart", "storageUploadId", "parts"}]}: parts is
// how many parts storage holds for a multipart upload, which aborting it frees; "events": the upload.completed
// events to send again; "open": how many uploads and assets still need the cron (pending uploads, which may
// yet be abandoned; bytes due for deletion; assets whose processing is pending), so it keeps the shoot indexed.
Task<Reply> sweep(Operation& operation) {
  if (!operation.shoot) co_return json{{"due", json::array()}, {"open", 0}};
  const int64_t now_ms = operation.now_ms();
  const int64_t limit = std::max<int64_t>(1, integer_field(operation.request(), "limit", 25));
  // A completion in progress holds its upload (records::kCompletionClaimMs): it finishes, or frees it.
  std::vector<Statement> statements{
      {"UPDATE uploads SET state = 'expired', cleanup = 'due' WHERE state = 'pending' AND completingAtMs < ? "
       "AND presignedAtMs < (CASE multipart WHEN 0 THEN ? ELSE ? END)",
       SqlParams{now_ms - records::kCompletionClaimMs, now_ms - records::kCompletionWindowMs,
                 now_ms - records::kMultipartIdleWindowMs}},
      {"SELECT uploadId, key, objectKey, multipart, storageUploadId, "
       "(SELECT COUNT(*) FROM parts WHERE parts.uploadId = uploads.uploadId) AS parts "
       "FROM uploads WHERE cleanup = 'due' AND cleanupClaimedAtMs < ? ORDER BY cleanupClaimedAtMs LIMIT ?",
       SqlParams{now_ms - records::kCleanupClaimMs, limit}},
      {"SELECT (SELECT COUNT(*) FROM uploads WHERE state = 'pending' OR cleanup = 'due') + "
       "(SELECT COUNT(*) FROM assets WHERE processing = 'pending') AS open",
       SqlParams()}};
  const std::vector<Rows> rows = co_await run(operation.exchange, std::move(statements));
  const int64_t open = rows[2].empty() ? 0 : integer_field(rows[2][0], "open");
  json due = json::array();
  std::vector<std::string> claimed;
  for (const json& row : rows[1]) {
    claimed.push_back(string_field(row, "uploadId"));
    due.push_back(row);
  }
  if (!claimed.empty()) {
    Statement claim{"UPDATE uploads SET cleanupClaimedAtMs = ? WHERE uploadId IN (SELECT value FROM json_each(?))",
                    SqlParams{now_ms, json_list(claimed)}};
    co_await run_one(operation.exchange, std::move(claim));
  }
  // Completed assets whose event got lost (contract 10): sent again, so none is left unprocessed.
  json events = co_await events_to_resend(operation, limit);
  co_return json{{"due", std::move(due)}, {"events", std::move(events)}, {"open", open}};
}

// {"uploads": [{"uploadId", "key", "deleted": bool}]} -> {"recorded"}: each is cleaned up; the ones whose bytes
// the run deleted are in the audit trail.
Task<Reply> record_swept(Operation& operation) {
  if (!operation.shoot) co_return json{{"recorded", 0}};
  std::vector<Statement> writes;
  std::vector<std::string> ids;
  for (const json& item : member_of(operation.request(), "uploads")) {
    const std::string upload_id = string_field(item, "uploadId");
    ids.push_back(upload_id);
    if (bool_field(item, "deleted")) {
      writes.push_back(audit(operation, "cleanup.deleted", string_field(item, "key"), upload_id,
                             "the abandoned upload's bytes were deleted"));
    }
  }
  writes.push_back({"UPDATE uploads SET cleanup = 'done' WHERE uploadId IN (SELECT value FROM json_each(?))",
                    SqlParams{json_list(ids)}});
  // An aborted storage upload's parts are freed: the ledger forgets them too.
  writes.push_back({"DELETE FROM parts WHERE uploadId IN (SELECT value FROM json_each(?))", SqlParams{json_list(ids)}});
  operation.write_with_answer(std::move(writes));
  co_return json{{"recorded", ids.size()}};
}

}  // namespace upgate::ledger
