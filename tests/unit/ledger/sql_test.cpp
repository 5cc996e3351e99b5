// A ledger statement's effect: its query, and each parameter bound as the kind SQLite takes.
#include "ledger/sql.h"

#include <doctest/doctest.h>

using namespace upgate;
using namespace upgate::ledger;

TEST_CASE("a statement's effect carries its query and its parameters as SQLite takes them") {
  const Statement statement{
      "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
      SqlParams{SqlValue(), int64_t{-7}, "text \"quoted\"", std::string("s"), json(nullptr), json{{"width", 4}}}};
  const Effect effect = sql_effect(statement);
  CHECK(effect.type == "sql");
  const json parsed = parse_json(effect.text).value_or(json());
  CHECK(parsed["type"] == "sql");
  CHECK(parsed["query"] == statement.query);
  // A document that is not a number or a string is bound as its JSON text.
  CHECK(parsed["params"] == json::array({nullptr, -7, "text \"quoted\"", "s", nullptr, R"({"width":4})"}));
}

TEST_CASE("a value read from a row keeps its kind") {
  const Statement statement{"SELECT ?, ?", SqlParams{json(42), json("x")}};
  const json parsed = parse_json(sql_effect(statement).text).value_or(json());
  CHECK(parsed["params"] == json::array({42, "x"}));
  CHECK(parse_json(sql_effect(Statement{"SELECT 1"}).text).value_or(json())["params"] == json::array());
}
