// What a shoot holds, and getting it back out (contract 5.6): GET /api/shoots/{shootId}/assets and /audit
// (the ledger's pages), POST /api/downloads/presign (the ledger says which keys are the shoot's; the Worker
// signs), and worker mode's GET /download/{key}: verified as S3 would, streamed from R2 with Range support.
#include "app/auth.h"
#include "app/isolate.h"
#include "app/ledger_calls.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/worker_url.h"
#include "naming/naming.h"
#include "sigv4/sigv4.h"
#include "uploads/upload_request.h"
#include "uploads/upload_url.h"
#include "util/clock.h"
#include "util/text.h"

namespace upgate {

namespace {

// GET /api/shoots/{shootId}/<listing>?cursor=: one ledger page, as it is.
Task<Response> ledger_page(Context& context, std::string op) {
  Result<jwt::Claims> caller = co_await require_caller(context);
  if (!caller) co_return std::move(caller.refusal());
  const std::string& shoot_id = context.route_params.at(0);
  if (!naming::is_valid_shoot_id(shoot_id)) co_return reject(Error::ShootNotFound).with("shootId", shoot_id);
  json fields{{"cursor", context.exchange.request().query_parameter("cursor")}};
  Result<json> page = co_await ask_ledger(context, op, shoot_id, &caller.value(), std::move(fields));
  if (!page) co_return std::move(page.refusal());
  co_return json_response(200, page.value());
}

// "bytes=a-b", "bytes=a-" or "bytes=-n" against an object of `size` bytes (RFC 9110 14.1.2). nullopt: serve
// it whole (no header, or one Upgate does not honour, such as several ranges); an empty range: unsatisfiable.
struct ByteRange {
  int64_t offset = 0;
  int64_t length = 0;
};
std::optional<std::optional<ByteRange>> requested_range(const std::string& header, int64_t size) {
  const std::string prefix = "bytes=";
  if (header.rfind(prefix, 0) != 0 || header.find(',') != std::string::npos) return std::nullopt;
  const std::string spec = text::trim(header.substr(prefix.size()));
  const size_t dash = spec.find('-');
  if (dash == std::string::npos) return std::nullopt;
  const std::string first = spec.substr(0, dash);
  const std::string last = spec.substr(dash + 1);
  const auto number = [](const std::string& digits) -> std::optional<int64_t> {
    if (digits.empty() || digits.size() > 15 || !text::all_digits(digits)) return std::nullopt;
    return std::stoll(digits);
  };
  if (first.empty()) {  // the last n bytes
    const auto suffix = number(last);
    if (!suffix) return std::nullopt;
    if (*suffix == 0 || size == 0) return std::optional<ByteRange>();
    const int64_t length = std::min(*suffix, size);
    return std::optional<ByteRange>(ByteRange{size - length, length});
  }
  const auto start = number(first);
  if (!start) return std::nullopt;
  if (*start >= size) return std::optional<ByteRange>();
  int64_t end = size - 1;
  if (!last.empty()) {
    const auto until = number(last);
    if (!until || *until < *start) return std::nullopt;
    end = std::min(*until, size - 1);
  }
  return std::optional<ByteRange>(ByteRange{*start, end - *start + 1});
}

}  // namespace

Task<Response> handle_list_assets(Context& context) { co_return co_await ledger_page(context, "listAssets"); }

Task<Response> handle_list_audit(Context& context) { co_return co_await ledger_page(context, "listAudit"); }

Task<Response> handle_presign_downloads(Context& context) {
  Result<CallerAndBody> start = co_await require_caller_and_body(context);
  if (!start) co_return std::move(start.refusal());
  auto parsed = parse_download_request(start.value().body);
  if (auto* rejected = std::get_if<Rejection>(&parsed)) co_return rejected->to_response();
  const DownloadRequest& request = std::get<DownloadRequest>(parsed);

  json fields{{"keys", request.keys}};
  Result<json> allowed =
      co_await ask_ledger(context, "presignDownloads", request.shoot_id, &start.value().caller, std::move(fields));
  if (!allowed) co_return std::move(allowed.refusal());
  const RequestFacts& facts = context.exchange.request();
  json downloads = json::array();
  for (const json& item : member_of(allowed.value(), "keys")) {
    const std::string key = string_field(item, "key");
    if (!bool_field(item, "ok")) {
      const Rejection missing = reject(Error::NotFound).saying("No asset of this shoot has this key.");
      downloads.push_back(json{{"key", key}, {"error", missing.to_error_object()}});
      continue;
    }
    const DownloadUrl url = presign_download(context.config, facts.scheme, facts.host, key, context.exchange.now_ms(),
                                             context.isolate.signing_keys);
    downloads.push_back(json{{"key", key}, {"url", url.url}, {"expiresAt", clock::iso8601(url.expires_at_ms)}});
  }
  co_return json_response(200, json{{"downloads", std::move(downloads)}});
}

Task<Response> handle_download(Context& context) {
  if (context.config.upload_mode != UploadMode::Worker) co_return reject(Error::NotFound);
  Result<sigv4::Verified> verified = verify_worker_url(context, "This download URL is not valid.");
  if (!verified) co_return std::move(verified.refusal());
  const std::string prefix = kWorkerDownloadPrefix;
  const std::string key = verified.value().decoded_path.substr(prefix.size());

  const EffectResult head = co_await context.exchange.perform_one(effects::r2_head(key));
  if (!head.ok()) co_return storage_unavailable("r2 head for a download failed");
  const json& object = member_of(head.value(), "object");
  if (object.is_null()) co_return reject(Error::NotFound).saying("The object is no longer stored.");
  const int64_t size = integer_field(object, "size");
  const auto range = requested_range(context.exchange.request().header("range"), size);
  if (range && !*range) {
    Response refused = reject(Error::RangeNotSatisfiable);
    refused.header("Content-Range", "bytes */" + std::to_string(size));
    co_return refused;
  }
  const ByteRange served = range ? **range : ByteRange{0, size};
  Response response;
  response.status = range ? 206 : 200;
  response.stream = Response::Stream{key, served.offset, served.length};
  response.header("Content-Type", string_field(object, "contentType", "application/octet-stream"));
  response.header("Content-Length", std::to_string(served.length));
  response.header("ETag", "\"" + string_field(object, "etag") + "\"");
  response.header("Accept-Ranges", "bytes");
  if (range) {
    response.header("Content-Range", "bytes " + std::to_string(served.offset) + "-" +
                                         std::to_string(served.offset + served.length - 1) + "/" +
                                         std::to_string(size));
  }
  const int64_t remaining = std::max<int64_t>(0, verified.value().expires_at_unix - context.exchange.now_seconds());
  response.header("Cache-Control", "private, max-age=" + std::to_string(remaining));
  co_return response;
}

}  // namespace upgate
