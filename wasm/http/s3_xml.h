// The XML answers of S3's multipart API (contract 5.4.1), for clients that drive S3's own API against the
// Worker (Uppy 6, S3 SDKs): InitiateMultipartUploadResult, ListPartsResult, CompleteMultipartUploadResult
// and S3's error document. Written by hand: four fixed shapes of elements and text need escaping, not a
// library; what S3 clients parse is checked against the AWS SDK's own deserialisers in the tests.
#pragma once
#include <string>

#include "http/response.h"
#include "util/json.h"

namespace upgate::s3_xml {

constexpr const char* kContentType = "application/xml";

std::string initiate_result(const std::string& bucket, const std::string& key, const std::string& upload_id);
// parts: [{"partNumber", "size", "etag"}] in order.
std::string list_parts_result(const std::string& bucket, const std::string& key, const std::string& upload_id,
                              const json& parts);
std::string complete_result(const std::string& location, const std::string& bucket, const std::string& key,
                            const std::string& etag);
std::string error_document(const std::string& code, const std::string& message, const std::string& request_id);

// A JSON error response as S3's error document, same status; any other response is returned as it is.
Response as_s3_error(Response response, const std::string& request_id);

}  // namespace upgate::s3_xml
