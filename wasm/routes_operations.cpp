// Operations endpoints (contract section 8) and the removed legacy route.
#include "clock.h"
#include "routes.h"

namespace upgate {

// No auth and no I/O: it answers even when the configuration is unusable, so a load balancer can tell a
// running-but-misconfigured Worker from a dead one.
Step handle_healthz(Context& context) {
  return json_response(200, json{{"status", "ok"},
                                 {"env", context.config.app_env},
                                 {"timestamp", clock::iso8601(context.exchange.now_ms())}});
}

Step handle_legacy_upload(Context&) {
  return error_response(410, "endpoint_removed",
                        "The multipart upload endpoint was removed. Ask POST /api/uploads/presign for a presigned "
                        "URL, PUT the file to it, then call POST /api/uploads/complete.",
                        json{{"see", "/api/uploads/presign"}});
}

}  // namespace upgate
