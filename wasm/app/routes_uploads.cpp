// One upload, by its id (contract 5.3, 5.4): GET /api/uploads/{uploadId} reads it as the ledger holds it;
// POST /api/uploads/abort stops it, and the Worker deletes what it wrote (only bytes carrying its id) and
// frees a multipart upload's parts.
#include "app/auth.h"
#include "app/ledger_calls.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/storage_uploads.h"
#include "app/upload_flows.h"
#include "uploads/records.h"
#include "uploads/upload_request.h"
#include "uploads/upload_session.h"

namespace upgate {

namespace {
Response unknown_upload(const std::string& upload_id) {
  return reject(Error::UploadNotFound).with("uploadId", upload_id);
}

// The upload and the parts the ledger recorded (worker mode), as the ledger's getUpload answers for the caller.
struct LedgerUpload {
  UploadSession upload;
  json parts;
};

Task<Result<LedgerUpload>> ledger_upload(Context& context, const jwt::Claims& caller, const std::string& upload_id) {
  const auto shoot_id = records::shoot_of_upload(upload_id);
  if (!shoot_id) co_return unknown_upload(upload_id);
  json fields{{"uploadId", upload_id}};
  Result<json> found = co_await ask_ledger(context, "getUpload", *shoot_id, &caller, std::move(fields));
  if (!found) co_return std::move(found.refusal());
  auto upload = UploadSession::from_json(member_of(found.value(), "upload"));
  if (!upload) co_return unknown_upload(upload_id);
  co_return LedgerUpload{std::move(*upload), member_of(found.value(), "parts")};
}

}  // namespace

Task<Result<UploadSession>> find_upload(Context& context, const jwt::Claims& caller, const std::string& upload_id) {
  Result<LedgerUpload> found = co_await ledger_upload(context, caller, upload_id);
  if (!found) co_return std::move(found.refusal());
  co_return std::move(found.value().upload);
}

Task<Result<json>> read_upload(Context& context, const jwt::Claims& caller, const std::string& upload_id) {
  Result<LedgerUpload> found = co_await ledger_upload(context, caller, upload_id);
  if (!found) co_return std::move(found.refusal());
  const UploadSession& upload = found.value().upload;
  json parts = std::move(found.value().parts);
  // s3 mode: the parts went straight to R2, which alone can say which it holds (S3's ListParts).
  if (storage_lists_parts(context.config) && upload.multipart && !upload.storage_upload_id.empty() &&
      upload.live_at(context.exchange.now_ms())) {
    Result<std::optional<json>> listed = co_await list_storage_parts(context, upload);
    if (!listed) co_return std::move(listed.refusal());
    parts = listed.value().value_or(json::array());
  }
  co_return upload.to_public_json(context.exchange.now_ms(), parts);
}

Task<Response> handle_get_upload(Context& context) {
  Result<jwt::Claims> caller = co_await require_caller(context);
  if (!caller) co_return std::move(caller.refusal());
  Result<json> upload = co_await read_upload(context, caller.value(), context.route_params.at(0));
  if (!upload) co_return std::move(upload.refusal());
  co_return json_response(200, std::move(upload.value()));
}

Task<Response> abort_upload(Context& context, const jwt::Claims& caller, const std::string& upload_id) {
  const auto shoot_id = records::shoot_of_upload(upload_id);
  if (!shoot_id) co_return unknown_upload(upload_id);
  json fields{{"uploadId", upload_id}};
  Result<json> aborted = co_await ask_ledger(context, "abort", *shoot_id, &caller, std::move(fields));
  if (!aborted) co_return std::move(aborted.refusal());
  const auto upload = UploadSession::from_json(member_of(aborted.value(), "upload"));
  if (!upload) co_return unknown_upload(upload_id);
  // Its bytes go only if they are its own: another upload may hold the key by now.
  const EffectResult head = co_await context.exchange.perform_one(effects::r2_head(upload->object_key));
  if (!head.ok()) co_return storage_unavailable("r2 head of an aborted upload failed");
  std::vector<json> writes;
  if (string_field(member_of(head.value(), "object"), "uploadId") == upload_id) {
    writes.push_back(effects::r2_delete({upload->object_key}));
  }
  if (!upload->storage_upload_id.empty()) {
    writes.push_back(abort_storage_upload(context.isolate, context.exchange.now_ms(), upload->object_key,
                                          upload->storage_upload_id));  // frees its parts
  }
  co_return commit(json_response(200, json{{"uploadId", upload_id}, {"state", "aborted"}}), std::move(writes));
}

Task<Response> handle_abort(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  auto parsed = parse_upload_id_request(start.value().body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  co_return co_await abort_upload(context, start.value().caller, std::get<std::string>(parsed));
}

}  // namespace upgate
