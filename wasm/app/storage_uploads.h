// The storage side of a multipart upload, in either upload mode: worker mode through the R2 binding (the
// parts pass through this Worker), s3 mode through R2's S3 API, which the Worker calls itself with the R2 key
// pair (the parts go from the client straight to R2). Routes and the cron call these and never ask which.
#pragma once
#include <string>

#include "app/context.h"
#include "app/isolate.h"
#include "http/result.h"
#include "uploads/upload_session.h"

namespace upgate {

// Creates the storage's multipart upload for this upload: its id.
Task<Result<std::string>> create_storage_upload(Context& context, const UploadSession& upload);

// The effect that frees a storage upload and its parts. An upload storage no longer knows counts as freed
// (an abort that raced another, or a completion).
json abort_storage_upload(IsolateState& isolate, int64_t now_ms, const std::string& object_key,
                          const std::string& storage_upload_id);

// Whether that abort's answer says this call freed the upload (not an abort before it).
bool storage_upload_freed(const EffectResult& aborted);

// The effect that assembles the parts ([{"partNumber", "etag"}]) into the object. Its result is not judged
// here: the object it leaves (or not) is, by its upload id.
json complete_storage_upload(Context& context, const UploadSession& upload, const json& parts);

// Whether this mode's storage, not the ledger, knows an upload's parts (s3 mode: they never pass here).
bool storage_lists_parts(const Config& config);

// s3 mode: the parts R2 holds for the upload, [{"partNumber", "size", "etag"}] in order (S3's ListParts,
// page after page); nullopt when storage no longer knows the upload (aborted, or assembled).
Task<Result<std::optional<json>>> list_storage_parts(Context& context, const UploadSession& upload);

}  // namespace upgate
