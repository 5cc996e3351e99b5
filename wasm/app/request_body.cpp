#include "app/request_body.h"

#include "uploads/upload_request.h"

namespace upgate {

Task<Result<std::string>> read_request_body(Context& context) {
  EffectResult body;
  if (context.exchange.prefetched_body()) {
    body = *context.exchange.prefetched_body();
  } else {
    body = co_await context.exchange.perform_one(effects::read_body(kMaxJsonBodyBytes));
  }
  if (!body.ok()) co_return reject(Error::InvalidRequest).saying("The request body could not be read.");
  if (bool_field(body.value(), "too_large"))
    co_return reject(Error::PayloadTooLarge).with("maxBytes", kMaxJsonBodyBytes);
  co_return string_field(body.value(), "text");
}

Response commit(Response response, std::vector<json> writes) {
  response.commit = std::move(writes);
  return response;
}

Response storage_unavailable(const std::string& detail) {
  Response response = reject(Error::StorageUnavailable).logging(detail);
  response.header("Retry-After", "5");
  return response;
}

}  // namespace upgate
