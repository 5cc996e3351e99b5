#include "app/worker_url.h"

#include "app/isolate.h"
#include "uploads/signing_keys.h"

namespace upgate {

Result<sigv4::Verified> verify_worker_url(Context& context, const std::string& invalid_sentence) {
  const Config& config = context.config;
  const RequestFacts& request = context.exchange.request();
  const auto credentials_for = [&config](std::string_view key_id) {
    return worker_verifying_credentials(config, key_id);
  };
  auto verified =
      sigv4::verify(sigv4::IncomingRequest{request.method, request.path, request.query, request.headers},
                    sigv4::Scope{}, credentials_for, context.exchange.now_seconds(), context.isolate.signing_keys);
  if (verified) return std::move(verified.value());
  if (verified.failure().code == "expired") return reject(Error::UrlExpired).logging("expired");
  Rejection invalid = reject(Error::SignatureInvalid);
  if (!invalid_sentence.empty()) invalid = std::move(invalid).saying(invalid_sentence);
  return invalid.logging(verified.failure().code);
}

std::string signed_parameter(const sigv4::Verified& verified, const char* wanted, bool* present) {
  for (const auto& [name, value] : verified.other_query) {
    if (name == wanted) {
      if (present) *present = true;
      return value;
    }
  }
  return "";
}

}  // namespace upgate
