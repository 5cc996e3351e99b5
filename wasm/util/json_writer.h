// Writes JSON text straight into a string: the protocol layer answers the shim with it, without building a
// tree to serialise afterwards (nlohmann would build one, then dump it, then destroy it).
//
//   JsonWriter out;
//   out.begin_object().key("status").integer(200).key("headers").begin_array() ... .end_array().end_object();
//   std::string text = std::move(out).text();
//
// Commas are the writer's business; the caller keeps keys and values paired and containers balanced. Strings
// are escaped exactly as util/json.h's to_text escapes them, bytes that are not valid UTF-8 included (each
// ill-formed sequence becomes one U+FFFD): such bytes can come from a client. fuzz/json_text.cpp checks both.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace upgate {

class JsonWriter {
 public:
  // Room for a typical answer up front: growing a string from empty, doubling, was a tenth of the writing.
  explicit JsonWriter(size_t capacity = 512) { out_.reserve(capacity); }

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  JsonWriter& integer(int64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // A value that is JSON text already (a body serialised elsewhere), written as it stands.
  JsonWriter& raw(std::string_view json_text);

  std::string text() && { return std::move(out_); }

 private:
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  void separate();  // the comma before a member or an item, unless it is the first
  void quoted(std::string_view text);

  std::string out_;
  bool first_ = true;       // nothing written yet in the innermost container
  bool after_key_ = false;  // a key was written; its value comes next, with no comma
};

}  // namespace upgate
