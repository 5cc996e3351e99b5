// The XML answers of S3's multipart API (contract 5.4.1), for clients that drive S3's own API against the
// Worker (Uppy 6, S3 SDKs): InitiateMultipartUploadResult, ListPartsResult, CompleteMultipartUploadResult
// and S3's error document. Written by hand: four fixed shapes of elements and text need escaping, not a
// library; what S3 clients parse is checked against the AWS SDK's own deserialisers in the tests.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/response.h"
#include "util/json.h"

namespace upgate::s3_xml {

constexpr const char* kContentType = "application/xml";

// Text with &, <, > and " escaped, for an element's content.
std::string escaped(const std::string& text);

std::string initiate_result(const std::string& bucket, const std::string& key, const std::string& upload_id);
// parts: [{"partNumber", "size", "etag"}] in order.
std::string list_parts_result(const std::string& bucket, const std::string& key, const std::string& upload_id,
                              const json& parts);
std::string complete_result(const std::string& location, const std::string& bucket, const std::string& key,
                            const std::string& etag);
std::string error_document(const std::string& code, const std::string& message, const std::string& request_id);

// A JSON error response as S3's error document, same status; any other response is returned as it is.
Response as_s3_error(Response response, const std::string& request_id);

// Reading what R2's S3 API answers the Worker in s3 mode. Those answers are flat documents a machine wrote,
// whose few elements are known by name, so finding <Name>…</Name> and decoding character references is all
// it takes; attributes, namespaces and DTDs play no part (an XML library would parse far more than is read).

// The raw content of every <name>…</name> (or <name/>, empty) in document order, not descending into a match.
std::vector<std::string_view> elements_named(std::string_view xml, std::string_view name);
// The decoded text of the first <name> element; nullopt when there is none.
std::optional<std::string> text_of(std::string_view xml, std::string_view name);
// Text with the five predefined entities and numeric character references decoded (others kept as written).
std::string decoded(std::string_view text);

}  // namespace upgate::s3_xml
