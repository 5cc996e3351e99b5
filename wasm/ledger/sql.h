// The ledger's one effect: an SQL statement on the shoot's own SQLite database, which the Durable Object
// runs inside the transaction that holds the whole operation (shim/ledger.js). Statements of one round run in
// order; each answers its rows as objects keyed by column name.
#pragma once
#include <concepts>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "protocol/exchange.h"
#include "util/json.h"
#include "util/json_writer.h"

namespace upgate::ledger {

// One bound parameter, as SQLite takes it: NULL, an integer or text. A statement's parameters are written
// straight to its effect's text (one INSERT per upload and one per audit row: most of what the ledger sends).
class SqlValue {
 public:
  SqlValue() = default;  // NULL
  SqlValue(std::nullptr_t) {}
  template <std::integral Integer>
  requires(!std::same_as<Integer, bool>) SqlValue(Integer value) : value_(static_cast<int64_t>(value)) {}
  SqlValue(std::string text) : value_(std::move(text)) {}
  SqlValue(const char* text) : value_(std::string(text)) {}
  // A value read from a row or a request: null, an integer or a string as itself; anything else as its JSON
  // text (a document column).
  SqlValue(const json& value);

  void write(JsonWriter& out) const;

 private:
  std::variant<std::monostate, int64_t, std::string> value_;
};
using SqlParams = std::vector<SqlValue>;

struct Statement {
  std::string query;
  SqlParams params = SqlParams();  // none, for a statement without placeholders
};

Effect sql_effect(const Statement& statement);

// The rows one statement answered; empty when it failed (the shim then aborts the transaction anyway).
using Rows = std::vector<json>;
Rows rows_of(const EffectResult& result);

// Runs statements in order, answering each one's rows.
Task<std::vector<Rows>> run(Exchange& exchange, std::vector<Statement> statements);
Task<Rows> run_one(Exchange& exchange, Statement statement);

}  // namespace upgate::ledger
