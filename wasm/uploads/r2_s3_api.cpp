#include "uploads/r2_s3_api.h"

#include "http/s3_xml.h"

namespace upgate::r2_s3 {

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Request signed_request(const Signer& signer, std::string method, const std::string& key, Pairs query,
                       Pairs headers = {}, std::string body = "") {
  const Config& config = signer.config;
  sigv4::RequestToSign input;
  input.method = std::move(method);
  input.host = config.r2_endpoint_host();
  input.path = "/" + config.r2_bucket + "/" + key;
  input.query = std::move(query);
  input.headers = std::move(headers);
  input.body = std::move(body);
  input.now_unix_seconds = signer.now_ms / 1000;
  sigv4::SignedRequest signed_request =
      sigv4::sign_request({config.r2_key_id, config.r2_secret}, sigv4::Scope{}, input, signer.keys);
  return Request{input.method, config.r2_endpoint_scheme() + "://" + input.host + signed_request.path_and_query,
                 std::move(signed_request.headers), std::move(input.body)};
}

std::optional<int64_t> small_number(const std::string& text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

Request create_multipart(const Signer& signer, const std::string& key, const std::string& content_type,
                         const std::string& upload_id) {
  return signed_request(signer, "POST", key, {{"uploads", ""}},
                        {{"content-type", content_type}, {"x-amz-meta-upload-id", upload_id}});
}

Request list_parts(const Signer& signer, const std::string& key, const std::string& storage_upload_id, int64_t marker) {
  Pairs query{{"uploadId", storage_upload_id}};
  if (marker > 0) query.emplace_back("part-number-marker", std::to_string(marker));
  return signed_request(signer, "GET", key, std::move(query));
}

Request complete_multipart(const Signer& signer, const std::string& key, const std::string& storage_upload_id,
                           const json& parts) {
  std::string body = "<CompleteMultipartUpload>";
  for (const json& part : parts) {
    body += "<Part><PartNumber>" + std::to_string(integer_field(part, "partNumber")) + "</PartNumber><ETag>" +
            s3_xml::escaped("\"" + unquoted_etag(string_field(part, "etag")) + "\"") + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  return signed_request(signer, "POST", key, {{"uploadId", storage_upload_id}}, {{"content-type", "application/xml"}},
                        std::move(body));
}

Request abort_multipart(const Signer& signer, const std::string& key, const std::string& storage_upload_id) {
  return signed_request(signer, "DELETE", key, {{"uploadId", storage_upload_id}});
}

std::optional<std::string> initiated_upload_id(const std::string& xml) {
  auto id = s3_xml::text_of(xml, "UploadId");
  if (!id || id->empty()) return std::nullopt;
  return id;
}

std::optional<PartsPage> parts_page(const std::string& xml) {
  if (s3_xml::elements_named(xml, "ListPartsResult").empty()) return std::nullopt;
  PartsPage page;
  for (const std::string_view part : s3_xml::elements_named(xml, "Part")) {
    const auto number = small_number(s3_xml::text_of(part, "PartNumber").value_or(""));
    const auto size = small_number(s3_xml::text_of(part, "Size").value_or(""));
    if (!number || !size) return std::nullopt;
    page.parts.push_back(json{
        {"partNumber", *number}, {"size", *size}, {"etag", unquoted_etag(s3_xml::text_of(part, "ETag").value_or(""))}});
  }
  page.truncated = s3_xml::text_of(xml, "IsTruncated").value_or("false") == "true";
  page.next_marker = small_number(s3_xml::text_of(xml, "NextPartNumberMarker").value_or("")).value_or(0);
  return page;
}

std::string error_code(const std::string& xml) {
  const auto errors = s3_xml::elements_named(xml, "Error");
  if (errors.empty()) return "";
  return s3_xml::text_of(errors.front(), "Code").value_or("");
}

std::string unquoted_etag(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') return etag.substr(1, etag.size() - 2);
  return etag;
}

}  // namespace upgate::r2_s3
