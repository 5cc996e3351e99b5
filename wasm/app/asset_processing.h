// Processing one completed asset (contract 10): its metadata from the file's own structures, read range by
// range (a raw file is never read whole), and its JPEG previews, thumb and web, made from the image itself
// (JPEG) or the largest embedded JPEG preview (TIFF-based raws, CR3), stored under
// previews/<shootId>/<filename>/. Used by the queue consumer (processing.h), which records the outcome.
#pragma once
#include <string>

#include "protocol/exchange.h"
#include "protocol/task.h"
#include "util/json.h"

namespace upgate {

// done (metadata and previews), skipped (metadata only: no decodable preview, with the reason), failed (the
// file is not what it claims, with the reason), or transient (state ""): storage failed, worth another delivery.
struct ProcessingOutcome {
  std::string state;
  std::string reason;
  json metadata;  // object or null
  json previews;  // {"thumb": key, "web": key} or null
};

// asset: the ledger's row ({"key", "filename", "size", "contentType", ...}) of shoot_id.
Task<ProcessingOutcome> process_asset(Exchange& exchange, const std::string& shoot_id, const json& asset);

}  // namespace upgate
