// R2's S3 API as s3 mode's Worker calls it itself (contract 5.4): the multipart upload's create, ListParts,
// complete and abort, each signed in its Authorization header with the R2 key pair and sent only to
// R2_S3_ENDPOINT (path-style, region auto). The parts themselves go from the client straight to R2 through
// presigned UploadPart URLs (upload_url.h). Pure: builds requests and reads answers; the shim sends them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "sigv4/sigv4.h"
#include "util/json.h"

namespace upgate::r2_s3 {

struct Request {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// What signs a request: the configuration's endpoint and key pair, the derived-key cache and the time.
struct Signer {
  const Config& config;
  sigv4::SigningKeyCache& keys;
  int64_t now_ms = 0;
};

// POST /<bucket>/<key>?uploads, the assembled object's type and upload-id metadata (contract 5.5) set now.
Request create_multipart(const Signer& signer, const std::string& key, const std::string& content_type,
                         const std::string& upload_id);
// GET /<bucket>/<key>?uploadId=…, from the part after `marker` (S3 answers at most 1,000 parts a page).
Request list_parts(const Signer& signer, const std::string& key, const std::string& storage_upload_id, int64_t marker);
// POST /<bucket>/<key>?uploadId=… with the parts to assemble: [{"partNumber", "etag"}] in order.
Request complete_multipart(const Signer& signer, const std::string& key, const std::string& storage_upload_id,
                           const json& parts);
// DELETE /<bucket>/<key>?uploadId=…
Request abort_multipart(const Signer& signer, const std::string& key, const std::string& storage_upload_id);

// CreateMultipartUpload's answer: the UploadId; nullopt when the document has none.
std::optional<std::string> initiated_upload_id(const std::string& xml);

// One page of ListParts' answer: [{"partNumber", "size", "etag"}] (ETags unquoted), and where the next starts.
struct PartsPage {
  json parts = json::array();
  bool truncated = false;
  int64_t next_marker = 0;
};
std::optional<PartsPage> parts_page(const std::string& xml);

// S3's error document's Code ("" when the answer is not one). CompleteMultipartUpload may answer 200 with one.
std::string error_code(const std::string& xml);

// An ETag without the quotes S3 writes around it, so ETags from headers and from XML compare equal.
std::string unquoted_etag(std::string etag);

}  // namespace upgate::r2_s3
