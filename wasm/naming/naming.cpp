// The naming rules are a table walked in the contract's order so that the reported rule is always the first
// one broken: clients fix names one rule at a time, and two engines (this and the docs) must agree on which.
#include "naming/naming.h"

#include "util/clock.h"
#include "util/text.h"

#include <array>
#include <cstddef>

namespace upgate::naming {

namespace {

constexpr size_t kMaxFilenameLength = 64;
constexpr size_t kMinShootIdLength = 3;
constexpr size_t kMaxShootIdLength = 32;
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool all_of(std::string_view text, bool (*accept)(char)) {
  for (char c : text) {
    if (!accept(c)) return false;
  }
  return true;
}

using text::all_digits;

const ExtensionRow* find_extension(std::string_view ext) {
  for (const ExtensionRow& row : extension_table()) {
    if (row.extension == ext) return &row;
  }
  return nullptr;
}

using clock::days_from_civil;

}  // namespace

std::string media_type(std::string_view content_type) {
  return text::ascii_lower(text::trim(content_type.substr(0, content_type.find(';'))));
}

namespace {

unsigned parse_digits(std::string_view digits) {
  unsigned value = 0;
  for (char c : digits) value = value * 10 + static_cast<unsigned>(c - '0');
  return value;
}

// Days since the epoch of a YYYYMMDD that names a real calendar date, or nullopt.
std::optional<int64_t> parse_date(std::string_view text) {
  if (text.size() != 8 || !all_digits(text)) return std::nullopt;
  const unsigned year = parse_digits(text.substr(0, 4));
  const unsigned month = parse_digits(text.substr(4, 2));
  const unsigned day = parse_digits(text.substr(6, 2));
  return clock::days_of_date(year, month, day);
}

// The name split into its parts; only exists when the name has the structure the pattern rule asks for.
struct Parts {
  std::string_view shoot;
  std::string_view date;
  std::string_view sequence;
  std::string_view variant;  // empty when absent
  std::string_view extension;
};

bool is_shoot_char(char c) { return is_lower_alnum(c) || c == '-'; }

// Splits "<shoot>_<date>_<seq>[_<variant>]"; the content of each part is judged by later rules, so only
// the character classes are checked here.
std::optional<Parts> split_stem(std::string_view stem, std::string_view extension) {
  std::array<std::string_view, 4> pieces;
  size_t count = 0;
  while (true) {
    const size_t underscore = stem.find('_');
    if (count == pieces.size()) return std::nullopt;
    pieces[count++] = stem.substr(0, underscore);
    if (underscore == std::string_view::npos) break;
    stem.remove_prefix(underscore + 1);
  }
  if (count < 3) return std::nullopt;
  for (size_t i = 0; i < count; ++i) {
    if (pieces[i].empty() || !all_of(pieces[i], i == 0 ? is_shoot_char : is_lower_alnum)) return std::nullopt;
  }
  return Parts{pieces[0], pieces[1], pieces[2], count == 4 ? pieces[3] : std::string_view{}, extension};
}

std::optional<Parts> parse_name(std::string_view name) {
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos || name.find('.', dot + 1) != std::string_view::npos) return std::nullopt;
  const std::string_view extension = name.substr(dot + 1);
  if (extension.empty() || !all_of(extension, is_lower_alnum)) return std::nullopt;
  return split_stem(name.substr(0, dot), extension);
}

// Everything a rule may look at. Rules after `pattern` run only when `parts` is set.
struct Context {
  std::string_view filename;
  std::string_view shoot_id;
  std::string_view content_type;
  int64_t today;
  std::optional<Parts> parts;
};

bool charset_holds(const Context& c) {
  for (char ch : c.filename) {
    const auto byte = static_cast<unsigned char>(ch);
    // 0x21..0x7E excludes space, controls, DEL and every non-ASCII byte in one comparison.
    if (byte < 0x21 || byte > 0x7E || ch == '/' || ch == '\\') return false;
  }
  return true;
}

bool length_holds(const Context& c) { return c.filename.size() <= kMaxFilenameLength; }

bool pattern_holds(const Context& c) { return c.parts.has_value(); }

bool shoot_holds(const Context& c) { return c.parts->shoot == c.shoot_id; }

// Tomorrow is allowed because a photographer east of UTC is already there.
bool date_holds(const Context& c) {
  const std::optional<int64_t> day = parse_date(c.parts->date);
  return day && *day >= days_from_civil(2000, 1, 1) && *day <= c.today + 1;
}

bool sequence_holds(const Context& c) {
  const std::string_view seq = c.parts->sequence;
  return seq.size() == 4 && all_digits(seq) && seq != "0000";
}

// `raw` with an unknown extension breaks this rule (it is not a raw extension), which comes before `extension`.
bool variant_holds(const Context& c) {
  const std::string_view variant = c.parts->variant;
  if (variant.empty()) return true;
  bool known = false;
  for (std::string_view v : variants()) known = known || v == variant;
  if (!known) return false;
  if (variant != "raw") return true;
  const ExtensionRow* row = find_extension(c.parts->extension);
  return row != nullptr && row->raw;
}

bool extension_holds(const Context& c) { return find_extension(c.parts->extension) != nullptr; }

bool extension_type_holds(const Context& c) {
  const ExtensionRow* row = find_extension(c.parts->extension);
  return row != nullptr && media_type(c.content_type) == row->content_type;
}

struct RuleCheck {
  Rule rule;
  bool (*holds)(const Context&);
};

// The contract's table, in its order.
constexpr std::array<RuleCheck, 9> kRules = {{
    {Rule::Charset, charset_holds},
    {Rule::Length, length_holds},
    {Rule::Pattern, pattern_holds},
    {Rule::ShootMismatch, shoot_holds},
    {Rule::Date, date_holds},
    {Rule::Sequence, sequence_holds},
    {Rule::Variant, variant_holds},
    {Rule::Extension, extension_holds},
    {Rule::ExtensionMismatch, extension_type_holds},
}};

}  // namespace

const char* rule_name(Rule rule) {
  switch (rule) {
    case Rule::Charset:
      return "charset";
    case Rule::Length:
      return "length";
    case Rule::Pattern:
      return "pattern";
    case Rule::ShootMismatch:
      return "shoot_mismatch";
    case Rule::Date:
      return "date";
    case Rule::Sequence:
      return "sequence";
    case Rule::Variant:
      return "variant";
    case Rule::Extension:
      return "extension";
    case Rule::ExtensionMismatch:
      return "extension_mismatch";
  }
  return "unknown";  // unreachable for a valid enumerator; keeps every path returning
}

std::optional<Rule> check_filename(std::string_view filename, std::string_view shoot_id, std::string_view content_type,
                                   int64_t now_unix_seconds) {
  const Context context{filename, shoot_id, content_type, clock::day_of(now_unix_seconds), parse_name(filename)};
  for (const RuleCheck& check : kRules) {
    if (!check.holds(context)) return check.rule;
  }
  return std::nullopt;
}

bool is_valid_shoot_id(std::string_view id) {
  if (id.size() < kMinShootIdLength || id.size() > kMaxShootIdLength) return false;
  if (id.front() == '-' || id.back() == '-' || id.find("--") != std::string_view::npos) return false;
  return all_of(id, is_shoot_char);
}

bool is_allowed_content_type(std::string_view type) {
  const std::string media = media_type(type);
  for (const ExtensionRow& row : extension_table()) {
    if (media == row.content_type) return true;
  }
  return false;
}

std::optional<std::string_view> content_type_for_extension(std::string_view ext) {
  const ExtensionRow* row = find_extension(ext);
  if (row == nullptr) return std::nullopt;
  return row->content_type;
}

std::string content_type_for_filename(std::string_view filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos) return "";
  return std::string(content_type_for_extension(text::ascii_lower(filename.substr(dot + 1))).value_or(""));
}

const std::vector<ExtensionRow>& extension_table() {
  static const std::vector<ExtensionRow> kTable = {
      {"jpg", "image/jpeg", false},       {"jpeg", "image/jpeg", false},      {"png", "image/png", false},
      {"webp", "image/webp", false},      {"heic", "image/heic", false},      {"tif", "image/tiff", false},
      {"tiff", "image/tiff", false},      {"dng", "image/x-adobe-dng", true}, {"cr2", "image/x-canon-cr2", true},
      {"cr3", "image/x-canon-cr3", true}, {"nef", "image/x-nikon-nef", true}, {"arw", "image/x-sony-arw", true},
  };
  return kTable;
}

const std::vector<std::string_view>& variants() {
  static const std::vector<std::string_view> kVariants = {"raw", "edit", "bw", "web", "thumb"};
  return kVariants;
}

}  // namespace upgate::naming
