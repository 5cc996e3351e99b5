// One HTTP request's conversation between core and shim.
//
// The core is pure, so it cannot await I/O. Instead a handler runs from the start on every step ("replay"):
// each I/O it needs is an effect, numbered by the order in which the handler asks for it. On the first step an
// effect has no result yet, so the handler stops and the core answers with the list of effects to perform; the
// shim performs them (in parallel), appends their results, and calls again with the same request. Because the
// inputs (request, time, entropy, earlier results) are identical on every step, the handler takes the same path
// and finds its earlier results by number. `memo` carries what must happen only once per request (spending
// rate-limit tokens) across steps.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json.h"

namespace upgate {

struct RequestFacts {
  std::string method;
  std::string path;        // as received: percent-encoded, no query
  std::string query;       // as received, without '?'
  std::string host;        // Host header value
  std::string scheme;      // "https" or "http"
  std::string ip;          // CF-Connecting-IP, or empty
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

  std::string header(std::string_view name) const;  // "" when absent
};

// What an effect answered: ready() is false until the shim has performed it.
class EffectResult {
 public:
  explicit EffectResult(const json* result) : result_(result) {}
  bool ready() const { return result_ != nullptr; }
  bool ok() const { return result_ && bool_field(*result_, "ok"); }
  const json& value() const { return *result_; }

 private:
  const json* result_;
};

class Exchange {
 public:
  // call: {"request": {...}, "now": <ms>, "entropy": "<hex>", "results": [...], "memo": {...}}
  explicit Exchange(const json& call);

  const RequestFacts& request() const { return request_; }
  int64_t now_ms() const { return now_ms_; }
  int64_t now_seconds() const { return now_ms_ / 1000; }
  // Random bytes (hex) the shim drew for this request; the core has no random source of its own.
  const std::string& entropy() const { return entropy_; }

  // Asks for an effect; its result when an earlier step performed it, otherwise queued for this step.
  EffectResult perform(json effect);
  bool suspended() const { return !queued_.empty(); }
  // Effects are numbered in the order they are asked for; work remembered in the memo instead of redone
  // must still pass over the numbers it used, so later effects keep theirs.
  size_t effects_asked() const { return next_effect_; }
  void pass_over(size_t effects) { next_effect_ += effects; }
  // The answer that asks the shim to perform the queued effects and call again.
  json suspension() const;

  json& memo() { return memo_; }

  // The body the shim read before the first call, when the prefetch rule (see dispatch.h) covered this
  // request: shaped like a read_body effect's result. nullptr otherwise.
  const json* prefetched_body() const { return prefetched_body_; }

 private:
  RequestFacts request_;
  int64_t now_ms_ = 0;
  std::string entropy_;
  const json* results_ = nullptr;
  const json* prefetched_body_ = nullptr;
  size_t next_effect_ = 0;
  json queued_ = json::array();
  json memo_;
};

// Effect constructors: the vocabulary of I/O the shim performs (shim/effects.js).
namespace effects {
json read_body(int64_t limit);
json kv_get(const std::string& key);
// metadata (a small JSON object) comes back with the key when the namespace is listed.
json kv_put(const std::string& key, const json& value, int64_t ttl_seconds = 0, const json& metadata = json());
json kv_delete(const std::string& key);
json kv_list(const std::string& prefix, const std::string& cursor, int64_t limit);
json r2_head(const std::string& key);
json r2_read_head(const std::string& key, int64_t length);
json r2_delete(const std::vector<std::string>& keys);
json r2_list(const std::string& prefix, const std::string& cursor, int64_t limit);
// Streams the request body into key, marked with the upload's id (R2 custom metadata "upload-id"); the put
// fails, storing nothing, unless the body is exactly length bytes and has every digest in checksums
// (algorithm -> lower-case hex: crc32, crc32c, sha1, sha256).
json r2_put_body(const std::string& key, const std::string& content_type, int64_t length,
                 const std::map<std::string, std::string>& checksums, const std::string& upload_id);
// Streams one stored object into another key (a replacement taking the completed file's place), marked
// with the upload's id.
json r2_copy(const std::string& from, const std::string& to, const std::string& content_type,
             const std::string& upload_id);
json rate_limiter(const std::string& key);
json verify_signature(const json& check);
}  // namespace effects

}  // namespace upgate
