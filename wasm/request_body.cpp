#include "request_body.h"

#include "upload_request.h"

namespace upgate {

RequestBody read_request_body(Context& context) {
  const json* prefetched = context.exchange.prefetched_body();
  EffectResult body = prefetched ? EffectResult(prefetched) : context.exchange.perform(effects::read_body(kMaxJsonBodyBytes));
  if (!body.ready()) return {};
  if (!body.ok()) {
    return {RequestBody::State::Refused, "", error_response(400, "invalid_request", "The request body could not be read.")};
  }
  if (bool_field(body.value(), "too_large")) {
    return {RequestBody::State::Refused, "",
            error_response(413, "payload_too_large", "JSON bodies are limited to 64 KiB.", json{{"maxBytes", kMaxJsonBodyBytes}})};
  }
  return {RequestBody::State::Ready, string_field(body.value(), "text"), {}};
}

Response after_writes(Response response, const std::vector<EffectResult>& writes) {
  for (const EffectResult& write : writes) {
    if (!write.ready()) {
      response.awaits_writes = true;
    } else if (!write.ok()) {
      return storage_unavailable("a write the response depends on failed: " + string_field(write.value(), "error"));
    }
  }
  return response;
}

Response storage_unavailable(const std::string& detail) {
  Response response = error_response(503, "storage_unavailable", "Storage is unavailable; nothing was changed. Try again.");
  response.log_detail = detail;
  response.header("Retry-After", "5");
  return response;
}

}  // namespace upgate
