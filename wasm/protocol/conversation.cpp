#include "protocol/conversation.h"

#include <map>

namespace upgate {

Exchange::Round Conversation::commit(std::vector<json> writes, json then) {
  then_ = std::move(then);
  return exchange_.perform(std::move(writes));
}

// The registry of open conversations, by handle.
class Conversations {
 public:
  static Conversations& instance() {
    static Conversations open;
    return open;
  }

  json start(std::unique_ptr<Conversation> conversation) {
    const uint32_t handle = ++next_handle_;
    conversation->task_.emplace(conversation->run());
    conversation->task_->start();
    return answer(handle, std::move(conversation));
  }

  json resume(uint32_t handle, json results) {
    auto it = open_.find(handle);
    if (it == open_.end()) return json{{"error", "unknown conversation handle"}};
    std::unique_ptr<Conversation> conversation = std::move(it->second);
    open_.erase(it);
    std::vector<EffectResult> answered;
    if (results.is_array()) {
      answered.reserve(results.size());
      for (auto& result : results) answered.emplace_back(std::move(result));
    }
    // Exactly one result per effect asked: a missing one counts as failed, extra ones are ignored.
    answered.resize(conversation->asked_, EffectResult(json{{"ok", false}, {"error", "no result"}}));
    conversation->then_ = json();
    conversation->exchange_.resume_with(std::move(answered));
    return answer(handle, std::move(conversation));
  }

  void close(uint32_t handle) { open_.erase(handle); }

 private:
  // After the conversation ran as far as it could: its final answer, or the effects it waits on.
  json answer(uint32_t handle, std::unique_ptr<Conversation> conversation) {
    Task<json>& task = *conversation->task_;
    if (task.done()) return task.take_result();
    if (!conversation->exchange_.waiting()) return json{{"error", "a handler suspended without asking for I/O"}};
    std::vector<json> asked = conversation->exchange_.take_asked();
    conversation->asked_ = asked.size();
    json waiting{{"effects", std::move(asked)}, {"handle", handle}};
    if (!conversation->then_.is_null()) waiting["then"] = std::move(conversation->then_);
    open_[handle] = std::move(conversation);
    while (open_.size() > kMaxOpenConversations) open_.erase(open_.begin());  // handles grow: begin() is oldest
    return waiting;
  }

  std::map<uint32_t, std::unique_ptr<Conversation>> open_;
  uint32_t next_handle_ = 0;
};

json start_conversation(std::unique_ptr<Conversation> conversation) {
  return Conversations::instance().start(std::move(conversation));
}

json resume_conversation(json resume) {
  const auto handle = static_cast<uint32_t>(integer_field(resume, "handle"));
  return Conversations::instance().resume(handle, take_member(resume, "results"));
}

json close_conversation(const json& close) {
  Conversations::instance().close(static_cast<uint32_t>(integer_field(close, "handle")));
  return json{{"ok", true}};
}

}  // namespace upgate
