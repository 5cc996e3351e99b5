// The route table: which paths exist, which methods each takes, and the handler for each.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "app/context.h"

namespace upgate {

struct RouteMethod {
  std::string_view method;
  Handler handler;
};

struct Route {
  std::string_view name;  // the path template, as in the OpenAPI document, e.g. "/api/shoots/{shootId}"
  std::vector<RouteMethod> methods;
  std::vector<std::string> params;  // path parameters, in order
};

// The route a path belongs to, with its parameters filled in; nullopt for an unknown path.
std::optional<Route> match_route(std::string_view path);

// Comma-separated methods a route allows, for Allow and CORS preflights.
std::string allowed_methods(const Route& route);

// Every (path template, method) the Worker answers: [{"path", "method"}, ...], for the OpenAPI check.
json route_catalogue();

// Handlers, one file per area.
Task<Response> handle_healthz(Context& context);
Task<Response> handle_readyz(Context& context);
Task<Response> handle_openapi(Context& context);
Task<Response> handle_services(Context& context);
Task<Response> handle_legacy_upload(Context& context);
Task<Response> handle_create_shoot(Context& context);
Task<Response> handle_list_shoots(Context& context);
Task<Response> handle_get_shoot(Context& context);
Task<Response> handle_list_assets(Context& context);
Task<Response> handle_list_audit(Context& context);
Task<Response> handle_get_upload(Context& context);
Task<Response> handle_abort(Context& context);
Task<Response> handle_presign_downloads(Context& context);
Task<Response> handle_download(Context& context);
Task<Response> handle_presign(Context& context);
Task<Response> handle_complete(Context& context);
Task<Response> handle_upload_put(Context& context);
Task<Response> handle_create_multipart(Context& context);
Task<Response> handle_sign_parts(Context& context);
Task<Response> handle_sign_request(Context& context);
Task<Response> handle_s3_post(Context& context);
Task<Response> handle_s3_list_parts(Context& context);
Task<Response> handle_s3_abort(Context& context);

}  // namespace upgate
