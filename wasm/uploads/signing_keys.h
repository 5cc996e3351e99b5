// Worker mode's key pairs (contract 5.1, 5.6): which one signs a new URL and which one verifies a URL. Every
// presign signs with the current pair; a URL verifies with the pair its X-Amz-Credential names, the current
// one or, during a key rotation, the previous one. Every worker-mode URL the Worker verifies (an upload or a
// part PUT, the S3-style API, a download) finds its pair here.
#pragma once
#include <optional>
#include <string_view>

#include "config/config.h"
#include "sigv4/sigv4.h"

namespace upgate {

// The pair every new URL to this Worker is signed with: UPLOAD_SIGNING_KEY_ID and UPLOAD_SIGNING_SECRET. In s3
// mode the only URLs to the Worker are its S3-style API's (contract 5.4.1: R2 cannot presign POST), and they are
// signed with the R2 key pair, which that mode always has; the Worker's host is signed into them, so none of them
// is accepted by R2, nor any R2 URL by the Worker.
sigv4::Credentials worker_signing_credentials(const Config& config);

// The pair that verifies a URL to this Worker signed by key_id: the current pair, or the previous one
// (UPLOAD_SIGNING_KEY_ID_PREVIOUS, UPLOAD_SIGNING_SECRET_PREVIOUS) while it is configured; in s3 mode the R2 key
// pair; nullopt for any other key id (an empty one included).
std::optional<sigv4::Credentials> worker_verifying_credentials(const Config& config, std::string_view key_id);

}  // namespace upgate
