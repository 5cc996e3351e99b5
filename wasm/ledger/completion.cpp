// Completion in the ledger (contract 5.2, 5.5), in two halves around the Worker's look at the stored bytes:
// begin says which uploads may complete and claims them (so cleanup leaves them alone meanwhile); finish
// records each verdict — the asset, or the rejection — unless another completion recorded one first, whose
// answer then stands for both. Concurrent completions of one upload therefore answer the same bytes.
#include <map>

#include "ledger/operation.h"
#include "uploads/multipart_request.h"
#include "uploads/records.h"
#include "uploads/upload_session.h"
#include "util/clock.h"

namespace upgate::ledger {

namespace {

json item_error(Error error) { return json{{"error", catalogue_entry(error).code}}; }

// Why an upload that is no longer pending cannot complete now; the stored answer when it completed.
json settled(const UploadSession& upload) {
  switch (upload.state) {
    case UploadSession::State::Completed:
      return json{{"answer", upload.completion}};
    case UploadSession::State::Cancelled:
      return item_error(Error::UploadCancelled);
    case UploadSession::State::Aborted:
      return item_error(Error::UploadAborted);
    case UploadSession::State::Expired:
    case UploadSession::State::Pending:
      break;
  }
  return item_error(Error::UploadExpired);
}

std::vector<std::string> ids_in(const json& list, const char* field = nullptr) {
  std::vector<std::string> ids;
  for (const json& item : list) ids.push_back(field ? string_field(item, field) : item.get<std::string>());
  return ids;
}

// The stored parts of the multipart uploads among these, by upload id: part number -> its row.
using StoredParts = std::map<std::string, std::map<int64_t, json>>;

Task<StoredParts> load_stored_parts(Operation& operation, const std::map<std::string, UploadSession>& uploads) {
  std::vector<std::string> ids;
  for (const auto& [id, upload] : uploads) {
    if (upload.multipart) ids.push_back(id);
  }
  StoredParts parts;
  if (ids.empty()) co_return parts;
  Statement read{
      "SELECT uploadId, partNumber, size, etag FROM parts WHERE uploadId IN (SELECT value FROM json_each(?))",
      SqlParams{json_list(ids)}};
  for (const json& row : co_await run_one(operation.exchange, std::move(read))) {
    parts[string_field(row, "uploadId")][integer_field(row, "partNumber")] = row;
  }
  co_return parts;
}

// {"<uploadId>": [{"partNumber", "size", "etag"}]} as StoredParts.
StoredParts parts_by_upload(const json& listed) {
  StoredParts parts;
  if (!listed.is_object()) return parts;
  for (const auto& [id, list] : listed.items()) {
    if (!list.is_array()) continue;
    for (const json& part : list) parts[id][integer_field(part, "partNumber")] = part;
  }
  return parts;
}

// A multipart upload may complete once storage holds every part at its exact size (contract 5.4): the
// answer lists the parts for the storage's completion, or the part numbers still missing.
json multipart_item(const UploadSession& upload, const std::map<int64_t, json>& stored) {
  json missing = json::array();
  json parts = json::array();
  for (int64_t number = 1; number <= upload.part_count; ++number) {
    auto it = stored.find(number);
    if (it == stored.end() ||
        integer_field(it->second, "size") != PartPlan::size_of(number, upload.part_size, upload.size)) {
      missing.push_back(number);
      continue;
    }
    parts.push_back(json{{"partNumber", number}, {"etag", string_field(it->second, "etag")}});
  }
  if (!missing.empty()) {
    json answer = item_error(Error::PartsMissing);
    answer["missing"] = std::move(missing);
    return answer;
  }
  return json{{"upload", upload.to_json()}, {"parts", std::move(parts)}};
}

}  // namespace

// {"uploadIds", "storageListsParts"?, "storageParts"?} -> {"uploads": [{"upload", "parts"? (multipart)} (to
// check) | {"upload", "listParts": true} (s3 mode: list its parts first) | {"answer"} (completed before) |
// {"error", "missing"?}]}
Task<Reply> begin_completion(Operation& operation) {
  if (auto refusal = access_refusal(operation)) co_return *refusal;
  const std::vector<std::string> ids = ids_in(member_of(operation.request(), "uploadIds"));
  const std::map<std::string, UploadSession> uploads = co_await load_uploads(operation, ids);
  // s3 mode: the parts never pass through the Worker, so storage's listing of them (storageParts) stands in
  // for the ledger's own; a multipart upload asked about without one is answered "listParts".
  const bool listed_by_storage = bool_field(operation.request(), "storageListsParts");
  const json& storage_parts = member_of(operation.request(), "storageParts");
  const StoredParts stored =
      listed_by_storage ? parts_by_upload(storage_parts) : co_await load_stored_parts(operation, uploads);
  json answers = json::array();
  std::vector<std::string> claimed;
  for (const std::string& id : ids) {
    auto it = uploads.find(id);
    if (it == uploads.end()) {
      answers.push_back(item_error(Error::UploadNotFound));
    } else if (!it->second.live_at(operation.now_ms())) {
      answers.push_back(settled(it->second));
    } else if (it->second.multipart && listed_by_storage && !storage_parts.contains(id)) {
      answers.push_back(json{{"upload", it->second.to_json()}, {"listParts", true}});  // not claimed yet
    } else if (it->second.multipart) {
      auto parts = stored.find(id);
      answers.push_back(multipart_item(it->second, parts == stored.end() ? std::map<int64_t, json>{} : parts->second));
      if (answers.back().contains("upload")) claimed.push_back(id);
    } else {
      answers.push_back(json{{"upload", it->second.to_json()}});
      claimed.push_back(id);
    }
  }
  if (!claimed.empty()) {
    Statement claim{"UPDATE uploads SET completingAtMs = ? WHERE uploadId IN (SELECT value FROM json_each(?))",
                    SqlParams{operation.now_ms(), json_list(claimed)}};
    operation.write_with_answer(std::move(claim));
  }
  co_return json{{"uploads", std::move(answers)}};
}

// {"outcomes": [{"uploadId", "object": {"size", "etag", "sha256"}} | {"uploadId", "rejected": reason}]} ->
// {"uploads": [{"answer", "event"?} | {"error", "deleteObject"?}]}. deleteObject: this call recorded the
// rejection, so the bytes it judged are the caller's to delete; event: this call recorded the completion, whose
// upload.completed event the caller sends.
Task<Reply> finish_completion(Operation& operation) {
  if (auto refusal = access_refusal(operation)) co_return *refusal;
  const json& outcomes = member_of(operation.request(), "outcomes");
  const std::map<std::string, UploadSession> uploads = co_await load_uploads(operation, ids_in(outcomes, "uploadId"));
  std::vector<std::string> keys;
  std::vector<std::string> sha256s;
  const auto add_digest = [&sha256s](std::string sha256) {
    if (!sha256.empty()) sha256s.push_back(std::move(sha256));
  };
  for (const json& outcome : outcomes) add_digest(string_field(member_of(outcome, "object"), "sha256"));
  for (const auto& [id, upload] : uploads) {
    keys.push_back(upload.key);
    add_digest(upload.sha256);
  }
  Statement digests{"SELECT key, sha256 FROM assets WHERE sha256 IN (SELECT value FROM json_each(?)) ORDER BY key",
                    SqlParams{json_list(sha256s)}};
  Statement held{"SELECT key FROM assets WHERE key IN (SELECT value FROM json_each(?))", SqlParams{json_list(keys)}};
  std::vector<Statement> reads{std::move(digests), std::move(held)};
  const std::vector<Rows> assets = co_await run(operation.exchange, std::move(reads));
  std::map<std::string, std::string> key_by_digest;
  for (const json& row : assets[0]) key_by_digest.emplace(string_field(row, "sha256"), string_field(row, "key"));
  std::map<std::string, bool> holds_asset;
  for (const json& row : assets[1]) holds_asset[string_field(row, "key")] = true;

  const int64_t now_ms = operation.now_ms();
  std::vector<Statement> writes;
  json answers = json::array();
  for (const json& outcome : outcomes) {
    auto it = uploads.find(string_field(outcome, "uploadId"));
    if (it == uploads.end()) {
      answers.push_back(item_error(Error::UploadNotFound));
      continue;
    }
    const UploadSession& upload = it->second;
    if (upload.state != UploadSession::State::Pending) {
      answers.push_back(settled(upload));
      continue;
    }
    if (const std::string reason = string_field(outcome, "rejected"); !reason.empty()) {
      writes.push_back({"UPDATE uploads SET completingAtMs = 0 WHERE uploadId = ?", SqlParams{upload.upload_id}});
      if (upload.multipart) {
        // Storage assembled its parts into the rejected object, which is deleted: they are gone too. The next
        // sign starts a new storage upload (routes_multipart.cpp).
        writes.push_back({"DELETE FROM parts WHERE uploadId = ?", SqlParams{upload.upload_id}});
        writes.push_back({"UPDATE uploads SET storageUploadId = '' WHERE uploadId = ?", SqlParams{upload.upload_id}});
      }
      writes.push_back(audit(operation, "upload.rejected", upload.key, upload.upload_id, reason));
      json answer = item_error(Error::ContentMismatch);
      answer["deleteObject"] = true;
      answers.push_back(std::move(answer));
      continue;
    }
    const json& object = member_of(outcome, "object");
    const std::string sha256 = upload.sha256.empty() ? string_field(object, "sha256") : upload.sha256;
    json answer{{"uploadId", upload.upload_id},          {"key", upload.key},
                {"size", integer_field(object, "size")}, {"contentType", upload.content_type},
                {"etag", string_field(object, "etag")},  {"completedAt", clock::iso8601(now_ms)}};
    auto twin = sha256.empty() ? key_by_digest.end() : key_by_digest.find(sha256);
    const std::string duplicate = twin == key_by_digest.end() || twin->second == upload.key ? "" : twin->second;
    if (!duplicate.empty()) answer["duplicateOf"] = duplicate;
    writes.push_back(
        {"INSERT OR REPLACE INTO assets (key, filename, uploadId, size, contentType, sha256, etag, "
         "completedAtMs, duplicateOf, eventSentAtMs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         SqlParams{upload.key, upload.filename, upload.upload_id, answer["size"], upload.content_type, sha256,
                   answer["etag"], now_ms, duplicate.empty() ? SqlValue() : SqlValue(duplicate), now_ms}});
    writes.push_back({"UPDATE uploads SET state = 'completed', completion = ?, completingAtMs = 0 WHERE uploadId = ?",
                      SqlParams{to_text(answer), upload.upload_id}});
    const bool replaced = holds_asset.contains(upload.key);
    writes.push_back(audit(operation, replaced ? "upload.replaced" : "upload.completed", upload.key, upload.upload_id));
    if (!sha256.empty()) key_by_digest.emplace(sha256, upload.key);
    holds_asset[upload.key] = true;
    // Recorded now: the Worker sends its event (contract 10) right after.
    const json asset{{"key", upload.key},      {"uploadId", upload.upload_id},
                     {"size", answer["size"]}, {"contentType", upload.content_type},
                     {"sha256", sha256},       {"etag", answer["etag"]},
                     {"completedAtMs", now_ms}};
    answers.push_back(json{{"answer", std::move(answer)}, {"event", completed_event(operation.shoot_id, asset)}});
  }
  operation.write_with_answer(std::move(writes));
  co_return json{{"uploads", std::move(answers)}};
}

}  // namespace upgate::ledger
