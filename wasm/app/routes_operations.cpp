// Operations endpoints (contract section 8) and the removed legacy route.
#include <algorithm>

#include "app/auth.h"
#include "app/isolate.h"
#include "app/routes.h"
#include "ledger/client.h"
#include "naming/naming.h"
#include "uploads/multipart_request.h"
#include "uploads/upload_request.h"
#include "util/clock.h"

namespace upgate {

namespace {
constexpr const char* kServiceName = "upgate";
constexpr const char* kServiceVersion = "1.0.0";

json public_view(const Config& config) {
  json types = json::array();
  json extensions = json::object();
  for (const auto& row : naming::extension_table()) {
    extensions[std::string(row.extension)] = std::string(row.content_type);
    if (std::find(types.begin(), types.end(), std::string(row.content_type)) == types.end()) {
      types.push_back(std::string(row.content_type));
    }
  }
  return json{{"name", kServiceName},
              {"version", kServiceVersion},
              {"api", "v1"},
              {"namingStandard", "3.1"},
              {"allowedContentTypes", types},
              {"extensions", extensions},
              {"maxUploadBytes", config.max_upload_bytes},
              {"maxSinglePutBytes", config.max_single_put_bytes},
              {"multipart",
               {{"minPartBytes", kMinPartBytes},
                {"maxPartBytes", config.max_part_bytes()},
                {"defaultPartBytes", default_part_bytes(config.max_part_bytes())},
                {"maxParts", kMaxParts}}},
              {"status", "ok"}};
}

json caller_limits(const Config& config, const jwt::Claims& claims) {
  return json{
      {"sub", claims.sub},
      {"roles", claims.roles},
      {"limits",
       {{"requestsPerMinute", config.rate_limit_per_minute},
        {"maxUploadBytes", config.max_upload_bytes},
        {"maxSinglePutBytes", config.max_single_put_bytes},
        {"maxBatchFiles", std::min<int64_t>(static_cast<int64_t>(kMaxBatchFiles), config.rate_limit_per_minute)},
        {"presignTtlSeconds", config.presign_ttl_seconds}}}};
}

// Where the photos go, for operators; names and hosts only, never a credential.
json storage_details(const Config& config) {
  const bool worker = config.upload_mode == UploadMode::Worker;
  json storage{{"mode", worker ? "worker" : "s3"}, {"binding", "BUCKET"}};
  if (!worker) {
    storage["bucket"] = config.r2_bucket;
    storage["endpointHost"] = config.r2_endpoint_host();
  }
  return storage;
}
}  // namespace

// No auth and no I/O: it answers even when the configuration is unusable, so a load balancer can tell a
// running-but-misconfigured Worker from a dead one.
Task<Response> handle_healthz(Context& context) {
  co_return json_response(200, json{{"status", "ok"},
                                    {"env", context.config.app_env},
                                    {"timestamp", clock::iso8601(context.exchange.now_ms())}});
}

// Reads only (no KV write per probe: KV writes are metered and probes are frequent).
Task<Response> handle_readyz(Context& context) {
  // The ledger probe runs in an object of its own that no shoot id can name (ids have no upper case).
  std::vector<Effect> round{
      Effect::of(effects::kv_get("readyz:probe")), Effect::of(effects::r2_head("readyz/probe")),
      ledger::operation_effect("ping", "READYZ", std::nullopt, context.request_id, context.exchange.now_ms())};
  const std::vector<EffectResult> probes = co_await context.exchange.perform(std::move(round));
  const auto check = [](const EffectResult& probe) { return probe.ok() ? "ok" : "unreachable"; };
  // A queue cannot be probed without sending to it: its check is that UPLOAD_EVENTS is bound.
  const bool queue = context.isolate.has_event_queue;
  json checks{{"config", context.config.usable() ? "ok" : "misconfigured"},
              {"kv", check(probes[0])},
              {"r2", check(probes[1])},
              {"shoots", check(probes[2])},
              {"queue", queue ? "ok" : "not bound"}};
  const bool ready = context.config.usable() && probes[0].ok() && probes[1].ok() && probes[2].ok() && queue;
  Response response =
      json_response(ready ? 200 : 503, json{{"status", ready ? "ready" : "not_ready"}, {"checks", checks}});
  if (!ready) response.log_level = "error";
  co_return response;
}

Task<Response> handle_openapi(Context& context) {
  if (context.isolate.openapi.is_null()) co_return reject(Error::NotFound).saying("No OpenAPI document is bundled.");
  co_return json_response(200, context.isolate.openapi);
}

// Anonymous: the public view. A valid token adds the caller's limits; role admin adds storage details.
// A token that is present but invalid is refused rather than silently downgraded to the public view.
Task<Response> handle_services(Context& context) {
  json view = public_view(context.config);
  if (context.exchange.request().header("authorization").empty()) co_return json_response(200, view);
  Result<jwt::Claims> caller = co_await require_caller(context);
  if (!caller) co_return std::move(caller.refusal());
  view["caller"] = caller_limits(context.config, caller.value());
  if (caller.value().is_admin()) view["storage"] = storage_details(context.config);
  co_return json_response(200, view);
}

Task<Response> handle_legacy_upload(Context&) {
  co_return reject(Error::EndpointRemoved)
      .saying(
          "The multipart upload endpoint was removed. Ask POST /api/uploads/presign for a presigned URL, PUT the "
          "file to it, then call POST /api/uploads/complete.")
      .with("see", "/api/uploads/presign");
}

}  // namespace upgate
