// nlohmann/json configured for the core: no filesystem support (not available in wasm), and parsing that
// reports failure as a value instead of throwing.
#pragma once
#include <optional>
#include <string>
#include <string_view>

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
inline std::string to_text(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Field readers that never throw: the core reads untrusted JSON with these.
inline std::string string_field(const json& object, const char* name, std::string fallback = "") {
  if (!object.is_object()) return fallback;
  auto it = object.find(name);
  return (it != object.end() && it->is_string()) ? it->get<std::string>() : fallback;
}
inline int64_t integer_field(const json& object, const char* name, int64_t fallback = 0) {
  if (!object.is_object()) return fallback;
  auto it = object.find(name);
  return (it != object.end() && it->is_number_integer()) ? it->get<int64_t>() : fallback;
}
// The member, or null when absent: reading what the shim answered never depends on its shape being right
// (nlohmann's const operator[] on a missing key is undefined behaviour).
inline const json& member_of(const json& object, const char* name) {
  static const json absent;
  if (!object.is_object()) return absent;
  auto it = object.find(name);
  return it == object.end() ? absent : *it;
}

inline bool bool_field(const json& object, const char* name, bool fallback = false) {
  if (!object.is_object()) return fallback;
  auto it = object.find(name);
  return (it != object.end() && it->is_boolean()) ? it->get<bool>() : fallback;
}
}  // namespace upgate
