// One conversation between core and shim: the facts the shim brought (request, time, entropy) and the rounds
// of I/O a handler awaits.
//
// The core is pure, so it cannot perform I/O: a handler co_awaits a round of effects (Exchange::perform), the
// conversation hands them to the shim, which performs them in parallel and resumes the conversation with
// their results, in order, and the handler carries on from where it stopped (task.h). A response that waits
// only on writes carries them (Response::commit); the conversation sends them with the response, which the
// shim delivers once they all succeed.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/task.h"
#include "util/json.h"

namespace upgate {

struct RequestFacts {
  std::string method;
  std::string path;                                          // as received: percent-encoded, no query
  std::string query;                                         // as received, without '?'
  std::string host;                                          // Host header value
  std::string scheme;                                        // "https" or "http"
  std::string ip;                                            // CF-Connecting-IP, or empty
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

  std::string header(std::string_view name) const;  // "" when absent
  // The first value of a query parameter, percent-decoded; "" when absent or malformed.
  std::string query_parameter(std::string_view name) const;
};

// What an effect answered: {"ok": true, ...} or {"ok": false, "error"}. A result that arrived as text stays
// text until it is read as a tree: a round's results are parsed one by one, by whoever reads them.
class EffectResult {
 public:
  EffectResult() = default;
  explicit EffectResult(json result) : parsed_(std::move(result)) {}
  static EffectResult from_text(std::string_view text);

  bool ok() const;
  // The result as a tree (null when its text was malformed).
  const json& value() const;
  // The result as JSON text, for a typed reader (util/json_reader.h): as it arrived, or written from its tree.
  std::string_view text() const;
  // One member moved out (null when absent), for a result read once and then dropped.
  json take_member(const char* name) &&;

 private:
  mutable std::string text_;
  mutable std::optional<json> parsed_;
};

// What a first call brings the conversation it starts (PROTOCOL.md, "The calls"), decoded once
// (protocol/call_facts.h) so that nothing after it reads the call itself.
struct CallFacts {
  RequestFacts request;  // "http" calls only; empty otherwise
  int64_t now_ms = 0;
  std::string entropy;
  std::optional<EffectResult> prefetched_body;  // a read_body result the shim read ahead
};

// One effect as the shim reads it (the table in PROTOCOL.md): its type, and its JSON text, written once.
struct Effect {
  std::string type;
  std::string text;
  // From a tree, the way most effects are still built (the effects:: constructors below).
  static Effect of(const json& effect) { return Effect{string_field(effect, "type"), to_text(effect)}; }
};

class Exchange {
 public:
  explicit Exchange(CallFacts facts);

  const RequestFacts& request() const { return request_; }
  int64_t now_ms() const { return now_ms_; }
  int64_t now_seconds() const { return now_ms_ / 1000; }
  // Random bytes (hex) the shim drew for this request; the core has no random source of its own.
  const std::string& entropy() const { return entropy_; }
  // The body the shim read before the first call, when the prefetch rule (see dispatch.h) covered this
  // request: shaped like a read_body effect's result.
  const std::optional<EffectResult>& prefetched_body() const { return prefetched_body_; }

  // co_await perform({...}): one round of effects, performed together; resumes with their results in order.
  // An empty round resumes at once with no results.
  class Round {
   public:
    Round(Exchange& exchange, std::vector<Effect> effects) : exchange_(exchange), effects_(std::move(effects)) {}
    bool await_ready() const noexcept { return effects_.empty(); }
    void await_suspend(coro::coroutine_handle<> waiting) {
      exchange_.asked_ = std::move(effects_);
      exchange_.waiting_ = waiting;
    }
    std::vector<EffectResult> await_resume() { return std::exchange(exchange_.answered_, {}); }

   private:
    Exchange& exchange_;
    std::vector<Effect> effects_;
  };
  Round perform(std::vector<Effect> effects) {
    binding_calls_ += count_binding_calls(effects);
    return Round(*this, std::move(effects));
  }
  Round perform(const std::vector<json>& effects);
  // One effect on its own.
  Task<EffectResult> perform_one(Effect effect);
  Task<EffectResult> perform_one(const json& effect);

  // How many binding calls (KV, R2, Durable Object, rate limiter) the rounds asked for so far: the log line's "io".
  int64_t binding_calls() const { return binding_calls_; }
  static int64_t count_binding_calls(const std::vector<Effect>& effects);
  static int64_t count_binding_calls(const std::vector<json>& effects);

  // For the conversation (conversation.h): what the suspended handler asked for, and resuming it.
  bool waiting() const { return static_cast<bool>(waiting_); }
  std::vector<Effect> take_asked() { return std::exchange(asked_, {}); }
  void resume_with(std::vector<EffectResult> results);

 private:
  RequestFacts request_;
  int64_t now_ms_ = 0;
  std::string entropy_;
  std::optional<EffectResult> prefetched_body_;
  std::vector<Effect> asked_;
  std::vector<EffectResult> answered_;
  int64_t binding_calls_ = 0;
  coro::coroutine_handle<> waiting_;
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
// The object (as r2_head describes it) and its first `length` bytes, in one read; with sha256, the read goes
// on to the object's end through the runtime's native digest (never holding it whole) and answers its SHA-256.
json r2_read_head(const std::string& key, int64_t length, bool sha256 = false);
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
// Multipart uploads (contract 5.4) through R2's binding. The object key and the storage's multipart upload id
// name one; the completed object is marked with the upload's id, set when the multipart upload is created.
json r2_multipart_create(const std::string& key, const std::string& content_type, const std::string& upload_id);
// Streams the request body into one part, held to exactly length bytes and to every digest in checksums
// (nothing is stored otherwise); answers the part's etag.
json r2_put_part(const std::string& key, const std::string& storage_upload_id, int64_t part_number, int64_t length,
                 const std::map<std::string, std::string>& checksums);
// parts: [{"partNumber", "etag"}] in order.
json r2_multipart_complete(const std::string& key, const std::string& storage_upload_id, const json& parts);
// Frees the upload and its parts; an upload storage no longer knows counts as aborted.
json r2_multipart_abort(const std::string& key, const std::string& storage_upload_id);
// Bytes of an object (protocol/blobs.h): length bytes from offset, answered as {"object", "blob", "length"}.
json r2_read_range(const std::string& key, int64_t offset, int64_t length);
// Stores the blob's bytes under key (a preview the core made).
json r2_put_blob(const std::string& key, const std::string& content_type, uint32_t blob);
// Sends messages (JSON bodies) to the UPLOAD_EVENTS queue, in one batch.
json queue_send(const json& messages);
// POSTs body to the configured WEBHOOK_URL (the shim sends only there) with these headers; answers "status".
json webhook_post(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body);
// s3 mode: one request to R2's S3 API, signed by the core (uploads/r2_s3_api.h); the shim sends it only to
// R2_S3_ENDPOINT's origin. Answers {"status", "body"}, and ok: false unless the status is one of ok_statuses.
json s3_request(const std::string& method, const std::string& url,
                const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                const std::vector<int>& ok_statuses);
json rate_limiter(const std::string& key);
json verify_signature(const json& check);
}  // namespace effects

}  // namespace upgate
