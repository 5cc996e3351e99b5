#include "ledger/schema.h"

namespace upgate::ledger {

const std::vector<std::string>& table_names() {
  static const std::vector<std::string> names{"shoot", "uploads", "parts", "assets", "audit"};
  return names;
}

const std::vector<std::string>& schema_statements() {
  // Each statement is one literal split over lines (hence the NOLINT: no comma is missing).
  // NOLINTBEGIN(bugprone-suspicious-missing-comma)
  static const std::vector<std::string> statements{
      // One row: the shoot itself. workIndexedAtMs: when the Worker last put the shoot in KV's work index.
      "CREATE TABLE IF NOT EXISTS shoot (id INTEGER PRIMARY KEY CHECK (id = 1), shootId TEXT NOT NULL, "
      "owner TEXT NOT NULL, title TEXT, createdAtMs INTEGER NOT NULL, workIndexedAtMs INTEGER NOT NULL DEFAULT 0)",
      // Every upload ever presigned (contract 5.3). cleanup: '' (nothing to clean), 'due' (abandoned, its
      // bytes not yet deleted) or 'done'; cleanupClaimedAtMs: the claim of the cron run deleting them.
      // Multipart uploads (contract 5.4) add their part size and count and the storage's multipart upload id.
      "CREATE TABLE IF NOT EXISTS uploads (uploadId TEXT PRIMARY KEY, key TEXT NOT NULL, objectKey TEXT NOT NULL, "
      "shootId TEXT NOT NULL, filename TEXT NOT NULL, contentType TEXT NOT NULL, size INTEGER NOT NULL, "
      "sha256 TEXT NOT NULL, state TEXT NOT NULL, multipart INTEGER NOT NULL DEFAULT 0, "
      "partSize INTEGER NOT NULL DEFAULT 0, partCount INTEGER NOT NULL DEFAULT 0, "
      "storageUploadId TEXT NOT NULL DEFAULT '', createdAtMs INTEGER NOT NULL, presignedAtMs INTEGER NOT NULL, "
      "completingAtMs INTEGER NOT NULL DEFAULT 0, "
      "completion TEXT, cleanup TEXT NOT NULL DEFAULT '', cleanupClaimedAtMs INTEGER NOT NULL DEFAULT 0)",
      "CREATE INDEX IF NOT EXISTS uploads_pending_by_key ON uploads (key) WHERE state = 'pending'",
      "CREATE INDEX IF NOT EXISTS uploads_pending_by_window ON uploads (presignedAtMs) WHERE state = 'pending'",
      "CREATE INDEX IF NOT EXISTS uploads_cleanup_due ON uploads (cleanupClaimedAtMs) WHERE cleanup = 'due'",
      // The parts a multipart upload's storage holds (contract 5.3, 5.4): the latest of each number.
      "CREATE TABLE IF NOT EXISTS parts (uploadId TEXT NOT NULL, partNumber INTEGER NOT NULL, "
      "size INTEGER NOT NULL, etag TEXT NOT NULL, storedAtMs INTEGER NOT NULL, PRIMARY KEY (uploadId, partNumber))",
      // The completed files (contract 5.6), one per key, and what processing made of them (contract 10).
      "CREATE TABLE IF NOT EXISTS assets (key TEXT PRIMARY KEY, filename TEXT NOT NULL, uploadId TEXT NOT NULL, "
      "size INTEGER NOT NULL, contentType TEXT NOT NULL, sha256 TEXT NOT NULL, etag TEXT NOT NULL, "
      "completedAtMs INTEGER NOT NULL, duplicateOf TEXT, processing TEXT NOT NULL DEFAULT 'pending', "
      "processingReason TEXT, metadata TEXT, previews TEXT, "
      // After the upload (contract 10): when its upload.completed event was last sent, and the claim of the
      // delivery processing it.
      "eventSentAtMs INTEGER NOT NULL DEFAULT 0, processingClaimedAtMs INTEGER NOT NULL DEFAULT 0)",
      "CREATE INDEX IF NOT EXISTS assets_processing_pending ON assets (eventSentAtMs) WHERE processing = 'pending'",
      "CREATE INDEX IF NOT EXISTS assets_by_digest ON assets (sha256) WHERE sha256 != ''",
      // The audit trail (contract 5.6): append-only, oldest first by seq.
      "CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, atMs INTEGER NOT NULL, "
      "action TEXT NOT NULL, actor TEXT NOT NULL, requestId TEXT NOT NULL, key TEXT, uploadId TEXT, detail TEXT)",
      "CREATE INDEX IF NOT EXISTS audit_by_action ON audit (action)",
  };
  // NOLINTEND(bugprone-suspicious-missing-comma)
  return statements;
}

}  // namespace upgate::ledger
