// Fuzz target: the protocol layer's own JSON text handling (util/json_reader.h, util/json_writer.h), checked
// against nlohmann, which the rest of the core parses with.
//
// Invariants:
//  - the reader accepts what nlohmann accepts (nesting within JsonReader::kMaxDepth, no NUL byte), and reads the same
//    values: the tree rebuilt through the reader equals nlohmann's; integer() answers exactly the integers that
//    fit int64_t;
//  - what the reader accepts that nlohmann refuses is only text with bytes that are not valid UTF-8 (the reader
//    passes them through; nlohmann checks them), or a number past a double's range (the reader checks a
//    number's syntax only), or a NUL byte (see below);
//  - the writer writes any tree without floats exactly as to_text dumps it, and any bytes as a string value
//    exactly as to_text dumps them (U+FFFD for what is not UTF-8), so its text always parses.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "util/json.h"
#include "util/json_reader.h"
#include "util/json_writer.h"

using namespace upgate;

namespace {

bool beyond_double = false;  // the input held a number nlohmann cannot hold

// The value at the reader, rebuilt as a tree from what the reader answers; nullopt when the reader failed.
std::optional<json> rebuilt(JsonReader& reader) {
  const std::string_view text = reader.raw();
  if (!reader.ok() || text.empty()) return std::nullopt;
  JsonReader value(text);
  switch (text.front()) {
    case '"':
      if (auto s = value.string()) return json(*s);
      return std::nullopt;
    case 't':
    case 'f':
      if (auto b = value.boolean()) return json(*b);
      return std::nullopt;
    case 'n':
      return value.null() ? std::optional<json>(json()) : std::nullopt;
    case '{': {
      json object = json::object();
      bool ok = true;
      value.object([&](std::string_view key) {
        auto member = rebuilt(value);
        ok = ok && member.has_value();
        if (member) object[std::string(key)] = std::move(*member);
      });
      return ok && value.finished() ? std::optional<json>(object) : std::nullopt;
    }
    case '[': {
      json array = json::array();
      bool ok = true;
      value.array([&] {
        auto item = rebuilt(value);
        ok = ok && item.has_value();
        if (item) array.push_back(std::move(*item));
      });
      return ok && value.finished() ? std::optional<json>(array) : std::nullopt;
    }
    default: {
      // Numbers are compared by what integer() answers; their text is nlohmann's to read.
      auto parsed = parse_json(text);
      if (!parsed) {
        // Past a double's range: nlohmann refuses the number, the reader (which checks syntax) does not.
        beyond_double = true;
        return json();
      }
      FUZZ_CHECK(parsed->is_number(), std::string(text));
      const auto integer = value.integer();
      const bool fits = parsed->is_number_integer() &&
                        (parsed->is_number_unsigned() ? parsed->get<uint64_t>() <= uint64_t(INT64_MAX) : true);
      FUZZ_CHECK(integer.has_value() == fits, std::string(text));
      if (integer) FUZZ_CHECK(*integer == parsed->get<int64_t>(), std::string(text));
      return parsed;
    }
  }
}

size_t depth_of(const json& value) {
  size_t deepest = 0;
  if (value.is_structured()) {
    for (const json& child : value) deepest = std::max(deepest, depth_of(child));
    return deepest + 1;
  }
  return 0;
}

bool has_float(const json& value) {
  if (value.is_number_float()) return true;
  if (!value.is_structured()) return false;
  for (const json& child : value) {
    if (has_float(child)) return true;
  }
  return false;
}

void write(JsonWriter& out, const json& value) {
  if (value.is_object()) {
    out.begin_object();
    for (const auto& [key, member] : value.items()) {
      out.key(key);
      write(out, member);
    }
    out.end_object();
  } else if (value.is_array()) {
    out.begin_array();
    for (const json& item : value) write(out, item);
    out.end_array();
  } else if (value.is_string()) {
    out.string(value.get<std::string>());
  } else if (value.is_boolean()) {
    out.boolean(value.get<bool>());
  } else if (value.is_null()) {
    out.null();
  } else {
    out.raw(to_text(value));  // numbers: only integers reach here (has_float)
  }
}

// nlohmann's own UTF-8 check: a strict dump throws on bytes that are not valid UTF-8.
bool valid_utf8(std::string_view text) {
  try {
    (void)json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::strict);
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<json> expected = parse_json(text);
  beyond_double = false;

  JsonReader reader(text);
  const std::optional<json> through_reader = rebuilt(reader);
  const bool accepted = through_reader.has_value() && reader.finished();
  // nlohmann's lexer takes a NUL byte for the end of the input, so it accepts "1\0garbage"; the reader does not
  // (JSON text never holds a raw NUL), and the comparison is left out for such input.
  const bool has_nul = text.find('\0') != std::string_view::npos;
  if (expected && !has_nul && depth_of(*expected) <= JsonReader::kMaxDepth - 1) {
    FUZZ_CHECK(accepted, "nlohmann accepts: " + std::string(text));
    FUZZ_CHECK(*through_reader == *expected, std::string(text));
  }
  if (accepted && !expected) {
    FUZZ_CHECK(!valid_utf8(text) || beyond_double || has_nul, "only nlohmann refuses: " + std::string(text));
  }

  if (expected && !has_float(*expected)) {
    JsonWriter out;
    write(out, *expected);
    FUZZ_CHECK(std::move(out).text() == to_text(*expected), std::string(text));
  }
  JsonWriter bytes;
  bytes.string(text);
  const std::string written = std::move(bytes).text();
  FUZZ_CHECK(written == to_text(json(std::string(text))), std::string(text));
  FUZZ_CHECK(parse_json(written).has_value(), std::string(text));
  return 0;
}
