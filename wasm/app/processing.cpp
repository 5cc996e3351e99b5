#include "app/processing.h"

#include <algorithm>

#include "app/asset_processing.h"
#include "app/isolate.h"
#include "app/upload_events.h"
#include "http/request_id.h"
#include "ledger/client.h"
#include "protocol/conversation.h"
#include "uploads/records.h"
#include "util/clock.h"

namespace upgate {

namespace {

json outcome_of(const json& message, bool retry, int64_t delay_seconds) {
  json outcome{{"id", string_field(message, "id")}, {"action", retry ? "retry" : "ack"}};
  if (retry) outcome["delaySeconds"] = delay_seconds;
  return outcome;
}

class QueueRun final : public Conversation {
 public:
  explicit QueueRun(const json& call)
      : Conversation(call_facts_of(call)),
        config_(isolate_state().config),
        messages_(member_of(call, "messages")),
        request_id_(request_id::choose("", exchange().entropy())) {}

  Task<Answer> run() override {
    json outcomes = json::array();
    for (const json& message : messages_) {
      const json& body = member_of(message, "body");
      const int64_t attempts = std::max<int64_t>(1, integer_field(message, "attempts", 1));
      const std::string type = string_field(body, "type");
      bool retry = false;
      if (type == "webhook") {
        retry = !co_await deliver(member_of(body, "event"));
      } else if (type == "upload.completed") {
        retry = !co_await process(body, attempts);
      } else {
        ++unknown_;  // nothing Upgate sends: dropped, and counted in the log
      }
      if (retry) ++retried_;
      outcomes.push_back(outcome_of(message, retry, delay_before(attempts)));
    }
    co_return Answer::of(json{{"done", true}, {"outcomes", std::move(outcomes)}, {"log", to_text(log_line())}});
  }

 private:
  int64_t delay_before(int64_t attempts) const {
    const auto& delays = config_.retry_delays_seconds;
    return delays[std::min<size_t>(static_cast<size_t>(attempts - 1), delays.size() - 1)];
  }

  Effect ledger_call(const std::string& op, const std::string& shoot_id, const json& fields) {
    return ledger::operation_effect(op, shoot_id, std::nullopt, request_id_, exchange().now_ms(), fields);
  }

  // One signed POST; true when the receiver took it (2xx) or no webhook is configured any more.
  Task<bool> deliver(const json& event) {
    if (config_.webhook_url.empty()) co_return true;
    const std::string body = to_text(event);
    const auto headers =
        webhook_headers(config_.webhook_secret, string_field(event, "eventId"), exchange().now_seconds(), body);
    const EffectResult posted = co_await exchange().perform_one(effects::webhook_post(headers, body));
    const int64_t status = integer_field(posted.value(), "status");
    const bool taken = posted.ok() && status >= 200 && status < 300;
    ++(taken ? delivered_ : undelivered_);
    co_return taken;
  }

  // The asset this event names, processed once; false when the message should be delivered again.
  Task<bool> process(const json& event, int64_t attempts) {
    const std::string shoot_id = string_field(event, "shootId");
    json identity{{"key", string_field(event, "key")}, {"uploadId", string_field(event, "uploadId")}};
    const EffectResult claimed = co_await exchange().perform_one(ledger_call("claimProcessing", shoot_id, identity));
    if (!claimed.ok()) co_return false;
    const json claim = ledger::result_tree(claimed);
    if (!bool_field(claim, "claimed")) {
      ++skipped_deliveries_;
      co_return true;
    }
    ProcessingOutcome outcome = co_await process_asset(exchange(), shoot_id, member_of(claim, "asset"));
    if (outcome.state.empty()) {
      if (attempts < kMaxDeliveries) {
        // The claim is let go, so the next delivery may take it at once.
        json release = identity;
        release["processing"] = "pending";
        co_await exchange().perform_one(ledger_call("finishProcessing", shoot_id, release));
        co_return false;
      }
      outcome.state = "failed";
      outcome.reason = "gave up after " + std::to_string(attempts) + " deliveries: " + outcome.reason;
    }
    json finished = identity;
    finished["processing"] = outcome.state;
    if (!outcome.reason.empty()) finished["reason"] = outcome.reason;
    if (outcome.metadata.is_object()) finished["metadata"] = outcome.metadata;
    if (outcome.previews.is_object()) finished["previews"] = outcome.previews;
    const EffectResult recorded = co_await exchange().perform_one(ledger_call("finishProcessing", shoot_id, finished));
    if (!recorded.ok()) co_return false;
    ++processed_;
    if (!config_.webhook_url.empty() && bool_field(ledger::result_tree(recorded), "recorded")) {
      json messages = json::array({webhook_message(result_event(event, outcome))});
      co_await exchange().perform_one(effects::queue_send(messages));
    }
    // After the last delivery a failure still goes to the dead-letter queue, as the contract says.
    co_return !(outcome.state == "failed" && attempts >= kMaxDeliveries);
  }

  // upload.processed (done or skipped) or upload.failed (contract 10).
  static json result_event(const json& completed, const ProcessingOutcome& outcome) {
    const bool failed = outcome.state == "failed";
    const std::string type = failed ? "upload.failed" : "upload.processed";
    const std::string upload_id = string_field(completed, "uploadId");
    json event{{"type", type},
               {"eventId", records::event_id(upload_id, type)},
               {"uploadId", upload_id},
               {"shootId", string_field(completed, "shootId")},
               {"key", string_field(completed, "key")}};
    if (failed) {
      event["reason"] = outcome.reason;
    } else {
      event["metadata"] = outcome.metadata.is_object() ? outcome.metadata : json::object();
      event["previews"] = outcome.previews.is_object() ? outcome.previews : json::object();
      if (outcome.state == "skipped") event["reason"] = outcome.reason;
    }
    return event;
  }

  json log_line() {
    return json{{"ts", clock::iso8601(exchange().now_ms())},
                {"level", retried_ > 0 ? "warn" : "info"},
                {"request_id", request_id_},
                {"event", "queue"},
                {"messages", messages_.size()},
                {"processed", processed_},
                {"already_claimed", skipped_deliveries_},
                {"webhooks_delivered", delivered_},
                {"webhooks_failed", undelivered_},
                {"retried", retried_},
                {"unknown", unknown_},
                {"io", exchange().binding_calls()}};
  }

  const Config& config_;
  json messages_;
  std::string request_id_;
  int64_t processed_ = 0, skipped_deliveries_ = 0, delivered_ = 0, undelivered_ = 0, retried_ = 0, unknown_ = 0;
};

}  // namespace

Answer start_queue(const json& call) { return start_conversation(std::make_unique<QueueRun>(call)); }

}  // namespace upgate
