// A pull reader over JSON text, for the protocol layer: it decodes the shim's messages straight into structs,
// member by member, without building a tree first.
//
// Why not nlohmann (util/json.h): it offers a tree and a push (SAX) interface only. The tree is what a message
// costs today (parse, build, destroy: most of the core's time per request), and a struct decoded from SAX events
// needs a hand-written state machine per struct. A pull reader lets a decoder read like the message it decodes.
//
// Reading is forgiving about types and strict about syntax, as util/json.h's field readers are: asking for a
// string where the text holds a number skips that value and answers nullopt; malformed text (or nesting deeper
// than kMaxDepth) marks the reader failed, after which every read answers nothing. A decoder checks ok() once,
// at the end. Strings are decoded (escapes, surrogate pairs); bytes that are not valid UTF-8 pass through as
// they are: the shim's messages come from TextEncoder, which never produces them. Numbers are checked for syntax
// only: one past a double's range is not refused (JSON.stringify never writes one).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace upgate {

class JsonReader {
 public:
  static constexpr int kMaxDepth = 64;

  // The reader views the text, and raw() and member names view it too: the text must outlive them.
  explicit JsonReader(std::string_view text) : text_(text) {}

  // Reads an object: on_member(key) for each member, which must read (or skip) that member's value. Another
  // kind of value is skipped and answers false, as does a malformed object.
  template <typename OnMember>
  bool object(OnMember&& on_member);
  // Reads an array: on_item() for each item, which must read (or skip) it.
  template <typename OnItem>
  bool array(OnItem&& on_item);

  std::optional<std::string> string();
  // An integer that fits int64_t; a fraction, an exponent or a larger number answers nullopt.
  std::optional<int64_t> integer();
  std::optional<bool> boolean();
  // True (and consumed) when the next value is null; false, consuming nothing, otherwise.
  bool null();
  // Skips one value and answers its text, exactly as it stands (for a part decoded later, or elsewhere).
  std::string_view raw();
  void skip() { raw(); }

  // The text so far was well-formed.
  bool ok() const { return !failed_; }
  // ok(), and nothing but whitespace follows the values read.
  bool finished();

 private:
  char peek();  // the next non-blank character, or '\0' at the end
  bool fail();  // marks the reader failed; answers false
  bool consume(char expected);
  bool skip_value(int depth);
  bool skip_string();
  size_t string_stop(size_t from) const;
  bool skip_number();
  bool skip_literal(std::string_view literal);
  bool read_string_into(std::string& out);
  // A member name: a view of the text itself, or of `escaped` when it holds escapes.
  bool read_key(std::string_view& key, std::string& escaped);
  bool read_escape(std::string& out);
  // An object or an array: on_each() for each member or item, commas and brackets checked here.
  template <typename OnEach>
  bool container(char open, char close, OnEach&& on_each);
  bool enter();  // one nesting level deeper; fails beyond kMaxDepth
  void leave() { --depth_; }

  std::string_view text_;
  size_t at_ = 0;
  int depth_ = 0;
  bool failed_ = false;
};

template <typename OnEach>
bool JsonReader::container(char open, char close, OnEach&& on_each) {
  if (failed_) return false;
  if (peek() != open) {
    skip();
    return false;
  }
  if (!enter()) return false;
  ++at_;
  if (peek() == close) {
    ++at_;
    leave();
    return true;
  }
  while (!failed_) {
    on_each();
    if (failed_) return false;
    const char next = peek();
    ++at_;
    if (next == close) break;
    if (next != ',') return fail();
  }
  leave();
  return !failed_;
}

template <typename OnMember>
bool JsonReader::object(OnMember&& on_member) {
  std::string escaped;  // a key's decoded text, when it holds escapes
  return container('{', '}', [&] {
    std::string_view key;
    if (!read_key(key, escaped) || !consume(':')) {
      fail();
      return;
    }
    on_member(key);
  });
}

template <typename OnItem>
bool JsonReader::array(OnItem&& on_item) {
  return container('[', ']', on_item);
}

}  // namespace upgate
