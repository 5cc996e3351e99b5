#include "protocol/call_facts.h"

#include "util/json_reader.h"
#include "util/text.h"

namespace upgate {

namespace {

// [[name, value], ...]: names lower-cased; an item that is not a pair of strings is left out.
void read_headers(JsonReader& reader, RequestFacts& facts) {
  reader.array([&] {
    std::string name;
    std::string value;
    int count = 0;
    bool strings = true;
    const bool array = reader.array([&] {
      std::optional<std::string> text = reader.string();
      strings = strings && text.has_value();
      if (!text) return;
      (++count == 1 ? name : value) = std::move(*text);
    });
    if (array && strings && count == 2) facts.headers.emplace_back(text::ascii_lower(name), std::move(value));
  });
}

void read_request(JsonReader& reader, RequestFacts& facts) {
  std::optional<std::string> path;
  std::optional<std::string> scheme;
  reader.object([&](std::string_view key) {
    if (key == "method") {
      facts.method = reader.string().value_or("");
    } else if (key == "path") {
      path = reader.string();
    } else if (key == "query") {
      facts.query = reader.string().value_or("");
    } else if (key == "scheme") {
      scheme = reader.string();
    } else if (key == "ip") {
      facts.ip = reader.string().value_or("");
    } else if (key == "headers") {
      facts.headers.clear();
      read_headers(reader, facts);
    } else {
      reader.skip();
    }
  });
  facts.path = path.value_or("/");
  facts.scheme = scheme.value_or("https");
  facts.host = facts.header("host");
}

}  // namespace

std::optional<DecodedCall> decode_call(std::string_view text) {
  JsonReader reader(text);
  DecodedCall call;
  CallFacts& facts = call.facts;
  facts.request.path = "/";
  facts.request.scheme = "https";
  const bool object = reader.object([&](std::string_view key) {
    if (key == "op") {
      call.op = reader.string().value_or("");
    } else if (key == "request") {
      call.request_text = reader.raw();
    } else if (key == "now") {
      facts.now_ms = reader.integer().value_or(0);
    } else if (key == "entropy") {
      facts.entropy = reader.string().value_or("");
    } else if (key == "handle") {
      call.handle = reader.integer().value_or(0);
    } else if (key == "results") {
      call.results.clear();
      reader.array([&] { call.results.push_back(EffectResult::from_text(reader.raw())); });
    } else if (key == "body") {
      // A read_body result, kept as text like every other effect result until the body is read.
      const std::string_view body = reader.raw();
      facts.prefetched_body.reset();
      if (!body.empty() && body.front() == '{') facts.prefetched_body = EffectResult::from_text(body);
    } else {
      reader.skip();
    }
  });
  if (!object || !reader.finished()) return std::nullopt;
  if (call.op != "ledger" && !call.request_text.empty()) {
    JsonReader request(call.request_text);
    read_request(request, facts.request);
  }
  return call;
}

CallFacts call_facts_of(const json& call) {
  CallFacts facts;
  facts.now_ms = integer_field(call, "now");
  facts.entropy = string_field(call, "entropy");
  return facts;
}

}  // namespace upgate
