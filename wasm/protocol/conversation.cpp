#include "protocol/conversation.h"

#include <map>

#include "util/json_writer.h"

namespace upgate {

Exchange::Round Conversation::commit(const std::vector<json>& writes, Answer then) {
  then_ = std::move(then);
  return exchange_.perform(writes);
}

// The registry of open conversations, by handle.
class Conversations {
 public:
  static Conversations& instance() {
    static Conversations open;
    return open;
  }

  Answer start(std::unique_ptr<Conversation> conversation) {
    const uint32_t handle = ++next_handle_;
    conversation->task_.emplace(conversation->run());
    conversation->task_->start();
    return answer(handle, std::move(conversation));
  }

  Answer resume(uint32_t handle, std::vector<EffectResult> answered) {
    auto it = open_.find(handle);
    if (it == open_.end()) return Answer::of(json{{"error", "unknown conversation handle"}});
    std::unique_ptr<Conversation> conversation = std::move(it->second);
    open_.erase(it);
    // Exactly one result per effect asked: a missing one counts as failed, extra ones are ignored.
    answered.resize(conversation->asked_, EffectResult(json{{"ok", false}, {"error", "no result"}}));
    conversation->then_.reset();
    conversation->exchange_.resume_with(std::move(answered));
    return answer(handle, std::move(conversation));
  }

  void close(uint32_t handle) { open_.erase(handle); }

 private:
  // After the conversation ran as far as it could: its final answer, or the effects it waits on.
  Answer answer(uint32_t handle, std::unique_ptr<Conversation> conversation) {
    Task<Answer>& task = *conversation->task_;
    if (task.done()) return task.take_result();
    if (!conversation->exchange_.waiting()) {
      return Answer::of(json{{"error", "a handler suspended without asking for I/O"}});
    }
    const std::vector<Effect> asked = conversation->exchange_.take_asked();
    conversation->asked_ = asked.size();
    Answer waiting = waiting_for(asked, handle, conversation->then_);
    open_[handle] = std::move(conversation);
    while (open_.size() > kMaxOpenConversations) open_.erase(open_.begin());  // handles grow: begin() is oldest
    return waiting;
  }

  // {"effects": [...], "handle": N, "then"?: <the answer the effects commit>}; then's bodies become the answer's.
  static Answer waiting_for(const std::vector<Effect>& effects, uint32_t handle, std::optional<Answer>& then) {
    size_t size = 64 + (then ? then->text.size() : 0);
    for (const Effect& effect : effects) size += effect.text.size() + 1;
    JsonWriter out(size);
    out.begin_object().key("effects").begin_array();
    for (const Effect& effect : effects) out.raw(effect.text);
    out.end_array().key("handle").integer(handle);
    std::vector<std::string> bodies;
    if (then) {
      out.key("then").raw(then->text);
      bodies = std::move(then->bodies);
      then.reset();
    }
    out.end_object();
    return Answer{std::move(out).text(), std::move(bodies)};
  }

  std::map<uint32_t, std::unique_ptr<Conversation>> open_;
  uint32_t next_handle_ = 0;
};

Answer start_conversation(std::unique_ptr<Conversation> conversation) {
  return Conversations::instance().start(std::move(conversation));
}

Answer resume_conversation(int64_t handle, std::vector<EffectResult> results) {
  return Conversations::instance().resume(static_cast<uint32_t>(handle), std::move(results));
}

json close_conversation(const json& close) {
  Conversations::instance().close(static_cast<uint32_t>(integer_field(close, "handle")));
  return json{{"ok", true}};
}

}  // namespace upgate
