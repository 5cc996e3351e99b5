// nlohmann/json configured for the core: no filesystem support (not available in wasm), and parsing that
// reports failure as a value instead of throwing.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace upgate {
using json = nlohmann::json;

// nullopt on malformed input; never throws.
inline std::optional<json> parse_json(std::string_view text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

// Serialises without throwing on invalid UTF-8 (replaced by U+FFFD), which can come from a client's input.
inline std::string to_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// The member, or null when absent: reading untrusted JSON (a client's body, what the shim answered) never
// depends on its shape being right (nlohmann's const operator[] on a missing key is undefined behaviour).
inline const json& member_of(const json& object, const char* name) {
  static const json absent;
  if (!object.is_object()) return absent;
  auto it = object.find(name);
  return it == object.end() ? absent : *it;
}

// The member moved out of the object (null when absent or not an object), for a value read once and dropped.
inline json take_member(json& object, const char* name) {
  if (!object.is_object()) return json();
  auto it = object.find(name);
  return it == object.end() ? json() : std::move(*it);
}

// A present, non-null member (the contract treats "field": null as a missing field); nullptr otherwise.
inline const json* present_member(const json& object, const char* name) {
  const json& value = member_of(object, name);
  return value.is_null() ? nullptr : &value;
}

// Typed field readers that never throw: the fallback when the member is absent or of another type.
inline std::string string_field(const json& object, const char* name, std::string fallback = "") {
  const json& value = member_of(object, name);
  return value.is_string() ? value.get<std::string>() : std::move(fallback);
}
inline int64_t integer_field(const json& object, const char* name, int64_t fallback = 0) {
  const json& value = member_of(object, name);
  return value.is_number_integer() ? value.get<int64_t>() : fallback;
}
inline bool bool_field(const json& object, const char* name, bool fallback = false) {
  const json& value = member_of(object, name);
  return value.is_boolean() ? value.get<bool>() : fallback;
}
}  // namespace upgate
