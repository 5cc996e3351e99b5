// The ledger's one effect: an SQL statement on the shoot's own SQLite database, which the Durable Object
// runs inside the transaction that holds the whole operation (shim/ledger.js). Statements of one round run in
// order; each answers its rows as objects keyed by column name.
#pragma once
#include <string>
#include <vector>

#include "protocol/exchange.h"
#include "util/json.h"

namespace upgate::ledger {

struct Statement {
  std::string query;
  json params = json::array();
};

Effect sql_effect(const Statement& statement);

// The rows one statement answered; empty when it failed (the shim then aborts the transaction anyway).
using Rows = std::vector<json>;
Rows rows_of(const EffectResult& result);

// Runs statements in order, answering each one's rows.
Task<std::vector<Rows>> run(Exchange& exchange, std::vector<Statement> statements);
Task<Rows> run_one(Exchange& exchange, Statement statement);

}  // namespace upgate::ledger
