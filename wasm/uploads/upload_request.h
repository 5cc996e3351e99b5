// Validation of the upload endpoints' request bodies (contract sections 2, 4 and 5), with the contract's
// exact status and error codes. Pure: the caller supplies the limits and the time.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "http/errors.h"
#include "util/json.h"
#include "util/json_writer.h"

namespace upgate {

class JsonReader;

constexpr size_t kMaxBatchFiles = 100;
constexpr int64_t kMaxJsonBodyBytes = 64 * 1024;

struct FileRequest {
  std::string filename;
  std::string content_type;  // as declared, normalised to lower case without parameters
  int64_t size = 0;
  std::string sha256;  // lower-case hex, or empty
  bool replace = false;
  int64_t part_size = 0;  // multipart: the size of its parts (contract 5.4); 0 for one PUT

  // A checked file as the Worker hands it to the shoot's ledger (written as text), and read back there by a
  // pull reader positioned at the file (another kind of value reads as an empty file).
  void write(JsonWriter& out) const;
  static FileRequest read(JsonReader& reader);
};

// How large a file may be: in one PUT, and at all (in parts). Multipart creation passes the same limit twice.
struct SizeLimits {
  int64_t single_put_bytes = 0;
  int64_t upload_bytes = 0;
};

struct PresignRequest {
  std::string shoot_id;
  bool batch = false;
  // One entry per requested file, in request order: the valid request, or why that file was refused.
  std::vector<std::variant<FileRequest, Rejection>> files;
  std::vector<std::string> declared_filenames;  // each file's "filename" as sent ("" when absent or not a string)
};

// Parses the body text of POST /api/uploads/presign. A Rejection here refuses the whole request
// (invalid_json, invalid_request); per-file problems land in PresignRequest::files.
std::variant<PresignRequest, Rejection> parse_presign_request(const std::string& body, SizeLimits limits,
                                                              int64_t now_unix_seconds);

// One file of a presign request, checked in this order: fields (400 invalid_request), content type
// (403 content_type_not_allowed), size (413 file_too_large, or multipart_required above one PUT's limit),
// name (422 invalid_filename with its rule).
// The type comes before the name so a disallowed type is reported as such rather than as extension_mismatch.
std::variant<FileRequest, Rejection> check_file(const json& item, const std::string& shoot_id, SizeLimits limits,
                                                int64_t now_unix_seconds);

struct CompleteRequest {
  bool batch = false;
  std::vector<std::string> upload_ids;
  // "parts": [{"partNumber", "etag"}] (one upload only): the ETags storage answered the client's part PUTs,
  // as S3's CompleteMultipartUpload takes them. s3 mode completes only parts whose stored ETag is the one
  // given; worker mode records every part itself and needs none.
  std::map<int64_t, std::string> part_etags;
};
std::variant<CompleteRequest, Rejection> parse_complete_request(const std::string& body);

// The body of POST /api/shoots: the shoot id, checked against the contract's pattern, and an optional title.
struct CreateShootRequest {
  std::string shoot_id;
  std::string title;  // "" when absent
};
constexpr size_t kMaxTitleBytes = 200;
std::variant<CreateShootRequest, Rejection> parse_create_shoot_request(const std::string& body);

// {"uploadId"} (POST /api/uploads/abort): the id as sent; whether it can exist is the route's question.
std::variant<std::string, Rejection> parse_upload_id_request(const std::string& body);

// {"shootId", "keys": [1..100 strings]} (POST /api/downloads/presign).
struct DownloadRequest {
  std::string shoot_id;
  std::vector<std::string> keys;
};
std::variant<DownloadRequest, Rejection> parse_download_request(const std::string& body);

// The request's "shootId", checked against the contract's pattern (400 invalid_request).
std::variant<std::string, Rejection> read_shoot_id(const json& object);

// Malformed JSON (400 invalid_json) or a body that is not a JSON object (400 invalid_request).
std::variant<json, Rejection> parse_json_object(const std::string& body);

}  // namespace upgate
