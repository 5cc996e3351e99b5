// The scheduled cleanup (contract section 6): deletes what abandoned uploads left behind, never a completed
// upload, and old tmp/ objects. The time it reasons with is the scheduled time the shim passes in.
//
// Bounded: one run looks at no more than kMaxUploadsPerRun index entries and kMaxTmpObjectsPerRun tmp/
// objects; what is left is found by the next run, because the index is listed oldest first and every entry
// handled is deleted. Overlapping runs in one isolate claim disjoint entries, so nothing is deleted twice.
#pragma once
#include "util/json.h"

namespace upgate {

// Per upload: list share, session get, asset get, object head, object delete (batched), session delete and
// index delete: at most 6 operations. 150 uploads stay near 900, under the 1,000 KV/R2 operations one Worker
// invocation may make, with room for the tmp/ listing and its batched delete.
constexpr int64_t kMaxUploadsPerRun = 150;
constexpr int64_t kMaxTmpObjectsPerRun = 500;

// Starts the conversation for {"op": "scheduled", "now", "entropy"}: {"effects", "handle"} while I/O is
// outstanding, then {"done": true, "log": {...}} with the counts.
json start_scheduled(const json& call);

}  // namespace upgate
