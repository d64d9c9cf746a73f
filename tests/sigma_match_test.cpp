// Detection grammar: each modifier, value form and field path rule.
#include "trailsweep/sigma_match.hpp"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>

#include "test_util.hpp"
#include "trailsweep/record_fields.hpp"
#include "trailsweep/record_parser.hpp"
#include "trailsweep/rule_set.hpp"

namespace trailsweep {
namespace {

using testing::rule_matches;

std::string rule(const std::string& selection, const std::string& condition = "selection") {
  return "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  selection:\n" +
         selection + "\n  condition: " + condition + "\n";
}

// A real-shaped ECS RegisterTaskDefinition with two containers.
const std::string kTaskDef = testing::ct_record(
    "2025-11-02T09:15:00Z", "RegisterTaskDefinition", "ci-deployer",
    R"("requestParameters":{"family":"x","requiresCompatibilities":["FARGATE"],"cpu":"16384","containerDefinitions":[{"name":"a","image":"nginx:1.27"},{"name":"b","image":"yenik65958/secret:user","cpu":0}]},"responseElements":{"taskDefinition":{"revision":1,"cpu":"16384"}})",
    "111122223333", "ecs.amazonaws.com");

// Plain literals on a field the parser keeps are decided by length and
// bytes alone (FieldCheck::prepare). The same value with |all (one value:
// the same meaning) takes the general path: both must agree for every case
// variant, empty and null field, list of values and |cased.
TEST(FieldCheck, LiteralFastPathAgreesWithTheGeneralPath) {
  const std::vector<std::string> records = {
      testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "dev"),
      testing::ct_record("2025-11-02T09:15:00Z", "runinstances", "Dev", R"("errorCode":"Client.DryRunOperation")"),
      testing::ct_record("2025-11-02T09:15:00Z", "RunInstance", "dev", R"("errorCode":null)"),
      testing::ct_record("2025-11-02T09:15:00Z", "RUNINSTANCES", "dev", R"("errorCode":"")"),
  };
  const std::vector<std::string> fields = {"eventName", "errorCode", "userIdentity.userName", "userIdentity.type",
                                           "eventSource"};
  const std::vector<std::string> values = {"RunInstances", "runinstances", "RunInstance", "''",
                                           "Client.DryRunOperation", "client.dryrunoperation", "dev", "DEV",
                                           "IAMUser", "ec2.amazonaws.com", "[RunInstances, dev]", "['', x]"};
  int agreed = 0, matched = 0;
  for (const auto& field : fields) {
    for (const auto& value : values) {
      for (const char* cased : {"", "|cased"}) {
        const bool list = value.front() == '[';
        const std::string fast = rule("    " + field + cased + ": " + value);
        // A list is any-of: the same as one selection per value.
        std::string general = "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n";
        std::vector<std::string> items;
        if (list) {
          std::string inner = value.substr(1, value.size() - 2);
          for (std::size_t at = 0; at != std::string::npos;) {
            const std::size_t comma = inner.find(',', at);
            std::string item = inner.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
            item.erase(0, item.find_first_not_of(' '));
            items.push_back(item);
            at = comma == std::string::npos ? comma : comma + 1;
          }
        } else {
          items.push_back(value);
        }
        for (std::size_t k = 0; k < items.size(); ++k) {
          general += "  sel" + std::to_string(k) + ":\n    " + field + cased + "|all: " + items[k] + "\n";
        }
        general += "  condition: 1 of sel*\n";
        for (const auto& record : records) {
          const bool a = testing::rule_matches(fast, record), b = testing::rule_matches(general, record);
          EXPECT_EQ(a, b) << field << cased << ": " << value << "\n" << record;
          agreed += a == b;
          matched += a;
        }
      }
    }
  }
  EXPECT_GT(matched, 20) << "the cases must include matches";
  EXPECT_EQ(agreed, static_cast<int>(fields.size() * values.size() * 2 * records.size()));
}

TEST(Glob, WildcardsEscapesAndCase) {
  EXPECT_TRUE(Glob::parse("Run*", false).matches("runinstances"));
  EXPECT_FALSE(Glob::parse("Run*", true).matches("runinstances"));
  EXPECT_TRUE(Glob::parse("a?c", false).matches("abc"));
  EXPECT_FALSE(Glob::parse("a?c", false).matches("ac"));
  EXPECT_TRUE(Glob::parse("*a*b*", false).matches("xxaxxbxx"));
  EXPECT_FALSE(Glob::parse("*a*b*", false).matches("xxbxxaxx"));
  EXPECT_TRUE(Glob::parse(R"(50\*)", false).matches("50*"));
  EXPECT_FALSE(Glob::parse(R"(50\*)", false).matches("500"));
  EXPECT_TRUE(Glob::parse(R"(a\?)", false).matches("a?"));
  EXPECT_FALSE(Glob::parse(R"(a\?)", false).matches("ab"));
  EXPECT_TRUE(Glob::parse(R"(c:\\x)", false).matches(R"(c:\x)"));
  EXPECT_TRUE(Glob::parse(R"(c:\temp)", false).matches(R"(c:\temp)"));  // lone backslash is literal
  EXPECT_TRUE(Glob::parse("", false).matches(""));
  EXPECT_FALSE(Glob::parse("", false).matches("x"));
}

// Glob against a plain dynamic-programming matcher over random texts and
// patterns: middle segments are searched for by their rarest byte a word at
// a time, and no match may be lost or invented whatever the case, the '?'s,
// the number of segments or where the anchor falls against the 8-byte steps.
// What the rule index (a literal, a prefix) and the contains shortcut (a
// literal between stars) read out of a value: only that shape, no '?'.
TEST(Glob, LoneLiteralsAreReadOnlyFromTheirOwnShape) {
  auto g = [](std::string_view v) { return Glob::parse(v, false); };
  EXPECT_EQ(g("CreateUser").as_literal(), "createuser");
  EXPECT_EQ(g("").as_literal(), "");
  EXPECT_EQ(g("Create*").as_literal(), std::nullopt);
  EXPECT_EQ(g("Creat?User").as_literal(), std::nullopt);
  EXPECT_EQ(g("Create\\*").as_literal(), "create*") << "an escaped star is a literal";
  EXPECT_EQ(g("Create*").as_prefix(), "create");
  EXPECT_EQ(g("*").as_prefix(), std::nullopt);
  EXPECT_EQ(g("*Create").as_prefix(), std::nullopt);
  EXPECT_EQ(g("C?eate*").as_prefix(), std::nullopt);
  EXPECT_EQ(g("Cre*ate*").as_prefix(), std::nullopt);
  EXPECT_EQ(g("*rplant.xyz*").as_contained(), "rplant.xyz");
  EXPECT_EQ(g("*rplant*xyz*").as_contained(), std::nullopt);
  EXPECT_EQ(g("*rpl?nt*").as_contained(), std::nullopt);
  EXPECT_EQ(g("rplant*").as_contained(), std::nullopt);
  EXPECT_EQ(g("**").as_contained(), std::nullopt);
}

TEST(Glob, AgreesWithAReferenceMatcherOnRandomInput) {
  auto reference = [](std::string_view text, std::string_view pattern, bool cased) {
    auto fold = [&](char c) { return cased || c < 'A' || c > 'Z' ? c : static_cast<char>(c + 32); };
    // can[i][j]: text[i..] matches pattern[j..]
    std::vector<std::vector<char>> can(text.size() + 1, std::vector<char>(pattern.size() + 1, 0));
    can[text.size()][pattern.size()] = 1;
    for (std::size_t i = text.size() + 1; i-- > 0;) {
      for (std::size_t j = pattern.size(); j-- > 0;) {
        if (pattern[j] == '*') {
          can[i][j] = can[i][j + 1] || (i < text.size() && can[i + 1][j]);
        } else if (i < text.size() && (pattern[j] == '?' || fold(pattern[j]) == fold(text[i]))) {
          can[i][j] = can[i + 1][j + 1];
        }
      }
    }
    return can[0][0] == 1;
  };
  std::mt19937 rng(20261126);
  const std::string text_bytes = "aAxXr.bB\"z";
  const std::string pattern_bytes = "aAxXr.z?**";
  int matched = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text(rng() % 48, ' '), pattern(rng() % 9, ' ');
    for (char& c : text) c = text_bytes[rng() % text_bytes.size()];
    for (char& c : pattern) c = pattern_bytes[rng() % pattern_bytes.size()];
    if (rng() % 2) pattern = "*" + pattern + "*";  // a contains
    const bool cased = rng() % 4 == 0;
    const bool expected = reference(text, pattern, cased);
    matched += expected;
    ASSERT_EQ(Glob::parse(pattern, cased).matches(text), expected)
        << "pattern '" << pattern << "' text '" << text << "' cased " << cased;
  }
  EXPECT_GT(matched, 2000);  // both outcomes are well exercised
  EXPECT_LT(matched, 18000);
}

TEST(SigmaMatch, PlainValuesAreCaseInsensitiveAndListsAreOr) {
  EXPECT_TRUE(rule_matches(rule("    eventName: registertaskdefinition"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    eventName: [CreateCluster, RegisterTaskDefinition]"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    eventName: [CreateCluster, CreateService]"), kTaskDef));
  // A map is AND.
  EXPECT_FALSE(rule_matches(rule("    eventName: RegisterTaskDefinition\n    awsRegion: eu-west-1"), kTaskDef));
  // A list of maps is OR.
  EXPECT_TRUE(rule_matches(rule("    - eventName: X\n    - awsRegion: us-east-1"), kTaskDef));
}

TEST(SigmaMatch, DottedPathsFanOutOverArrays) {
  EXPECT_TRUE(rule_matches(rule("    requestParameters.containerDefinitions.image|startswith: 'yenik65958/'"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    requestParameters.containerDefinitions.image: 'nginx:*'"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    requestParameters.requiresCompatibilities: FARGATE"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    requestParameters.containerDefinitions.image: 'busybox'"), kTaskDef));
  // Key case differs between services; lookups fall back to case-insensitive keys.
  EXPECT_TRUE(rule_matches(rule("    requestParameters.Family: x"), kTaskDef));
}

TEST(SigmaMatch, ContainsStartsWithEndsWithAndAll) {
  EXPECT_TRUE(rule_matches(rule("    userAgent|contains: boto3"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    userAgent|startswith: Boto3/"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    userAgent|endswith: '.61'"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    userAgent|endswith: 'Boto3'"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    userAgent|contains|all: [Boto3, '40.61']"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    userAgent|contains|all: [Boto3, terraform]"), kTaskDef));
  // An object value is matched as its JSON text (SigmaHQ's requestParameters|contains).
  EXPECT_TRUE(rule_matches(rule("    requestParameters|contains: 'yenik65958'"), kTaskDef));
}

// Whether a rule matches `record` as a scan reads it from a whole
// {"Records":[...]} file: through the fast path's member list where the
// record is plain (rule_matches reads every record with the full parser).
bool rule_matches_in_document(const std::string& yaml, const std::string& record) {
  const auto rules = testing::rules_from(yaml);
  const std::string document = R"({"Records":[)" + record + "]}";
  const std::string buffer = document + std::string(kRecordPadding, '\0');
  RecordParser parser;
  RecordFields fields;
  Event ev;
  bool hit = false;
  int seen = 0;
  parser.parse_native_document(
      std::string_view(buffer.data(), document.size()),
      [&](std::int64_t, const ParseOutcome& outcome, Event& e) {
        EXPECT_TRUE(outcome.ok) << outcome.error;
        ++seen;
        fields.bind(e);
        std::vector<int> hits;
        rules->match(e, fields, &hits);
        hit = !hits.empty();
      },
      &ev);
  EXPECT_EQ(seen, 1);
  return hit;
}

// A top-level key that Event does not keep (requestParameters, ...) is read
// from the fast path's member list without a path lookup; what a rule finds
// there must be what the full parser finds. The second record of each pair
// holds an escaped string, so the fast path leaves it to the full parser too.
TEST(FieldCheck, TopLevelKeysReadFromTheMemberListAgreeWithTheParser) {
  auto check = [](std::string path) {
    FieldCheck c;
    c.path = std::move(path);
    c.fixed_field = RecordFields::fixed_field_id(c.path);
    c.values.emplace_back();
    c.prepare();
    return c.top_level_member();
  };
  EXPECT_TRUE(check("requestParameters"));
  EXPECT_TRUE(check("additionalEventData"));
  EXPECT_FALSE(check("eventName")) << "a kept field is read from Event";
  EXPECT_FALSE(check("readOnly")) << "a kept boolean";
  EXPECT_FALSE(check("userIdentity.arn"));
  EXPECT_FALSE(check("requestParameters.instanceType"));
  EXPECT_FALSE(check("")) << "a keyword search";

  const std::string params = R"("requestParameters":{"instanceType":"c5.24xlarge","userData":"<sensitiveDataRemoved>",)"
                             R"("maxCount":10,"keyName":"pool.rplant.xyz"},"additionalEventData":null)";
  const std::vector<std::string> records = {
      testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "dev", params),
      testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "dev", params + R"(,"note":"a\/b")"),
      testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "dev", R"("requestParameters":null)"),
      testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "dev", R"("requestParameters":null,"note":"a\/b")"),
      testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "dev", R"("requestParameters":{ "maxCount" : 10 })"),
      testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "dev"),
  };
  const std::vector<std::pair<std::string, std::vector<bool>>> cases = {
      {"    requestParameters|contains: rplant.xyz", {true, true, false, false, false, false}},
      {"    REQUESTPARAMETERS|contains: RPLANT.XYZ", {true, true, false, false, false, false}},
      {"    requestParameters|contains: '\"maxCount\":10'", {true, true, false, false, true, false}},
      {"    requestParameters|exists: true", {true, true, false, false, true, false}},
      {"    requestParameters: null", {false, false, true, true, false, true}},
      {"    additionalEventData: null", {true, true, true, true, true, true}},
      {"    requestParameters|contains|all: [c5.24xlarge, userData]", {true, true, false, false, false, false}},
      {"    requestParameters|re: 'c5\\.\\d+xlarge'", {true, true, false, false, false, false}},
      {"    requestParameters|contains: t3.micro", {false, false, false, false, false, false}},
  };
  for (const auto& [selection, expected] : cases) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(rule_matches(rule(selection), records[i]), expected[i]) << selection << "\n" << records[i];
      EXPECT_EQ(rule_matches_in_document(rule(selection), records[i]), expected[i])
          << "in a document: " << selection << "\n" << records[i];
    }
  }
}

// A `contains` whose needle is found alike in an object's text as written
// and as printed skips the check that the object prints as written: on
// objects that do not (spacing, a fraction, an exponent) it must still find
// what the full parser's printed text gives, which the escaped twin of each
// record (the fast path leaves it to the full parser) shows. The needles
// that could be found in one text and not the other must take the parser's
// path: were they let through, "1.50" and ": 10" would match only the first.
TEST(FieldCheck, ContainsOnObjectsNotPrintedAsWrittenAgreesWithTheParser) {
  EXPECT_TRUE(found_alike_as_written("rplant.xyz"));
  EXPECT_TRUE(found_alike_as_written("c5.24xlarge"));
  EXPECT_TRUE(found_alike_as_written("-e1x"));
  EXPECT_FALSE(found_alike_as_written("1.50")) << "can lie within a number";
  EXPECT_FALSE(found_alike_as_written("1e-3")) << "can lie within a number";
  EXPECT_FALSE(found_alike_as_written(": 10")) << "spacing";
  EXPECT_FALSE(found_alike_as_written("\"maxcount")) << "a quote";
  EXPECT_FALSE(found_alike_as_written("a,b")) << "a structural byte";
  EXPECT_FALSE(found_alike_as_written(""));

  auto prepared = [](const std::string& selection) {
    const auto rules = testing::rules_from(rule(selection));
    const Selection& sel = rules->rules().front().detection.selections.front();
    return sel.alternatives.front().front().objects_as_written();
  };
  EXPECT_TRUE(prepared("    requestParameters|contains: rplant.xyz"));
  EXPECT_TRUE(prepared("    requestParameters|contains: [rplant.xyz, c3pool]"));
  EXPECT_FALSE(prepared("    requestParameters|contains: [rplant.xyz, '1.50']")) << "every value must be";
  EXPECT_FALSE(prepared("    requestParameters|startswith: rplant")) << "only a contains";
  EXPECT_FALSE(prepared("    requestParameters.keyName|contains: rplant.xyz")) << "not a top-level member";

  const std::vector<std::string> params = {
      R"("requestParameters":{ "keyName" : "pool.rplant.xyz", "maxCount" : 10 })",
      R"("requestParameters":{"instanceType":"c5.24xlarge","spotPrice":1.50,"keyName":"rplant.xyz"})",
      R"("requestParameters":{"ratio":1E3,"note":"x"})",
  };
  const std::vector<std::string> needles = {"rplant.xyz", "RPLANT.XYZ", "c5.24xlarge", "'1.50'", "'1.5'",
                                            "'1E3'", "': 10'", R"('"maxCount":10')", "pool", "t3.micro"};
  int matched = 0;
  for (const std::string& p : params) {
    const std::string plain = testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "dev", p);
    const std::string twin =
        testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "dev", p + R"(,"note2":"a\/b")");
    for (const std::string& needle : needles) {
      const std::string selection = "    requestParameters|contains: " + needle;
      const bool by_parser = rule_matches(rule(selection), twin);
      EXPECT_EQ(rule_matches(rule(selection), plain), by_parser) << selection << "\n" << plain;
      EXPECT_EQ(rule_matches_in_document(rule(selection), plain), by_parser) << "in a document: " << selection;
      matched += by_parser;
    }
  }
  EXPECT_GE(matched, 6) << "the cases must include matches";
}

TEST(SigmaMatch, CasedExistsNeqNullAndEmpty) {
  EXPECT_FALSE(rule_matches(rule("    userAgent|cased: boto3/1.40.61"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    userAgent|cased: Boto3/1.40.61"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    errorCode|exists: false"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    requestParameters.cpu|exists: true"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    errorCode: null"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    userAgent: null"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    errorCode: [null, 'Success']"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    awsRegion|neq: eu-west-1"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    awsRegion|neq: [eu-west-1, us-east-1]"), kTaskDef));
  std::string empty_ua = testing::ct_record("2025-11-02T09:15:00Z", "X", "u", R"("tag":"")");
  EXPECT_TRUE(rule_matches(rule("    tag: ''"), empty_ua));
  EXPECT_FALSE(rule_matches(rule("    tag: ''"), kTaskDef));
}

TEST(SigmaMatch, NumbersAndBooleans) {
  EXPECT_TRUE(rule_matches(rule("    responseElements.taskDefinition.revision: 1"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    requestParameters.cpu: 16384"), kTaskDef));  // string "16384"
  EXPECT_TRUE(rule_matches(rule("    readOnly: false"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    readOnly: true"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    requestParameters.cpu|gte: 8192"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    requestParameters.cpu|lt: 8192"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    requestParameters.containerDefinitions.cpu|lte: 0"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    responseElements.taskDefinition.revision|gt: 0"), kTaskDef));
}

TEST(SigmaMatch, RegularExpressionsWithFlags) {
  EXPECT_TRUE(rule_matches(rule("    userAgent|re: '^Boto3/1\\.\\d+'"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    userAgent|re: '^boto3/'"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    userAgent|re|i: '^boto3/'"), kTaskDef));
  std::string multi = testing::ct_record("2025-11-02T09:15:00Z", "X", "u", R"("msg":"first\nsecond")");
  EXPECT_TRUE(rule_matches(rule("    msg|re|m: '^second$'"), multi));
  EXPECT_FALSE(rule_matches(rule("    msg|re: '^second$'"), multi));
  EXPECT_TRUE(rule_matches(rule("    msg|re|s: 'first.second'"), multi));
  EXPECT_FALSE(rule_matches(rule("    msg|re: 'first.second'"), multi));
}

TEST(RegexLiteral, OnlyBytesEveryMatchMustContain) {
  EXPECT_EQ(regex_required_literal(".+:assumed-role/aws:.+"), ":assumed-role/aws:");
  EXPECT_EQ(regex_required_literal("^Boto3/1\\.\\d+"), "Boto3/1.");
  EXPECT_EQ(regex_required_literal("colou?r-scheme"), "r-scheme");  // 'u' optional: "colo" and "r-scheme"
  EXPECT_EQ(regex_required_literal("abc+de"), "abc");
  EXPECT_EQ(regex_required_literal("xy{2,3}zzz"), "zzz");
  EXPECT_EQ(regex_required_literal("[ab]cd[^]x]ef"), "cd");
  EXPECT_EQ(regex_required_literal("(prefix)?core"), "core");
  // Nothing provable: alternation anywhere, inline flags, quoting, groups, one byte.
  EXPECT_EQ(regex_required_literal("abc|def"), "");
  EXPECT_EQ(regex_required_literal("(abc)"), "");
  EXPECT_EQ(regex_required_literal("(?i)abcdef"), "");
  EXPECT_EQ(regex_required_literal("\\Qa.b\\E"), "");
  EXPECT_EQ(regex_required_literal("a.b.c"), "");
  EXPECT_EQ(regex_required_literal("caf\xc3\xa9?s"), "");
}

TEST(RegexLiteral, NeverRejectsWhatTheRegexMatches) {
  const std::vector<std::string> patterns = {
      ".+:assumed-role/aws:.+", "^Boto3/1\\.\\d+", "colou?r-scheme", "abc+de", "xy{2,3}zzz", "[ab]cd[^]x]ef",
      "(prefix)?core", "a\\.b*c\\+d", "ab{0}cd", "a[]]bc", "\\d{3}-\\w+key", "^arn:aws:iam::\\d{12}:root$"};
  const std::vector<std::string> texts = {
      "arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1", "Boto3/1.40.61", "color-scheme", "colour-scheme",
      "abccde", "abde", "xyyzzz", "xzzz", "acdyef", "bcd]ef", "core", "prefixcore", "a.bbc+d", "a.c+d", "acd",
      "abcd", "a]bc", "123-xkey", "arn:aws:iam::123456789012:root", ""};
  for (const auto& pattern : patterns) {
    RE2 re(pattern);
    ASSERT_TRUE(re.ok()) << pattern;
    const std::string literal = regex_required_literal(pattern);
    for (const auto& text : texts) {
      if (RE2::PartialMatch(text, re)) {
        EXPECT_NE(text.find(literal), std::string::npos) << pattern << " matches " << text << " without " << literal;
      }
    }
  }
  // And through a rule: the filter is applied, the case-insensitive form is not filtered.
  EXPECT_TRUE(rule_matches(rule("    userAgent|re: 'Boto3/1\\.\\d+\\.61$'"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    userAgent|re: 'Botox/1\\.\\d+'"), kTaskDef));
  EXPECT_TRUE(rule_matches(rule("    userAgent|re|i: 'BOTO3/1\\.\\d+\\.61$'"), kTaskDef));
}

// A regular expression on a field Event keeps is rejected by its literal
// before the general path: what it decides must be what RE2 decides, also
// where the literal is there and the expression still fails, and where the
// field is absent.
TEST(RegexLiteral, LookedForFirstOnAKeptFieldAgreesWithTheExpression) {
  const std::string pattern = ".+-ops-.+";
  auto prepared = [&](const std::string& path, bool case_insensitive) {
    const std::string modifiers = case_insensitive ? "|re|i" : "|re";
    const auto rules = testing::rules_from(rule("    " + path + modifiers + ": '" + pattern + "'"));
    const Selection& selection = rules->rules().front().detection.selections.front();
    return selection.alternatives.front().front().regex_literal_first();
  };
  EXPECT_TRUE(prepared("userIdentity.userName", false));
  EXPECT_FALSE(prepared("userIdentity.userName", true)) << "a case-insensitive expression has no literal";
  EXPECT_FALSE(prepared("requestParameters.roleName", false)) << "not a field Event keeps";
  const RE2 re(pattern);
  for (const std::string user : {"team-ops-1", "-ops-x", "team-ops-", "teamops1", "team-OPS-1", "a-ops-b-ops-c"}) {
    const std::string record = testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", user);
    EXPECT_EQ(rule_matches(rule("    userIdentity.userName|re: '" + pattern + "'"), record),
              RE2::PartialMatch(user, re))
        << user;
  }
  // No userName at all (root and role-session identities have none): nothing to match.
  const std::string user_name = R"(,"userName":"x-ops-y")";
  std::string unnamed = testing::ct_record("2025-11-02T09:15:00Z", "RunInstances", "x-ops-y");
  unnamed.replace(unnamed.find(user_name), user_name.size(), "");
  EXPECT_FALSE(rule_matches(rule("    userIdentity.userName|re: '" + pattern + "'"), unnamed));
  EXPECT_TRUE(rule_matches(rule("    userIdentity.arn|re: '" + pattern + "'"), unnamed))
      << "the ARN still holds it";
}

// Random patterns from regex pieces, random texts from the same letters:
// whenever RE2 finds a match, the text holds the literal (fixed seed).
TEST(RegexLiteral, RandomPatternsNeverLoseAMatch) {
  const std::vector<std::string> pieces = {"a", "b", "c", ":", "/", "ab", "\\.", ".", "*", "+", "?", "{2}", "{0,1}",
                                           "(", ")", "[ab]", "[^a]", "^", "$", "\\d", "(?:", "|"};
  std::mt19937 rng(20261126);
  int with_literal = 0;
  for (int n = 0; n < 4000; ++n) {
    std::string pattern;
    const int length = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < length; ++k) pattern += pieces[rng() % pieces.size()];
    RE2 re(pattern, RE2::Quiet);
    if (!re.ok()) continue;
    const std::string literal = regex_required_literal(pattern);
    if (!literal.empty()) ++with_literal;
    for (int t = 0; t < 30; ++t) {
      std::string text;
      const int text_length = static_cast<int>(rng() % 10);
      for (int k = 0; k < text_length; ++k) text += "abc:/.1x"[rng() % 8];
      if (RE2::PartialMatch(text, re)) {
        ASSERT_NE(text.find(literal), std::string::npos) << "pattern " << pattern << " text " << text;
      }
    }
  }
  EXPECT_GT(with_literal, 200) << "the generator should give many patterns a literal";
}

TEST(SigmaMatch, CidrBase64FieldrefWindash) {
  EXPECT_TRUE(rule_matches(rule("    sourceIPAddress|cidr: 203.0.113.0/24"), kTaskDef));
  EXPECT_FALSE(rule_matches(rule("    sourceIPAddress|cidr: 198.51.100.0/24"), kTaskDef));
  std::string v6 = testing::ct_record("2025-11-02T09:15:00Z", "X", "u", R"("ip6":"2001:db8::17")");
  EXPECT_TRUE(rule_matches(rule("    ip6|cidr: '2001:db8::/32'"), v6));
  std::string b64 = testing::ct_record("2025-11-02T09:15:00Z", "X", "u",
                                       R"("userData":"IyEvYmluL3NoCmN1cmwgaHR0cDovL3Bvb2wucnBsYW50Lnh5ego=")");
  EXPECT_TRUE(rule_matches(rule("    userData|base64offset|contains: 'rplant.xyz'"), b64));
  EXPECT_TRUE(rule_matches(rule("    userData|base64|startswith: '#!/bin/sh'"), b64));
  EXPECT_FALSE(rule_matches(rule("    userData|base64offset|contains: 'xmrig'"), b64));
  std::string self = testing::ct_record("2025-11-02T09:15:00Z", "X", "bob",
                                        R"("requestParameters":{"userName":"bob"})");
  EXPECT_TRUE(rule_matches(rule("    userIdentity.userName|fieldref: requestParameters.userName"), self));
  EXPECT_FALSE(rule_matches(rule("    userIdentity.arn|fieldref: requestParameters.userName"), self));
  EXPECT_TRUE(rule_matches(rule("    userIdentity.arn|fieldref|endswith: requestParameters.userName"), self));
  std::string dash = testing::ct_record("2025-11-02T09:15:00Z", "X", "u", R"("cmd":"run /force now")");
  EXPECT_TRUE(rule_matches(rule("    cmd|windash|contains: '-force'"), dash));
}

TEST(SigmaMatch, KeywordsSearchTheWholeRecord) {
  EXPECT_TRUE(rule_matches(
      "title: k\ndetection:\n  keywords:\n    - yenik65958\n    - nothing\n  condition: keywords\n", kTaskDef));
  EXPECT_FALSE(rule_matches("title: k\ndetection:\n  keywords:\n    - xmrig\n  condition: keywords\n", kTaskDef));
}

TEST(SigmaMatch, RefusedAndUnknownModifiersAreLoadErrors) {
  auto expand = load_rules_from_string(rule("    userAgent|expand: '%ua%'"), "r.yml");
  ASSERT_EQ(expand.errors.size(), 1u);
  EXPECT_EQ(expand.errors[0].to_string(),
            "r.yml:5:23: detection.selection.userAgent|expand: modifier 'expand' is refused: it "
            "needs placeholder values from a pipeline configuration, which trailsweep does not "
            "have; write the values out");
  auto wide = load_rules_from_string(rule("    userAgent|wide|base64: 'x'"), "r.yml");
  ASSERT_EQ(wide.errors.size(), 1u);
  EXPECT_NE(wide.errors[0].message.find("modifier 'wide' is refused"), std::string::npos);
  auto unknown = load_rules_from_string(rule("    userAgent|sounds_like: 'x'"), "r.yml");
  ASSERT_EQ(unknown.errors.size(), 1u);
  EXPECT_EQ(unknown.errors[0].message, "unknown modifier 'sounds_like'");
  EXPECT_EQ(unknown.errors[0].key, "detection.selection.userAgent|sounds_like");
  auto bad_re = load_rules_from_string(rule("    userAgent|re: '(unclosed'"), "r.yml");
  ASSERT_EQ(bad_re.errors.size(), 1u);
  EXPECT_EQ(bad_re.errors[0].message.rfind("invalid regular expression: ", 0), 0u);
  auto bad_cidr = load_rules_from_string(rule("    sourceIPAddress|cidr: 10.0.0.0/33"), "r.yml");
  ASSERT_EQ(bad_cidr.errors.size(), 1u);
  EXPECT_EQ(bad_cidr.errors[0].message, "'10.0.0.0/33' is not a CIDR range");
}

}  // namespace
}  // namespace trailsweep
