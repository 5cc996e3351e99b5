#include <doctest/doctest.h>

#include <string>

#include "naming/naming.h"

using namespace upgate::naming;

namespace {

// 2026-11-21T12:00:00Z: 20778 days after 1970-01-01, plus half a day.
constexpr int64_t kNow = 20778LL * 86400 + 12 * 3600;
constexpr const char* kShoot = "smith-wedding";

// The rule name, or "ok", so a failing CHECK prints something readable.
std::string verdict(std::string_view filename, std::string_view content_type = "image/jpeg", int64_t now = kNow,
                    std::string_view shoot = kShoot) {
  const std::optional<Rule> rule = check_filename(filename, shoot, content_type, now);
  return rule ? rule_name(*rule) : "ok";
}

std::string with_date(std::string_view date) { return std::string(kShoot) + "_" + std::string(date) + "_0042.jpg"; }

std::string with_sequence(std::string_view seq) {
  return std::string(kShoot) + "_20261121_" + std::string(seq) + ".jpg";
}

}  // namespace

TEST_CASE("the fixed clock is 2026-11-21T12:00:00Z") { CHECK(kNow == 1795262400LL); }

TEST_CASE("the contract's example and plain names are valid") {
  CHECK(verdict("smith-wedding_20261121_0042_edit.jpg") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042.jpg") == "ok");
  CHECK(verdict("abc_20261121_0001.png", "image/png", kNow, "abc") == "ok");
}

TEST_CASE("rule names are the contract's snake_case codes") {
  CHECK(std::string(rule_name(Rule::Charset)) == "charset");
  CHECK(std::string(rule_name(Rule::Length)) == "length");
  CHECK(std::string(rule_name(Rule::Pattern)) == "pattern");
  CHECK(std::string(rule_name(Rule::ShootMismatch)) == "shoot_mismatch");
  CHECK(std::string(rule_name(Rule::Date)) == "date");
  CHECK(std::string(rule_name(Rule::Sequence)) == "sequence");
  CHECK(std::string(rule_name(Rule::Variant)) == "variant");
  CHECK(std::string(rule_name(Rule::Extension)) == "extension");
  CHECK(std::string(rule_name(Rule::ExtensionMismatch)) == "extension_mismatch");
}

TEST_CASE("charset: printable ASCII only, no slash, backslash, whitespace or controls") {
  CHECK(verdict("smith-wedding_20261121_0042 .jpg") == "charset");
  CHECK(verdict(" smith-wedding_20261121_0042.jpg") == "charset");
  CHECK(verdict("smith-wedding_20261121_0042\t.jpg") == "charset");
  CHECK(verdict("smith-wedding_20261121_0042\n.jpg") == "charset");
  CHECK(verdict(std::string("smith-wedding_20261121_0042\0.jpg", 32)) == "charset");
  CHECK(verdict("smith-wedding_20261121_0042\x7f.jpg") == "charset");
  CHECK(verdict("smith-wedding_20261121_0042\x1b.jpg") == "charset");
  CHECK(verdict("smith-wedding/20261121_0042.jpg") == "charset");
  CHECK(verdict("../smith-wedding_20261121_0042.jpg") == "charset");
  CHECK(verdict("smith-wedding\\20261121_0042.jpg") == "charset");
  SUBCASE("non-ASCII bytes") {
    CHECK(verdict("smith-w\xc3\xa9"
                  "dding_20261121_0042.jpg") == "charset");  // é in UTF-8
    CHECK(verdict("smith-wedding_20261121_0042.jp\x80") == "charset");
    CHECK(verdict("smith-wedding_20261121_0042.jp\xff") == "charset");
  }
  SUBCASE("other printable punctuation passes charset and is refused by pattern") {
    CHECK(verdict("smith-wedding_20261121_0042!.jpg") == "pattern");
    CHECK(verdict("smith~wedding_20261121_0042.jpg") == "pattern");
  }
}

TEST_CASE("length: at most 64 characters") {
  // Even a 32-character shoot id cannot reach 64, so the boundary is shown with a longer shoot part
  // (check_filename only compares it with the shoot it is given).
  const std::string suffix = "_20261121_0042.jpg";  // 18 characters
  const std::string shoot64(64 - suffix.size(), 'a');
  const std::string shoot65(65 - suffix.size(), 'a');
  const std::string name64 = shoot64 + suffix;
  const std::string name65 = shoot65 + suffix;
  REQUIRE(name64.size() == 64);
  REQUIRE(name65.size() == 65);
  CHECK(verdict(name64, "image/jpeg", kNow, shoot64) == "ok");
  CHECK(verdict(name65, "image/jpeg", kNow, shoot65) == "length");
  CHECK(verdict(std::string(200, 'a')) == "length");
  CHECK(verdict(name65) == "length");  // length comes before shoot_mismatch
}

TEST_CASE("pattern: structure, lower case, single underscores, exactly one dot") {
  SUBCASE("upper case anywhere") {
    CHECK(verdict("Smith-wedding_20261121_0042.jpg") == "pattern");
    CHECK(verdict("smith-wedding_20261121_0042.JPG") == "pattern");
    CHECK(verdict("smith-wedding_20261121_0042_EDIT.jpg") == "pattern");
  }
  SUBCASE("dots") {
    CHECK(verdict("smith-wedding_20261121_0042") == "pattern");
    CHECK(verdict("smith-wedding_20261121_0042.tar.jpg") == "pattern");
    CHECK(verdict("smith-wedding_20261121_0042..jpg") == "pattern");
    CHECK(verdict("smith-wedding_20261121_0042.") == "pattern");
    CHECK(verdict(".jpg") == "pattern");
  }
  SUBCASE("parts and separators") {
    CHECK(verdict("") == "pattern");
    CHECK(verdict("smith-wedding_20261121.jpg") == "pattern");
    CHECK(verdict("smith-wedding_20261121_0042_edit_web.jpg") == "pattern");
    CHECK(verdict("smith-wedding__20261121_0042.jpg") == "pattern");
    CHECK(verdict("_smith-wedding_20261121_0042.jpg") == "pattern");
    CHECK(verdict("smith-wedding_20261121_0042_.jpg") == "pattern");
    CHECK(verdict("smith-wedding-20261121-0042.jpg") == "pattern");
    CHECK(verdict("smith-wedding_2026-11-21_0042.jpg") == "pattern");
    CHECK(verdict("smith-wedding_20261121_0042_e-dit.jpg") == "pattern");
  }
  SUBCASE("content problems are left to their own rules") {
    CHECK(verdict(with_date("2026112")) == "date");
    CHECK(verdict(with_date("2026nov1")) == "date");
    CHECK(verdict(with_sequence("12a4")) == "sequence");
    CHECK(verdict("smith-wedding_20261121_0042_final.jpg") == "variant");
    CHECK(verdict("smith-wedding_20261121_0042.gif", "image/gif") == "extension");
  }
}

TEST_CASE("shoot_mismatch: the first part is the upload's shoot") {
  CHECK(verdict("jones-party_20261121_0042.jpg") == "shoot_mismatch");
  CHECK(verdict("smith-weddings_20261121_0042.jpg") == "shoot_mismatch");
  CHECK(verdict("smith_20261121_0042.jpg") == "shoot_mismatch");  // a prefix of the shoot is not the shoot
  CHECK(verdict("jones-party_20261121_0042.jpg", "image/jpeg", kNow, "jones-party") == "ok");
}

TEST_CASE("date: a real calendar date from 2000-01-01 to tomorrow (UTC)") {
  CHECK(verdict(with_date("20000101")) == "ok");
  CHECK(verdict(with_date("19991231")) == "date");
  CHECK(verdict(with_date("00000101")) == "date");
  CHECK(verdict(with_date("20240229")) == "ok");  // divisible by 4
  CHECK(verdict(with_date("20000229")) == "ok");  // divisible by 400
  CHECK(verdict(with_date("20230229")) == "date");
  CHECK(verdict(with_date("21000229"), "image/jpeg", 5000000000LL) == "date");  // century, not 400; clock past 2100
  CHECK(verdict(with_date("21000301"), "image/jpeg", 5000000000LL) == "ok");    // so the clock is not the reason
  CHECK(verdict(with_date("20260431")) == "date");
  CHECK(verdict(with_date("20261131")) == "date");
  CHECK(verdict(with_date("20261232")) == "date");
  CHECK(verdict(with_date("20261300")) == "date");
  CHECK(verdict(with_date("20260001")) == "date");
  CHECK(verdict(with_date("20261100")) == "date");
  CHECK(verdict(with_date("202611210")) == "date");
  SUBCASE("relative to today") {
    CHECK(verdict(with_date("20261120")) == "ok");
    CHECK(verdict(with_date("20261121")) == "ok");  // today
    CHECK(verdict(with_date("20261122")) == "ok");  // tomorrow
    CHECK(verdict(with_date("20261123")) == "date");
    CHECK(verdict(with_date("20271121")) == "date");
  }
  SUBCASE("today is the UTC day of the clock, at both ends of it") {
    const int64_t midnight = 20778LL * 86400;
    CHECK(verdict(with_date("20261122"), "image/jpeg", midnight) == "ok");
    CHECK(verdict(with_date("20261123"), "image/jpeg", midnight + 86399) == "date");
    CHECK(verdict(with_date("20261123"), "image/jpeg", midnight + 86400) == "ok");
    CHECK(verdict(with_date("20261122"), "image/jpeg", midnight - 1) == "date");
  }
  SUBCASE("year boundaries for tomorrow") {
    const int64_t new_years_eve = 20818LL * 86400 + 3600;  // 2026-12-31T01:00:00Z
    CHECK(verdict(with_date("20270101"), "image/jpeg", new_years_eve) == "ok");
    CHECK(verdict(with_date("20270102"), "image/jpeg", new_years_eve) == "date");
  }
}

TEST_CASE("sequence: exactly four digits, 0001 to 9999") {
  CHECK(verdict(with_sequence("0001")) == "ok");
  CHECK(verdict(with_sequence("9999")) == "ok");
  CHECK(verdict(with_sequence("0000")) == "sequence");
  CHECK(verdict(with_sequence("00001")) == "sequence");
  CHECK(verdict(with_sequence("10000")) == "sequence");
  CHECK(verdict(with_sequence("123")) == "sequence");
  CHECK(verdict(with_sequence("abcd")) == "sequence");
}

TEST_CASE("variant: optional, one of the five, raw only with a raw extension") {
  CHECK(verdict("smith-wedding_20261121_0042_edit.jpg") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042_bw.jpg") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042_web.webp", "image/webp") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042_thumb.png", "image/png") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042_raw.dng", "image/x-adobe-dng") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042_raw.cr2", "image/x-canon-cr2") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042_raw.cr3", "image/x-canon-cr3") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042_raw.nef", "image/x-nikon-nef") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042_raw.arw", "image/x-sony-arw") == "ok");
  CHECK(verdict("smith-wedding_20261121_0042_raw.jpg") == "variant");
  CHECK(verdict("smith-wedding_20261121_0042_raw.tiff", "image/tiff") == "variant");
  CHECK(verdict("smith-wedding_20261121_0042_raw.xyz", "image/jpeg") == "variant");  // not a raw extension
  CHECK(verdict("smith-wedding_20261121_0042_final.jpg") == "variant");
  CHECK(verdict("smith-wedding_20261121_0042_raws.dng", "image/x-adobe-dng") == "variant");
  CHECK(verdict("smith-wedding_20261121_0042_thumb2.jpg") == "variant");
  SUBCASE("non-raw variants are fine on raw files too") {
    CHECK(verdict("smith-wedding_20261121_0042_edit.dng", "image/x-adobe-dng") == "ok");
  }
  const std::vector<std::string_view> expected = {"raw", "edit", "bw", "web", "thumb"};
  CHECK(variants() == expected);
}

TEST_CASE("extension and extension_mismatch: every row of the table") {
  struct Case {
    const char* ext;
    const char* type;
  };
  const Case cases[] = {
      {"jpg", "image/jpeg"},        {"jpeg", "image/jpeg"},       {"png", "image/png"},
      {"webp", "image/webp"},       {"heic", "image/heic"},       {"tif", "image/tiff"},
      {"tiff", "image/tiff"},       {"dng", "image/x-adobe-dng"}, {"cr2", "image/x-canon-cr2"},
      {"cr3", "image/x-canon-cr3"}, {"nef", "image/x-nikon-nef"}, {"arw", "image/x-sony-arw"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.ext);
    const std::string name = std::string(kShoot) + "_20261121_0042." + c.ext;
    CHECK(verdict(name, c.type) == "ok");
    CHECK(verdict(name, "application/octet-stream") == "extension_mismatch");
    CHECK(verdict(name, "") == "extension_mismatch");
    REQUIRE(content_type_for_extension(c.ext).has_value());
    CHECK(*content_type_for_extension(c.ext) == c.type);
    CHECK(is_allowed_content_type(c.type));
  }
  CHECK(extension_table().size() == 12);
}

TEST_CASE("extension: anything off the table") {
  CHECK(verdict("smith-wedding_20261121_0042.gif", "image/gif") == "extension");
  CHECK(verdict("smith-wedding_20261121_0042.jpe") == "extension");
  CHECK(verdict("smith-wedding_20261121_0042.exe", "application/octet-stream") == "extension");
  CHECK(verdict("smith-wedding_20261121_0042.cr4") == "extension");
  CHECK_FALSE(content_type_for_extension("gif").has_value());
  CHECK_FALSE(content_type_for_extension("JPG").has_value());  // names are lower case, so lookups are too
  CHECK_FALSE(content_type_for_extension("").has_value());
}

TEST_CASE("extension_mismatch: the declared type is the extension's") {
  CHECK(verdict("smith-wedding_20261121_0042.jpg", "image/png") == "extension_mismatch");
  CHECK(verdict("smith-wedding_20261121_0042.png", "image/jpeg") == "extension_mismatch");
  CHECK(verdict("smith-wedding_20261121_0042.tif", "image/x-adobe-dng") == "extension_mismatch");  // DNG is TIFF
  CHECK(verdict("smith-wedding_20261121_0042.cr2", "image/x-canon-cr3") == "extension_mismatch");
  CHECK(verdict("smith-wedding_20261121_0042.jpg", "image/jpg") == "extension_mismatch");
  CHECK(verdict("smith-wedding_20261121_0042.jpg", "image/jpegx") == "extension_mismatch");
  CHECK(verdict("smith-wedding_20261121_0042.jpg", "image/jpeg x") == "extension_mismatch");
  SUBCASE("case, parameters and surrounding blanks do not matter") {
    CHECK(verdict("smith-wedding_20261121_0042.jpg", "IMAGE/JPEG") == "ok");
    CHECK(verdict("smith-wedding_20261121_0042.jpg", "image/jpeg; charset=binary") == "ok");
    CHECK(verdict("smith-wedding_20261121_0042.jpg", "  image/jpeg  ") == "ok");
    CHECK(verdict("smith-wedding_20261121_0042.jpg", "\timage/jpeg ;q=1") == "ok");
    CHECK(verdict("smith-wedding_20261121_0042.dng", "Image/X-Adobe-DNG") == "ok");
    CHECK(verdict("smith-wedding_20261121_0042.jpg", "; image/jpeg") == "extension_mismatch");
  }
}

TEST_CASE("is_allowed_content_type: on some row of the table") {
  CHECK(is_allowed_content_type("image/jpeg"));
  CHECK(is_allowed_content_type("Image/HEIC"));
  CHECK(is_allowed_content_type(" image/png; charset=binary"));
  CHECK_FALSE(is_allowed_content_type("image/gif"));
  CHECK_FALSE(is_allowed_content_type("image/jpg"));
  CHECK_FALSE(is_allowed_content_type("text/html"));
  CHECK_FALSE(is_allowed_content_type("application/octet-stream"));
  CHECK_FALSE(is_allowed_content_type(""));
  CHECK_FALSE(is_allowed_content_type("image/"));
}

TEST_CASE("extension table rows carry the raw flag for exactly the raw formats") {
  for (const ExtensionRow& row : extension_table()) {
    CAPTURE(row.extension);
    const bool raw = row.extension == "dng" || row.extension == "cr2" || row.extension == "cr3" ||
                     row.extension == "nef" || row.extension == "arw";
    CHECK(row.raw == raw);
    REQUIRE(content_type_for_extension(row.extension).has_value());
    CHECK(*content_type_for_extension(row.extension) == row.content_type);
  }
}

TEST_CASE("table order: a name breaking several rules reports the earliest") {
  CHECK(verdict("Smith wedding_19991231_0000_final.gif", "text/plain") == "charset");  // over pattern and later
  CHECK(verdict(std::string(70, 'A')) == "length");                                    // over pattern
  CHECK(verdict("jones_2026112_0042.JPG") == "pattern");                               // over shoot, date
  CHECK(verdict("jones_19991231_0000.gif", "image/gif") == "shoot_mismatch");          // over date, sequence
  CHECK(verdict("smith-wedding_19991231_0000_final.gif", "image/gif") == "date");      // over sequence, variant
  CHECK(verdict("smith-wedding_20261121_0000_final.gif", "image/gif") == "sequence");  // over variant, extension
  CHECK(verdict("smith-wedding_20261121_0042_final.gif", "image/gif") == "variant");   // over extension
  CHECK(verdict("smith-wedding_20261121_0042_raw.jpg", "image/png") == "variant");     // over mismatch
  CHECK(verdict("smith-wedding_20261121_0042.gif", "image/png") == "extension");       // over mismatch
}

TEST_CASE("is_valid_shoot_id: 3-32 characters, lower-case alphanumerics with single inner hyphens") {
  CHECK_FALSE(is_valid_shoot_id(""));
  CHECK_FALSE(is_valid_shoot_id("ab"));
  CHECK(is_valid_shoot_id("abc"));
  CHECK(is_valid_shoot_id("a-b"));
  CHECK(is_valid_shoot_id("007"));
  CHECK(is_valid_shoot_id(std::string(32, 'a')));
  CHECK_FALSE(is_valid_shoot_id(std::string(33, 'a')));
  CHECK(is_valid_shoot_id("smith-wedding-2026"));
  CHECK_FALSE(is_valid_shoot_id("-abc"));
  CHECK_FALSE(is_valid_shoot_id("abc-"));
  CHECK_FALSE(is_valid_shoot_id("ab--c"));
  CHECK_FALSE(is_valid_shoot_id("---"));
  CHECK_FALSE(is_valid_shoot_id("Abc"));
  CHECK_FALSE(is_valid_shoot_id("SMITH"));
  CHECK_FALSE(is_valid_shoot_id("ab_c"));
  CHECK_FALSE(is_valid_shoot_id("ab c"));
  CHECK_FALSE(is_valid_shoot_id("ab.c"));
  CHECK_FALSE(is_valid_shoot_id("ab/c"));
  CHECK_FALSE(is_valid_shoot_id("caf\xc3\xa9"));
}
