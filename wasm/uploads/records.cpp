#include "uploads/records.h"

#include <cstdio>

#include "crypto/crypto.h"
#include "naming/naming.h"
#include "util/encoding.h"
#include "util/text.h"

namespace upgate::records {

namespace {
constexpr size_t kIdHexDigits = 32;
}  // namespace

std::optional<std::string> shoot_of_key(const std::string& key) {
  const std::string prefix = "shoots/";
  if (key.rfind(prefix, 0) != 0) return std::nullopt;
  const size_t slash = key.find('/', prefix.size());
  if (slash == std::string::npos) return std::nullopt;
  std::string shoot_id = key.substr(prefix.size(), slash - prefix.size());
  if (!naming::is_valid_shoot_id(shoot_id)) return std::nullopt;
  return shoot_id;
}

std::string event_id(const std::string& upload_id, const std::string& type) {
  return "ev_" + crypto::sha256_hex(upload_id + "\n" + type).substr(0, kIdHexDigits);
}

std::string upload_id(const std::string& shoot_id, const std::string& hex32) {
  return kUploadIdPrefix + shoot_id + "_" + hex32;
}

std::optional<std::string> shoot_of_upload(const std::string& id) {
  const std::string prefix = kUploadIdPrefix;
  if (id.size() < prefix.size() + 1 + kIdHexDigits || id.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const size_t separator = id.size() - kIdHexDigits - 1;
  if (id[separator] != '_' || !text::all_lower_hex(id.substr(separator + 1))) return std::nullopt;
  std::string shoot_id = id.substr(prefix.size(), separator - prefix.size());
  if (!naming::is_valid_shoot_id(shoot_id)) return std::nullopt;
  return shoot_id;
}

bool is_upload_id(const std::string& text) { return shoot_of_upload(text).has_value(); }

std::string owner_prefix(const std::string& sub) {
  // Hex, so that no sub can be a prefix of another's keys ("a" and "a:b").
  return "owner:" + encoding::hex_encode(sub) + ":";
}

std::string owner_key(const std::string& sub, int64_t created_ms, const std::string& shoot_id) {
  // KV lists keys in text order; an inverted, zero-padded time lists the newest first.
  constexpr int64_t kLatestMs = 999'999'999'999'999;
  char inverted[24];
  std::snprintf(inverted, sizeof inverted, "%015lld", static_cast<long long>(kLatestMs - created_ms));
  return owner_prefix(sub) + inverted + ":" + shoot_id;
}

}  // namespace upgate::records
