#include "ledger/ledger.h"

#include <algorithm>
#include <set>

#include "ledger/operation.h"
#include "ledger/schema.h"
#include "protocol/conversation.h"
#include "uploads/records.h"
#include "util/clock.h"

namespace upgate::ledger {

json Shoot::to_public_json() const {
  json shoot{{"shootId", shoot_id}, {"owner", owner}, {"createdAt", clock::iso8601(created_at_ms)}};
  if (!title.empty()) shoot["title"] = title;
  return shoot;
}

Shoot Shoot::from_row(const json& row) {
  return Shoot{string_field(row, "shootId"), string_field(row, "owner"), string_field(row, "title"),
               integer_field(row, "createdAtMs"), integer_field(row, "workIndexedAtMs")};
}

json refused(Error error) { return json{{"refused", catalogue_entry(error).code}}; }

std::optional<json> access_refusal(const Operation& operation) {
  if (!operation.shoot) return refused(Error::ShootNotFound);
  if (!operation.actor_may_act()) return refused(Error::NotShootOwner);
  return std::nullopt;
}

Statement audit(const Operation& operation, const std::string& action, const std::string& key,
                const std::string& upload_id, const std::string& detail) {
  const auto or_null = [](const std::string& text) { return text.empty() ? json() : json(text); };
  return Statement{
      "INSERT INTO audit (atMs, action, actor, requestId, key, uploadId, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
      json::array({operation.now_ms(), action, operation.actor, operation.request_id, or_null(key), or_null(upload_id),
                   or_null(detail)})};
}

std::string json_list(const std::vector<std::string>& values) { return to_text(json(values)); }

namespace {

// Shoots whose database this isolate has seen with every table of this build's schema: their next operation
// skips the look at sqlite_master, one SQL round of five in a presign. A Durable Object's database only ever
// gains tables, and a transaction that fails makes the shim start a fresh core (shim/ledger.js), so an entry
// never outlives the tables it saw. Bounded: past the bound it starts over.
class SchemaSeen {
 public:
  static bool contains(const std::string& shoot_id) { return shoots().contains(shoot_id); }
  static void insert(const std::string& shoot_id) {
    if (shoots().size() >= kMaxShoots) shoots().clear();
    shoots().insert(shoot_id);
  }

 private:
  static constexpr size_t kMaxShoots = 10000;
  static std::set<std::string>& shoots() {
    static std::set<std::string> seen;
    return seen;
  }
};

Statement read_shoot_row() { return Statement{"SELECT * FROM shoot WHERE id = 1"}; }

std::optional<Shoot> shoot_of(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return Shoot::from_row(rows.front());
}

// The shoot as stored, creating any table a newer version added; nullopt for a database that belongs to no
// shoot (every read of an unknown shoot id lands in an empty object, which must stay empty).
Task<std::optional<Shoot>> load_shoot(Exchange& exchange, const std::string& shoot_id) {
  if (SchemaSeen::contains(shoot_id)) {
    const Rows rows = co_await run_one(exchange, read_shoot_row());
    co_return shoot_of(rows);
  }
  Statement list_tables{"SELECT name FROM sqlite_master WHERE type = 'table'"};
  const Rows tables = co_await run_one(exchange, std::move(list_tables));
  std::set<std::string> present;
  for (const json& row : tables) present.insert(string_field(row, "name"));
  if (!present.contains("shoot")) co_return std::nullopt;
  const auto& wanted = table_names();
  std::vector<Statement> statements;
  if (!std::all_of(wanted.begin(), wanted.end(), [&](const std::string& name) { return present.contains(name); })) {
    for (const std::string& create : schema_statements()) statements.push_back({create});
  }
  statements.push_back(read_shoot_row());
  const std::vector<Rows> rows = co_await run(exchange, std::move(statements));
  std::optional<Shoot> shoot = shoot_of(rows.back());
  if (shoot) SchemaSeen::insert(shoot_id);
  co_return shoot;
}

using OperationFunction = Task<json> (*)(Operation&);

OperationFunction operation_named(const std::string& op) {
  static const std::vector<std::pair<std::string, OperationFunction>> table{
      {"createShoot", create_shoot},
      {"getShoot", get_shoot},
      {"presign", presign},
      {"writer", find_writer},
      {"getUpload", get_upload},
      {"abort", abort_upload},
      {"attachStorage", attach_storage},
      {"signParts", sign_parts},
      {"partWriter", find_part_writer},
      {"recordPart", record_part},
      {"beginCompletion", begin_completion},
      {"finishCompletion", finish_completion},
      {"listAssets", list_assets},
      {"listAudit", list_audit},
      {"presignDownloads", presign_downloads},
      {"sweep", sweep},
      {"swept", record_swept},
      {"claimProcessing", claim_processing},
      {"finishProcessing", finish_processing},
  };
  for (const auto& [name, function] : table) {
    if (name == op) return function;
  }
  return nullptr;
}

// One ledger operation: load the shoot, run the operation, answer its result.
class LedgerConversation final : public Conversation {
 public:
  explicit LedgerConversation(const json& call)
      : Conversation(call_facts_of(call)), request_(member_of(call, "request")) {}

  Task<Answer> run() override {
    const json& actor = member_of(request_, "actor");
    Operation operation{exchange(),
                        request_,
                        string_field(request_, "op"),
                        string_field(request_, "shootId"),
                        string_field(actor, "sub", "cleanup"),
                        bool_field(actor, "admin"),
                        string_field(request_, "requestId"),
                        std::nullopt};
    if (operation.op == "ping") co_return done(json{{"ok", true}});
    const OperationFunction function = operation_named(operation.op);
    if (!function) co_return done(json{{"refused", "invalid_request"}, {"detail", "unknown ledger operation"}});
    operation.shoot = co_await load_shoot(exchange(), operation.shoot_id);
    co_return done(co_await function(operation));
  }

 private:
  static Answer done(json result) { return Answer::of(json{{"done", true}, {"result", std::move(result)}}); }
  json request_;
};

}  // namespace

Answer start_ledger(const json& call) { return start_conversation(std::make_unique<LedgerConversation>(call)); }

// ---------------------------------------------------------------------------------------------------------
// The shoot itself (contract 3).

Task<json> create_shoot(Operation& operation) {
  if (operation.shoot) co_return refused(Error::ShootExists);
  std::vector<Statement> statements;
  for (const std::string& create : schema_statements()) statements.push_back({create});
  const std::string title = string_field(operation.request, "title");
  Shoot shoot{operation.shoot_id, operation.actor, title, operation.now_ms(), 0};
  statements.push_back(
      {"INSERT INTO shoot (id, shootId, owner, title, createdAtMs) VALUES (1, ?, ?, ?, ?)",
       json::array({shoot.shoot_id, shoot.owner, title.empty() ? json() : json(title), shoot.created_at_ms})});
  operation.shoot = shoot;
  statements.push_back(audit(operation, "shoot.created"));
  co_await run(operation.exchange, std::move(statements));
  co_return json{{"shoot", shoot.to_public_json()}, {"createdAtMs", shoot.created_at_ms}};
}

Task<json> get_shoot(Operation& operation) {
  if (auto refusal = access_refusal(operation)) co_return std::move(*refusal);
  const int64_t now_ms = operation.now_ms();
  Statement count{
      "SELECT (SELECT COUNT(*) FROM uploads WHERE state = 'pending' "
      "AND presignedAtMs >= (CASE multipart WHEN 0 THEN ? ELSE ? END)) AS uploadsPending, "
      "(SELECT COUNT(*) FROM assets) AS assets, (SELECT COALESCE(SUM(size), 0) FROM assets) AS bytes, "
      "(SELECT COUNT(*) FROM assets WHERE duplicateOf IS NOT NULL) AS duplicates, "
      "(SELECT COUNT(*) FROM audit WHERE action = 'upload.rejected') AS rejected",
      json::array({now_ms - records::kCompletionWindowMs, now_ms - records::kMultipartIdleWindowMs})};
  const Rows stats = co_await run_one(operation.exchange, std::move(count));
  json answer = operation.shoot->to_public_json();
  const json row = stats.empty() ? json::object() : stats.front();
  answer["stats"] = json{{"uploadsPending", integer_field(row, "uploadsPending")},
                         {"assets", integer_field(row, "assets")},
                         {"bytes", integer_field(row, "bytes")},
                         {"duplicates", integer_field(row, "duplicates")},
                         {"rejected", integer_field(row, "rejected")}};
  co_return json{{"shoot", std::move(answer)}};
}

}  // namespace upgate::ledger
