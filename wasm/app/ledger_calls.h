// How a route asks a shoot's ledger (ledger/client.h): one Durable Object call per operation, and what its
// answer means for the response.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "app/context.h"
#include "http/result.h"
#include "ledger/client.h"

namespace upgate {

ledger::Actor actor_of(const jwt::Claims& caller);

// The effect of one operation for this request (the caller as actor; none for the Worker's own checks).
Effect ledger_operation(const Context& context, const std::string& op, const std::string& shoot_id,
                        const jwt::Claims* caller, const json& fields = json::object());

// The record a refusal is about, named in its error object when the refusal is about a record (404, 409, 410).
struct RefusalSubject {
  const char* field;  // "shootId" or "uploadId"
  std::string value;
};

// What one ledger call answered: its result, 503 storage_unavailable when the object or its storage failed,
// or the contract error the operation was refused with. The result as its text (for a typed reader), or as a tree.
Result<std::string> ledger_result_text(const EffectResult& answered,
                                       const std::optional<RefusalSubject>& subject = std::nullopt);
Result<json> ledger_result(const EffectResult& answered, const std::optional<RefusalSubject>& subject = std::nullopt);

// One operation, asked and judged.
Task<Result<json>> ask_ledger(Context& context, const std::string& op, const std::string& shoot_id,
                              const jwt::Claims* caller, json fields = json::object());
// The same with the operation's fields written as text, answering the result's text: the presign's hot path.
Task<Result<std::string>> ask_ledger_text(Context& context, const std::string& op, const std::string& shoot_id,
                                          const jwt::Claims& caller, ledger::FieldWriter fields);

// The KV write that puts the shoot in the cron's work index, when the ledger's answer says it is due
// ("indexWork"); none otherwise.
std::vector<json> work_index_writes(bool index_work, const std::string& shoot_id);
std::vector<json> work_index_writes(const json& answer, const std::string& shoot_id);

}  // namespace upgate
