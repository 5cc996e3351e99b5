// Fuzz target: the naming validator (naming::check_filename, naming::is_valid_shoot_id).
//
// Input: the first byte picks the declared content type (every allowed type, some in odd spellings, and a few
// that are not allowed); the rest is the file name. The shoot id and the clock are fixed.
//
// Invariants:
//  - check_filename agrees exactly with an independent reference written from the contract's table (regular
//    expression for the pattern, timegm for the calendar), including which rule is reported first;
//  - in particular a name it accepts is at most 64 characters of printable ASCII without '/' or '\';
//  - the fixed shoot id's own valid name is accepted only for that shoot id (the input as shoot id);
//  - is_valid_shoot_id agrees with ^[a-z0-9]+(-[a-z0-9]+)*$ and 3-32 characters;
//  - the allowed content types are allowed, and extension_table maps each extension to its type.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "naming/naming.h"

using namespace upgate;
using naming::Rule;

namespace {

constexpr int64_t kNow = 1795262400;  // 2026-11-21T12:00:00Z
const std::string kShoot = "smith-wedding";

// Index = first input byte modulo the count. The first seven are allowed types in canonical spelling.
const char* const kContentTypes[] = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/tiff",
    "image/x-adobe-dng",
    "image/x-canon-cr2",
    "image/x-canon-cr3",
    "image/x-nikon-nef",
    "image/x-sony-arw",
    "IMAGE/JPEG",
    " image/png ",
    "image/jpeg; charset=binary",
    "\timage/x-sony-arw;x=1",
    "image/gif",
    "application/octet-stream",
    "",
    "image/jpeg2",
    "image/jpe g",
};
constexpr size_t kAllowedCanonical = 10;  // kContentTypes[0..9]
constexpr size_t kAllowedSpellings = 14;  // kContentTypes[0..13] are all allowed types

struct Row {
  const char* extension;
  const char* type;
  bool raw;
};
// The contract's extension table, written out again (not read from the core).
const Row kRows[] = {
    {"jpg", "image/jpeg", false},       {"jpeg", "image/jpeg", false},      {"png", "image/png", false},
    {"webp", "image/webp", false},      {"heic", "image/heic", false},      {"tif", "image/tiff", false},
    {"tiff", "image/tiff", false},      {"dng", "image/x-adobe-dng", true}, {"cr2", "image/x-canon-cr2", true},
    {"cr3", "image/x-canon-cr3", true}, {"nef", "image/x-nikon-nef", true}, {"arw", "image/x-sony-arw", true}};

const Row* row_for(const std::string& extension) {
  for (const Row& row : kRows) {
    if (extension == row.extension) return &row;
  }
  return nullptr;
}

// The media type as the contract compares it: before ';', without blanks around it, ignoring case.
std::string media_type(std::string_view value) {
  std::string type(value.substr(0, value.find(';')));
  const auto first = type.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  type = type.substr(first, type.find_last_not_of(" \t") - first + 1);
  for (char& c : type) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return type;
}

// Days since 1970-01-01 of a real calendar date written YYYYMMDD, via the C library's calendar.
std::optional<int64_t> reference_day(const std::string& yyyymmdd) {
  if (yyyymmdd.size() != 8 || yyyymmdd.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(yyyymmdd.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(yyyymmdd.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(yyyymmdd.substr(6, 2));
  const int year = tm.tm_year, month = tm.tm_mon, day = tm.tm_mday;
  const time_t seconds = timegm(&tm);
  // timegm normalises (Feb 30 -> Mar 2); a real date comes back unchanged.
  if (tm.tm_year != year || tm.tm_mon != month || tm.tm_mday != day) return std::nullopt;
  const int64_t s = static_cast<int64_t>(seconds);
  return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

std::optional<Rule> reference_rule(const std::string& name, const std::string& shoot, std::string_view content_type) {
  for (unsigned char c : name) {
    if (c < 0x21 || c > 0x7e || c == '/' || c == '\\') return Rule::Charset;
  }
  if (name.size() > 64) return Rule::Length;
  static const std::regex pattern("([a-z0-9-]+)_([a-z0-9]+)_([a-z0-9]+)(?:_([a-z0-9]+))?\\.([a-z0-9]+)");
  std::smatch m;
  if (!std::regex_match(name, m, pattern)) return Rule::Pattern;
  const std::string stem_shoot = m[1], date = m[2], sequence = m[3], variant = m[4], extension = m[5];
  if (stem_shoot != shoot) return Rule::ShootMismatch;
  const auto day = reference_day(date);
  const int64_t today = kNow / 86400;
  if (!day || *day < 10957 /* 2000-01-01 */ || *day > today + 1) return Rule::Date;
  if (sequence.size() != 4 || sequence.find_first_not_of("0123456789") != std::string::npos || sequence == "0000") {
    return Rule::Sequence;
  }
  const Row* row = row_for(extension);
  if (!variant.empty()) {
    if (variant != "raw" && variant != "edit" && variant != "bw" && variant != "web" && variant != "thumb")
      return Rule::Variant;
    if (variant == "raw" && (row == nullptr || !row->raw)) return Rule::Variant;
  }
  if (row == nullptr) return Rule::Extension;
  if (media_type(content_type) != row->type) return Rule::ExtensionMismatch;
  return std::nullopt;
}

std::string name_of(std::optional<Rule> rule) { return rule ? naming::rule_name(*rule) : "ok"; }

bool reference_shoot_id(const std::string& id) {
  if (id.size() < 3 || id.size() > 32) return false;
  static const std::regex pattern("[a-z0-9]+(-[a-z0-9]+)*");
  return std::regex_match(id, pattern);
}

std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The core's table must be the contract's table, row for row.
  const auto& table = naming::extension_table();
  FUZZ_CHECK(table.size() == sizeof kRows / sizeof kRows[0], "extension table size");
  for (size_t i = 0; i < table.size(); ++i) {
    FUZZ_CHECK(table[i].extension == kRows[i].extension && table[i].content_type == kRows[i].type &&
                   table[i].raw == kRows[i].raw,
               std::string(kRows[i].extension));
    FUZZ_CHECK(naming::content_type_for_extension(kRows[i].extension) == std::string_view(kRows[i].type),
               kRows[i].extension);
  }
  for (size_t i = 0; i < sizeof kContentTypes / sizeof kContentTypes[0]; ++i) {
    FUZZ_CHECK(naming::is_allowed_content_type(kContentTypes[i]) == (i < kAllowedSpellings), kContentTypes[i]);
  }
  FUZZ_CHECK(kAllowedCanonical <= kAllowedSpellings, "fixture");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* content_type = kContentTypes[data[0] % (sizeof kContentTypes / sizeof kContentTypes[0])];
  const std::string name(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string where = "name=\"" + printable(name.substr(0, 200)) + "\" content_type=\"" + content_type + "\"";

  const std::optional<Rule> rule = naming::check_filename(name, kShoot, content_type, kNow);
  const std::optional<Rule> expected = reference_rule(name, kShoot, content_type);
  FUZZ_CHECK(rule == expected, where + " core=" + name_of(rule) + " reference=" + name_of(expected));
  if (!rule) {
    FUZZ_CHECK(name.size() <= 64, where);
    for (unsigned char c : name) FUZZ_CHECK(c >= 0x21 && c <= 0x7e && c != '/' && c != '\\', where);
    FUZZ_CHECK(naming::is_allowed_content_type(content_type), where);
  }
  FUZZ_CHECK(std::string(naming::rule_name(rule.value_or(Rule::Charset))) != "unknown", where);

  // The same text as a shoot id.
  FUZZ_CHECK(naming::is_valid_shoot_id(name) == reference_shoot_id(name), where);
  const bool own = !naming::check_filename("smith-wedding_20261121_0042.jpg", name, "image/jpeg", kNow).has_value();
  FUZZ_CHECK(own == (name == kShoot), where);
  // A name built for this text as shoot id is judged on the shoot id alone.
  if (reference_shoot_id(name) && name.size() <= 32) {
    const std::string built = name + "_20261121_0042.jpg";
    FUZZ_CHECK(!naming::check_filename(built, name, "image/jpeg", kNow).has_value(), where);
  }
  return 0;
}
