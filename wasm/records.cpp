#include "records.h"

#include <cstdio>

namespace upgate::records {

std::string cleanup_key(int64_t created_ms, const std::string& upload_id) {
  char time[24];
  std::snprintf(time, sizeof time, "%015lld", static_cast<long long>(created_ms));
  return std::string(kCleanupPrefix) + time + ":" + upload_id;
}

}  // namespace upgate::records
