// What the ledger shows (contract 5.6): the shoot's assets in key order and its audit trail oldest first,
// 100 a page behind an opaque cursor, and which keys may be downloaded.
#include <set>

#include "ledger/operation.h"
#include "util/clock.h"
#include "util/encoding.h"
#include "util/text.h"

namespace upgate::ledger {

namespace {

constexpr int64_t kPageSize = 100;

json invalid_cursor() {
  json answer = refused(Error::InvalidRequest);
  answer["field"] = "cursor";
  return answer;
}

json asset_json(const json& row) {
  json asset{{"key", string_field(row, "key")},
             {"filename", string_field(row, "filename")},
             {"size", integer_field(row, "size")},
             {"contentType", string_field(row, "contentType")},
             {"etag", string_field(row, "etag")},
             {"completedAt", clock::iso8601(integer_field(row, "completedAtMs"))},
             {"processing", string_field(row, "processing", "pending")}};
  if (const std::string sha256 = string_field(row, "sha256"); !sha256.empty()) asset["sha256"] = sha256;
  if (const std::string twin = string_field(row, "duplicateOf"); !twin.empty()) asset["duplicateOf"] = twin;
  if (const std::string reason = string_field(row, "processingReason"); !reason.empty()) {
    asset["processingReason"] = reason;
  }
  for (const char* document : {"metadata", "previews"}) {
    if (auto parsed = parse_json(string_field(row, document)); parsed && parsed->is_object()) {
      asset[document] = std::move(*parsed);
    }
  }
  return asset;
}

json event_json(const json& row) {
  json event{{"at", clock::iso8601(integer_field(row, "atMs"))},
             {"action", string_field(row, "action")},
             {"actor", string_field(row, "actor")},
             {"requestId", string_field(row, "requestId")}};
  for (const char* field : {"key", "uploadId", "detail"}) {
    if (const std::string value = string_field(row, field); !value.empty()) event[field] = value;
  }
  return event;
}

// A page of rows: the first kPageSize, and the cursor that follows the last of them when there are more.
json page(const Rows& rows, const char* list, json (*shape)(const json&), const std::string& next_cursor) {
  json items = json::array();
  for (size_t i = 0; i < rows.size() && static_cast<int64_t>(i) < kPageSize; ++i) items.push_back(shape(rows[i]));
  json answer{{list, std::move(items)}};
  if (static_cast<int64_t>(rows.size()) > kPageSize) answer["cursor"] = next_cursor;
  return answer;
}

}  // namespace

// {"cursor"} -> {"assets", "cursor"?}; the cursor is the hex of the last key shown.
Task<Reply> list_assets(Operation& operation) {
  if (auto refusal = access_refusal(operation)) co_return *refusal;
  const std::string cursor = string_field(operation.request(), "cursor");
  const auto after = encoding::hex_decode(cursor);
  if (!after) co_return invalid_cursor();
  Statement read{"SELECT * FROM assets WHERE key > ? ORDER BY key LIMIT ?", SqlParams{*after, kPageSize + 1}};
  const Rows rows = co_await run_one(operation.exchange, std::move(read));
  const std::string next = rows.size() > static_cast<size_t>(kPageSize)
                               ? encoding::hex_encode(string_field(rows[kPageSize - 1], "key"))
                               : "";
  co_return page(rows, "assets", asset_json, next);
}

// {"cursor"} -> {"events", "cursor"?}; the cursor is the sequence number of the last event shown.
Task<Reply> list_audit(Operation& operation) {
  if (auto refusal = access_refusal(operation)) co_return *refusal;
  const std::string cursor = string_field(operation.request(), "cursor");
  if (!cursor.empty() && (cursor.size() > 15 || !text::all_digits(cursor))) co_return invalid_cursor();
  const int64_t after = cursor.empty() ? 0 : std::stoll(cursor);
  Statement read{"SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", SqlParams{after, kPageSize + 1}};
  const Rows rows = co_await run_one(operation.exchange, std::move(read));
  const std::string next =
      rows.size() > static_cast<size_t>(kPageSize) ? std::to_string(integer_field(rows[kPageSize - 1], "seq")) : "";
  co_return page(rows, "events", event_json, next);
}

// The asset a key may be downloaded as part of: the key itself, or for a preview
// (previews/<shootId>/<filename>/<name>.jpg) the asset it was made from.
std::string asset_key_of(const std::string& shoot_id, const std::string& key) {
  const std::string prefix = "previews/" + shoot_id + "/";
  if (key.rfind(prefix, 0) != 0) return key;
  const size_t slash = key.rfind('/');
  return slash <= prefix.size() ? key : "shoots/" + shoot_id + "/" + key.substr(prefix.size(), slash - prefix.size());
}

// {"keys"} -> {"keys": [{"key", "ok": true} | {"key", "error"}]}: the shoot's assets and their previews may be
// downloaded.
Task<Reply> presign_downloads(Operation& operation) {
  if (auto refusal = access_refusal(operation)) co_return *refusal;
  std::vector<std::string> keys;
  std::vector<std::string> asset_keys;
  for (const json& key : member_of(operation.request(), "keys")) {
    keys.push_back(key.is_string() ? key.get<std::string>() : "");
    asset_keys.push_back(asset_key_of(operation.shoot_id, keys.back()));
  }
  Statement read{"SELECT key, previews FROM assets WHERE key IN (SELECT value FROM json_each(?))",
                 SqlParams{json_list(asset_keys)}};
  const Rows rows = co_await run_one(operation.exchange, std::move(read));
  std::set<std::string> assets;
  for (const json& row : rows) {
    assets.insert(string_field(row, "key"));
    if (auto previews = parse_json(string_field(row, "previews")); previews && previews->is_object()) {
      for (const auto& [name, preview_key] : previews->items()) {
        if (preview_key.is_string()) assets.insert(preview_key.get<std::string>());
      }
    }
  }
  json answers = json::array();
  std::vector<Statement> writes;
  for (const std::string& key : keys) {
    if (!assets.contains(key)) {
      answers.push_back(json{{"key", key}, {"error", catalogue_entry(Error::NotFound).code}});
      continue;
    }
    writes.push_back(audit(operation, "download.presigned", key));
    answers.push_back(json{{"key", key}, {"ok", true}});
  }
  operation.write_with_answer(std::move(writes));
  co_return json{{"keys", std::move(answers)}};
}

}  // namespace upgate::ledger
