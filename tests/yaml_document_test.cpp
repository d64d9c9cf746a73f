#include "trailsweep/yaml_document.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <filesystem>

#include <fmt/format.h>

#include "fuzz/yaml_round_trip.hpp"
#include "test_util.hpp"

namespace trailsweep {
namespace {

// A SigmaHQ rule's shape: block maps, a flow list, quoted and plain scalars.
constexpr const char* kRule =
    "title: AWS STS AssumeRole Misuse\n"
    "tags:\n"
    "    - attack.t1548\n"
    "detection:\n"
    "    selection:\n"
    "        userIdentity.type: AssumedRole\n"
    "        eventName: [RunInstances, 'CreateUser']\n"
    "        count: 5\n"
    "        quoted: '5'\n"
    "        tagged: !!str 5\n"
    "    condition: selection\n"
    "level: low\n";

// parse_yaml(text) fails with `message` at line:column.
void expect_error(const std::string& text, int line, int column, const std::string& message) {
  YamlParse parsed = parse_yaml(text);
  ASSERT_TRUE(parsed.error) << text;
  EXPECT_EQ(parsed.error->message, message) << text;
  EXPECT_EQ(parsed.error->mark.line, line) << text;
  EXPECT_EQ(parsed.error->mark.column, column) << text;
}

TEST(YamlDocument, ReadsKindsTextAndPlacesOfARule) {
  YamlParse parsed = parse_yaml(kRule);
  ASSERT_FALSE(parsed.error) << parsed.error->message;
  ASSERT_EQ(parsed.documents.size(), 1u);
  const YamlNode rule = parsed.documents[0];
  ASSERT_TRUE(rule.is_map());
  EXPECT_EQ(rule.size(), 4u);
  EXPECT_EQ(rule["title"].scalar(), "AWS STS AssumeRole Misuse");
  EXPECT_EQ(rule["title"].mark().line, 1);
  EXPECT_EQ(rule["title"].mark().column, 8);
  ASSERT_TRUE(rule["tags"].is_sequence());
  EXPECT_EQ(rule["tags"].items().at(0).scalar(), "attack.t1548");
  EXPECT_EQ(rule["tags"].items().at(0).mark().line, 3);
  const YamlNode selection = rule["detection"]["selection"];
  ASSERT_TRUE(selection.is_map());
  EXPECT_EQ(selection.mark().line, 6);  // a block map starts at its first key
  EXPECT_EQ(selection.mark().column, 9);
  const std::vector<YamlNode> names = selection["eventName"].items();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[1].scalar(), "CreateUser");
  EXPECT_TRUE(names[0].is_plain_scalar());
  EXPECT_FALSE(names[1].is_plain_scalar());
  // Only a plain, untagged scalar is one whose type YAML reads from its text.
  EXPECT_TRUE(selection["count"].is_plain_scalar());
  EXPECT_FALSE(selection["quoted"].is_plain_scalar());
  EXPECT_FALSE(selection["tagged"].is_plain_scalar());
  EXPECT_EQ(selection["tagged"].scalar(), "5");
  EXPECT_EQ(selection["count"].plain_number(), std::optional<double>(5));
  EXPECT_FALSE(selection["quoted"].plain_number());
  EXPECT_FALSE(selection["tagged"].plain_number());
  EXPECT_FALSE(rule["level"].plain_number());  // plain, but no number
  // Found by fuzz_yaml_round_trip: strtod reads these, but no JSON number is one.
  YamlParse odd = parse_yaml("[nan, inf, -Infinity, 1e999, 0x10, 1e3]");
  ASSERT_FALSE(odd.error);
  const std::vector<YamlNode> numbers = odd.documents.at(0).items();
  for (std::size_t i = 0; i < 4; ++i) EXPECT_FALSE(numbers[i].plain_number()) << numbers[i].scalar();
  EXPECT_EQ(numbers[4].plain_number(), std::optional<double>(16));
  EXPECT_EQ(numbers[5].plain_number(), std::optional<double>(1000));
  const auto members = rule["detection"].members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first.scalar(), "selection");
  EXPECT_EQ(members[1].second.scalar(), "selection");
}

// UTF-16 is YAML too when a byte-order mark says so (Windows editors write it).
TEST(YamlDocument, ReadsUtf16WithAByteOrderMark) {
  const std::string utf8 = "title: Caf\xc3\xa9\nlevel: low\n";
  std::string utf16 = "\xff\xfe";  // UTF-16LE
  for (unsigned char c : std::string("title: Caf")) utf16 += {static_cast<char>(c), '\0'};
  utf16 += {'\xe9', '\0'};  // U+00E9
  for (unsigned char c : std::string("\nlevel: low\n")) utf16 += {static_cast<char>(c), '\0'};
  YamlParse a = parse_yaml(utf8), b = parse_yaml(utf16);
  ASSERT_FALSE(a.error);
  ASSERT_FALSE(b.error) << b.error->message;
  std::size_t budget = 100;
  EXPECT_EQ(testing::same_yaml(a.documents.at(0), b.documents.at(0), budget), std::optional<bool>(true));
  EXPECT_EQ(b.documents.at(0)["title"].scalar(), "Caf\xc3\xa9");
  EXPECT_EQ(b.documents.at(0)["level"].mark().line, 2);
}

TEST(YamlDocument, NullIsPlainAndUntagged) {
  YamlParse parsed = parse_yaml("a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: 'null'\ng: ''\nh: nulls\n");
  ASSERT_FALSE(parsed.error);
  const YamlNode doc = parsed.documents.at(0);
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    EXPECT_TRUE(doc[key].is_null()) << key;
    EXPECT_FALSE(doc[key].is_scalar()) << key;
    EXPECT_EQ(doc[key].scalar(), "") << key;
  }
  for (const char* key : {"f", "g", "h"}) EXPECT_TRUE(doc[key].is_scalar()) << key;
  EXPECT_EQ(doc["f"].scalar(), "null");
}

TEST(YamlDocument, AbsentNodesAnswerNothing) {
  YamlParse parsed = parse_yaml("a: [1]\na: [2, 3]\n");
  ASSERT_FALSE(parsed.error);
  const YamlNode doc = parsed.documents.at(0);
  EXPECT_EQ(doc["a"].size(), 1u);  // the first of a repeated key
  const YamlNode missing = doc["b"];
  EXPECT_FALSE(missing);
  EXPECT_FALSE(missing.is_null() || missing.is_scalar() || missing.is_map() || missing.is_sequence());
  EXPECT_FALSE(doc["a"]["x"]);  // a sequence has no keys
  EXPECT_TRUE(missing.items().empty());
  EXPECT_EQ(missing.mark().line, 0);
}

TEST(YamlDocument, EveryDocumentAndNoneForComments) {
  YamlParse parsed = parse_yaml("---\na: 1\n---\n---\n- x\n");
  ASSERT_FALSE(parsed.error);
  ASSERT_EQ(parsed.documents.size(), 3u);
  EXPECT_TRUE(parsed.documents[0].is_map());
  EXPECT_TRUE(parsed.documents[1].is_null());
  EXPECT_TRUE(parsed.documents[2].is_sequence());
  EXPECT_TRUE(parse_yaml("# only a comment\n").documents.empty());
  EXPECT_TRUE(parse_yaml("").documents.empty());
}

TEST(YamlDocument, AliasesReferToTheirAnchorAndNeverToThemselves) {
  YamlParse parsed = parse_yaml("base: &names [CreateUser, CreateRole]\nsame: *names\n");
  ASSERT_FALSE(parsed.error);
  const YamlNode doc = parsed.documents.at(0);
  ASSERT_EQ(doc["same"].size(), 2u);
  EXPECT_EQ(doc["same"].items()[1].scalar(), "CreateRole");

  expect_error("a: 1\nb: *nope\n", 2, 4, "unknown anchor 'nope'");
  // An anchor counts once its node is complete: no node contains itself.
  expect_error("a: &loop [x, *loop]\n", 1, 14, "unknown anchor 'loop'");
}

TEST(YamlDocument, ErrorsSayWhatAndWhere) {
  expect_error("title: x\ndetection: [unclosed\n", 3, 1,
               "did not find expected ',' or ']' (while parsing a flow sequence that starts at line 2)");
  expect_error("a: b: c\n", 1, 5, "mapping values are not allowed in this context");
  // Bytes that are not UTF-8: the reader names the byte and counts the place.
  expect_error("title: x\nlevel: \xff\n", 2, 8,
               "invalid leading UTF-8 octet (byte 0xff at offset 16); "
               "YAML must be UTF-8, or UTF-16 with a byte-order mark");
  // Documents before the error are kept; the broken one is not.
  YamlParse later = parse_yaml("a: 1\n---\nb: [\n");
  ASSERT_TRUE(later.error);
  ASSERT_EQ(later.documents.size(), 1u);
  EXPECT_EQ(later.documents[0]["a"].scalar(), "1");
}

TEST(YamlDocument, NestingIsLimited) {
  const std::string ok(kMaxYamlDepth, '[');
  YamlParse at_limit = parse_yaml(ok + std::string(kMaxYamlDepth, ']'));
  EXPECT_FALSE(at_limit.error) << at_limit.error->message;
  YamlParse deeper = parse_yaml(ok + "[" + std::string(kMaxYamlDepth + 1, ']'));
  ASSERT_TRUE(deeper.error);
  EXPECT_EQ(deeper.error->message, "nested deeper than 256 levels");
  EXPECT_EQ(deeper.error->mark.column, static_cast<int>(kMaxYamlDepth) + 1);
}

// The texts yaml-cpp 0.7 never returned on (found by the fuzzers) are
// ordinary syntax errors now.
TEST(YamlDocument, TheTextsYamlCppLoopedOnAreErrors) {
  const std::string dir = std::string(TRAILSWEEP_SOURCE_DIR) + "/tests/fuzz/regressions/";
  for (const char* name : {"rule_loader-timeout-yaml-cpp-loop.yml", "rule_loader-timeout-stray-flow-comma.yml",
                           "rule_loader-timeout-tag-then-comma.yml", "rule_eval-timeout-yaml-cpp-loop.txt",
                           "rule_eval-timeout-stray-flow-comma.txt", "rule_eval-timeout-tag-then-comma.txt"}) {
    const std::string text = testing::read_file(dir + name);
    ASSERT_FALSE(text.empty()) << name;
    YamlParse parsed = parse_yaml(text);
    ASSERT_TRUE(parsed.error) << name;
    EXPECT_GT(parsed.error->mark.line, 0) << name;
  }
  for (const char* text : {",", " ,x", "[a]\n,", "!,", "a: !t ,x", "&a ,"}) EXPECT_TRUE(parse_yaml(text).error) << text;
}

TEST(YamlDocument, WriterComposesWhatParsesBack) {
  YamlParse user = parse_yaml("{sel: {eventName: [A, 'B'], count: 5, text: '5', gone: ~}}");
  ASSERT_FALSE(user.error);
  YamlWriter w;
  w.begin_map();
  w.scalar("title").scalar("trailsweep search");
  w.scalar("needs quotes").scalar("*Terraform*: yes");
  w.scalar("absent").null();
  w.scalar("detection").node(user.documents.at(0));
  w.end_map();
  std::optional<std::string> text = w.finish();
  ASSERT_TRUE(text);
  YamlParse back = parse_yaml(*text);
  ASSERT_FALSE(back.error) << back.error->message << "\n" << *text;
  const YamlNode doc = back.documents.at(0);
  EXPECT_EQ(doc["title"].scalar(), "trailsweep search");
  EXPECT_EQ(doc["needs quotes"].scalar(), "*Terraform*: yes");
  EXPECT_TRUE(doc["absent"].is_null());
  const YamlNode sel = doc["detection"]["sel"];
  EXPECT_EQ(sel["eventName"].items().at(1).scalar(), "B");
  // What was a number stays one; what was a string stays a string.
  EXPECT_TRUE(sel["count"].is_plain_scalar());
  EXPECT_TRUE(sel["text"].is_scalar());
  EXPECT_FALSE(sel["text"].is_plain_scalar());
  EXPECT_TRUE(sel["gone"].is_null());
  EXPECT_NE(text->find("title: trailsweep search\n"), std::string::npos) << *text;  // block style
}

// Found by fuzz_yaml_round_trip: a mutated rule with a plain `nan`, which
// the rules read as a number (unequal to itself after the round trip).
TEST(YamlDocument, FuzzRoundTripNanIsText) {
  YamlParse parsed = parse_yaml(testing::read_file(std::string(TRAILSWEEP_SOURCE_DIR) +
                                                   "/tests/fuzz/regressions/yaml_round_trip-nan-read-as-a-number.yml"));
  ASSERT_FALSE(parsed.error) << parsed.error->message;
  ASSERT_EQ(parsed.documents.size(), 1u);
  const testing::RoundTrip r = testing::round_trip(parsed.documents[0]);
  ASSERT_TRUE(r.written) << r.problem;
  EXPECT_EQ(r.same, std::optional<bool>(true)) << r.text;
}

// A few anchors of anchors stand for billions of nodes: the writer stops.
TEST(YamlDocument, WriterRefusesAnExplosionOfAliases) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 8; ++i) {
    text += fmt::format("a{0}: &a{0} [", i);
    for (int k = 0; k < 10; ++k) text += fmt::format("{}*a{}", k ? ", " : "", i - 1);
    text += "]\n";
  }
  YamlParse parsed = parse_yaml(text);
  ASSERT_FALSE(parsed.error) << parsed.error->message;
  YamlWriter w;
  w.node(parsed.documents.at(0));
  EXPECT_FALSE(w.finish());
  EXPECT_EQ(w.problem(), "more than 1000000 nodes (aliases of aliases)");
}

// Each anchor nests the one before it 250 levels down: the document is
// within the parser's 256 levels, but the last one written out in full is
// 75,000 levels deep (in 75,000 nodes, under the node cap). The writer
// refuses it instead of recursing that deep.
TEST(YamlDocument, WriterRefusesAliasesNestedPastTheDepthLimit) {
  std::string text = "a0: &a0 x\n";
  for (int i = 1; i <= 300; ++i) {
    text += fmt::format("a{}: &a{} {}*a{}{}\n", i, i, std::string(250, '['), i - 1, std::string(250, ']'));
  }
  YamlParse parsed = parse_yaml(text);
  ASSERT_FALSE(parsed.error) << parsed.error->message;
  YamlWriter w;
  w.node(parsed.documents.at(0)["a300"]);
  EXPECT_FALSE(w.finish());
  EXPECT_EQ(w.problem(), "nested deeper than 256 levels (aliases inside aliases)");
}

TEST(YamlDocument, WriterSaysWhyAScalarCannotBeWritten) {
  YamlWriter w;
  w.begin_map().scalar("eventName").scalar("Create\xffUser").end_map();
  EXPECT_FALSE(w.finish());
  EXPECT_EQ(w.problem(), "'Create\xffUser' is not UTF-8 text");
  YamlWriter fine;
  fine.begin_map().scalar("eventName").scalar("Créer").end_map();
  EXPECT_EQ(fine.finish().value_or(""), "eventName: Créer\n");
  EXPECT_EQ(fine.problem(), "");
}

// Every rule, rule test and allowlist in the repository (real Sigma shapes:
// block and flow, quoted numbers, folded text, modifiers in keys) is written
// back as it reads, and so are --sigma's flow style and odd keys.
TEST(YamlDocument, EveryRepositoryYamlFileWritesBackAsItReads) {
  std::size_t files = 0, documents = 0;
  for (const char* dir : {"rules", "testdata"}) {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(std::string(TRAILSWEEP_SOURCE_DIR) + "/" + dir)) {
      const std::string path = entry.path().string();
      if (!entry.is_regular_file() || !(path.ends_with(".yml") || path.ends_with(".yaml"))) continue;
      YamlParse parsed = parse_yaml(testing::read_file(path));
      ASSERT_FALSE(parsed.error) << path << ": " << parsed.error->message;
      ++files;
      for (const YamlNode& doc : parsed.documents) {
        const testing::RoundTrip r = testing::round_trip(doc);
        ASSERT_TRUE(r.written) << path << ": " << r.problem;
        ASSERT_EQ(r.same, std::optional<bool>(true)) << path << " written as:\n" << r.text;
        ++documents;
      }
    }
  }
  EXPECT_GT(files, 100u);
  EXPECT_GE(documents, files);
  for (const char* text : {"{sel: {eventName|startswith: [Create, 'Put'], count: 5, q: '5', n: ~}, condition: sel}",
                           "{? [a, b] : c, '': x, 'a: b': '#', \"\\t\": \"\\0\", long: 'x  y  '}",
                           // a plain key ending in ':' comes back quoted (found by fuzz_yaml_round_trip)
                           "ion::\n  product: aws\ncount: 007\n"}) {
    YamlParse parsed = parse_yaml(text);
    ASSERT_FALSE(parsed.error) << text;
    const testing::RoundTrip r = testing::round_trip(parsed.documents.at(0));
    ASSERT_TRUE(r.written) << text << ": " << r.problem;
    EXPECT_EQ(r.same, std::optional<bool>(true)) << text << " written as:\n" << r.text;
  }
}

}  // namespace
}  // namespace trailsweep
