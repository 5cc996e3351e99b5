// The error catalogue: every error code the contract names, with its HTTP status and the sentence a person
// reads when the place that refuses has nothing more specific to say. Every refusal in the core is built
// from it, so a code always answers with the same status.
//
//   return reject(Error::UploadNotFound).with("uploadId", id);             // the catalogue's sentence
//   return reject(Error::InvalidRequest).saying("size must be an integer.").with("field", "size");
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "http/response.h"
#include "util/json.h"

namespace upgate {

enum class Error {
  InvalidJson,
  InvalidRequest,
  BodyLengthMismatch,
  ChecksumMismatch,
  ChecksumUnsupported,
  InvalidToken,
  NotShootOwner,
  ContentTypeNotAllowed,
  SignatureInvalid,
  UrlExpired,
  NotFound,
  ShootNotFound,
  UploadNotFound,
  MethodNotAllowed,
  ShootExists,
  AlreadyExists,
  UploadMissing,
  UploadCancelled,
  UploadSuperseded,
  UploadExpired,
  UploadAborted,
  UploadCompleted,
  PartsMissing,
  EndpointRemoved,
  PayloadTooLarge,
  FileTooLarge,
  MultipartRequired,
  RangeNotSatisfiable,
  InvalidFilename,
  ContentMismatch,
  RateLimited,
  InternalError,
  Misconfigured,
  StorageUnavailable,
};

struct ErrorEntry {
  int status;
  std::string_view code;     // snake_case, as the contract spells it
  std::string_view message;  // the default sentence
};
const ErrorEntry& catalogue_entry(Error error);

// A refusal that knows its status and code: what validation returns and handlers answer with.
struct Rejection {
  int status = 400;
  std::string code;
  std::string message;
  json details = json::object();

  // A more specific sentence than the catalogue's, and detail fields of the error object.
  Rejection saying(std::string sentence) && {
    message = std::move(sentence);
    return std::move(*this);
  }
  Rejection with(const char* field, json value) && {
    details[field] = std::move(value);
    return std::move(*this);
  }

  // {"error": {"code", "message", ...details}}; the request id is added when the response is finished.
  Response to_response() const;
  // The {"code", "message", ...} object a batch entry carries.
  json to_error_object() const;
  // The response with a reason for the log line only, never sent to the client.
  Response logging(std::string reason) const {
    Response response = to_response();
    response.log_detail = std::move(reason);
    return response;
  }
  // A handler may answer with a rejection as it is.
  operator Response() const { return to_response(); }  // NOLINT(google-explicit-constructor)
};

Rejection reject(Error error);

// The error a contract code names ("upload_cancelled"), for codes that travel as text (the shoot ledger's
// answers); nullopt for a code the catalogue does not hold.
std::optional<Error> error_named(std::string_view code);

// 400 invalid_request naming the field.
inline Rejection invalid_request(const std::string& field, std::string message) {
  return reject(Error::InvalidRequest).saying(std::move(message)).with("field", field);
}

}  // namespace upgate
