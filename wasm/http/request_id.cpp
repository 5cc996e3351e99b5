#include "http/request_id.h"

namespace upgate::request_id {

bool is_acceptable(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id) {
    const bool allowed =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

std::string choose(std::string_view client_id, std::string_view entropy_hex) {
  if (is_acceptable(client_id)) return std::string(client_id);
  // 128 bits from the shim's crypto.getRandomValues, as 32 hex characters.
  return "req_" + std::string(entropy_hex.substr(0, 32));
}

}  // namespace upgate::request_id
