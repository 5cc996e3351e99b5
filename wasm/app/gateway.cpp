#include "app/gateway.h"

#include "app/context.h"
#include "app/isolate.h"
#include "app/request_body.h"
#include "app/routes.h"
#include "app/throttle.h"
#include "http/cors.h"
#include "http/request_id.h"
#include "protocol/conversation.h"
#include "util/clock.h"
#include "util/json_writer.h"

namespace upgate {

namespace {

bool is_api_path(std::string_view path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

Response not_found() { return reject(Error::NotFound); }

Response method_not_allowed(const Route& route) {
  Response response = reject(Error::MethodNotAllowed).with("allow", allowed_methods(route));
  response.header("Allow", allowed_methods(route));
  return response;
}

Response misconfigured() { return reject(Error::Misconfigured); }

// Decides the response before the common headers are added.
Task<Response> route_request(Context& context) {
  const RequestFacts& request = context.exchange.request();
  if (!context.config.usable() && request.path != "/healthz") co_return misconfigured();
  const std::optional<Route> route = match_route(request.path);
  if (route && request.method == "OPTIONS") {
    co_return cors::preflight(context.config, request, allowed_methods(*route));
  }
  if (is_api_path(request.path)) {
    if (auto refused = co_await throttle_request(context)) co_return std::move(*refused);
  }
  if (!route) co_return not_found();
  context.route_params = route->params;
  for (const auto& entry : route->methods) {
    if (entry.method == request.method) co_return co_await entry.handler(context);
  }
  co_return method_not_allowed(*route);
}

void add_common_headers(Response& response, const Context& context) {
  const RequestFacts& request = context.exchange.request();
  response.header("X-Request-Id", context.request_id);
  response.header("X-Content-Type-Options", "nosniff");
  response.header("Referrer-Policy", "no-referrer");
  // A response that chose its own caching (a download) keeps it.
  if (!response.has_header("Cache-Control")) response.header("Cache-Control", "no-store");
  if (!response.body.is_null() || response.text) {
    response.header("Content-Type", response.text ? response.content_type : kJsonContentType);
    response.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }
  if (context.config.production) {
    response.header("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  }
  cors::add_response_headers(response, context.config, request);
  if (is_api_path(request.path)) add_rate_limit_headers(response, context);
  for (const auto& [name, value] : context.extra_headers) response.header(name, value);
}

// The answer and its log line, written as text (protocol/answer.h); the log line is a string of JSON text, which
// the shim prints as it is, with the request's duration added at its end. `io` counts every binding call the request
// made; pending_io, those of the writes still to be sent with the answer.
Answer finished(Response response, Context& context, int64_t pending_io = 0) {
  // A streamed body is one more R2 read, made by the shim after the answer.
  const int64_t io = context.exchange.binding_calls() + pending_io + (response.stream ? 1 : 0);
  if (response.body.is_object() && response.body.contains("error")) {
    response.body["error"]["request_id"] = context.request_id;
  }
  add_common_headers(response, context);
  const RequestFacts& request = context.exchange.request();
  JsonWriter out(2048);  // a presign's answer is about 1.5 KB: written without growing
  out.begin_object().key("response").begin_object();
  out.key("status").integer(response.status).key("headers").begin_array();
  for (const auto& [name, value] : response.headers) out.begin_array().string(name).string(value).end_array();
  out.end_array().key("body").integer(0);
  if (response.stream) {
    out.key("stream").begin_object();
    out.key("key").string(response.stream->key);
    out.key("offset").integer(response.stream->offset).key("length").integer(response.stream->length);
    out.end_object();
  }
  out.end_object();
  JsonWriter log;
  log.begin_object();
  log.key("ts").string(clock::iso8601(context.exchange.now_ms())).key("level").string(response.log_level);
  log.key("request_id").string(context.request_id).key("event").string("request");
  log.key("method").string(request.method).key("path").string(request.path);
  log.key("status").integer(response.status).key("io").integer(io);
  if (!context.sub.empty()) log.key("sub").string(context.sub);
  if (!response.log_detail.empty()) log.key("detail").string(response.log_detail);
  log.end_object();
  out.key("log").string(std::move(log).text()).end_object();
  std::string body = response.text             ? std::move(*response.text)
                     : response.body.is_null() ? std::string()
                                               : to_text(response.body);
  return Answer{std::move(out).text(), {std::move(body)}};
}

}  // namespace

namespace {

// One HTTP request: its response, sent together with the writes it depends on.
class HttpConversation final : public Conversation {
 public:
  explicit HttpConversation(CallFacts facts)
      : Conversation(std::move(facts)),
        context_(exchange(), isolate_state().config, isolate_state(),
                 request_id::choose(exchange().request().header("x-request-id"), exchange().entropy())) {}

  Task<Answer> run() override {
    Response response = co_await route_request(context_);
    if (response.commit.empty()) co_return finished(std::move(response), context_);
    std::vector<json> writes = std::move(response.commit);
    Answer answer = finished(std::move(response), context_, Exchange::count_binding_calls(writes));
    const std::vector<EffectResult> results = co_await commit(writes, std::move(answer));
    // Resumed only when a write failed: when they all succeed the shim sends the answer committed above.
    std::string failure;
    for (const EffectResult& result : results) {
      if (!result.ok()) failure = string_field(result.value(), "error");
    }
    co_return finished(storage_unavailable("a write the response depends on failed: " + failure), context_);
  }

 private:
  Context context_;
};

}  // namespace

Answer start_http(CallFacts facts) { return start_conversation(std::make_unique<HttpConversation>(std::move(facts))); }

}  // namespace upgate
