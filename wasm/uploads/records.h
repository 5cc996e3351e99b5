// Where Upgate keeps things: R2 object keys, the KV index keys, upload ids, and the windows an upload has.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace upgate::records {

constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
// An upload not completed within this long after its latest presign is abandoned (410 upload_expired).
constexpr int64_t kCompletionWindowMs = 6 * kHourMs;
// A multipart upload with no part activity (a part signed or stored) for this long is abandoned.
constexpr int64_t kMultipartIdleWindowMs = 24 * kHourMs;
// A completion in progress holds its upload this long: cleanup leaves it alone meanwhile, and a completion
// that died (the Worker was evicted mid-way) frees it again afterwards.
constexpr int64_t kCompletionClaimMs = 10 * kMinuteMs;
// A cleanup run's claim on an abandoned upload's bytes: overlapping runs never delete or count them twice.
constexpr int64_t kCleanupClaimMs = 15 * kMinuteMs;
// tmp/ objects older than this are removed by cleanup.
constexpr int64_t kTmpMaxAgeMs = 6 * kHourMs;

// After the upload (contract 10): the events of an upload have ids of their own, the same each time one is
// sent again, so a receiver recognises a repeat: "ev_<32 hex>" from the upload id and the event's type.
std::string event_id(const std::string& upload_id, const std::string& type);
// A completed asset's upload.completed event is sent again by the cron while processing stays pending this long.
constexpr int64_t kEventResendAfterMs = 15 * kMinuteMs;
// A delivery processing an asset holds it this long; an older claim may be taken over.
constexpr int64_t kProcessingClaimMs = 10 * kMinuteMs;
// Where an asset's previews go: previews/<shootId>/<filename>/<name>.jpg.
inline std::string preview_key(const std::string& shoot_id, const std::string& filename, const std::string& name) {
  return "previews/" + shoot_id + "/" + filename + "/" + name + ".jpg";
}

inline std::string object_key(const std::string& shoot_id, const std::string& filename) {
  return "shoots/" + shoot_id + "/" + filename;
}
// The shoot an object key belongs to ("shoots/<shootId>/<filename>"); nullopt for any other key.
std::optional<std::string> shoot_of_key(const std::string& key);

// A replacement is written beside the completed file it replaces, under its own upload's id, and takes the
// file's place only once it has passed the checks of complete.
inline std::string staging_key(const std::string& upload_id, const std::string& filename) {
  return "staging/" + upload_id + "/" + filename;
}

// Upload ids name their shoot, so a request that carries only an upload id reaches the right ledger:
// "up_<shootId>_<32 lower-case hex digits>". Anything else cannot exist and is never looked up.
constexpr const char* kUploadIdPrefix = "up_";
std::string upload_id(const std::string& shoot_id, const std::string& hex32);
bool is_upload_id(const std::string& text);
// The shoot an upload id names; nullopt when it is not an upload id.
std::optional<std::string> shoot_of_upload(const std::string& upload_id);

// The R2 custom metadata field that names the upload whose bytes an object holds (contract 5.5); in s3 mode
// the client sends it as the signed header x-amz-meta-upload-id.
constexpr const char* kObjectUploadIdField = "upload-id";

// KV, which only ever holds indexes that may lag (contract 1):
// the caller's shoots, newest first: "owner:<hex of sub>:<inverted creation ms>:<shootId>", metadata the shoot.
std::string owner_prefix(const std::string& sub);
std::string owner_key(const std::string& sub, int64_t created_ms, const std::string& shoot_id);
// the shoots with pending work, which the cron sweeps: "work:<shootId>", expiring a week after the latest
// presign that refreshed it (the ledger says when to refresh it, at most hourly) or the latest sweep that found
// the shoot's work still open. An entry must outlive its uploads' windows (a multipart upload is abandoned 24
// hours after its latest part activity) and the cron's pass over the index, however many shoots that holds;
// one whose work is done lapses on its own rather than being deleted, so a presign racing the cron is never
// undone.
constexpr const char* kWorkPrefix = "work:";
inline std::string work_key(const std::string& shoot_id) { return kWorkPrefix + shoot_id; }
constexpr int64_t kWorkIndexTtlSeconds = 7 * 24 * 3600;
constexpr int64_t kWorkIndexRefreshMs = kHourMs;

}  // namespace upgate::records
