// After the upload (contract 10): the consumer of the UPLOAD_EVENTS queue. For each message of a delivered
// batch it decides ack or retry (with the backoff of EVENT_RETRY_DELAYS_SECONDS):
//  - upload.completed: the shoot's ledger hands this delivery the asset (a claim, so repeated or concurrent
//    deliveries process it once), the asset is processed, the outcome recorded, and the upload.processed or
//    upload.failed webhook queued; a transient failure is retried, and after the last delivery the asset is
//    failed with the reason and the message goes to the dead-letter queue;
//  - webhook: one signed POST to WEBHOOK_URL; a non-2xx answer is retried with the same event id.
//
//   {"op": "queue", "messages": [{"id", "body", "attempts"}], "now", "entropy"}
//     -> {"done": true, "outcomes": [{"id", "action": "ack" | "retry", "delaySeconds"?}], "log": "<JSON text>"}
#pragma once
#include <cstdint>

#include "protocol/answer.h"
#include "util/json.h"

namespace upgate {

// Deliveries of one message before it goes to the dead-letter queue: the first and max_retries = 3 more
// (wrangler.toml's [[queues.consumers]], and the test harness's, say the same).
constexpr int64_t kMaxDeliveries = 4;

Answer start_queue(const json& call);

}  // namespace upgate
