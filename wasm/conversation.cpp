#include "conversation.h"

#include <map>

namespace upgate {

namespace {

struct Open {
  json call;
  StepFunction step;
};

std::map<uint32_t, Open>& open_conversations() {
  static std::map<uint32_t, Open> open;
  return open;
}

uint32_t next_handle() {
  static uint32_t handle = 0;
  return ++handle;
}

// Runs one step; keeps the conversation open when it waits for effects.
json advance(uint32_t handle, Open conversation) {
  json answer = conversation.step(conversation.call);
  auto& open = open_conversations();
  if (!answer.contains("effects")) {
    open.erase(handle);
    return answer;
  }
  conversation.call["memo"] = std::move(answer["memo"]);
  open[handle] = std::move(conversation);
  while (open.size() > kMaxOpenConversations) open.erase(open.begin());  // handles grow, so begin() is oldest
  json waiting{{"effects", std::move(answer["effects"])}, {"handle", handle}};
  if (answer.contains("then")) waiting["then"] = std::move(answer["then"]);
  return waiting;
}

}  // namespace

json start_conversation(json call, StepFunction step) {
  call["results"] = json::array();
  if (!call.contains("memo")) call["memo"] = json::object();
  return advance(next_handle(), Open{std::move(call), step});
}

json resume_conversation(const json& resume) {
  const auto handle = static_cast<uint32_t>(integer_field(resume, "handle"));
  auto& open = open_conversations();
  auto it = open.find(handle);
  if (it == open.end()) return json{{"error", "unknown conversation handle"}};
  Open conversation = std::move(it->second);
  if (resume.contains("results") && resume["results"].is_array()) {
    for (const auto& result : resume["results"]) conversation.call["results"].push_back(result);
  }
  return advance(handle, std::move(conversation));
}

json close_conversation(const json& close) {
  open_conversations().erase(static_cast<uint32_t>(integer_field(close, "handle")));
  return json{{"ok", true}};
}

}  // namespace upgate
