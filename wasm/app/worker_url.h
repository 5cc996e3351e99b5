// Worker mode's own presigned URLs (contract 5.1, 5.6): the upload PUT and the download GET are both verified
// exactly as S3 would verify them, against the worker-mode key pair their credential names (the current one
// or, during a key rotation, the previous one: uploads/signing_keys.h).
#pragma once
#include <string>

#include "app/context.h"
#include "http/result.h"
#include "sigv4/sigv4.h"

namespace upgate {

// The request's URL, verified: 403 url_expired past its lifetime, else 403 signature_invalid (saying
// `invalid_sentence` when given, the catalogue's sentence otherwise); the reason goes to the log only.
Result<sigv4::Verified> verify_worker_url(Context& context, const std::string& invalid_sentence = "");

// The value of a signed query parameter of a verified URL ("" when absent; *present says whether it was there).
std::string signed_parameter(const sigv4::Verified& verified, const char* wanted, bool* present = nullptr);

}  // namespace upgate
