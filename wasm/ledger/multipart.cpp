// Multipart uploads in the ledger (contract 5.4, 5.5): the storage's multipart upload attached to its
// upload once created, part URLs signed only for a pending upload's own part numbers, each part PUT checked
// (the upload still pending, the part's exact size) before its bytes are streamed and recorded after. Every
// sign and every stored part is part activity: the 24-hour window runs from the latest one.
#include "ledger/operation.h"
#include "uploads/multipart_request.h"
#include "uploads/records.h"
#include "uploads/upload_session.h"

namespace upgate::ledger {

namespace {

// A refusal with the sentence the client reads (and the field it names).
json refused_because(Error error, const std::string& message, const std::string& field = "") {
  json answer = refused(error);
  answer["message"] = message;
  if (!field.empty()) answer["field"] = field;
  return answer;
}

Statement touch(const std::string& upload_id, int64_t now_ms) {
  return {"UPDATE uploads SET presignedAtMs = ? WHERE uploadId = ?", SqlParams{now_ms, upload_id}};
}

// A multipart upload of the caller's, or the refusal.
Task<std::variant<UploadSession, json>> callers_multipart(Operation& operation) {
  if (auto refusal = access_refusal(operation)) {
    co_return operation.shoot ? std::move(*refusal) : refused(Error::UploadNotFound);
  }
  auto upload = co_await load_upload(operation, string_field(operation.request(), "uploadId"));
  if (!upload) co_return refused(Error::UploadNotFound);
  if (!upload->multipart) {
    co_return refused_because(Error::InvalidRequest, "This upload is a single PUT, not a multipart upload.",
                              "uploadId");
  }
  co_return std::move(*upload);
}

}  // namespace

Task<json> load_parts(Operation& operation, const std::string& upload_id) {
  Statement read{"SELECT partNumber, size, etag FROM parts WHERE uploadId = ? ORDER BY partNumber",
                 SqlParams{upload_id}};
  const Rows rows = co_await run_one(operation.exchange, std::move(read));
  json parts = json::array();
  for (const json& row : rows) {
    parts.push_back(json{{"partNumber", integer_field(row, "partNumber")},
                         {"size", integer_field(row, "size")},
                         {"etag", string_field(row, "etag")}});
  }
  co_return parts;
}

// {"uploadId", "storageUploadId"} -> {"upload"}: the storage upload the Worker created becomes the upload's,
// unless another request attached one first (the answer then carries that one; the caller aborts its own).
Task<Reply> attach_storage(Operation& operation) {
  auto found = co_await callers_multipart(operation);
  if (auto* refusal = std::get_if<json>(&found)) co_return *refusal;
  UploadSession& upload = std::get<UploadSession>(found);
  if (auto error = unusable(upload, operation.now_ms())) co_return refused(*error);
  if (upload.storage_upload_id.empty()) {
    upload.storage_upload_id = string_field(operation.request(), "storageUploadId");
    Statement attach{"UPDATE uploads SET storageUploadId = ? WHERE uploadId = ?",
                     SqlParams{upload.storage_upload_id, upload.upload_id}};
    operation.write_with_answer(std::move(attach));
  }
  co_return json{{"upload", upload.to_json()}};
}

// {"uploadId", "partNumbers"} -> {"upload", "indexWork"}: the part numbers may be signed now. An upload without a
// storage upload (its creation was cut short, or a rejected completion used it up) gets one from the Worker first.
Task<Reply> sign_parts(Operation& operation) {
  auto found = co_await callers_multipart(operation);
  if (auto* refusal = std::get_if<json>(&found)) co_return *refusal;
  UploadSession& upload = std::get<UploadSession>(found);
  if (auto error = unusable(upload, operation.now_ms())) co_return refused(*error);
  for (const json& number : member_of(operation.request(), "partNumbers")) {
    if (!number.is_number_integer() || number.get<int64_t>() < 1 || number.get<int64_t>() > upload.part_count) {
      co_return refused_because(Error::InvalidRequest,
                                "This upload has parts 1 to " + std::to_string(upload.part_count) + ".", "partNumbers");
    }
  }
  upload.presigned_at_ms = operation.now_ms();
  std::vector<Statement> writes{touch(upload.upload_id, upload.presigned_at_ms)};
  // Part activity keeps the upload alive for a day past the last sign: so must the cron's index of it.
  const bool index_work = refresh_work_index(operation, writes);
  operation.write_with_answer(std::move(writes));
  co_return json{{"upload", upload.to_json()}, {"indexWork", index_work}};
}

// The Worker's part PUT: {"uploadId", "key", "partNumber", "size"} -> {"upload"} when that part of that upload
// may be written now, else refused with the reason.
Task<Reply> find_part_writer(Operation& operation) {
  const auto upload = co_await load_upload(operation, string_field(operation.request(), "uploadId"));
  if (!operation.shoot || !upload || !upload->multipart || upload->key != string_field(operation.request(), "key")) {
    co_return refused_because(Error::UploadSuperseded, "no multipart upload of this key has this id");
  }
  if (auto error = unusable(*upload, operation.now_ms())) co_return refused(*error);
  if (upload->storage_upload_id.empty()) {
    // Its storage upload was used up by a rejected completion: this URL predates the one signing starts anew.
    co_return refused_because(Error::UploadSuperseded, "This part URL is stale; sign the part again.");
  }
  if (upload->completing_at_ms > operation.now_ms() - records::kCompletionClaimMs) {
    // Its parts are being assembled: a part written now could not be part of the file.
    co_return refused_because(Error::UploadCompleted, "a completion of this upload is in progress");
  }
  const int64_t number = integer_field(operation.request(), "partNumber");
  if (number < 1 || number > upload->part_count) {
    co_return refused_because(Error::InvalidRequest,
                              "This upload has parts 1 to " + std::to_string(upload->part_count) + ".", "partNumber");
  }
  const int64_t expected = PartPlan::size_of(number, upload->part_size, upload->size);
  if (integer_field(operation.request(), "size") != expected) {
    co_return refused_because(Error::InvalidRequest,
                              "Part " + std::to_string(number) + " is exactly " + std::to_string(expected) + " bytes.",
                              "Content-Length");
  }
  co_return json{{"upload", upload->to_json()}};
}

// {"uploadId", "partNumber", "size", "etag"} -> {"recorded": true}: storage holds the part now; the newest
// upload of a part number is the one listed.
Task<Reply> record_part(Operation& operation) {
  const auto upload = co_await load_upload(operation, string_field(operation.request(), "uploadId"));
  if (!operation.shoot || !upload) co_return refused(Error::UploadNotFound);
  if (auto error = unusable(*upload, operation.now_ms())) co_return refused(*error);
  const int64_t now_ms = operation.now_ms();
  std::vector<Statement> writes{
      {"INSERT OR REPLACE INTO parts (uploadId, partNumber, size, etag, storedAtMs) VALUES (?, ?, ?, ?, ?)",
       SqlParams{upload->upload_id, integer_field(operation.request(), "partNumber"),
                 integer_field(operation.request(), "size"), string_field(operation.request(), "etag"), now_ms}},
      touch(upload->upload_id, now_ms)};
  operation.write_with_answer(std::move(writes));
  co_return json{{"recorded", true}};
}

}  // namespace upgate::ledger
