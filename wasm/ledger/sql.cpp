#include "ledger/sql.h"

#include "util/json_writer.h"

namespace upgate::ledger {

SqlValue::SqlValue(const json& value) {
  if (value.is_number_integer()) {
    value_ = value.get<int64_t>();
  } else if (value.is_string()) {
    value_ = value.get<std::string>();
  } else if (!value.is_null()) {
    value_ = to_text(value);
  }
}

void SqlValue::write(JsonWriter& out) const {
  if (const auto* integer = std::get_if<int64_t>(&value_)) {
    out.integer(*integer);
  } else if (const auto* text = std::get_if<std::string>(&value_)) {
    out.string(*text);
  } else {
    out.null();
  }
}

// Written as text: a round of statements is most of what a ledger operation sends.
Effect sql_effect(const Statement& statement) {
  JsonWriter out(statement.query.size() + 64 + 80 * statement.params.size());
  out.begin_object().key("type").string("sql").key("query").string(statement.query);
  out.key("params").begin_array();
  for (const SqlValue& param : statement.params) param.write(out);
  out.end_array().end_object();
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
