#include "app/request_body.h"

#include "uploads/upload_request.h"
#include "util/json_reader.h"

namespace upgate {

namespace {

// A read_body result, {"ok", "text"?, "too_large"?}, read off its text: every JSON request pays for this.
struct BodyRead {
  bool ok = false;
  bool too_large = false;
  std::string text;
};

BodyRead read_body_result(std::string_view result) {
  BodyRead read;
  JsonReader reader(result);
  reader.object([&](std::string_view key) {
    if (key == "ok") {
      read.ok = reader.boolean().value_or(false);
    } else if (key == "too_large") {
      read.too_large = reader.boolean().value_or(false);
    } else if (key == "text") {
      read.text = reader.string().value_or("");
    } else {
      reader.skip();
    }
  });
  read.ok = read.ok && reader.finished();
  return read;
}

}  // namespace

Task<Result<std::string>> read_request_body(Context& context) {
  EffectResult body;
  if (context.exchange.prefetched_body()) {
    body = *context.exchange.prefetched_body();
  } else {
    body = co_await context.exchange.perform_one(effects::read_body(kMaxJsonBodyBytes));
  }
  BodyRead read = read_body_result(body.text());
  if (!read.ok) co_return reject(Error::InvalidRequest).saying("The request body could not be read.");
  if (read.too_large) co_return reject(Error::PayloadTooLarge).with("maxBytes", kMaxJsonBodyBytes);
  co_return std::move(read.text);
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
