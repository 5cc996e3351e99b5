#include "app/upload_events.h"

#include "crypto/crypto.h"
#include "util/encoding.h"

namespace upgate {

std::vector<std::pair<std::string, std::string>> webhook_headers(const std::string& secret, const std::string& event_id,
                                                                 int64_t t, const std::string& body) {
  const std::string timestamp = std::to_string(t);
  const std::string signature = encoding::hex_encode(crypto::hmac_sha256(secret, timestamp + "." + body));
  return {{"Content-Type", "application/json; charset=utf-8"},
          {"Upgate-Event-Id", event_id},
          {"Upgate-Signature", "t=" + timestamp + ",v1=" + signature}};
}

}  // namespace upgate
