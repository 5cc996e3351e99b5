// What every ledger operation works with: the call (who asks, for which shoot, when), the shoot as stored,
// and the audit trail it appends to. Internal to the ledger library.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/errors.h"
#include "ledger/sql.h"
#include "protocol/exchange.h"
#include "protocol/task.h"
#include "uploads/upload_session.h"
#include "util/json.h"

namespace upgate::ledger {

struct Shoot {
  std::string shoot_id;
  std::string owner;
  std::string title;
  int64_t created_at_ms = 0;
  int64_t work_indexed_at_ms = 0;

  // {"shootId", "owner", "title"?, "createdAt"} (contract 3).
  json to_public_json() const;
  static Shoot from_row(const json& row);
};

struct Operation {
  Exchange& exchange;
  std::string_view request_text;  // the operation's own fields as JSON text, as the Worker wrote them
  std::string op;
  std::string shoot_id;
  std::string actor;  // the caller's sub; "cleanup" for the cron
  bool admin = false;
  std::string request_id;
  std::optional<Shoot> shoot;  // loaded before the operation runs; absent for a shoot never created
  // Writes whose results the operation does not read: they travel with its answer and the Durable Object runs
  // them before it returns the result, in the same transaction (shim/ledger.js), which saves the core a round.
  std::vector<Statement> writes_with_answer;

  int64_t now_ms() const { return exchange.now_ms(); }
  // The request as a tree, parsed on first use: the operations off the upload path read their fields from it;
  // presign reads its files straight from request_text.
  const json& request() const {
    if (!request_tree) request_tree = parse_json(request_text).value_or(json::object());
    return *request_tree;
  }
  mutable std::optional<json> request_tree;
  // The operation's last writes: run once it has answered, after every statement it awaited.
  void write_with_answer(std::vector<Statement> writes) {
    for (Statement& write : writes) writes_with_answer.push_back(std::move(write));
  }
  void write_with_answer(Statement write) { writes_with_answer.push_back(std::move(write)); }
  // The shoot's owner or an admin (contract 3).
  bool actor_may_act() const { return shoot && (admin || actor == shoot->owner); }
};

// What an operation answers the Worker: its result as JSON text. Most operations build a tree, which converts;
// presign, on every upload's path, writes its text directly.
struct Reply {
  std::string text;
  Reply(const json& result) : text(to_text(result)) {}  // NOLINT(google-explicit-constructor): co_return json{...}
  explicit Reply(std::string written) : text(std::move(written)) {}
};

// {"refused": "<code>"}: the operation as a whole is refused with that contract error.
json refused(Error error);
// The refusal for a caller who may not act on the shoot (or a shoot that does not exist); nullopt when they may.
std::optional<json> access_refusal(const Operation& operation);

// One audit event (contract 5.6) as an INSERT.
Statement audit(const Operation& operation, const std::string& action, const std::string& key = "",
                const std::string& upload_id = "", const std::string& detail = "");

// A JSON array of strings as one SQL parameter, for "IN (SELECT value FROM json_each(?))": one parameter
// whatever the batch size (Durable Object SQL takes at most 100 bound parameters per statement).
std::string json_list(const std::vector<std::string>& values);

// Whether the Worker should refresh the shoot's entry in KV's work index now (activity that the cron must come
// back for); when so, the write that records the refresh is added to writes.
bool refresh_work_index(Operation& operation, std::vector<Statement>& writes);

// The uploads with these ids, by id (those that exist).
Task<std::map<std::string, UploadSession>> load_uploads(Operation& operation, const std::vector<std::string>& ids);
Task<std::optional<UploadSession>> load_upload(Operation& operation, const std::string& upload_id);
// The parts stored for a multipart upload, [{partNumber, size, etag}] in order.
Task<json> load_parts(Operation& operation, const std::string& upload_id);
// Why an upload can no longer be written, completed or aborted (completed, cancelled, aborted, or past its
// window); nullopt while it is pending and live.
std::optional<Error> unusable(const UploadSession& upload, int64_t now_ms);

// The upload.completed event of an asset row (contract 10).
json completed_event(const std::string& shoot_id, const json& asset);
// The upload.completed events of assets still pending after records::kEventResendAfterMs, marked as sent now.
Task<json> events_to_resend(Operation& operation, int64_t limit);

// The operations, by area.
Task<Reply> create_shoot(Operation& operation);
Task<Reply> get_shoot(Operation& operation);
Task<Reply> presign(Operation& operation);
Task<Reply> find_writer(Operation& operation);
Task<Reply> get_upload(Operation& operation);
Task<Reply> abort_upload(Operation& operation);
Task<Reply> attach_storage(Operation& operation);
Task<Reply> sign_parts(Operation& operation);
Task<Reply> find_part_writer(Operation& operation);
Task<Reply> record_part(Operation& operation);
Task<Reply> begin_completion(Operation& operation);
Task<Reply> finish_completion(Operation& operation);
Task<Reply> list_assets(Operation& operation);
Task<Reply> list_audit(Operation& operation);
Task<Reply> presign_downloads(Operation& operation);
Task<Reply> sweep(Operation& operation);
Task<Reply> claim_processing(Operation& operation);
Task<Reply> finish_processing(Operation& operation);
Task<Reply> record_swept(Operation& operation);

}  // namespace upgate::ledger
