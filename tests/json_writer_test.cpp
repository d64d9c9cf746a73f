#include "trailsweep/json_writer.hpp"

#include <gtest/gtest.h>

namespace trailsweep {

// Long plain runs are copied eight bytes at a time: every byte that needs
// escaping must stop that copy wherever it sits in the word.
TEST(JsonWriter, WordAtATimeCopyStopsAtEveryByteThatNeedsEscaping) {
  for (int b = 0; b < 256; ++b) {
    const std::string byte(1, static_cast<char>(b));
    std::string alone;
    append_json_string(alone, byte);  // one byte: never the word path
    const std::string escaped = alone.substr(1, alone.size() - 2);
    for (std::size_t at = 0; at < 18; ++at) {
      std::string text(18, 'a');
      text[at] = static_cast<char>(b);
      std::string out;
      append_json_string(out, text);
      EXPECT_EQ(out, "\"" + std::string(at, 'a') + escaped + std::string(17 - at, 'a') + "\"") << b << " at " << at;
    }
  }
}

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
