#include "util/json_reader.h"

#include <limits>

#include "util/encoding.h"

namespace upgate {

namespace {
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

char JsonReader::peek() {
  size_t at = at_;
  while (at < text_.size() && is_blank(text_[at])) ++at;
  at_ = at;
  return at < text_.size() ? text_[at] : '\0';
}

bool JsonReader::fail() {
  failed_ = true;
  return false;
}

bool JsonReader::consume(char expected) {
  if (peek() != expected) return fail();
  ++at_;
  return true;
}

bool JsonReader::enter() {
  if (++depth_ > kMaxDepth) return fail();
  return true;
}

bool JsonReader::finished() {
  peek();
  return !failed_ && at_ == text_.size();
}

std::optional<std::string> JsonReader::string() {
  if (failed_) return std::nullopt;
  if (peek() != '"') {
    skip();
    return std::nullopt;
  }
  std::string out;
  if (!read_string_into(out)) return std::nullopt;
  return out;
}

std::optional<int64_t> JsonReader::integer() {
  if (failed_) return std::nullopt;
  const std::string_view number = raw();
  if (failed_ || number.empty() || !(number[0] == '-' || is_digit(number[0]))) return std::nullopt;
  const bool negative = number[0] == '-';
  // Accumulated negatively, so that INT64_MIN fits.
  int64_t value = 0;
  for (size_t i = negative ? 1 : 0; i < number.size(); ++i) {
    if (!is_digit(number[i])) return std::nullopt;  // a fraction or an exponent
    const int digit = number[i] - '0';
    if (value < (std::numeric_limits<int64_t>::min() + digit) / 10) return std::nullopt;
    value = value * 10 - digit;
  }
  if (negative) return value;
  if (value == std::numeric_limits<int64_t>::min()) return std::nullopt;
  return -value;
}

std::optional<bool> JsonReader::boolean() {
  if (failed_) return std::nullopt;
  const char next = peek();
  if (next == 't' && skip_literal("true")) return true;
  if (next == 'f' && skip_literal("false")) return false;
  if (next != 't' && next != 'f') skip();
  return std::nullopt;
}

bool JsonReader::null() {
  if (failed_ || peek() != 'n') return false;
  return skip_literal("null");
}

std::string_view JsonReader::raw() {
  if (failed_) return {};
  peek();
  const size_t start = at_;
  if (!skip_value(depth_)) return {};
  return text_.substr(start, at_ - start);
}

bool JsonReader::skip_value(int depth) {
  if (depth >= kMaxDepth) return fail();
  switch (peek()) {
    case '"':
      return skip_string();
    case 't':
      return skip_literal("true");
    case 'f':
      return skip_literal("false");
    case 'n':
      return skip_literal("null");
    case '{':
    case '[': {
      const char close = text_[at_] == '{' ? '}' : ']';
      ++at_;
      if (peek() == close) {
        ++at_;
        return true;
      }
      while (true) {
        if (close == '}' && (!skip_string() || !consume(':'))) return fail();
        if (!skip_value(depth + 1)) return false;
        const char next = peek();
        ++at_;
        if (next == close) return true;
        if (next != ',') return fail();
      }
    }
    default:
      return skip_number();
  }
}

// The next quote, backslash or control character from `from`, or the end. A local scan: the text's bytes may
// alias the reader's own members as far as the compiler knows, so a loop over at_ would store it every step.
size_t JsonReader::string_stop(size_t from) const {
  const char* const begin = text_.data();
  const char* p = begin + from;
  const char* const end = begin + text_.size();
  while (p != end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
  return static_cast<size_t>(p - begin);
}

bool JsonReader::skip_string() {
  if (peek() != '"') return fail();
  ++at_;
  while (true) {
    at_ = string_stop(at_);
    if (at_ == text_.size()) return fail();
    const char c = text_[at_++];
    if (c == '"') return true;
    if (c != '\\') return fail();  // a raw control character
    // Escapes are checked as decoding would check them (a lone surrogate too), into a scratch string.
    std::string scratch;
    if (!read_escape(scratch)) return fail();
  }
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool JsonReader::skip_number() {
  size_t at = at_;
  const auto digits = [&] {
    const size_t start = at;
    while (at < text_.size() && is_digit(text_[at])) ++at;
    return at > start;
  };
  if (at < text_.size() && text_[at] == '-') ++at;
  if (at < text_.size() && text_[at] == '0') {
    ++at;
  } else if (!digits()) {
    return fail();
  }
  if (at < text_.size() && text_[at] == '.') {
    ++at;
    if (!digits()) return fail();
  }
  if (at < text_.size() && (text_[at] == 'e' || text_[at] == 'E')) {
    ++at;
    if (at < text_.size() && (text_[at] == '+' || text_[at] == '-')) ++at;
    if (!digits()) return fail();
  }
  at_ = at;
  return true;
}

bool JsonReader::skip_literal(std::string_view literal) {
  if (text_.substr(at_, literal.size()) != literal) return fail();
  at_ += literal.size();
  return true;
}

bool JsonReader::read_key(std::string_view& key, std::string& escaped) {
  if (peek() != '"') return fail();
  const size_t start = at_ + 1;
  const size_t stop = string_stop(start);
  if (stop < text_.size() && text_[stop] == '"') {
    key = text_.substr(start, stop - start);
    at_ = stop + 1;
    return true;
  }
  escaped.clear();
  if (!read_string_into(escaped)) return false;
  key = escaped;
  return true;
}

bool JsonReader::read_string_into(std::string& out) {
  ++at_;  // the opening quote, which peek() saw
  while (true) {
    const size_t stop = string_stop(at_);
    out.append(text_.substr(at_, stop - at_));
    at_ = stop;
    if (at_ == text_.size()) return fail();
    const char c = text_[at_++];
    if (c == '"') return true;
    if (c != '\\' || !read_escape(out)) return fail();
  }
}

bool JsonReader::read_escape(std::string& out) {
  if (at_ >= text_.size()) return false;
  const char c = text_[at_++];
  switch (c) {
    case '"':
    case '\\':
    case '/':
      out += c;
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'u':
      break;
    default:
      return false;
  }
  const auto four_hex = [&](uint32_t& value) {
    if (at_ + 4 > text_.size()) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = hex_value(text_[at_++]);
      if (digit < 0) return false;
      value = value * 16 + static_cast<uint32_t>(digit);
    }
    return true;
  };
  uint32_t code_point = 0;
  if (!four_hex(code_point)) return false;
  // A lone surrogate is refused, as nlohmann refuses it: it has no UTF-8 form.
  if (code_point >= 0xDC00 && code_point <= 0xDFFF) return false;
  if (code_point >= 0xD800 && code_point <= 0xDBFF) {
    uint32_t low = 0;
    if (text_.substr(at_, 2) != "\\u") return false;
    at_ += 2;
    if (!four_hex(low) || low < 0xDC00 || low > 0xDFFF) return false;
    code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
  }
  encoding::append_utf8(out, code_point);
  return true;
}

}  // namespace upgate
