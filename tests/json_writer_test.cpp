#include "trailsweep/json_writer.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

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

// Strings with nothing to escape are copied whole after a check of 16 or 8
// bytes a step whose last step overlaps the one before (or, under 8 bytes,
// a padded word): each byte, at each place of strings of every length
// around those steps, against an escaper written out byte by byte.
TEST(JsonWriter, EveryByteOfShortStringsIsEscapedWhereverItSits) {
  auto reference = [](unsigned char b) -> std::string {
    switch (b) {
      case '"': return "\\\"";
      case '\\': return "\\\\";
      case '\n': return "\\n";
      case '\r': return "\\r";
      case '\t': return "\\t";
      default: break;
    }
    if (b >= 0x80) return "\\ufffd";  // a lone byte is never valid UTF-8
    if (b < 0x20 || b == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\u%04x", b);
      return hex;
    }
    return std::string(1, static_cast<char>(b));
  };
  for (int b = 0; b < 256; ++b) {
    for (std::size_t length = 1; length <= 40; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'q');
        text[at] = static_cast<char>(b);
        std::string out = "prefix";
        append_json_string(out, text);
        EXPECT_EQ(out, "prefix\"" + std::string(at, 'q') + reference(static_cast<unsigned char>(b)) +
                           std::string(length - at - 1, 'q') + "\"")
            << b << " at " << at << " of " << length;
      }
    }
  }
  std::string empty;
  append_json_string(empty, "");
  EXPECT_EQ(empty, "\"\"");
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

// A key is composed with its comma and line start from pieces copied in
// fixed-size moves (up to 64 bytes of key, 65 of line start; longer ones
// take the general path): keys of every length at every depth around those
// limits, first and second in their object, against the text written out.
TEST(JsonWriter, ComposedKeysOfEveryLengthAtEveryDepth) {
  for (int indent : {0, 2}) {
    for (int depth = 1; depth <= 36; ++depth) {
      for (std::size_t length = 0; length <= 70; ++length) {
        std::string key;
        for (std::size_t i = 0; i < length; ++i) key += static_cast<char>('a' + i % 26);
        std::string out;
        JsonWriter w(out, indent);
        for (int i = 1; i < depth; ++i) w.begin_array();
        w.begin_object().field(key, 1).field(key, 2).end_object();
        for (int i = 1; i < depth; ++i) w.end_array();
        auto line = [&](int level) {
          return indent == 0 ? std::string() : "\n" + std::string(static_cast<std::size_t>(level * indent), ' ');
        };
        std::string expected;
        for (int i = 1; i < depth; ++i) expected += "[" + line(i);
        const std::string colon = indent == 0 ? ":" : ": ";
        expected += "{" + line(depth) + "\"" + key + "\"" + colon + "1," + line(depth) + "\"" + key + "\"" + colon + "2" +
                    line(depth - 1) + "}";
        for (int i = depth - 1; i >= 1; --i) expected += line(i - 1) + "]";
        ASSERT_EQ(out, expected) << "indent " << indent << ", depth " << depth << ", key length " << length;
      }
    }
  }
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
  // Deeper than the indentation kept ready: still two spaces a level.
  std::string deep;
  JsonWriter d(deep, 2);
  for (int i = 0; i < 40; ++i) d.begin_array();
  d.value(std::int64_t{-7}).value(std::uint64_t{18446744073709551615ull});
  for (int i = 0; i < 40; ++i) d.end_array();
  EXPECT_NE(deep.find("\n" + std::string(80, ' ') + "-7,\n" + std::string(80, ' ') + "18446744073709551615\n" +
                      std::string(78, ' ') + "]"),
            std::string::npos);
}

}  // namespace trailsweep
