#include "util/json_writer.h"

namespace upgate {

namespace {

// At text[at], a byte of 0x80 or more: how many bytes form the UTF-8 sequence there (RFC 3629: no overlong
// forms, no surrogates, nothing past U+10FFFF), and whether it is complete. An ill-formed one covers its
// maximal valid prefix (at least the lead byte), which becomes one U+FFFD, as nlohmann's replacing dump does.
struct Utf8Sequence {
  size_t length;
  bool valid;
};

Utf8Sequence utf8_sequence(std::string_view text, size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  size_t length = 0;
  unsigned low = 0x80;
  unsigned high = 0xBF;  // the range of the first continuation byte; later ones are 80..BF
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {1, false};
  }
  size_t taken = 1;
  while (taken < length && at + taken < text.size()) {
    const auto c = static_cast<unsigned char>(text[at + taken]);
    if (c < (taken == 1 ? low : 0x80) || c > (taken == 1 ? high : 0xBF)) break;
    ++taken;
  }
  return {taken, taken == length};
}

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
    while (run < text.size()) {
      const auto c = static_cast<unsigned char>(text[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out_.append(text.substr(at, run - at));
    at = run;
    if (at == text.size()) break;
    const auto c = static_cast<unsigned char>(text[at]);
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += static_cast<char>(c);
      ++at;
    } else if (c < 0x20) {
      escape_control(out_, c);
      ++at;
    } else {
      const Utf8Sequence sequence = utf8_sequence(text, at);
      if (sequence.valid) {
        out_.append(text.substr(at, sequence.length));
      } else {
        out_ += "\xEF\xBF\xBD";
      }
      at += sequence.length;
    }
  }
  out_ += '"';
}

}  // namespace upgate
