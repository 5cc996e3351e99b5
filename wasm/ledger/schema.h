// The shoot ledger's tables (one SQLite database per shoot, inside its Durable Object). Column names are the
// JSON field names of the records they hold (UploadSession, assets, audit events), so a row reads as a record.
#pragma once
#include <string>
#include <vector>

namespace upgate::ledger {

// The tables a created shoot has; a database without "shoot" belongs to no shoot yet.
const std::vector<std::string>& table_names();
// CREATE ... IF NOT EXISTS for every table and index: run when a shoot is created, and again when a
// table is missing (a newer version added one).
const std::vector<std::string>& schema_statements();

}  // namespace upgate::ledger
