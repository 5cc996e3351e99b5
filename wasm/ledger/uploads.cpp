// Uploads in the ledger (contract 5.1, 5.3, 5.4 abort, 5.5): presigning makes an upload the one pending on
// its key, asking again returns it, a changed declaration cancels it; the Worker's PUT asks which upload
// may write a key; an upload can be read and aborted.
#include <map>

#include "crypto/crypto.h"
#include "ledger/operation.h"
#include "uploads/multipart_request.h"
#include "uploads/records.h"
#include "uploads/upload_session.h"
#include "util/json_reader.h"

namespace upgate::ledger {

namespace {

constexpr const char* kInsertUpload =
    "INSERT INTO uploads (uploadId, key, objectKey, shootId, filename, contentType, size, sha256, state, "
    "multipart, partSize, partCount, createdAtMs, presignedAtMs) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)";

Statement insert_upload(const UploadSession& upload) {
  return {kInsertUpload, SqlParams{upload.upload_id, upload.key, upload.object_key, upload.shoot_id, upload.filename,
                                   upload.content_type, upload.size, upload.sha256, upload.multipart ? 1 : 0,
                                   upload.part_size, upload.part_count, upload.created_at_ms, upload.presigned_at_ms}};
}

Statement set_state(const std::string& upload_id, UploadSession::State state, const std::string& cleanup) {
  return {"UPDATE uploads SET state = ?, cleanup = ? WHERE uploadId = ?",
          SqlParams{state_name(state), cleanup, upload_id}};
}

// Distinct per file of a batch: the ledger's entropy (drawn by the object for this call) and the position.
std::string new_upload_id(const Operation& operation, size_t index) {
  const std::string hex = crypto::sha256_hex(operation.exchange.entropy() + ":" + std::to_string(index));
  return records::upload_id(operation.shoot_id, hex.substr(0, 32));
}

// What the shoot holds for the keys and digests of a batch: completed assets by key and by digest, and the
// upload pending on each key.
struct KeyLookups {
  std::map<std::string, std::string> asset_digests;  // key -> sha256 of the asset there
  std::map<std::string, std::string> key_by_digest;  // sha256 -> a key whose asset has it
  std::map<std::string, UploadSession> pending;      // key -> its pending upload
};

Task<KeyLookups> look_up_keys(Operation& operation, const std::vector<std::string>& keys,
                              const std::vector<std::string>& digests) {
  std::vector<Statement> reads{
      {"SELECT key, sha256 FROM assets WHERE key IN (SELECT value FROM json_each(?))", SqlParams{json_list(keys)}},
      {"SELECT key, sha256 FROM assets WHERE sha256 IN (SELECT value FROM json_each(?)) ORDER BY key",
       SqlParams{json_list(digests)}},
      {"SELECT * FROM uploads WHERE state = 'pending' AND key IN (SELECT value FROM json_each(?))",
       SqlParams{json_list(keys)}}};
  const std::vector<Rows> rows = co_await run(operation.exchange, std::move(reads));
  KeyLookups lookups;
  for (const json& row : rows[0]) lookups.asset_digests[string_field(row, "key")] = string_field(row, "sha256");
  for (const json& row : rows[1]) lookups.key_by_digest.emplace(string_field(row, "sha256"), string_field(row, "key"));
  for (const json& row : rows[2]) {
    if (auto upload = UploadSession::from_json(row)) lookups.pending[upload->key] = std::move(*upload);
  }
  co_return lookups;
}

// The request's files, read straight from its text: the one field presign reads.
std::vector<FileRequest> requested_files(std::string_view request) {
  std::vector<FileRequest> files;
  JsonReader reader(request);
  reader.object([&](std::string_view key) {
    if (key != "files") return reader.skip();
    reader.array([&] { files.push_back(FileRequest::read(reader)); });
  });
  return files;
}

// A new upload of the file on the key, pending from now; on a key that holds an asset, its bytes go to a
// staging object until it completes.
UploadSession new_upload(const Operation& operation, const FileRequest& file, const std::string& key, bool holds_asset,
                         size_t index) {
  UploadSession upload;
  upload.upload_id = new_upload_id(operation, index);
  upload.key = key;
  upload.object_key = holds_asset ? records::staging_key(upload.upload_id, file.filename) : key;
  upload.shoot_id = operation.shoot_id;
  upload.filename = file.filename;
  upload.content_type = file.content_type;
  upload.size = file.size;
  upload.sha256 = file.sha256;
  if (file.part_size > 0) {
    upload.multipart = true;
    upload.part_size = file.part_size;
    upload.part_count = plan_parts(file.size, file.part_size, file.part_size).part_count;
  }
  upload.created_at_ms = operation.now_ms();
  upload.presigned_at_ms = upload.created_at_ms;
  return upload;
}

// Another key whose asset has this digest (contract 5.1 duplicates), or "".
std::string duplicate_of(const KeyLookups& lookups, const std::string& sha256, const std::string& key) {
  if (sha256.empty()) return "";
  auto it = lookups.key_by_digest.find(sha256);
  return it == lookups.key_by_digest.end() || it->second == key ? "" : it->second;
}

}  // namespace

// {"files": [{filename, contentType, size, sha256, replace}]} (already validated by the Worker) ->
// {"uploads": [{"upload", "duplicateOf"?} | {"error"}], "indexWork"}
Task<Reply> presign(Operation& operation) {
  if (auto refusal = access_refusal(operation)) co_return *refusal;
  const std::vector<FileRequest> files = requested_files(operation.request_text);
  std::vector<std::string> keys;
  std::vector<std::string> digests;
  for (const FileRequest& file : files) {
    keys.push_back(records::object_key(operation.shoot_id, file.filename));
    if (!file.sha256.empty()) digests.push_back(file.sha256);
  }
  KeyLookups lookups = co_await look_up_keys(operation, keys, digests);

  const int64_t now_ms = operation.now_ms();
  std::vector<Statement> writes;
  JsonWriter answer(1024 * files.size());
  answer.begin_object().key("uploads").begin_array();
  for (size_t i = 0; i < files.size(); ++i) {
    const FileRequest& file = files[i];
    const std::string& key = keys[i];
    const bool holds_asset = lookups.asset_digests.contains(key);
    if (holds_asset && !file.replace) {
      answer.begin_object().key("error").string(catalogue_entry(Error::AlreadyExists).code).end_object();
      continue;
    }
    auto pending = lookups.pending.find(key);
    UploadSession upload;
    bool asked_again = false;
    if (pending != lookups.pending.end() && pending->second.live_at(now_ms) && pending->second.declared_as(file) &&
        pending->second.replaces() == holds_asset) {
      // Asking again: the same upload, with a fresh window.
      asked_again = true;
      upload = pending->second;
      upload.presigned_at_ms = now_ms;
      writes.push_back(
          {"UPDATE uploads SET presignedAtMs = ? WHERE uploadId = ?", SqlParams{now_ms, upload.upload_id}});
    } else {
      if (pending != lookups.pending.end()) {
        // Its bytes (if any) are of no use now: cleanup deletes them, by its id.
        writes.push_back(set_state(pending->second.upload_id, UploadSession::State::Cancelled, "due"));
        writes.push_back(audit(operation, "upload.cancelled", key, pending->second.upload_id, "declared again"));
      }
      upload = new_upload(operation, file, key, holds_asset, i);
      writes.push_back(insert_upload(upload));
      lookups.pending[key] = upload;  // a second entry for the same key in this batch sees this one
    }
    writes.push_back(audit(operation, "upload.presigned", key, upload.upload_id));
    answer.begin_object().key("upload");
    upload.write(answer);
    // A pending multipart upload asked for again is returned with the parts it has (contract 5.4).
    if (upload.multipart && asked_again) {
      const json parts = co_await load_parts(operation, upload.upload_id);
      answer.key("parts").raw(to_text(parts));
    }
    if (auto duplicate = duplicate_of(lookups, file.sha256, key); !duplicate.empty()) {
      answer.key("duplicateOf").string(duplicate);
    }
    answer.end_object();
  }
  const bool index_work = !files.empty() && refresh_work_index(operation, writes);
  operation.write_with_answer(std::move(writes));
  answer.end_array().key("indexWork").boolean(index_work).end_object();
  co_return Reply(std::move(answer).text());
}

// The Worker's PUT (contract 5.5): {"uploadId"?, "key", "size", "contentType"} -> {"upload"} when that upload
// may write the key now, else refused upload_superseded with the reason (for the log).
Task<Reply> find_writer(Operation& operation) {
  const std::string upload_id = string_field(operation.request(), "uploadId");
  const std::string key = string_field(operation.request(), "key");
  const auto superseded = [](const char* why) {
    json answer = refused(Error::UploadSuperseded);
    answer["detail"] = why;
    return answer;
  };
  if (!operation.shoot) co_return superseded("no such shoot");
  Statement read = upload_id.empty()
                       ? Statement{"SELECT * FROM uploads WHERE state = 'pending' AND key = ?", SqlParams{key}}
                       : Statement{"SELECT * FROM uploads WHERE uploadId = ?", SqlParams{upload_id}};
  const Rows rows = co_await run_one(operation.exchange, std::move(read));
  const auto upload = rows.empty() ? std::nullopt : UploadSession::from_json(rows.front());
  if (!upload || !upload->live_at(operation.now_ms())) {
    co_return superseded(upload ? "the upload is not pending" : "no pending upload");
  }
  if (upload->key != key) co_return superseded("the URL's key is not the upload's");
  if (upload_id.empty() && (upload->size != integer_field(operation.request(), "size") ||
                            upload->content_type != string_field(operation.request(), "contentType"))) {
    co_return superseded("the PUT does not fit the pending upload's declaration");
  }
  co_return json{{"upload", upload->to_json()}};
}

bool refresh_work_index(Operation& operation, std::vector<Statement>& writes) {
  // KV's work index (which the cron sweeps) is refreshed at most hourly: it outlives every window by a day.
  const int64_t now_ms = operation.now_ms();
  if (operation.shoot->work_indexed_at_ms >= now_ms - records::kWorkIndexRefreshMs) return false;
  writes.push_back({"UPDATE shoot SET workIndexedAtMs = ? WHERE id = 1", SqlParams{now_ms}});
  operation.shoot->work_indexed_at_ms = now_ms;
  return true;
}

Task<std::map<std::string, UploadSession>> load_uploads(Operation& operation, const std::vector<std::string>& ids) {
  Statement read{"SELECT * FROM uploads WHERE uploadId IN (SELECT value FROM json_each(?))", SqlParams{json_list(ids)}};
  const Rows rows = co_await run_one(operation.exchange, std::move(read));
  std::map<std::string, UploadSession> uploads;
  for (const json& row : rows) {
    if (auto upload = UploadSession::from_json(row)) uploads.emplace(upload->upload_id, std::move(*upload));
  }
  co_return uploads;
}

Task<std::optional<UploadSession>> load_upload(Operation& operation, const std::string& upload_id) {
  const std::vector<std::string> ids{upload_id};  // named: g++ 12 mishandles a braced list inside co_await
  std::map<std::string, UploadSession> found = co_await load_uploads(operation, ids);
  if (found.empty()) co_return std::nullopt;
  co_return std::move(found.begin()->second);
}

std::optional<Error> unusable(const UploadSession& upload, int64_t now_ms) {
  switch (upload.state) {
    case UploadSession::State::Completed:
      return Error::UploadCompleted;
    case UploadSession::State::Cancelled:
      return Error::UploadCancelled;
    case UploadSession::State::Aborted:
      return Error::UploadAborted;
    case UploadSession::State::Expired:
      return Error::UploadExpired;
    case UploadSession::State::Pending:
      break;
  }
  if (upload.abandoned_at(now_ms)) return Error::UploadExpired;
  return std::nullopt;
}

// {"uploadId"} -> {"upload"} (contract 5.3)
Task<Reply> get_upload(Operation& operation) {
  if (auto refusal = access_refusal(operation)) {
    co_return operation.shoot ? std::move(*refusal) : refused(Error::UploadNotFound);
  }
  const auto upload = co_await load_upload(operation, string_field(operation.request(), "uploadId"));
  if (!upload) co_return refused(Error::UploadNotFound);
  json answer{{"upload", upload->to_json()}};
  if (upload->multipart) answer["parts"] = co_await load_parts(operation, upload->upload_id);
  co_return answer;
}

// {"uploadId"} -> {"upload"} once aborted (contract 5.4): a pending upload stops being the key's; its bytes
// are the Worker's to delete (by its id). Aborting again answers the same.
Task<Reply> abort_upload(Operation& operation) {
  if (auto refusal = access_refusal(operation)) {
    co_return operation.shoot ? std::move(*refusal) : refused(Error::UploadNotFound);
  }
  auto upload = co_await load_upload(operation, string_field(operation.request(), "uploadId"));
  if (!upload) co_return refused(Error::UploadNotFound);
  if (upload->state == UploadSession::State::Aborted) co_return json{{"upload", upload->to_json()}};
  if (auto error = unusable(*upload, operation.now_ms())) co_return refused(*error);
  upload->state = UploadSession::State::Aborted;
  // cleanup 'due' as well: should the Worker's delete fail, the cron deletes the bytes.
  std::vector<Statement> writes{set_state(upload->upload_id, UploadSession::State::Aborted, "due"),
                                audit(operation, "upload.aborted", upload->key, upload->upload_id)};
  operation.write_with_answer(std::move(writes));
  co_return json{{"upload", upload->to_json()}};
}

}  // namespace upgate::ledger
