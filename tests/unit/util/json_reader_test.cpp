// The pull reader the protocol layer decodes the shim's messages with (util/json_reader.h).
#include <doctest/doctest.h>

#include <limits>
#include <vector>

#include "util/json_reader.h"

using namespace upgate;

TEST_CASE("members are read by name, in any order, and unread ones are skipped") {
  JsonReader reader(R"( {"b": [1, {"x": null}], "name": "Ada", "n": -42, "flag": true, "z": 1.5e3} )");
  std::string name;
  int64_t n = 0;
  bool flag = false;
  const bool object = reader.object([&](std::string_view key) {
    if (key == "name") {
      name = reader.string().value_or("");
    } else if (key == "n") {
      n = reader.integer().value_or(0);
    } else if (key == "flag") {
      flag = reader.boolean().value_or(false);
    } else {
      reader.skip();
    }
  });
  CHECK(object);
  CHECK(reader.finished());
  CHECK(name == "Ada");
  CHECK(n == -42);
  CHECK(flag);
}

TEST_CASE("a value of another type answers nothing and is skipped, leaving the reader usable") {
  JsonReader reader(R"({"a": {"deep": [1, 2]}, "b": "text", "c": 7})");
  std::optional<std::string> a;
  std::optional<int64_t> b;
  std::optional<std::string> c;
  reader.object([&](std::string_view key) {
    if (key == "a") a = reader.string();
    if (key == "b") b = reader.integer();
    if (key == "c") c = reader.string();
  });
  CHECK(reader.finished());
  CHECK_FALSE(a.has_value());
  CHECK_FALSE(b.has_value());
  CHECK_FALSE(c.has_value());
}

TEST_CASE("strings decode every escape, surrogate pairs included") {
  JsonReader reader(R"(["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u20AC\ud83d\ude00", "plain"])");
  std::vector<std::string> items;
  CHECK(reader.array([&] { items.push_back(reader.string().value_or("?")); }));
  REQUIRE(items.size() == 3);
  CHECK(items[0] == "a\"b\\c/d\b\f\n\r\t");
  CHECK(items[1] == "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(items[2] == "plain");
}

TEST_CASE("keys with escapes are decoded too") {
  JsonReader reader(R"({"na\u006de": 1})");
  std::string seen;
  reader.object([&](std::string_view key) {
    seen = key;
    reader.skip();
  });
  CHECK(seen == "name");
  CHECK(reader.finished());
}

TEST_CASE("integers hold the whole int64 range and no more") {
  const auto integer = [](const char* text) { return JsonReader(text).integer(); };
  CHECK(integer("9223372036854775807") == std::numeric_limits<int64_t>::max());
  CHECK(integer("-9223372036854775808") == std::numeric_limits<int64_t>::min());
  CHECK_FALSE(integer("9223372036854775808").has_value());
  CHECK_FALSE(integer("-9223372036854775809").has_value());
  CHECK_FALSE(integer("1.0").has_value());
  CHECK_FALSE(integer("1e3").has_value());
  CHECK(integer("0") == 0);
  CHECK(integer("-0") == 0);
}

TEST_CASE("raw answers a value's text exactly as it stands") {
  JsonReader reader(R"({"keep": {"a": [1, "x"]} , "next": 2})");
  std::string_view kept;
  reader.object([&](std::string_view key) {
    if (key == "keep") {
      kept = reader.raw();
    } else {
      reader.skip();
    }
  });
  CHECK(kept == R"({"a": [1, "x"]})");
}

TEST_CASE("malformed text fails the reader, and every later read answers nothing") {
  for (const char* text :
       {R"({"a": 1,})", R"({"a" 1})", R"([1 2])", R"({"a": tru})", R"("unterminated)", R"(["\x"])", R"(["\ud800"])",
        R"(["\udc00"])", "[\"tab\there\"]", R"(01)", R"(-)", R"(1.)", R"(1e)", R"({"a": 1} trailing)", ""}) {
    CAPTURE(text);
    JsonReader reader(text);
    reader.skip();
    CHECK_FALSE(reader.finished());
  }
  JsonReader reader("[1, }");
  reader.skip();
  CHECK_FALSE(reader.ok());
  CHECK_FALSE(reader.string().has_value());
  CHECK_FALSE(reader.integer().has_value());
  CHECK_FALSE(reader.object([](std::string_view) {}));
}

TEST_CASE("nesting deeper than the bound fails instead of recursing without end") {
  const std::string shallow = std::string(JsonReader::kMaxDepth, '[') + std::string(JsonReader::kMaxDepth, ']');
  JsonReader fits(shallow);
  fits.skip();
  CHECK(fits.finished());
  const std::string deep(100000, '[');
  JsonReader too_deep(deep);
  too_deep.skip();
  CHECK_FALSE(too_deep.ok());
  const std::string deep_objects(100000, '{');  // the reader views the text: it must outlive the reader
  JsonReader nested_objects(deep_objects);
  CHECK_FALSE(nested_objects.object([&](std::string_view) { nested_objects.skip(); }));
}
