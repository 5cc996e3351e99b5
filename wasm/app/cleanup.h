// The scheduled cleanup (contract section 6): deletes what abandoned, cancelled and aborted uploads left
// behind — never a completed upload — and old tmp/ objects. The time it reasons with is the scheduled time
// the shim passes in.
//
// It sweeps only the shoots in KV's work index (records::work_key). For each, the shoot's ledger marks the
// uploads past their window expired (an upload is never both completed and abandoned: the ledger decides one
// or the other) and hands out, claimed for this run, those whose bytes are due for deletion; the run deletes
// the bytes that carry the upload's own id and tells the ledger; a shoot whose work is still open keeps its place
// in the index (records::kWorkIndexTtlSeconds). Bounded: kMaxShootsPerRun shoots sharing
// kMaxUploadsPerRun uploads, kMaxTmpObjectsPerRun tmp/ objects; the rest waits for the next run, which goes on
// through the work index from the cursor this one saved.
#pragma once
#include <cstdint>

#include "protocol/answer.h"
#include "util/json.h"

namespace upgate {

// At most 10 sweeps + 10 work index renewals + 150 heads + 150 multipart aborts + 10 records + 2 listings, the
// cursor's read and write, one delete and one queue send: under the 1,000 binding calls one invocation may make.
constexpr int64_t kMaxShootsPerRun = 10;
constexpr int64_t kMaxUploadsPerRun = 150;
constexpr int64_t kMaxTmpObjectsPerRun = 500;

// Starts the conversation for {"op": "scheduled", "now", "entropy"}: {"effects", "handle"} while I/O is
// outstanding, then {"done": true, "log": "<JSON text>"} with the counts.
Answer start_scheduled(const json& call);

}  // namespace upgate
