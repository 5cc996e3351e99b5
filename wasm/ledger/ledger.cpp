#include "ledger/ledger.h"

#include <algorithm>
#include <map>
#include <set>

#include "ledger/operation.h"
#include "ledger/schema.h"
#include "protocol/conversation.h"
#include "uploads/records.h"
#include "util/clock.h"
#include "util/json_reader.h"
#include "util/json_writer.h"

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
  const auto or_null = [](const std::string& text) { return text.empty() ? SqlValue() : SqlValue(text); };
  return Statement{
      "INSERT INTO audit (atMs, action, actor, requestId, key, uploadId, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
      SqlParams{operation.now_ms(), action, operation.actor, operation.request_id, or_null(key), or_null(upload_id),
                or_null(detail)}};
}

std::string json_list(const std::vector<std::string>& values) { return to_text(json(values)); }

namespace {

// Shoots this isolate has seen with every table of this build's schema, as last stored: their next operation
// starts without a look at the database (in a presign, the one SQL round of three that read the shoot). Safe: a
// Durable Object's database only ever gains tables; its shoot row is written only by create_shoot and
// refresh_work_index, through the operation whose shoot is remembered here when it ends; and a transaction that
// fails makes the shim start a fresh core (shim/ledger.js), so no entry outlives the rows it saw. Should another
// isolate have hosted the object meanwhile, the one field it can have moved, workIndexedAtMs, is behind here:
// that costs one work-index refresh more than needed, never one too few. Bounded: past the bound it starts over.
class KnownShoots {
 public:
  static const Shoot* find(const std::string& shoot_id) {
    auto it = shoots().find(shoot_id);
    return it == shoots().end() ? nullptr : &it->second;
  }
  static void remember(const Shoot& shoot) {
    if (shoots().size() >= kMaxShoots && !shoots().contains(shoot.shoot_id)) shoots().clear();
    shoots().insert_or_assign(shoot.shoot_id, shoot);
  }

 private:
  static constexpr size_t kMaxShoots = 10000;
  static std::map<std::string, Shoot>& shoots() {
    static std::map<std::string, Shoot> known;
    return known;
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
  if (const Shoot* known = KnownShoots::find(shoot_id)) co_return *known;
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
  co_return shoot_of(rows.back());
}

using OperationFunction = Task<Reply> (*)(Operation&);

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

// Who asks what of which shoot, and when: the members every operation's request starts with.
struct RequestHeader {
  std::string op;
  std::string shoot_id;
  std::string request_id;
  std::string actor = "cleanup";  // the cron asks without an actor
  bool admin = false;
  std::optional<int64_t> now_ms;
};

RequestHeader read_header(std::string_view request) {
  RequestHeader header;
  JsonReader reader(request);
  reader.object([&](std::string_view key) {
    if (key == "op") {
      header.op = reader.string().value_or("");
    } else if (key == "shootId") {
      header.shoot_id = reader.string().value_or("");
    } else if (key == "requestId") {
      header.request_id = reader.string().value_or("");
    } else if (key == "now") {
      header.now_ms = reader.integer();
    } else if (key == "actor") {
      reader.object([&](std::string_view member) {
        if (member == "sub") {
          header.actor = reader.string().value_or("cleanup");
        } else if (member == "admin") {
          header.admin = reader.boolean().value_or(false);
        } else {
          reader.skip();
        }
      });
    } else {
      reader.skip();
    }
  });
  return header;
}

// The request's time is the one the ledger decides with (the Worker's, or the cron's scheduled time).
CallFacts with_request_time(CallFacts facts, const RequestHeader& header) {
  if (header.now_ms) facts.now_ms = *header.now_ms;
  return facts;
}

// One ledger operation: load the shoot, run the operation, answer its result.
class LedgerConversation final : public Conversation {
 public:
  LedgerConversation(CallFacts facts, std::string request, RequestHeader header)
      : Conversation(with_request_time(std::move(facts), header)),
        request_(std::move(request)),
        header_(std::move(header)) {}

  Task<Answer> run() override {
    Operation operation{.exchange = exchange(),
                        .request_text = request_,
                        .op = header_.op,
                        .shoot_id = header_.shoot_id,
                        .actor = header_.actor,
                        .admin = header_.admin,
                        .request_id = header_.request_id,
                        .shoot = std::nullopt,
                        .writes_with_answer = {},
                        .request_tree = std::nullopt};
    if (operation.op == "ping") co_return done(Reply(json{{"ok", true}}));
    const OperationFunction function = operation_named(operation.op);
    if (!function) co_return done(Reply(json{{"refused", "invalid_request"}, {"detail", "unknown ledger operation"}}));
    operation.shoot = co_await load_shoot(exchange(), operation.shoot_id);
    const Reply result = co_await function(operation);
    if (operation.shoot) KnownShoots::remember(*operation.shoot);
    co_return done(result, operation.writes_with_answer);
  }

 private:
  // {"done": true, "result": "<JSON text>", "writes": [<sql effect>...]}: the shim runs the writes, then returns
  // the result's text to the Worker as it is.
  static Answer done(const Reply& result, const std::vector<Statement>& writes = {}) {
    std::vector<Effect> effects;
    size_t size = result.text.size() * 5 / 4 + 64;  // room for the result's escapes
    for (const Statement& write : writes) size += effects.emplace_back(sql_effect(write)).text.size() + 1;
    JsonWriter out(size);
    out.begin_object().key("done").boolean(true).key("result").string(result.text).key("writes").begin_array();
    for (const Effect& effect : effects) out.raw(effect.text);
    out.end_array().end_object();
    return Answer{std::move(out).text(), {}};
  }
  std::string request_;  // owned: the call's text is gone by the time the conversation resumes
  RequestHeader header_;
};

}  // namespace

Answer start_ledger(CallFacts facts, std::string_view request) {
  RequestHeader header = read_header(request);
  return start_conversation(
      std::make_unique<LedgerConversation>(std::move(facts), std::string(request), std::move(header)));
}

// ---------------------------------------------------------------------------------------------------------
// The shoot itself (contract 3).

Task<Reply> create_shoot(Operation& operation) {
  if (operation.shoot) co_return refused(Error::ShootExists);
  std::vector<Statement> statements;
  for (const std::string& create : schema_statements()) statements.push_back({create});
  const std::string title = string_field(operation.request(), "title");
  Shoot shoot{operation.shoot_id, operation.actor, title, operation.now_ms(), 0};
  statements.push_back(
      {"INSERT INTO shoot (id, shootId, owner, title, createdAtMs) VALUES (1, ?, ?, ?, ?)",
       SqlParams{shoot.shoot_id, shoot.owner, title.empty() ? SqlValue() : SqlValue(title), shoot.created_at_ms}});
  operation.shoot = shoot;
  statements.push_back(audit(operation, "shoot.created"));
  operation.write_with_answer(std::move(statements));
  co_return json{{"shoot", shoot.to_public_json()}, {"createdAtMs", shoot.created_at_ms}};
}

Task<Reply> get_shoot(Operation& operation) {
  if (auto refusal = access_refusal(operation)) co_return *refusal;
  const int64_t now_ms = operation.now_ms();
  Statement count{
      "SELECT (SELECT COUNT(*) FROM uploads WHERE state = 'pending' "
      "AND presignedAtMs >= (CASE multipart WHEN 0 THEN ? ELSE ? END)) AS uploadsPending, "
      "(SELECT COUNT(*) FROM assets) AS assets, (SELECT COALESCE(SUM(size), 0) FROM assets) AS bytes, "
      "(SELECT COUNT(*) FROM assets WHERE duplicateOf IS NOT NULL) AS duplicates, "
      "(SELECT COUNT(*) FROM audit WHERE action = 'upload.rejected') AS rejected",
      SqlParams{now_ms - records::kCompletionWindowMs, now_ms - records::kMultipartIdleWindowMs}};
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
