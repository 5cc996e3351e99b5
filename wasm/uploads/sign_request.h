// POST /api/uploads/sign-request (contract 5.4.1): one S3 request a client wants presigned (Uppy 6's
// `signRequest`, an S3 SDK presigner), read and classified as the S3 operation it is. Pure.
#pragma once
#include <cstdint>
#include <string>
#include <variant>

#include "http/errors.h"
#include "util/json.h"

namespace upgate {

enum class S3Operation {
  PutObject,                // PUT <key>
  CreateMultipartUpload,    // POST <key>?uploads
  UploadPart,               // PUT <key>?partNumber=&uploadId=
  ListParts,                // GET <key>?uploadId=
  CompleteMultipartUpload,  // POST <key>?uploadId=
  AbortMultipartUpload,     // DELETE <key>?uploadId=
};

struct SignRequest {
  std::string shoot_id;
  S3Operation operation = S3Operation::PutObject;
  std::string key;        // the object key, shoots/<shootId>/<filename>
  std::string filename;   // the key's last segment
  std::string upload_id;  // the multipart operations' Upgate upload id
  int64_t part_number = 0;
  // PutObject and CreateMultipartUpload: the file, as a presign or create body would declare it
  // ({"filename", "contentType", "size", "sha256"?, "replace"?, "partSize"?}), for the same checks.
  json declaration = json::object();
  std::string part_sha256;  // UploadPart: the part's digest (the request's "sha256"), lower-case hex or ""
};

// {"shootId", "request": {"method", "key", "uploadId"?, "partNumber"?, "contentType"?}, "size"?, "sha256"?,
//  "replace"?, "partSize"?}. An absent contentType is the one the file name's extension stands for.
std::variant<SignRequest, Rejection> parse_sign_request(const std::string& body);

}  // namespace upgate
