#include "gateway.h"

#include "clock.h"
#include "context.h"
#include "cors.h"
#include "isolate.h"
#include "request_id.h"
#include "routes.h"
#include "throttle.h"

namespace upgate {

namespace {

bool is_api_path(std::string_view path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

Response not_found() { return error_response(404, "not_found", "No such endpoint."); }

Response method_not_allowed(const Route& route) {
  Response response = error_response(405, "method_not_allowed", "This endpoint does not accept that method.",
                                     json{{"allow", allowed_methods(route)}});
  response.header("Allow", allowed_methods(route));
  return response;
}

Response misconfigured() {
  return error_response(503, "misconfigured",
                        "The service is not configured correctly; the operator has been told in the logs.");
}

// Decides the response before the common headers are added; nullopt while waiting for effects.
Step route_request(Context& context) {
  const RequestFacts& request = context.exchange.request();
  if (!context.config.usable() && request.path != "/healthz") return misconfigured();
  const std::optional<Route> route = match_route(request.path);
  if (route && request.method == "OPTIONS") {
    return cors::preflight(context.config, request, allowed_methods(*route));
  }
  if (is_api_path(request.path)) {
    Throttle throttle = throttle_request(context);
    if (throttle.state == Throttle::State::Pending) return std::nullopt;
    if (throttle.state == Throttle::State::Refused) return throttle.refusal;
  }
  if (!route) return not_found();
  context.route_params = route->params;
  for (const auto& entry : route->methods) {
    if (entry.method == request.method) return entry.handler(context);
  }
  return method_not_allowed(*route);
}

void add_common_headers(Response& response, const Context& context) {
  const RequestFacts& request = context.exchange.request();
  response.header("X-Request-Id", context.request_id);
  response.header("X-Content-Type-Options", "nosniff");
  response.header("Referrer-Policy", "no-referrer");
  response.header("Cache-Control", "no-store");
  if (!response.body.is_null()) {
    response.header("Content-Type", "application/json; charset=utf-8");
    response.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }
  if (context.config.production) {
    response.header("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  }
  cors::add_response_headers(response, context.config, request);
  if (is_api_path(request.path)) add_rate_limit_headers(response, context);
  for (const auto& [name, value] : context.extra_headers) response.header(name, value);
}

json finished(Response response, Context& context) {
  if (response.body.is_object() && response.body.contains("error")) {
    response.body["error"]["request_id"] = context.request_id;
  }
  add_common_headers(response, context);
  const RequestFacts& request = context.exchange.request();
  json log{{"ts", clock::iso8601(context.exchange.now_ms())},
           {"level", response.log_level},
           {"request_id", context.request_id},
           {"event", "request"},
           {"method", request.method},
           {"path", request.path},
           {"status", response.status}};
  if (!context.sub.empty()) log["sub"] = context.sub;
  if (!response.log_detail.empty()) log["detail"] = response.log_detail;
  json headers = json::array();
  for (auto& [name, value] : response.headers) headers.push_back({std::move(name), std::move(value)});
  return json{{"response",
               {{"status", response.status},
                {"headers", std::move(headers)},
                {"body", response.body.is_null() ? std::string() : to_text(response.body)}}},
              {"log", std::move(log)}};
}

}  // namespace

json handle_http(const json& call) {
  Exchange exchange(call);
  IsolateState& isolate = isolate_state();
  Context context{exchange, isolate.config, isolate,
                  request_id::choose(exchange.request().header("x-request-id"), exchange.entropy())};
  Step step = route_request(context);
  if (!step) return exchange.suspension();
  if (step->awaits_writes) {
    json answer = exchange.suspension();
    answer["then"] = finished(std::move(*step), context);
    return answer;
  }
  return finished(std::move(*step), context);
}

}  // namespace upgate
