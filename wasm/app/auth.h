// Who is asking (contract section 3): the bearer token, verified by jwt.h, with the shim performing the one
// asymmetric signature check when the token needs it.
#pragma once
#include <string>

#include "app/context.h"
#include "http/result.h"

namespace upgate {

// Verifies the Authorization header once per request (the rate limiter and the handler both ask); when
// valid, the context's sub is set for the log.
Task<Authentication> authenticate(Context& context);

// 401 invalid_token with the WWW-Authenticate challenge; the reason goes to the log only.
Response unauthorized(const std::string& reason);

// The shoot's owner or an admin may act on it.
bool may_act_on(const jwt::Claims& caller, const std::string& owner);

// The start of every authenticated route: who is asking and, for the POST routes, the JSON body text.
Task<Result<jwt::Claims>> require_caller(Context& context);
struct CallerAndBody {
  jwt::Claims caller;
  std::string body;
};
Task<Result<CallerAndBody>> require_caller_and_body(Context& context);

}  // namespace upgate
