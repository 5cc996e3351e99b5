// File naming standard v3.1 (contract section 4) and the shoot id rule (section 3).
// Pure functions: no clock, no I/O; the caller passes the current time in.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace upgate::naming {

// The media type a Content-Type names, as the extension table spells it: "Image/JPEG; charset=binary" is
// "image/jpeg" (parameters, spaces and case do not change what the type is).
std::string media_type(std::string_view content_type);

// In the contract's table order: check_filename reports the first one broken.
enum class Rule { Charset, Length, Pattern, ShootMismatch, Date, Sequence, Variant, Extension, ExtensionMismatch };

// The snake_case name the API reports in "rule".
const char* rule_name(Rule rule);

// The first rule broken, in the contract's table order, or nullopt when the name is valid.
// now_unix_seconds is the current time (the core has no clock); "today" is its UTC calendar day.
// content_type is compared to the extension's type ignoring case, parameters after ';' and surrounding blanks.
std::optional<Rule> check_filename(std::string_view filename, std::string_view shoot_id, std::string_view content_type,
                                   int64_t now_unix_seconds);

// 3-32 characters, ^[a-z0-9]+(-[a-z0-9]+)*$
bool is_valid_shoot_id(std::string_view id);

// True when the type (ignoring case, parameters and surrounding blanks) is on some row of the extension table.
bool is_allowed_content_type(std::string_view type);

// The content type an extension maps to; the extension must be lower case, as file names are.
std::optional<std::string_view> content_type_for_extension(std::string_view ext);
// The content type a file name's extension stands for (in any case), or "" when it names none.
std::string content_type_for_filename(std::string_view filename);

struct ExtensionRow {
  std::string_view extension;
  std::string_view content_type;
  bool raw;
};

// Every accepted extension with its type, in the contract's order (for the service catalogue).
const std::vector<ExtensionRow>& extension_table();

// raw, edit, bw, web, thumb
const std::vector<std::string_view>& variants();

}  // namespace upgate::naming
