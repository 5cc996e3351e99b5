// Builds the presigned PUT URL for one upload, in either upload mode (contract 5.1, 5.5).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "sigv4/sigv4.h"
#include "uploads/upload_session.h"

namespace upgate {

struct UploadUrl {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // what the client must send, with values
  int64_t expires_at_ms = 0;
};

// worker mode: <scheme>://<request host>/upload/<key>?…&x-upgate-upload-id=<id>, signed with the worker-mode
// key pair; the Worker writes the bytes where the session says (beside the file, for a replacement).
// s3 mode: <R2_S3_ENDPOINT>/<bucket>/<object key>, signed with the R2 key pair, with If-None-Match: * and
// x-amz-meta-upload-id signed in, so R2 refuses a stale URL (412) and the object names the upload that wrote it.
// Both sign host, content-type, content-length and, when a digest was declared, x-amz-checksum-sha256, so the
// storage side enforces them.
UploadUrl presign_upload(const Config& config, const std::string& scheme, const std::string& request_host,
                         const UploadSession& upload, int64_t now_ms, sigv4::SigningKeyCache& keys);

// One part of a multipart upload (contract 5.4): S3's UploadPart, ?partNumber=<n>&uploadId=<id>, with the
// part's exact Content-Length signed and its x-amz-checksum-sha256 when sha256 (hex) is given. worker mode:
// under /upload/<key>, naming Upgate's upload id; s3 mode: R2's object URL, naming R2's multipart upload.
UploadUrl presign_part(const Config& config, const std::string& scheme, const std::string& request_host,
                       const UploadSession& upload, int64_t part_number, const std::string& sha256, int64_t now_ms,
                       sigv4::SigningKeyCache& keys);

// A request to the Worker's own S3-style API (contract 5.4.1: CreateMultipartUpload, ListParts,
// CompleteMultipartUpload, AbortMultipartUpload, which R2 cannot presign): <scheme>://<request host>/upload/<key>
// with the query given, signed with the worker-mode key pair for that method.
UploadUrl presign_worker_request(const Config& config, const std::string& scheme, const std::string& request_host,
                                 const std::string& method, const std::string& key,
                                 std::vector<std::pair<std::string, std::string>> query, int64_t now_ms,
                                 sigv4::SigningKeyCache& keys);

struct DownloadUrl {
  std::string url;
  int64_t expires_at_ms = 0;
};

// A presigned GET of one stored object (contract 5.6): worker mode <scheme>://<request host>/download/<key>,
// signed with the worker-mode key pair and served by the Worker from BUCKET; s3 mode R2's own URL.
DownloadUrl presign_download(const Config& config, const std::string& scheme, const std::string& request_host,
                             const std::string& key, int64_t now_ms, sigv4::SigningKeyCache& keys);

// The path prefix of worker-mode download URLs.
constexpr const char* kWorkerDownloadPrefix = "/download/";

// The path prefix of worker-mode upload URLs.
constexpr const char* kWorkerUploadPrefix = "/upload/";
// Worker-mode URLs sign the upload id, so the PUT writes only for the upload pending on the key.
constexpr const char* kUploadIdParam = "x-upgate-upload-id";
// The Worker's S3-style API: the signer the request acts for, and CreateMultipartUpload's marker.
constexpr const char* kActorParam = "x-upgate-actor";
constexpr const char* kActorAdminParam = "x-upgate-admin";
constexpr const char* kUploadsParam = "uploads";
// S3's UploadPart query: the part's number and the multipart upload it belongs to.
constexpr const char* kPartNumberParam = "partNumber";
constexpr const char* kMultipartUploadIdParam = "uploadId";

}  // namespace upgate
