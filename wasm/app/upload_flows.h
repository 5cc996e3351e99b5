// The upload flows that Upgate's JSON endpoints and its S3-style API (POST /api/uploads/sign-request and the
// S3 requests it presigns, contract 5.4.1) share, so both make the same checks and the same ledger decisions.
#pragma once
#include <string>
#include <vector>

#include "app/context.h"
#include "http/result.h"
#include "uploads/multipart_request.h"
#include "uploads/upload_request.h"
#include "uploads/upload_session.h"

namespace upgate {

// A decision of the shoot's ledger on one file, with the writes its answer depends on (the cron's index).
struct DecidedUpload {
  UploadSession upload;
  std::string duplicate_of;  // another key whose asset has the same digest (contract 5.1), or ""
  json parts;                // a multipart upload asked for again: the parts it has (else null)
  std::vector<json> writes;
};

// The ledger's decision for one checked file: the upload it gets, a single PUT or (file.part_size > 0)
// multipart (routes_presign.cpp).
Task<Result<DecidedUpload>> decide_upload(Context& context, const jwt::Claims& caller, const std::string& shoot_id,
                                          const FileRequest& file);

// A multipart upload created (or the pending one returned), its storage upload in place (routes_multipart.cpp).
Task<Result<DecidedUpload>> create_multipart(Context& context, const jwt::Claims& caller,
                                             const MultipartRequest& request);
// {"uploadId", "key", "partSize", "partCount", "expiresAt", "duplicateOf"?}
json multipart_created_answer(const DecidedUpload& created);

// The upload whose parts may be signed now, its storage upload in place (routes_multipart.cpp).
Task<Result<DecidedUpload>> allow_parts(Context& context, const jwt::Claims& caller, const std::string& upload_id,
                                        const std::vector<int64_t>& part_numbers);

// POST /api/uploads/complete's answer for these uploads (routes_complete.cpp).
Task<Response> complete_uploads(Context& context, const jwt::Claims& caller, const CompleteRequest& request);

// POST /api/uploads/abort's answer for one upload (routes_uploads.cpp).
Task<Response> abort_upload(Context& context, const jwt::Claims& caller, const std::string& upload_id);

// What the ledger holds of the upload, for the caller (routes_uploads.cpp).
Task<Result<UploadSession>> find_upload(Context& context, const jwt::Claims& caller, const std::string& upload_id);

// The upload as GET /api/uploads/{uploadId} shows it, parts included (routes_uploads.cpp).
Task<Result<json>> read_upload(Context& context, const jwt::Claims& caller, const std::string& upload_id);

}  // namespace upgate
