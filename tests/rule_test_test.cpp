// Rule test cases (`trailsweep rules test`): the shipped rules pass with every
// rule covered both ways, and a case broken on purpose fails with a readable diff.
#include "trailsweep/rule_test.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"
#include "trailsweep/rule_loader.hpp"

namespace trailsweep {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::run_trailsweep;
using testing::TempDir;
using testing::write_file;

const fs::path kRules = fs::path(TRAILSWEEP_SOURCE_DIR) / "rules";
const fs::path kDryRun = kRules / "aws/cryptomining/recon_runinstances_dryrun";

RuleTestRun run_in(const fs::path& dir) {
  auto loaded = load_rules({dir.string()});
  for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
  return run_rule_tests({dir.string()}, *loaded.rules);
}

// A copy of the DryRun rule and its tests, to break on purpose.
fs::path copy_dryrun_rule(const TempDir& tmp) {
  fs::copy_file(kDryRun.string() + ".yml", tmp.path() / "dryrun.yml");
  fs::copy_file(kDryRun.string() + ".tests.yml", tmp.path() / "dryrun.tests.yml");
  return tmp.path() / "dryrun.tests.yml";
}

void replace_once(std::string* text, const std::string& from, const std::string& to) {
  auto at = text->find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text->replace(at, from.size(), to);
}

TEST(RuleTest, EveryShippedRuleHasPassingMatchAndNoMatchCases) {
  auto loaded = load_rules({kRules.string()});
  ASSERT_TRUE(loaded.ok());
  RuleTestRun run = run_rule_tests({kRules.string()}, *loaded.rules);
  for (const auto& e : run.errors) ADD_FAILURE() << e;
  for (const auto& u : run.untested) ADD_FAILURE() << "untested: " << u;
  for (const auto& o : run.outcomes) EXPECT_TRUE(o.passed) << o.test->rule << ": " << o.test->name << "\n" << o.diff;
  EXPECT_GE(run.cases.size(), 2 * loaded.rules->rules().size());
  EXPECT_TRUE(run.ok(/*require_tests=*/true));
}

TEST(RuleTest, LoaderSkipsTestFilesBesideRules) {
  auto loaded = load_rules({kRules.string()});
  EXPECT_TRUE(loaded.ok());
  for (const auto& r : loaded.rules->rules()) EXPECT_FALSE(is_rule_test_file(r.file)) << r.file;
  EXPECT_TRUE(is_rule_test_file("x/y.tests.yml"));
  EXPECT_FALSE(is_rule_test_file("x/tests.yml"));
}

TEST(RuleTest, NegativeCaseThatStartsMatchingFailsWithADiff) {
  TempDir tmp;
  fs::path tests = copy_dryrun_rule(tmp);
  std::string text = read_file(tests);
  // "RunInstances that really launched" becomes a DryRun probe: the rule now fires on a negative.
  auto at = text.find("RunInstances that really launched");
  ASSERT_NE(at, std::string::npos);
  std::string tail = text.substr(at);
  replace_once(&tail, "\"readOnly\":false", "\"errorCode\":\"Client.DryRunOperation\",\"readOnly\":false");
  write_file(tests, text.substr(0, at) + tail);

  RuleTestRun run = run_in(tmp.path());
  ASSERT_EQ(run.failed(), 1u);
  const RuleTestOutcome* failed = nullptr;
  for (const auto& o : run.outcomes) {
    if (!o.passed) failed = &o;
  }
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->test->name, "RunInstances that really launched");
  EXPECT_NE(failed->diff.find("-cm_recon_runinstances_dryrun: no match"), std::string::npos) << failed->diff;
  EXPECT_NE(failed->diff.find("+cm_recon_runinstances_dryrun: match (1 record)"), std::string::npos) << failed->diff;
  EXPECT_NE(failed->diff.find("record 0: ec2.amazonaws.com RunInstances at 2025-11-02T"), std::string::npos);
  std::string rendered = render_rule_test_run(run, true, false);
  EXPECT_NE(rendered.find("FAIL cm_recon_runinstances_dryrun: RunInstances that really launched ("), std::string::npos)
      << rendered;
  EXPECT_EQ(rendered.find("PASS"), std::string::npos) << "passing cases are quiet unless --verbose";
  EXPECT_FALSE(run.ok(false));
}

TEST(RuleTest, PositiveCaseThatStopsMatchingFailsAndNamesTheExpectation) {
  TempDir tmp;
  fs::path tests = copy_dryrun_rule(tmp);
  std::string text = read_file(tests);
  replace_once(&text, "\"errorCode\":\"Client.DryRunOperation\"", "\"errorCode\":\"Client.InvalidParameterValue\"");
  write_file(tests, text);
  RuleTestRun run = run_in(tmp.path());
  ASSERT_EQ(run.failed(), 1u);
  for (const auto& o : run.outcomes) {
    if (o.passed) continue;
    EXPECT_NE(o.diff.find("-cm_recon_runinstances_dryrun: match\n"), std::string::npos) << o.diff;
    EXPECT_NE(o.diff.find("+cm_recon_runinstances_dryrun: no match"), std::string::npos) << o.diff;
  }
}

TEST(RuleTest, CountAndFindingsExpectationsAreCheckedAgainstTheReport) {
  TempDir tmp;
  const fs::path seq = kRules / "aws/cryptomining";
  fs::copy(seq, tmp.path() / "cm", fs::copy_options::recursive);
  // Replace the campaign's tests with one whose count and findings are wrong.
  std::string text = read_file(tmp.path() / "cm/sequence/campaign.tests.yml");
  auto records_at = text.find("      records: |");
  auto end = text.find("    - name:", records_at);
  std::string records = text.substr(records_at, end - records_at);
  write_file(tmp.path() / "cm/sequence/campaign.tests.yml",
             "tests:\n    - name: wrong count\n      expect: match\n      count: 2\n" + records +
                 "    - name: wrong findings\n      findings: [cm_not_reported]\n" +
                 records);
  RuleTestRun run = run_in(tmp.path() / "cm");
  ASSERT_EQ(run.failed(), 2u) << render_rule_test_run(run, false, true);
  std::string rendered = render_rule_test_run(run, false, false);
  EXPECT_NE(rendered.find("-aws_cryptomining_campaign: match (2 episodes)"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("+aws_cryptomining_campaign: match (1 episode)"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("--- expected findings"), std::string::npos);
  EXPECT_NE(rendered.find("    -cm_not_reported\n"), std::string::npos) << rendered;
  // Only the campaign is reported: its stages and signals feed it and stay quiet.
  EXPECT_NE(rendered.find("    +aws_cryptomining_campaign\n"), std::string::npos) << rendered;
  // The campaign now lacks a no-match case.
  EXPECT_FALSE(run.untested.empty());
  EXPECT_NE(run.untested.front().find("aws_cryptomining_campaign"), std::string::npos);
  EXPECT_NE(run.untested.front().find("no no-match case"), std::string::npos);
}

TEST(RuleTest, BadTestFilesAreReportedWithFileAndLine) {
  auto loaded = load_rules({(kDryRun.string() + ".yml")});
  ASSERT_TRUE(loaded.ok());
  RuleTestRun run;
  parse_rule_tests("tests:\n  - name: typo\n    expected: match\n    records: '{}'\n"
                   "  - name: unknown rule\n    rule: nope\n    expect: match\n    records: '{}'\n"
                   "  - name: nothing to read\n    expect: no-match\n"
                   "  - name: bad expectation\n    expect: maybe\n    records: '{}'\n",
                   kDryRun.string() + ".tests.yml", *loaded.rules, &run);
  EXPECT_TRUE(run.cases.empty());
  ASSERT_EQ(run.errors.size(), 5u);
  EXPECT_NE(run.errors[0].find(".tests.yml:3: unknown key 'expected'"), std::string::npos) << run.errors[0];
  EXPECT_NE(run.errors[2].find(".tests.yml:5: no loaded rule is named 'nope'"), std::string::npos) << run.errors[2];
  EXPECT_NE(run.errors[3].find(":9: a test case needs 'records'"), std::string::npos) << run.errors[3];
  EXPECT_NE(run.errors[4].find(":12: expect: 'maybe' is neither match nor no-match"), std::string::npos)
      << run.errors[4];
}

TEST(RuleTest, UnreadableRecordsFailTheCase) {
  auto loaded = load_rules({(kDryRun.string() + ".yml")});
  RuleTestRun run;
  parse_rule_tests("tests:\n  - name: cut record\n    expect: no-match\n    records: |\n      {\"eventVersion\":\"1.11\",\n",
                   kDryRun.string() + ".tests.yml", *loaded.rules, &run);
  ASSERT_EQ(run.cases.size(), 1u);
  RuleTestOutcome o = run_rule_test(run.cases[0], *loaded.rules);
  EXPECT_FALSE(o.passed);
  EXPECT_NE(o.diff.find("could not all be read"), std::string::npos) << o.diff;
}

TEST(RuleTest, CliExitsOneWithTheDiffAndZeroOnTheShippedRules) {
  auto ok = run_trailsweep("rules test --require-tests rules");
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find(" 0 failed; 0 test file error(s); 0 rule(s) not fully tested"), std::string::npos) << ok.out;

  TempDir tmp;
  fs::path tests = copy_dryrun_rule(tmp);
  std::string text = read_file(tests);
  replace_once(&text, "expect: no-match", "expect: match");
  write_file(tests, text);
  auto broken = run_trailsweep("rules test '" + tmp.path().string() + "'");
  EXPECT_EQ(broken.exit_code, 1) << broken.out << broken.err;
  EXPECT_NE(broken.out.find("FAIL cm_recon_runinstances_dryrun: RunInstances that really launched"), std::string::npos)
      << broken.out;
  EXPECT_NE(broken.out.find("    --- expected\n    +++ actual\n    -cm_recon_runinstances_dryrun: match\n"
                            "    +cm_recon_runinstances_dryrun: no match\n"),
            std::string::npos)
      << broken.out;

  write_file(tests, "tests: [");
  auto invalid = run_trailsweep("rules test '" + tmp.path().string() + "'");
  EXPECT_EQ(invalid.exit_code, 2) << invalid.out;
  EXPECT_NE(invalid.out.find("ERROR " + tests.string()), std::string::npos) << invalid.out;
}

}  // namespace
}  // namespace trailsweep
