#include "app/storage_uploads.h"

#include "app/request_body.h"
#include "uploads/r2_s3_api.h"

namespace upgate {

namespace {

// S3 answers 404 for an upload it no longer knows (error code NoSuchUpload: aborted before, or completed), and
// for other things it cannot find (NoSuchBucket): the status alone does not say which.
constexpr int kNotFound = 404;
// ListParts pages: 10,000 parts at S3's 1,000 a page; the bound stops a storage that never ends its listing.
constexpr int kMaxListPages = 10;
const std::vector<int> kOk{200};
const std::vector<int> kOkOrGone{200, kNotFound};
const std::vector<int> kAbortedOrGone{204, 200, kNotFound};

json signed_call(const r2_s3::Request& request, const std::vector<int>& ok_statuses) {
  return effects::s3_request(request.method, request.url, request.headers, request.body, ok_statuses);
}

r2_s3::Signer signer_of(Context& context) {
  return r2_s3::Signer{context.config, context.isolate.signing_keys, context.exchange.now_ms()};
}

// Why a call to R2's S3 API failed, for the log: its status and S3's error code, never a signature.
std::string failure_of(const char* what, const EffectResult& answer) {
  return std::string(what) + " failed: status " + std::to_string(integer_field(answer.value(), "status")) + " " +
         r2_s3::error_code(string_field(answer.value(), "body")) + string_field(answer.value(), "error");
}

}  // namespace

bool storage_lists_parts(const Config& config) { return config.upload_mode == UploadMode::S3; }

Task<Result<std::string>> create_storage_upload(Context& context, const UploadSession& upload) {
  if (!storage_lists_parts(context.config)) {
    const EffectResult created = co_await context.exchange.perform_one(
        effects::r2_multipart_create(upload.object_key, upload.content_type, upload.upload_id));
    if (!created.ok())
      co_return storage_unavailable("r2 multipart create failed: " + string_field(created.value(), "error"));
    co_return string_field(created.value(), "storageUploadId");
  }
  const r2_s3::Request request =
      r2_s3::create_multipart(signer_of(context), upload.object_key, upload.content_type, upload.upload_id);
  json create = signed_call(request, kOk);  // g++ 12: no braced lists inside a co_await's arguments
  const EffectResult created = co_await context.exchange.perform_one(create);
  if (!created.ok()) co_return storage_unavailable(failure_of("r2 CreateMultipartUpload", created));
  auto id = r2_s3::initiated_upload_id(string_field(created.value(), "body"));
  if (!id) co_return storage_unavailable("r2 CreateMultipartUpload answered no UploadId");
  co_return std::move(*id);
}

json abort_storage_upload(IsolateState& isolate, int64_t now_ms, const std::string& object_key,
                          const std::string& storage_upload_id) {
  if (!storage_lists_parts(isolate.config)) return effects::r2_multipart_abort(object_key, storage_upload_id);
  const r2_s3::Signer signer{isolate.config, isolate.signing_keys, now_ms};
  return signed_call(r2_s3::abort_multipart(signer, object_key, storage_upload_id), kAbortedOrGone);
}

bool storage_upload_freed(const EffectResult& aborted) {
  if (!aborted.value().contains("status")) return bool_field(aborted.value(), "aborted");
  const int64_t status = integer_field(aborted.value(), "status");
  return status == 200 || status == 204;
}

json complete_storage_upload(Context& context, const UploadSession& upload, const json& parts) {
  if (!storage_lists_parts(context.config)) {
    return effects::r2_multipart_complete(upload.object_key, upload.storage_upload_id, parts);
  }
  return signed_call(r2_s3::complete_multipart(signer_of(context), upload.object_key, upload.storage_upload_id, parts),
                     kOk);
}

Task<Result<std::optional<json>>> list_storage_parts(Context& context, const UploadSession& upload) {
  json parts = json::array();
  int64_t marker = 0;
  for (int page = 0; page < kMaxListPages; ++page) {
    const r2_s3::Request request =
        r2_s3::list_parts(signer_of(context), upload.object_key, upload.storage_upload_id, marker);
    json list = signed_call(request, kOkOrGone);
    const EffectResult listed = co_await context.exchange.perform_one(list);
    if (!listed.ok()) co_return storage_unavailable(failure_of("r2 ListParts", listed));
    if (integer_field(listed.value(), "status") == kNotFound) {
      // Only S3's NoSuchUpload says the upload is gone; another 404 (NoSuchBucket) is a storage problem.
      if (r2_s3::error_code(string_field(listed.value(), "body")) == "NoSuchUpload") co_return std::optional<json>();
      co_return storage_unavailable(failure_of("r2 ListParts", listed));
    }
    auto found = r2_s3::parts_page(string_field(listed.value(), "body"));
    if (!found) co_return storage_unavailable("r2 ListParts answered no ListPartsResult");
    for (json& part : found->parts) parts.push_back(std::move(part));
    if (!found->truncated || found->next_marker <= marker) co_return std::optional<json>(std::move(parts));
    marker = found->next_marker;
  }
  co_return std::optional<json>(std::move(parts));
}

}  // namespace upgate
