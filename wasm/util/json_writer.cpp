#include "util/json_writer.h"

#include <array>

#include "util/encoding.h"

namespace upgate {

namespace {

// The bytes a JSON string cannot hold as they are (controls, quote, backslash), and those that start a UTF-8
// sequence, which is checked: a table, since every byte of every string written is looked up.
constexpr std::array<bool, 256> kNeedsAttention = [] {
  std::array<bool, 256> table{};
  for (size_t c = 0; c < table.size(); ++c) table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return table;
}();

void escape_control(std::string& out, unsigned char c) {
  switch (c) {
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
}

}  // namespace

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
  } else if (!first_) {
    out_ += ',';
  }
  first_ = false;
}

JsonWriter& JsonWriter::open(char bracket) {
  separate();
  out_ += bracket;
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  out_ += bracket;
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  quoted(name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view value) {
  separate();
  quoted(value);
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t value) {
  separate();
  out_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  separate();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json_text) {
  separate();
  out_ += json_text;
  return *this;
}

void JsonWriter::quoted(std::string_view text) {
  out_ += '"';
  size_t at = 0;
  while (at < text.size()) {
    // The run of bytes that need no attention goes in one append.
    size_t run = at;
    while (run < text.size() && !kNeedsAttention[static_cast<unsigned char>(text[run])]) ++run;
    out_.append(text.data() + at, run - at);
    at = run;
    if (at == text.size()) break;
    const auto c = static_cast<unsigned char>(text[at]);
    if (c == '"' || c == '\\') {
      const char escaped[2] = {'\\', static_cast<char>(c)};
      out_.append(escaped, 2);
      ++at;
    } else if (c < 0x20) {
      escape_control(out_, c);
      ++at;
    } else {
      const encoding::Utf8Sequence sequence = encoding::utf8_sequence_at(text, at);
      if (sequence.valid) {
        out_.append(text.data() + at, sequence.length);
      } else {
        out_ += "\xEF\xBF\xBD";
      }
      at += sequence.length;
    }
  }
  out_ += '"';
}

}  // namespace upgate
