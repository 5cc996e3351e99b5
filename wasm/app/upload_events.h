// After the upload (contract 10): the messages of the UPLOAD_EVENTS queue and the webhook deliveries they
// carry. The queue holds two kinds of message: an event to process ({"type": "upload.completed", ...}), and a
// webhook delivery ({"type": "webhook", "event": {...}}), retried on its own so a failing receiver never
// holds processing back.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "util/json.h"

namespace upgate {

inline json webhook_message(const json& event) { return json{{"type", "webhook"}, {"event", event}}; }

// The headers of one webhook POST of body at unix time t: Content-Type, Upgate-Event-Id and
// Upgate-Signature: t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
std::vector<std::pair<std::string, std::string>> webhook_headers(const std::string& secret, const std::string& event_id,
                                                                 int64_t t, const std::string& body);

}  // namespace upgate
