// Fuzz target: the whole core entry point, dispatch(), for POST /api/uploads/presign with the fuzz input as the
// request body.
//
// Set-up (once): {"op":"configure"} with a development environment (JWT_SECRET, worker-mode signing key), whose
// answer must publish the prefetch rule covering POST /api/*. Each input then runs one conversation exactly the
// way shim/index.js converse() drives it (see wasm/protocol/conversation.h): the first {"op":"http"} call carries the
// request (with a valid HS256 bearer token minted here, so authentication needs no effect; the isolate has no
// RATE_LIMITER binding, so the throttle needs none either) and the prefetched body {"ok":true,"text":<input>};
// each {"effects","handle"} answer is performed by a simulated shim and resumed; an answer with "then" is
// taken, and the conversation closed, when every effect succeeded. The simulated shoot ledger: the shoot is the
// caller's unless its id starts with "missing" (absent), "other" (someone else's) or "down" (the Durable Object
// fails); a completed upload exists when the file name contains "_0001", a pending one never; the work index
// write to KV succeeds unless the shoot id starts with "readonly". The core is configured afresh before each input: the
// local token bucket would otherwise run dry after a few hundred executions at a fixed clock and turn every later input
// into a 429, which is not what this target is about.
//
// Invariants:
//  - every answer of dispatch() is a JSON object (followed only by the NUL-separated response bodies it
//    indexes), never {"error": ...} (the calls are well-formed, so an error answer means something threw
//    inside the core), and the conversation finishes within a few steps;
//  - the handler asks only for the effects presign needs (no read_body, the body was prefetched; no signature
//    check for HS256);
//  - the final response is what the contract says for this body, computed independently from
//    parse_presign_request and the simulated storage: the same status and error code, one entry per file in
//    batch mode, the error body carrying the request id, 503 when a write the answer depends on failed;
//  - every presigned URL handed out verifies with sigv4::verify against the worker-mode key, for the object key
//    shoots/<shootId>/<filename> and the declared type, length and digest; every file sent to the ledger passed
//    the naming standard, and the ledger is asked as the caller.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/dispatch.h"
#include "crypto/crypto.h"
#include "fuzz_check.h"
#include "naming/naming.h"
#include "sigv4/sigv4.h"
#include "uploads/records.h"
#include "uploads/upload_request.h"
#include "util/encoding.h"
#include "util/json.h"

using namespace upgate;

namespace {

constexpr int64_t kNowSeconds = 1795262400;  // 2026-11-21T12:00:00Z
constexpr int64_t kNowMs = kNowSeconds * 1000;
constexpr SizeLimits kLimits{int64_t(95) * 1024 * 1024, int64_t(5) * 1024 * 1024 * 1024};  // the defaults
const std::string kJwtSecret = "0123456789abcdef0123456789abcdef-test-secret";
const std::string kUploadKeyId = "UPGATEKEY123";
const std::string kUploadSecret = "upload-signing-secret-0123456789abcdef";
const std::string kSub = "fuzz-user";
const std::string kHost = "upgate.example";
const std::string kOrigin = "https://app.example";
const std::string kEntropy = "00112233445566778899aabbccddeeff0123456789abcdef";
constexpr int kMaxSteps = 8;

std::string b64(std::string_view bytes) { return encoding::base64url_encode(bytes); }

std::string mint_token() {
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  const std::string payload = to_text(json{{"sub", kSub}, {"iat", kNowSeconds}, {"exp", kNowSeconds + 365 * 86400}});
  const std::string input = b64(header) + "." + b64(payload);
  return input + "." + b64(crypto::hmac_sha256(kJwtSecret, input));
}

json base_call() {
  static const std::string token = mint_token();
  return json{{"op", "http"},
              {"request",
               {{"method", "POST"},
                {"path", "/api/uploads/presign"},
                {"query", ""},
                {"scheme", "https"},
                {"ip", "203.0.113.7"},
                {"headers",
                 json::array({json::array({"Host", kHost}), json::array({"Authorization", "Bearer " + token}),
                              json::array({"Content-Type", "application/json"}), json::array({"Origin", kOrigin})})}}},
              {"now", kNowMs},
              {"entropy", kEntropy}};
}

// One dispatch() call. The wire answer is JSON, then each response body after a NUL byte, "body" holding its
// index (wasm/app/dispatch.cpp); the bodies are put back in place as shim/core.js does.
json call_core(const json& call, const std::string& where) {
  const std::string wire = dispatch(to_text(call));
  const size_t nul = wire.find('\0');
  const std::string detail = where + " answer=" + wire.substr(0, 500);
  const auto answer = parse_json(std::string_view(wire).substr(0, nul));
  FUZZ_CHECK(answer && answer->is_object(), detail);
  FUZZ_CHECK(!answer->contains("error"), detail);
  std::vector<std::string> bodies;
  for (size_t at = nul; at != std::string::npos;) {
    const size_t next = wire.find('\0', at + 1);
    bodies.push_back(wire.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1));
    at = next;
  }
  json placed = *answer;
  size_t used = 0;
  for (json* part : {&placed, placed.contains("then") ? &placed["then"] : nullptr}) {
    if (part == nullptr || !part->contains("response")) continue;
    json& body = (*part)["response"]["body"];
    FUZZ_CHECK(body.is_number_unsigned() && body.get<size_t>() < bodies.size(), detail);
    body = bodies[body.get<size_t>()];
    ++used;
  }
  FUZZ_CHECK(used == bodies.size(), detail);
  return placed;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// What the simulated storage holds.
enum class ShootState { Owned, Missing, Foreign, Down };
ShootState shoot_state(const std::string& shoot_id) {
  if (starts_with(shoot_id, "missing")) return ShootState::Missing;
  if (starts_with(shoot_id, "other")) return ShootState::Foreign;
  if (starts_with(shoot_id, "down")) return ShootState::Down;
  return ShootState::Owned;
}
bool asset_exists(const std::string& filename) { return filename.find("_0001") != std::string::npos; }
bool writes_fail(const std::string& shoot_id) { return starts_with(shoot_id, "readonly"); }

// The shoot's ledger deciding a presign (wasm/ledger/uploads.cpp), simulated: each file the Worker sends must
// be one it checked; a new upload for each, unless a completed file holds the name.
json ledger_presign(const json& request, const std::string& detail) {
  const std::string shoot_id = string_field(request, "shootId");
  FUZZ_CHECK(string_field(request, "op") == "presign", detail);
  FUZZ_CHECK(string_field(member_of(request, "actor"), "sub") == kSub, detail);
  json uploads = json::array();
  size_t index = 0;
  for (const json& file : member_of(request, "files")) {
    const std::string filename = string_field(file, "filename");
    FUZZ_CHECK(!naming::check_filename(filename, shoot_id, string_field(file, "contentType"), kNowSeconds), detail);
    if (asset_exists(filename) && !bool_field(file, "replace")) {
      uploads.push_back(json{{"error", "already_exists"}});
      continue;
    }
    char hex[33];
    std::snprintf(hex, sizeof hex, "%032zx", index++);
    const std::string key = "shoots/" + shoot_id + "/" + filename;
    uploads.push_back(json{{"upload",
                            {{"uploadId", records::upload_id(shoot_id, hex)},
                             {"key", key},
                             {"objectKey", key},
                             {"shootId", shoot_id},
                             {"filename", filename},
                             {"contentType", string_field(file, "contentType")},
                             {"size", integer_field(file, "size")},
                             {"sha256", string_field(file, "sha256")},
                             {"state", "pending"},
                             {"createdAtMs", kNowSeconds * 1000},
                             {"presignedAtMs", kNowSeconds * 1000}}}});
  }
  return json{{"uploads", std::move(uploads)}, {"indexWork", index > 0}};
}

json perform(const json& effect, const std::string& where) {
  const std::string type = string_field(effect, "type");
  const std::string key = string_field(effect, "key");
  const std::string detail = where + " effect=" + to_text(effect).substr(0, 300);
  if (type == "ledger") {
    switch (shoot_state(string_field(effect, "shootId"))) {
      case ShootState::Missing:
        return json{{"ok", true}, {"result", to_text(json{{"refused", "shoot_not_found"}})}};
      case ShootState::Down:
        return json{{"ok", false}, {"error", "simulated Durable Object outage"}};
      case ShootState::Foreign:
        return json{{"ok", true}, {"result", to_text(json{{"refused", "not_shoot_owner"}})}};
      case ShootState::Owned:
        // The request and the answer cross as JSON text (ledger/client.h).
        return json{
            {"ok", true},
            {"result", to_text(ledger_presign(parse_json(string_field(effect, "request")).value_or(json()), detail))}};
    }
  }
  // The cron's work index, refreshed when the ledger says so.
  if (type == "kv_put" && starts_with(key, "work:")) {
    FUZZ_CHECK(integer_field(effect, "ttl") > 0, detail);
    if (writes_fail(key.substr(5))) return json{{"ok", false}, {"error", "simulated KV outage"}};
    return json{{"ok", true}};
  }
  fuzz::violated("an effect presign needs", __FILE__, __LINE__, detail);
}

std::optional<sigv4::Credentials> upload_credentials(std::string_view id) {
  if (id == kUploadKeyId) return sigv4::Credentials{kUploadKeyId, kUploadSecret};
  return std::nullopt;
}

// A successful presign answer for one file, checked down to its URL's signature.
void check_presigned(const json& entry, const std::string& shoot_id, const FileRequest& file,
                     const std::string& where) {
  const std::string detail = where + " entry=" + to_text(entry).substr(0, 600);
  FUZZ_CHECK(entry.is_object() && !entry.contains("error"), detail);
  const std::string upload_id = string_field(entry, "uploadId");
  FUZZ_CHECK(records::shoot_of_upload(upload_id) == shoot_id, detail);
  const std::string key = "shoots/" + shoot_id + "/" + file.filename;
  FUZZ_CHECK(string_field(entry, "key") == key && string_field(entry, "method") == "PUT", detail);
  const json& headers = entry.contains("headers") ? entry["headers"] : json();
  FUZZ_CHECK(headers.is_object(), detail);
  FUZZ_CHECK(string_field(headers, "Content-Type") == file.content_type, detail);
  FUZZ_CHECK(string_field(headers, "Content-Length") == std::to_string(file.size), detail);
  FUZZ_CHECK(headers.contains("x-amz-checksum-sha256") == !file.sha256.empty(), detail);

  const std::string url = string_field(entry, "url");
  const std::string prefix = "https://" + kHost;
  FUZZ_CHECK(starts_with(url, prefix + "/upload/"), detail);
  const std::string path_and_query = url.substr(prefix.size());
  const size_t q = path_and_query.find('?');
  FUZZ_CHECK(q != std::string::npos, detail);
  sigv4::IncomingRequest request{"PUT", path_and_query.substr(0, q), path_and_query.substr(q + 1), {{"host", kHost}}};
  for (const auto& [name, value] : headers.items()) {
    FUZZ_CHECK(value.is_string(), detail);
    request.headers.emplace_back(name, value.get<std::string>());
  }
  sigv4::SigningKeyCache keys;
  const auto verified = sigv4::verify(request, sigv4::Scope{}, upload_credentials, kNowSeconds, keys);
  FUZZ_CHECK(verified.ok(), detail + " sigv4=" + (verified.ok() ? "" : verified.failure().code));
  FUZZ_CHECK(verified.value().decoded_path == "/upload/" + key, detail);
}

// The file's expected outcome after the storage lookups: nullopt when it gets a URL, else the error code.
std::optional<std::string> expected_file_error(const std::variant<FileRequest, Rejection>& file) {
  if (const auto* rejected = std::get_if<Rejection>(&file)) return rejected->code;
  const FileRequest& request = std::get<FileRequest>(file);
  if (!request.replace && asset_exists(request.filename)) return std::string("already_exists");
  return std::nullopt;
}

int status_for(const std::variant<FileRequest, Rejection>& file) {
  if (const auto* rejected = std::get_if<Rejection>(&file)) return rejected->status;
  return expected_file_error(file) ? 409 : 200;
}

void check_response(const json& answer, const std::string& body, const std::string& where) {
  const std::string detail = where + " answer=" + to_text(answer).substr(0, 800);
  const json& response = answer["response"];
  FUZZ_CHECK(response.is_object() && response.contains("status") && response["status"].is_number_integer(), detail);
  const int64_t status = response["status"].get<int64_t>();
  FUZZ_CHECK(response.contains("headers") && response["headers"].is_array(), detail);
  std::string request_id, allow_origin;
  for (const json& header : response["headers"]) {
    FUZZ_CHECK(header.is_array() && header.size() == 2 && header[0].is_string() && header[1].is_string(), detail);
    if (header[0] == "X-Request-Id") request_id = header[1].get<std::string>();
    if (header[0] == "Access-Control-Allow-Origin") allow_origin = header[1].get<std::string>();
  }
  FUZZ_CHECK(request_id == "req_" + kEntropy.substr(0, 32), detail);
  FUZZ_CHECK(allow_origin == kOrigin, detail);
  // The log line travels as its JSON text.
  const json log = parse_json(string_field(answer, "log")).value_or(json());
  FUZZ_CHECK(integer_field(log, "status") == status, detail);
  FUZZ_CHECK(string_field(log, "sub") == kSub, detail);
  const auto parsed_body = parse_json(string_field(response, "body"));
  FUZZ_CHECK(parsed_body && parsed_body->is_object(), detail);
  const json& out = *parsed_body;
  std::string error_code;
  if (out.contains("error")) {
    FUZZ_CHECK(out["error"].is_object(), detail);
    error_code = string_field(out["error"], "code");
    FUZZ_CHECK(!error_code.empty() && string_field(out["error"], "request_id") == request_id, detail);
  }

  // The independent expectation.
  const auto parsed = parse_presign_request(body, kLimits, kNowSeconds);
  if (const auto* rejected = std::get_if<Rejection>(&parsed)) {
    FUZZ_CHECK(status == rejected->status && error_code == rejected->code, detail + " expected " + rejected->code);
    return;
  }
  const PresignRequest& request = std::get<PresignRequest>(parsed);
  switch (shoot_state(request.shoot_id)) {
    case ShootState::Missing:
      FUZZ_CHECK(status == 404 && error_code == "shoot_not_found", detail);
      return;
    case ShootState::Foreign:
      FUZZ_CHECK(status == 403 && error_code == "not_shoot_owner", detail);
      return;
    case ShootState::Down:
      FUZZ_CHECK(status == 503 && error_code == "storage_unavailable", detail);
      return;
    case ShootState::Owned:
      break;
  }
  // A write the answer depends on failed: nothing is handed out.
  bool any_write = false;
  for (const auto& file : request.files) any_write = any_write || !expected_file_error(file);
  if (writes_fail(request.shoot_id) && any_write) {
    FUZZ_CHECK(status == 503 && error_code == "storage_unavailable", detail);
    return;
  }
  if (!request.batch) {
    const auto& file = request.files.at(0);
    const auto expected_error = expected_file_error(file);
    FUZZ_CHECK(status == status_for(file), detail + " expected status " + std::to_string(status_for(file)));
    if (expected_error) {
      FUZZ_CHECK(error_code == *expected_error, detail + " expected " + *expected_error);
    } else {
      check_presigned(out, request.shoot_id, std::get<FileRequest>(file), detail);
    }
    return;
  }
  FUZZ_CHECK(status == 200 && out.contains("uploads") && out["uploads"].is_array(), detail);
  const json& uploads = out["uploads"];
  FUZZ_CHECK(uploads.size() == request.files.size(), detail);
  for (size_t i = 0; i < uploads.size(); ++i) {
    const auto expected_error = expected_file_error(request.files[i]);
    if (expected_error) {
      FUZZ_CHECK(uploads[i].contains("error") && string_field(uploads[i]["error"], "code") == *expected_error,
                 detail + " entry " + std::to_string(i) + " expected " + *expected_error);
      FUZZ_CHECK(string_field(uploads[i], "filename") == request.declared_filenames[i], detail);
    } else {
      check_presigned(uploads[i], request.shoot_id, std::get<FileRequest>(request.files[i]), detail);
    }
  }
}

}  // namespace

// A freshly configured isolate, whose rate-limit buckets are all full.
std::optional<json> configure_core() {
  const json env{{"APP_ENV", "development"},
                 {"JWT_SECRET", kJwtSecret},
                 {"UPLOAD_MODE", "worker"},
                 {"UPLOAD_SIGNING_KEY_ID", kUploadKeyId},
                 {"UPLOAD_SIGNING_SECRET", kUploadSecret},
                 {"CORS_ORIGINS", kOrigin}};
  return parse_json(dispatch(to_text(json{{"op", "configure"}, {"env", env}})));
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto configured = configure_core();
  FUZZ_CHECK(configured && bool_field(*configured, "ok"),
             "configure failed: " + (configured ? to_text(*configured) : "not JSON"));
  FUZZ_CHECK((*configured)["problems"].empty(), "configure problems: " + to_text(*configured));
  // The body travels in the first call only under the core's prefetch rule.
  const json& rule = (*configured)["prefetch_body"];
  FUZZ_CHECK(string_field(rule, "method") == "POST" &&
                 starts_with("/api/uploads/presign", string_field(rule, "path_prefix")) &&
                 !string_field(rule, "path_prefix").empty(),
             "the prefetch rule no longer covers POST /api/uploads/presign: " + to_text(*configured));

  // The effect order this target relies on: without a prefetched body, the one thing presign asks for is the body.
  const json first = call_core(base_call(), "initial step");
  const json expected_effects = json::array({json{{"type", "read_body"}, {"limit", kMaxJsonBodyBytes}}});
  FUZZ_CHECK(first.contains("effects") && first["effects"] == expected_effects && first.contains("handle"),
             "the presign conversation no longer starts with read_body: " + to_text(first));
  call_core(json{{"op", "close"}, {"handle", first["handle"]}}, "closing the initial conversation");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  configure_core();
  json call = base_call();
  call["body"] = json{{"ok", true}, {"text", input}};
  // The body as the core receives it: invalid UTF-8 becomes U+FFFD on the way in, as the shim's TextDecoder does.
  const std::string body = parse_json(to_text(call)).value()["body"]["text"].get<std::string>();
  const std::string where = "body=" + body.substr(0, 400);

  json answer = call_core(call, where + " step=0");
  for (int step = 1; step <= kMaxSteps && answer.contains("effects"); ++step) {
    FUZZ_CHECK(answer["effects"].is_array() && !answer["effects"].empty() && answer.contains("handle"),
               where + " answer=" + to_text(answer).substr(0, 500));
    json results = json::array();
    bool all_ok = true;
    for (const json& effect : answer["effects"]) {
      results.push_back(perform(effect, where));
      all_ok = all_ok && bool_field(results.back(), "ok");
    }
    if (answer.contains("then") && all_ok) {
      const json closed = call_core(json{{"op", "close"}, {"handle", answer["handle"]}}, where + " close");
      FUZZ_CHECK(bool_field(closed, "ok"), where);
      answer = answer["then"];
      break;
    }
    answer = call_core(json{{"op", "resume"}, {"handle", answer["handle"]}, {"results", results}},
                       where + " step=" + std::to_string(step));
  }
  FUZZ_CHECK(answer.contains("response") && !answer.contains("effects"),
             where + " unfinished after " + std::to_string(kMaxSteps) + " steps: " + to_text(answer).substr(0, 500));
  if (std::getenv("UPGATE_FUZZ_VERBOSE"))
    std::fprintf(stderr, "%s\n", to_text(answer["response"]).substr(0, 1500).c_str());
  check_response(answer, body, where);
  return 0;
}
