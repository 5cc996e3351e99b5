// Open conversations between the core and the shim, kept inside the wasm instance: a suspended handler's
// coroutine frame waits here between two calls, so each step sends only the new effect results across the
// boundary, and nothing is replayed.
//
//   first call   {"op": "http" | "scheduled", ...}           -> an answer below
//   next calls   {"op": "resume", "handle": N, "results": [...]} (results of exactly the effects asked for)
//   closing      {"op": "close", "handle": N}   (after sending a "then" answer, or when giving up)
//
// Answers: final ({"response", "log"} or {"done", "log"}; "log" is the line's JSON text), after which the conversation
// is closed;
// {"effects", "handle"} to perform and resume; or {"effects", "handle", "then"}: perform the effects; if every
// one succeeded, send "then" and close; otherwise resume with the results, and the core answers anew.
#pragma once
#include <memory>

#include "protocol/answer.h"
#include "protocol/call_facts.h"
#include "protocol/exchange.h"
#include "protocol/task.h"
#include "util/json.h"

namespace upgate {

// What runs one conversation: the exchange it answers, and the outermost task, which returns the final
// answer. An answer that only waits on writes is made by awaiting Conversation::commit.
class Conversation {
 public:
  explicit Conversation(CallFacts facts) : exchange_(std::move(facts)) {}
  virtual ~Conversation() = default;
  Conversation(const Conversation&) = delete;
  Conversation& operator=(const Conversation&) = delete;

  Exchange& exchange() { return exchange_; }

  // Sends the effects with `then`, the answer to deliver when they all succeed; resumes (with their
  // results) only when one failed, for the conversation to answer anew.
  Exchange::Round commit(const std::vector<json>& writes, Answer then);

  // The conversation's flow; started once, on the first call.
  virtual Task<Answer> run() = 0;

 private:
  friend class Conversations;
  Exchange exchange_;
  std::optional<Answer> then_;  // the answer a pending commit delivers
  size_t asked_ = 0;            // how many effects the shim was asked for
  std::optional<Task<Answer>> task_;
};

// Starts a conversation of the given kind for the first call and answers it.
Answer start_conversation(std::unique_ptr<Conversation> conversation);
// {"op": "resume", "handle", "results"}, as decode_call reads it (call_facts.h).
Answer resume_conversation(int64_t handle, std::vector<EffectResult> results);
json close_conversation(const json& close);

// Conversations a misbehaving shim never finished are evicted oldest first beyond this many.
constexpr size_t kMaxOpenConversations = 4096;

}  // namespace upgate
