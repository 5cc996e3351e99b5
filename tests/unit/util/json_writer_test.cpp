// The writer the protocol layer answers the shim with (util/json_writer.h).
#include <doctest/doctest.h>

#include "util/json.h"
#include "util/json_writer.h"

using namespace upgate;

TEST_CASE("commas fall between members and items, at every depth") {
  JsonWriter out;
  out.begin_object().key("a").integer(1).key("b").begin_array().begin_object().end_object().begin_array().end_array();
  out.string("x").null().boolean(false).end_array().key("c").raw(R"({"d":[1,2]})").end_object();
  CHECK(std::move(out).text() == R"({"a":1,"b":[{},[],"x",null,false],"c":{"d":[1,2]}})");
}

TEST_CASE("strings are escaped exactly as to_text escapes them") {
  const std::string text = std::string("quote\" backslash\\ slash/ \b\f\n\r\t \x01\x1f \x7f \xC3\xA9 \xF0\x9F\x98\x80");
  JsonWriter out;
  out.string(text);
  const std::string written = std::move(out).text();
  CHECK(written == to_text(json(text)));
  CHECK(parse_json(written) == json(text));
}

TEST_CASE("bytes that are not UTF-8 become one U+FFFD per ill-formed sequence, as to_text replaces them") {
  for (const std::string& text :
       {std::string("\x90"), std::string("a\xF4\x80\x80"), std::string("\xED\xA0\x80"), std::string("\xE0\x80\xAF"),
        std::string("\xC3"), std::string("\xFF\xFE"), std::string("\xF4\x90\x80\x80")}) {
    CAPTURE(text);
    JsonWriter out;
    out.string(text);
    const std::string written = std::move(out).text();
    CHECK(written == to_text(json(text)));
    CHECK(parse_json(written).has_value());
  }
}

TEST_CASE("integers span int64") {
  JsonWriter out;
  out.begin_array().integer(INT64_MIN).integer(INT64_MAX).integer(0).end_array();
  CHECK(std::move(out).text() == "[-9223372036854775808,9223372036854775807,0]");
}
