#include "http/errors.h"

#include <array>

namespace upgate {

namespace {

// In the order of the enum; catalogue_entry checks that each entry sits at its own position.
constexpr std::array<std::pair<Error, ErrorEntry>, 34> kCatalogue{{
    {Error::InvalidJson, {400, "invalid_json", "The request body is not valid JSON."}},
    {Error::InvalidRequest, {400, "invalid_request", "The request is missing a field or has one of the wrong type."}},
    {Error::BodyLengthMismatch,
     {400, "body_length_mismatch", "The body was not exactly Content-Length bytes; nothing was stored."}},
    {Error::ChecksumMismatch,
     {400, "checksum_mismatch",
      "The body does not match the checksum it was signed or declared with; nothing was stored."}},
    {Error::ChecksumUnsupported,
     {400, "checksum_unsupported", "The request names a checksum algorithm Upgate cannot verify."}},
    {Error::InvalidToken, {401, "invalid_token", "A valid bearer token is required."}},
    {Error::NotShootOwner, {403, "not_shoot_owner", "Only the shoot's owner or an admin may do this."}},
    {Error::ContentTypeNotAllowed, {403, "content_type_not_allowed", "This content type is not accepted."}},
    {Error::SignatureInvalid, {403, "signature_invalid", "This upload URL is not valid for this request."}},
    {Error::UrlExpired, {403, "url_expired", "This upload URL has expired; ask for a new one."}},
    {Error::NotFound, {404, "not_found", "No such endpoint."}},
    {Error::ShootNotFound, {404, "shoot_not_found", "No shoot with this id."}},
    {Error::UploadNotFound, {404, "upload_not_found", "No upload with this id."}},
    {Error::MethodNotAllowed, {405, "method_not_allowed", "This endpoint does not accept that method."}},
    {Error::ShootExists, {409, "shoot_exists", "A shoot with this id already exists."}},
    {Error::AlreadyExists,
     {409, "already_exists", "A completed upload already holds this file name; send \"replace\": true to replace it."}},
    {Error::UploadMissing, {409, "upload_missing", "Nothing has been uploaded to this URL yet."}},
    {Error::UploadCancelled,
     {409, "upload_cancelled",
      "This upload was cancelled: the file name was presigned again with another declaration."}},
    {Error::UploadSuperseded,
     {409, "upload_superseded",
      "This URL no longer belongs to the upload pending on this file name; presign again for a fresh URL."}},
    {Error::UploadExpired,
     {410, "upload_expired",
      "This upload was not completed within its window (6 hours after its last presign; for multipart, 24 hours "
      "after its last part) and was abandoned."}},
    {Error::UploadAborted, {409, "upload_aborted", "This upload was aborted; presign the file again to upload it."}},
    {Error::UploadCompleted,
     {409, "upload_completed", "This upload is complete; a completed upload cannot be aborted or written."}},
    {Error::PartsMissing,
     {409, "parts_missing", "Some parts of this multipart upload have not been uploaded yet; see missing."}},
    {Error::EndpointRemoved, {410, "endpoint_removed", "This endpoint was removed."}},
    {Error::PayloadTooLarge, {413, "payload_too_large", "JSON bodies are limited to 64 KiB."}},
    {Error::FileTooLarge, {413, "file_too_large", "The file is larger than this service accepts."}},
    {Error::MultipartRequired,
     {413, "multipart_required",
      "The file is larger than one PUT may carry; upload it in parts (POST /api/uploads/multipart)."}},
    {Error::RangeNotSatisfiable,
     {416, "range_not_satisfiable", "The requested range is not satisfiable: it starts past the object's end."}},
    {Error::InvalidFilename, {422, "invalid_filename", "The file name breaks the naming standard v3.1."}},
    {Error::ContentMismatch, {422, "content_mismatch", "The uploaded file does not match what was declared."}},
    {Error::RateLimited, {429, "rate_limited", "Too many requests; retry after the time in Retry-After."}},
    {Error::InternalError, {500, "internal_error", "Something went wrong on our side."}},
    {Error::Misconfigured,
     {503, "misconfigured", "The service is not configured correctly; the operator has been told in the logs."}},
    {Error::StorageUnavailable,
     {503, "storage_unavailable", "Storage is unavailable; nothing was changed. Try again."}},
}};

constexpr bool in_enum_order() {
  for (size_t i = 0; i < kCatalogue.size(); ++i) {
    if (static_cast<size_t>(kCatalogue[i].first) != i) return false;
  }
  return true;
}
static_assert(in_enum_order(), "kCatalogue must list the errors in the order of enum class Error");

}  // namespace

const ErrorEntry& catalogue_entry(Error error) { return kCatalogue[static_cast<size_t>(error)].second; }

Rejection reject(Error error) {
  const ErrorEntry& entry = catalogue_entry(error);
  return Rejection{entry.status, std::string(entry.code), std::string(entry.message)};
}

std::optional<Error> error_named(std::string_view code) {
  for (const auto& [error, entry] : kCatalogue) {
    if (entry.code == code) return error;
  }
  return std::nullopt;
}

json Rejection::to_error_object() const {
  json error{{"code", code}, {"message", message}};
  for (const auto& [key, value] : details.items()) error[key] = value;
  return error;
}

Response Rejection::to_response() const {
  Response response = json_response(status, json{{"error", to_error_object()}});
  response.log_level = status >= 500 ? "error" : "warn";
  return response;
}

}  // namespace upgate
