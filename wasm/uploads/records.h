// Where Upgate keeps things: KV keys, R2 object keys, and the time fences between completion and cleanup.
#pragma once
#include <cstdint>
#include <string>

namespace upgate::records {

constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
// An upload not completed within this long after its presign is abandoned (410 upload_expired).
constexpr int64_t kCompletionWindowMs = 6 * kHourMs;
// Cleanup only touches uploads older than this: ten minutes after completion closes, so KV's eventual
// consistency (about a minute) cannot let a late completion and a cleanup race on one upload.
constexpr int64_t kCleanupAfterMs = 6 * kHourMs + 10 * kMinuteMs;
// tmp/ objects older than this are removed by cleanup.
constexpr int64_t kTmpMaxAgeMs = 6 * kHourMs;
// KV lifetimes: a pending session outlives every cleanup that could need it; a completed one keeps
// completion idempotent for a month.
constexpr int64_t kPendingSessionTtlSeconds = 7 * 24 * 3600;
constexpr int64_t kCompletedSessionTtlSeconds = 30 * 24 * 3600;

inline std::string shoot_key(const std::string& shoot_id) { return "shoot:" + shoot_id; }
// The upload currently pending on an object key: the only one whose bytes may be written there.
inline std::string pending_key(const std::string& object_key) { return "pending:" + object_key; }
inline std::string session_key(const std::string& upload_id) { return "upload:" + upload_id; }
inline std::string asset_key(const std::string& object_key) { return "asset:" + object_key; }
inline std::string object_key(const std::string& shoot_id, const std::string& filename) {
  return "shoots/" + shoot_id + "/" + filename;
}

// A replacement is written beside the completed file it replaces, under its own upload's id, and takes the
// file's place only once it has passed the checks of complete.
inline std::string staging_key(const std::string& upload_id, const std::string& filename) {
  return "staging/" + upload_id + "/" + filename;
}

// Upload ids are "up_" and 32 lower-case hex digits; anything else cannot exist and is never looked up.
constexpr const char* kUploadIdPrefix = "up_";
bool is_upload_id(const std::string& text);

// The R2 custom metadata field that names the upload whose bytes an object holds (contract 5.5); in s3 mode
// the client sends it as the signed header x-amz-meta-upload-id.
constexpr const char* kObjectUploadIdField = "upload-id";

constexpr const char* kCleanupPrefix = "cleanup:";
// Listing KV by this prefix returns uploads oldest first: the time is zero-padded so text order is time order.
std::string cleanup_key(int64_t created_ms, const std::string& upload_id);

}  // namespace upgate::records
