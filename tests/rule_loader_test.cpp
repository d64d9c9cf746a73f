#include "trailsweep/rule_loader.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "test_util.hpp"

namespace trailsweep {
namespace {

const char* kGood = R"(title: Good
id: 0b1c2d3e-0000-4000-8000-000000000001
name: good_rule
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: CreateCluster
  condition: selection
level: high
)";

TEST(RuleLoader, LoadsMultiDocumentFilesAndSkipsOtherLogSources) {
  std::string text = std::string(kGood) + R"(---
title: Windows thing
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4624}
  condition: selection
---
title: No product applies everywhere
detection:
  selection: {eventName: RunInstances}
  condition: selection
)";
  auto r = load_rules_from_string(text, "multi.yml");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.documents, 3u);
  EXPECT_EQ(r.skipped_logsource, 1u);
  ASSERT_EQ(r.rules->rules().size(), 2u);
  EXPECT_EQ(r.rules->rules()[0].name, "good_rule");
  EXPECT_EQ(r.rules->rules()[0].level, Level::kHigh);
  EXPECT_EQ(r.rules->rules()[1].line, 17);
}

TEST(RuleLoader, BadRuleIsReportedWithLineAndKeyAndOthersStillLoad) {
  std::string text = std::string(kGood) + R"(---
title: Broken
detection:
  selection:
    eventName: X
  condition: selection and filter
---
title: Bad level
level: severe
detection:
  selection: {eventName: X}
  condition: selection
---
detection:
  selection: {eventName: X}
  condition: selection
)";
  auto r = load_rules_from_string(text, "rules/mixed.yml");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].to_string(),
            "rules/mixed.yml:15:14: detection.condition: unknown selection 'filter' at column 15");
  EXPECT_EQ(r.errors[1].to_string(),
            "rules/mixed.yml:18:8: level: 'severe' is not one of informational, low, medium, high, critical");
  EXPECT_EQ(r.errors[2].to_string(), "rules/mixed.yml:23:1: title: missing: every rule needs a title");
  ASSERT_EQ(r.rules->rules().size(), 1u);
  EXPECT_EQ(r.rules->rules()[0].name, "good_rule");
}

TEST(RuleLoader, InvalidYamlIsLocated) {
  auto r = load_rules_from_string("title: x\ndetection: [unclosed\n", "bad.yml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].file, "bad.yml");
  EXPECT_GT(r.errors[0].line, 0);
  EXPECT_EQ(r.errors[0].message.rfind("invalid YAML: ", 0), 0u) << r.errors[0].message;
}

TEST(RuleLoader, CorrelationErrors) {
  std::string text = std::string(kGood) + R"(---
title: Missing reference
name: corr_missing
correlation:
  type: event_count
  rules: [good_rule, no_such_rule]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {gte: 3}
---
title: Cycle A
name: cycle_a
correlation:
  type: temporal
  rules: [cycle_b, good_rule]
  group-by: [userIdentity.arn]
  timespan: 1h
---
title: Cycle B
name: cycle_b
correlation:
  type: temporal
  rules: [cycle_a, good_rule]
  group-by: [userIdentity.arn]
  timespan: 1h
---
title: Bad timespan
name: bad_span
correlation:
  type: event_count
  rules: [good_rule]
  timespan: forever
  condition: {gte: 3}
---
title: No condition
name: no_condition
correlation:
  type: value_count
  rules: [good_rule]
  timespan: 1h
---
title: A threshold no count reaches
name: nan_threshold
correlation:
  type: event_count
  rules: [good_rule]
  timespan: 1h
  condition: {gte: nan}
)";
  auto r = load_rules_from_string(text, "c.yml");
  std::vector<std::string> messages;
  for (const auto& e : r.errors) messages.push_back(e.key + ": " + e.message);
  EXPECT_EQ(messages, (std::vector<std::string>{
                          "correlation.timespan: 'forever' is not a time span like 30s, 15m, 24h, 7d",
                          "correlation.condition: missing: event_count and value_count need one",
                          "correlation.condition.gte: must be a number",
                          "correlation.rules: references unknown rule 'no_such_rule'",
                          "correlation.rules: references itself through a cycle of correlations or a "
                          "rule that failed to load",
                          "correlation.rules: references itself through a cycle of correlations or a "
                          "rule that failed to load",
                      }));
  ASSERT_EQ(r.rules->rules().size(), 1u);  // only good_rule survives
}

TEST(RuleLoader, EnormousValueListIsRefusedQuickly) {
  std::string text = "title: big\ndetection:\n  selection:\n    eventName:\n";
  for (int i = 0; i < 20000; ++i) text += "      - v" + std::to_string(i) + "\n";
  text += "  condition: selection\n";
  auto r = load_rules_from_string(text, "big.yml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "20000 values in one field; at most 10000 are allowed");
}

TEST(RuleLoader, CatastrophicRegexIsLinearTime) {
  auto rules = testing::rules_from(
      "title: redos\ndetection:\n  selection:\n    userAgent|re: '^(a+)+$'\n  condition: selection\n");
  std::string ua(50000, 'a');
  ua += 'b';
  auto rec = testing::ct_record("2025-11-02T09:00:00Z", "X", "u", "\"ua2\":1");
  auto pos = rec.find("Boto3/1.40.61");
  rec.replace(pos, 13, ua);
  auto e = testing::evaluate(*rules, {rec});  // would take geological time with backtracking
  EXPECT_TRUE(e.findings.empty());
}

TEST(RuleLoader, MissingPathsAndEmptyFolders) {
  testing::TempDir tmp;
  auto r = load_rules({(tmp.path() / "nope").string(), tmp.path().string()});
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].to_string(), (tmp.path() / "nope").string() + ": no such file or directory");
  EXPECT_EQ(r.errors[1].to_string(), tmp.path().string() + ": no .yml or .yaml rule files");
}

TEST(RuleLoader, IndexSendsEventsOnlyToCandidateRules) {
  auto rules = testing::rules_from(R"(title: by name
detection:
  selection: {eventName: [CreateCluster, createservice]}
  condition: selection
---
title: by prefix
detection:
  selection: {eventName|startswith: CreateFunctionUrlConfig}
  condition: selection
---
title: by source
detection:
  selection: {eventSource: ecs.amazonaws.com}
  condition: selection
---
title: everywhere
detection:
  selection: {userAgent|contains: terraform}
  filter: {eventName: Describe*}
  condition: selection and not filter
)");
  EXPECT_TRUE(rules->may_match("ecs.amazonaws.com", "CreateService"));
  EXPECT_TRUE(rules->may_match("lambda.amazonaws.com", "CreateFunctionUrlConfig20211031"));
  auto e = testing::evaluate(*rules, {testing::ct_record("2025-11-02T09:00:00Z", "CreateFunctionUrlConfig20211031", "u", "", "111122223333", "lambda.amazonaws.com"),
                                      testing::ct_record("2025-11-02T09:00:00Z", "CreateService", "u", "", "111122223333", "ecs.amazonaws.com")});
  std::vector<std::string> titles;
  for (const auto& f : e.findings) titles.push_back(f.title);
  std::sort(titles.begin(), titles.end());
  EXPECT_EQ(titles, (std::vector<std::string>{"by name", "by prefix", "by source"}));
}

}  // namespace
}  // namespace trailsweep

namespace trailsweep {
namespace {

// Found by fuzz_rule_loader: yaml-cpp 0.7 looped forever (and allocated) on
// these; they are syntax errors, said with their place.
TEST(RuleLoader, FuzzTimeoutStrayFlowCommaIsRefusedNotHung) {
  for (const char* text : {",%,", ",", " ,x", "[a]\n,", "!,", "#t\n!,--Rt\n", "a: !t ,x", "&a ,"}) {
    auto r = load_rules_from_string(text, "f.yml");
    ASSERT_EQ(r.errors.size(), 1u) << text;
    EXPECT_EQ(r.errors[0].message.rfind("invalid YAML: ", 0), 0u) << r.errors[0].to_string();
    EXPECT_GT(r.errors[0].line, 0) << r.errors[0].to_string();
  }
  // A comma that continues a plain scalar on the next line is YAML (the
  // title "x ,y"): the rule is judged, and lacks a detection.
  auto continued = load_rules_from_string("title: x\n  ,y\n", "f.yml");
  ASSERT_EQ(continued.errors.size(), 1u);
  EXPECT_EQ(continued.errors[0].key, "detection") << continued.errors[0].to_string();
  // Commas inside flow collections, quotes and comments are fine.
  auto ok = load_rules_from_string(
      "title: 'a, b'\n# , comment\ndescription: one, two , three\ndetection:\n  sel:\n    eventName: [A\n      , B]\n"
      "  condition: sel\n",
      "ok.yml");
  EXPECT_TRUE(ok.errors.empty()) << (ok.errors.empty() ? "" : ok.errors[0].to_string());
}

}  // namespace
}  // namespace trailsweep

namespace trailsweep {
namespace {

// Found by fuzz_rule_loader after the comma pre-check: yaml-cpp 0.7 also looped
// on this mutated rule, which was then refused after a deadline. Its bytes are
// not UTF-8: the error names the byte and its place.
TEST(RuleLoader, FuzzTimeoutYamlCppLoopIsASyntaxError) {
  std::string text = testing::read_file(std::string(TRAILSWEEP_SOURCE_DIR) +
                                        "/tests/fuzz/regressions/rule_loader-timeout-yaml-cpp-loop.yml");
  ASSERT_FALSE(text.empty());
  auto r = load_rules_from_string(text, "loop.yml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "invalid YAML: invalid trailing UTF-8 octet (byte 0xdf at offset 142); "
            "YAML must be UTF-8, or UTF-16 with a byte-order mark");
  EXPECT_EQ(r.errors[0].line, 8);
}

}  // namespace
}  // namespace trailsweep

namespace trailsweep {
namespace {

// Broken files in a folder are each named with the place of their error; the
// files before and after them load.
TEST(RuleLoader, BrokenFilesInAFolderAreNamedAndTheRestLoad) {
  testing::TempDir tmp;
  const std::string regressions = std::string(TRAILSWEEP_SOURCE_DIR) + "/tests/fuzz/regressions/";
  const std::string rules = std::string(TRAILSWEEP_SOURCE_DIR) + "/rules/aws/cryptomining/";
  std::filesystem::copy_file(regressions + "rule_loader-timeout-yaml-cpp-loop.yml", tmp.path() / "b-loop.yml");
  std::filesystem::copy_file(rules + "iam_create_user.yml", tmp.path() / "a-good.yml");
  testing::write_file(tmp.path() / "c-comma.yml", ",\n");
  std::filesystem::copy_file(rules + "iam_create_access_key_for_user.yml", tmp.path() / "d-good.yml");
  testing::write_file(tmp.path() / "e-syntax.yml", "title: [unclosed\n");
  std::filesystem::copy_file(rules + "iam_create_login_profile_for_user.yml", tmp.path() / "f-good.yml");
  auto r = load_rules({tmp.path().string()});
  ASSERT_EQ(r.rules->rules().size(), 3u);
  EXPECT_EQ(r.rules->rules()[0].name, "cm_iam_create_user");
  EXPECT_EQ(r.rules->rules()[1].name, "cm_iam_create_access_key_for_user");
  EXPECT_EQ(r.rules->rules()[2].name, "cm_iam_create_login_profile_for_user");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_NE(r.errors[0].file.find("b-loop.yml"), std::string::npos);
  EXPECT_EQ(r.errors[0].line, 8) << r.errors[0].to_string();
  EXPECT_NE(r.errors[1].file.find("c-comma.yml"), std::string::npos);
  EXPECT_EQ(r.errors[1].line, 1) << r.errors[1].to_string();
  EXPECT_NE(r.errors[2].file.find("e-syntax.yml"), std::string::npos);
  EXPECT_EQ(r.errors[2].line, 2) << r.errors[2].to_string();
  EXPECT_EQ(r.files, 6u);
}

}  // namespace
}  // namespace trailsweep
