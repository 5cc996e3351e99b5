#include "uploads/records.h"

#include <cstdio>

namespace upgate::records {

bool is_upload_id(const std::string& text) {
  const std::string prefix = kUploadIdPrefix;
  if (text.size() != prefix.size() + 32 || text.compare(0, prefix.size(), prefix) != 0) return false;
  for (size_t i = prefix.size(); i < text.size(); ++i) {
    const char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string cleanup_key(int64_t created_ms, const std::string& upload_id) {
  char time[24];
  std::snprintf(time, sizeof time, "%015lld", static_cast<long long>(created_ms));
  return std::string(kCleanupPrefix) + time + ":" + upload_id;
}

}  // namespace upgate::records
