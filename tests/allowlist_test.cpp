// Allowlists (--allow): known-good activity is dropped per rule before
// correlation, and every suppression is counted.
#include "trailsweep/allowlist.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"
#include "trailsweep/byte_source.hpp"
#include "trailsweep/detector.hpp"
#include "trailsweep/finding_context.hpp"
#include "trailsweep/rule_loader.hpp"

namespace trailsweep {
namespace {

using testing::ct_record;
using testing::run_trailsweep;
using testing::TempDir;
using testing::write_file;

const std::string kRules = std::string(TRAILSWEEP_SOURCE_DIR) + "/rules";

const RuleSet& shipped() {
  static auto loaded = load_rules({kRules});
  return *loaded.rules;
}

AllowlistLoad allow(const std::string& yaml) { return load_allowlist_text(yaml, "allow.yml", shipped()); }

// Runs one record through a detector with the allowlist; returns the suppressed counts.
std::map<std::pair<int, int>, std::uint64_t> suppressed_by(const Allowlist& list, const std::string& record) {
  DetectorOptions options;
  options.allowlist = &list;
  Detector detector(shipped(), options);
  testing::scan_records(detector, {record});
  return detector.suppressed();
}

std::string launch(const std::string& user, const std::string& types_json) {
  return ct_record("2025-11-02T10:00:00Z", "CreateAutoScalingGroup", user,
                   R"("requestParameters":{"autoScalingGroupName":"render-farm","minSize":1,"maxSize":600,)"
                   R"("mixedInstancesPolicy":{"launchTemplate":{"overrides":)" +
                       types_json + "}}}",
                   "111122223333", "autoscaling.amazonaws.com");
}

TEST(Allowlist, InstanceTypesMustAllBeAllowed) {
  auto loaded = allow(
      "allow:\n  - name: render-farm\n    reason: the studio's farm\n    rules: [cm_ec2_asg_*]\n"
      "    instance_type: 'g4dn.*'\n");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  auto only_g4 = suppressed_by(*loaded.allowlist, launch("farm", R"([{"instanceType":"g4dn.xlarge"},{"instanceType":"g4dn.2xlarge"}])"));
  int huge = shipped().find("cm_ec2_asg_huge_max");
  int create = shipped().find("cm_ec2_asg_create");
  EXPECT_EQ((only_g4[{0, huge}]), 1u);
  EXPECT_EQ((only_g4[{0, create}]), 1u);
  auto mixed = suppressed_by(*loaded.allowlist, launch("farm", R"([{"instanceType":"g4dn.xlarge"},{"instanceType":"p3.16xlarge"}])"));
  EXPECT_TRUE(mixed.empty()) << "a GPU type among allowed ones is not covered";
}

TEST(Allowlist, PrincipalUserAgentAccountAndExpiry) {
  auto loaded = allow(
      "allow:\n"
      "  - name: ci\n    reason: deploys\n    principal: deployer\n    account: '111122223333'\n"
      "    user_agent: 'boto3/*'\n    expires: 2025-11-01\n"
      "  - name: ci-new\n    reason: deploys\n    principal: 'arn:aws:iam::111122223333:user/deploy*'\n"
      "    fields: {requestParameters.autoScalingGroupName: 'render-*'}\n");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  // The first entry expired the day before the event; the second covers it.
  auto got = suppressed_by(*loaded.allowlist, launch("deployer", R"([{"instanceType":"c5.large"}])"));
  ASSERT_FALSE(got.empty());
  for (const auto& [key, n] : got) EXPECT_EQ(key.first, 1) << "entry index";
  // Someone else's identical call is not covered.
  EXPECT_TRUE(suppressed_by(*loaded.allowlist, launch("mallory", R"([{"instanceType":"c5.large"}])")).empty());
}

TEST(Allowlist, BadEntriesAreRejectedWithFileAndLine) {
  auto loaded = allow(
      "allow:\n"
      "  - name: no-reason\n    principal: x\n"
      "  - name: everything\n    reason: lazy\n"
      "  - name: typo\n    reason: r\n    princpal: x\n"
      "  - name: correlation\n    reason: r\n    principal: x\n    rules: [aws_cryptomining_campaign]\n"
      "  - name: unknown\n    reason: r\n    principal: x\n    rules: [no_such_rule]\n"
      "  - name: bad-date\n    reason: r\n    principal: x\n    expires: soon\n");
  EXPECT_TRUE(loaded.allowlist->empty());
  std::string all;
  for (const auto& e : loaded.errors) all += e + "\n";
  EXPECT_NE(all.find("allow.yml:2: an entry needs a 'reason'"), std::string::npos) << all;
  EXPECT_NE(all.find("allow.yml:4: an entry needs at least one condition"), std::string::npos) << all;
  EXPECT_NE(all.find("allow.yml:8: unknown key 'princpal'"), std::string::npos) << all;
  EXPECT_NE(all.find("names only correlation rules; allow the detection rules they count"), std::string::npos) << all;
  EXPECT_NE(all.find("'no_such_rule' matches no loaded detection rule"), std::string::npos) << all;
  EXPECT_NE(all.find("expires: 'soon' is not RFC 3339"), std::string::npos) << all;
  EXPECT_FALSE(allow("allow: [").errors.empty());
}

TEST(Allowlist, AllowingTheActorRemovesTheCampaignAndCountsEverySuppressedHit) {
  TempDir tmp;
  write_file(tmp.path() / "allow.yml",
             "allow:\n  - name: ci-deployer\n    reason: test of a too-broad entry\n"
             "    principal: ci-deployer\n");
  auto r = run_trailsweep("scan testdata/archive --format json --allow '" + (tmp.path() / "allow.yml").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;  // nothing left at or above high
  EXPECT_EQ(r.out.find("aws_cryptomining_campaign"), std::string::npos);
  EXPECT_NE(r.out.find(R"("suppressed": {)"), std::string::npos) << r.out.substr(r.out.size() - 800);
  EXPECT_NE(r.out.find(R"("allow": "ci-deployer",)"), std::string::npos);
  EXPECT_NE(r.out.find(R"("rule": "cm_ecs_create_cluster",)"), std::string::npos);
  EXPECT_NE(r.err.find("rule hits suppressed by the allowlist: ci-deployer (cm_"), std::string::npos) << r.err;
}

TEST(Allowlist, TerraformLookalikesAreSuppressedAndUnusedEntriesNamed) {
  TempDir tmp;
  write_file(tmp.path() / "allow.yml",
             "allow:\n  - name: terraform-ci\n    reason: Terraform applies from CI\n"
             "    user_agent: '*Terraform/*'\n    rules: [cm_ecs_*]\n"
             "  - name: old-farm\n    reason: decommissioned\n    principal: render-farm\n");
  auto r = run_trailsweep("scan testdata/scenarios/benign-lookalikes --allow '" + (tmp.path() / "allow.yml").string() +
                          "'");
  EXPECT_NE(r.err.find("trailsweep: 3 rule hits suppressed by the allowlist: terraform-ci (cm_ecs_create_cluster) 3"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("allowlist entries that suppressed nothing: old-farm"), std::string::npos) << r.err;
  write_file(tmp.path() / "bad.yml", "allow:\n  - name: x\n");
  auto bad = run_trailsweep("scan testdata/archive --allow '" + (tmp.path() / "bad.yml").string() + "'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("allowlist error: "), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace trailsweep
