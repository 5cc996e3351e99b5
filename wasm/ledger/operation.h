// What every ledger operation works with: the call (who asks, for which shoot, when), the shoot as stored,
// and the audit trail it appends to. Internal to the ledger library.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

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
  const json& request;  // the operation's own fields, read once by the operation that owns them
  std::string op;
  std::string shoot_id;
  std::string actor;  // the caller's sub; "cleanup" for the cron
  bool admin = false;
  std::string request_id;
  std::optional<Shoot> shoot;  // loaded before the operation runs; absent for a shoot never created

  int64_t now_ms() const { return exchange.now_ms(); }
  // The shoot's owner or an admin (contract 3).
  bool actor_may_act() const { return shoot && (admin || actor == shoot->owner); }
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

// The uploads with these ids, by id (those that exist).
Task<std::map<std::string, UploadSession>> load_uploads(Operation& operation, const std::vector<std::string>& ids);

// The operations, by area.
Task<json> create_shoot(Operation& operation);
Task<json> get_shoot(Operation& operation);
Task<json> presign(Operation& operation);
Task<json> find_writer(Operation& operation);
Task<json> get_upload(Operation& operation);
Task<json> abort_upload(Operation& operation);
Task<json> begin_completion(Operation& operation);
Task<json> finish_completion(Operation& operation);
Task<json> list_assets(Operation& operation);
Task<json> list_audit(Operation& operation);
Task<json> presign_downloads(Operation& operation);
Task<json> sweep(Operation& operation);
Task<json> record_swept(Operation& operation);

}  // namespace upgate::ledger
