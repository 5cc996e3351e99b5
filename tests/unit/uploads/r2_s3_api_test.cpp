// s3 mode's own calls to R2's S3 API: the requests it signs and what it reads from the answers. The answers
// below are shaped as S3's documentation shows them (and as R2 writes them).
#include <doctest/doctest.h>

#include "config/config.h"
#include "http/s3_xml.h"
#include "uploads/r2_s3_api.h"
#include "uploads/upload_request.h"

using namespace upgate;

namespace {

Config s3_config() {
  Config config;
  config.upload_mode = UploadMode::S3;
  config.r2_endpoint = "https://acct123.r2.cloudflarestorage.com";
  config.r2_bucket = "photos";
  config.r2_key_id = "R2KEYID";
  config.r2_secret = "r2-secret-for-tests";
  return config;
}

std::string header(const r2_s3::Request& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

constexpr int64_t kNowMs = 1795257005000;  // 2026-11-21T10:30:05Z

}  // namespace

TEST_CASE("CreateMultipartUpload is a header-signed POST ?uploads naming the object's type and upload id") {
  const Config config = s3_config();
  sigv4::SigningKeyCache keys;
  const auto request =
      r2_s3::create_multipart({config, keys, kNowMs}, "shoots/s1/a b.cr3", "image/x-canon-cr3", "up_1");
  CHECK(request.method == "POST");
  CHECK(request.url == "https://acct123.r2.cloudflarestorage.com/photos/shoots/s1/a%20b.cr3?uploads=");
  CHECK(header(request, "content-type") == "image/x-canon-cr3");
  CHECK(header(request, "x-amz-meta-upload-id") == "up_1");
  CHECK(header(request, "x-amz-date") == "20261121T103005Z");
  const std::string authorization = header(request, "authorization");
  CHECK(authorization.starts_with("AWS4-HMAC-SHA256 Credential=R2KEYID/20261121/auto/s3/aws4_request, "));
  CHECK(authorization.find("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-upload-id") !=
        std::string::npos);
}

TEST_CASE("ListParts pages from a marker; abort is a DELETE; complete lists the parts with quoted ETags") {
  const Config config = s3_config();
  sigv4::SigningKeyCache keys;
  const r2_s3::Signer signer{config, keys, kNowMs};
  CHECK(r2_s3::list_parts(signer, "shoots/s1/x.jpg", "R2UP", 0).url ==
        "https://acct123.r2.cloudflarestorage.com/photos/shoots/s1/x.jpg?uploadId=R2UP");
  CHECK(r2_s3::list_parts(signer, "shoots/s1/x.jpg", "R2UP", 1000).url ==
        "https://acct123.r2.cloudflarestorage.com/photos/shoots/s1/x.jpg?part-number-marker=1000&uploadId=R2UP");
  CHECK(r2_s3::abort_multipart(signer, "shoots/s1/x.jpg", "R2UP").method == "DELETE");
  const json parts =
      json::array({json{{"partNumber", 1}, {"etag", "\"abc\""}}, json{{"partNumber", 2}, {"etag", "d&e"}}});
  const auto complete = r2_s3::complete_multipart(signer, "shoots/s1/x.jpg", "R2UP", parts);
  CHECK(complete.body ==
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag></Part>"
        "<Part><PartNumber>2</PartNumber><ETag>&quot;d&amp;e&quot;</ETag></Part></CompleteMultipartUpload>");
  CHECK(header(complete, "content-type") == "application/xml");
}

TEST_CASE("R2's answers: the UploadId, a page of parts, S3's error code") {
  CHECK(r2_s3::initiated_upload_id(R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>photos</Bucket>
<Key>shoots/s1/x.jpg</Key><UploadId>VXBsb2Fk&amp;SUQ=</UploadId></InitiateMultipartUploadResult>)") == "VXBsb2Fk&SUQ=");
  CHECK_FALSE(r2_s3::initiated_upload_id("<InitiateMultipartUploadResult></InitiateMultipartUploadResult>"));

  const auto page = r2_s3::parts_page(R"(<ListPartsResult><Bucket>photos</Bucket><IsTruncated>true</IsTruncated>
<NextPartNumberMarker>2</NextPartNumberMarker>
<Part><PartNumber>1</PartNumber><ETag>&quot;7778aef83f66abc1fa1e8477f296d394&quot;</ETag><Size>5242880</Size></Part>
<Part><PartNumber>2</PartNumber><ETag>"aaaa"</ETag><Size>100</Size></Part></ListPartsResult>)");
  REQUIRE(page);
  CHECK(page->truncated);
  CHECK(page->next_marker == 2);
  CHECK(page->parts ==
        json::array({json{{"partNumber", 1}, {"size", 5242880}, {"etag", "7778aef83f66abc1fa1e8477f296d394"}},
                     json{{"partNumber", 2}, {"size", 100}, {"etag", "aaaa"}}}));
  CHECK_FALSE(r2_s3::parts_page("<Error><Code>NoSuchUpload</Code></Error>"));
  CHECK_FALSE(r2_s3::parts_page("<ListPartsResult><Part><PartNumber>x</PartNumber></Part></ListPartsResult>"));
  CHECK(r2_s3::parts_page("<ListPartsResult/>")->parts.empty());

  CHECK(r2_s3::error_code("<?xml version=\"1.0\"?><Error><Code>InvalidPart</Code><Message>m</Message></Error>") ==
        "InvalidPart");
  CHECK(r2_s3::error_code("<CompleteMultipartUploadResult/>").empty());
}

TEST_CASE("s3_xml reads elements by name and decodes character references") {
  CHECK(s3_xml::decoded("a&amp;b&lt;&gt;&quot;&apos;&#65;&#x42;&#x20AC;") == "a&b<>\"'AB\xE2\x82\xAC");
  CHECK(s3_xml::decoded("&unknown; &#; &#xZZ; & alone") == "&unknown; &#; &#xZZ; & alone");
  CHECK(s3_xml::elements_named("<A><B>1</B><Bx>no</Bx><B attr=\"v\">2</B><B/></A>", "B") ==
        std::vector<std::string_view>{"1", "2", ""});
  CHECK(s3_xml::elements_named("<B>never closed", "B").empty());
  CHECK_FALSE(s3_xml::text_of("<A/>", "B"));
}

TEST_CASE("complete takes the client's part ETags for one upload, each part once") {
  auto parsed = parse_complete_request(
      R"({"uploadId":"up_1","parts":[{"partNumber":2,"etag":"\"b\""},{"partNumber":1,"etag":"a"}]})");
  REQUIRE(std::holds_alternative<CompleteRequest>(parsed));
  CHECK(std::get<CompleteRequest>(parsed).part_etags == std::map<int64_t, std::string>{{1, "a"}, {2, "\"b\""}});
  for (const char* body :
       {R"({"uploadId":"u","parts":{}})", R"({"uploadId":"u","parts":[{"partNumber":0,"etag":"a"}]})",
        R"({"uploadId":"u","parts":[{"partNumber":1}]})",
        R"({"uploadId":"u","parts":[{"partNumber":1,"etag":"a"},{"partNumber":1,"etag":"b"}]})",
        R"({"uploadId":"u","parts":[{"partNumber":10001,"etag":"a"}]})"}) {
    auto refused = parse_complete_request(body);
    REQUIRE(std::holds_alternative<Rejection>(refused));
    CHECK(std::get<Rejection>(refused).to_error_object()["field"] == "parts");
  }
}
