#include "ledger/sql.h"

#include "util/json_writer.h"

namespace upgate::ledger {

// Written as text: a round of statements is most of what a ledger operation sends.
Effect sql_effect(const Statement& statement) {
  JsonWriter out;
  out.begin_object().key("type").string("sql").key("query").string(statement.query);
  out.key("params").raw(to_text(statement.params)).end_object();
  return Effect{"sql", std::move(out).text()};
}

Rows rows_of(const EffectResult& result) {
  Rows rows;
  const json& listed = member_of(result.value(), "rows");
  if (!listed.is_array()) return rows;
  rows.reserve(listed.size());
  for (const json& row : listed) rows.push_back(row);
  return rows;
}

Task<std::vector<Rows>> run(Exchange& exchange, std::vector<Statement> statements) {
  std::vector<Effect> round;
  round.reserve(statements.size());
  for (const Statement& statement : statements) round.push_back(sql_effect(statement));
  const std::vector<EffectResult> results = co_await exchange.perform(std::move(round));
  std::vector<Rows> all;
  all.reserve(results.size());
  for (const EffectResult& result : results) all.push_back(rows_of(result));
  co_return all;
}

Task<Rows> run_one(Exchange& exchange, Statement statement) {
  std::vector<Statement> one;
  one.push_back(std::move(statement));
  std::vector<Rows> rows = co_await run(exchange, std::move(one));
  co_return rows.empty() ? Rows{} : std::move(rows.front());
}

}  // namespace upgate::ledger
