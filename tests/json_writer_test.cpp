#include "trailsweep/json_writer.hpp"

#include <gtest/gtest.h>

namespace trailsweep {

TEST(JsonWriter, EscapesHostileStrings) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x1b[31mred\x7f\0end", 19));
  EXPECT_EQ(out, R"("a\"b\\c\n\u001b[31mred\u007f\u0000end")");
}

TEST(JsonWriter, ReplacesInvalidUtf8AndKeepsValidUtf8) {
  std::string out;
  append_json_string(out, "ok \xC3\xA9 bad \xC3 \xFF \xED\xA0\x80 \xE2\x80\xA8");
  EXPECT_EQ(out, "\"ok \xC3\xA9 bad \\ufffd \\ufffd \\ufffd\\ufffd\\ufffd \\u2028\"");
}

TEST(JsonWriter, NestsWithCommasAndIndent) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("a", 1).key("b").begin_array().value("x").value(true).null().end_array();
  w.key("c").begin_object().end_object().end_object();
  EXPECT_EQ(out, R"({"a":1,"b":["x",true,null],"c":{}})");
  std::string pretty;
  JsonWriter p(pretty, 2);
  p.begin_object().field("a", 1).key("b").begin_array().end_array().end_object();
  EXPECT_EQ(pretty, "{\n  \"a\": 1,\n  \"b\": []\n}");
}

}  // namespace trailsweep
