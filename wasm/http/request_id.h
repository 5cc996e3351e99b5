// X-Request-Id (contract section 2): a client's id is kept when it is 1-64 characters of [A-Za-z0-9._-];
// anything else is replaced by one generated from the request's entropy.
#pragma once
#include <string>
#include <string_view>

namespace upgate::request_id {

bool is_acceptable(std::string_view id);
std::string choose(std::string_view client_id, std::string_view entropy_hex);

}  // namespace upgate::request_id
