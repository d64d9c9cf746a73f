// The shipped rules on the testdata scenarios, through the real binary. Each
// scenario folder holds an expected-findings.txt: its specification.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "test_util.hpp"

namespace trailsweep {
namespace {

using testing::run_trailsweep;
using Key = std::tuple<std::string, std::string, std::string, std::string>;

std::set<Key> expected_in(const std::filesystem::path& dir) {
  std::set<Key> out;
  std::ifstream in(dir / "expected-findings.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    std::string sev, rule, account, principal;
    std::getline(ss, sev, '\t');
    std::getline(ss, rule, '\t');
    std::getline(ss, account, '\t');
    std::getline(ss, principal, '\t');
    out.emplace(sev, rule, account, principal);
  }
  return out;
}

std::set<Key> found_in(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json.substr(0, 300);
  std::set<Key> out;
  for (simdjson::dom::element f : doc["findings"].get_array()) {
    out.emplace(std::string(std::string_view(f["severity"])), std::string(std::string_view(f["rule_name"])),
                std::string(std::string_view(f["account"])), std::string(std::string_view(f["principal"])));
  }
  return out;
}

std::vector<std::filesystem::path> scenario_dirs() {
  std::vector<std::filesystem::path> dirs{std::filesystem::path(TRAILSWEEP_SOURCE_DIR) / "testdata/archive"};
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(TRAILSWEEP_SOURCE_DIR) / "testdata/scenarios")) {
    dirs.push_back(e.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(Campaign, EveryScenarioGivesExactlyItsExpectedFindings) {
  auto dirs = scenario_dirs();
  ASSERT_GE(dirs.size(), 7u);
  for (const auto& dir : dirs) {
    auto r = run_trailsweep("scan --format json --no-summary " + dir.string());
    auto expected = expected_in(dir);
    EXPECT_EQ(found_in(r.out), expected) << dir;
    EXPECT_EQ(r.exit_code, expected.empty() ? 0 : 1) << dir << r.err;
  }
}

TEST(Campaign, WholeTestdataScanFindsEveryPositiveAndNothingElse) {
  std::set<Key> expected;
  for (const auto& dir : scenario_dirs()) {
    auto e = expected_in(dir);
    expected.insert(e.begin(), e.end());
  }
  auto r = run_trailsweep("scan --format json --no-summary testdata/");
  EXPECT_EQ(found_in(r.out), expected);
  EXPECT_EQ(r.exit_code, 1);
}

TEST(Campaign, FullCampaignListsStagesResourcesAndRemediation) {
  auto r = run_trailsweep("scan --format json --no-summary testdata/archive");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.out);
  simdjson::dom::array findings = doc["findings"];
  ASSERT_EQ(findings.size(), 1u);
  simdjson::dom::element f = findings.at(0);
  EXPECT_EQ(std::string_view(f["severity"]), "critical");
  EXPECT_EQ(std::string_view(f["access_key_id"]), "AKIA3XAMPLEST0LENKEY");
  std::vector<std::string> stages;
  for (simdjson::dom::element s : f["stages"].get_array()) stages.emplace_back(std::string_view(s["name"]));
  EXPECT_EQ(stages, (std::vector<std::string>{"cm_stage_recon", "cm_stage_role_prep", "cm_stage_ecs_flood",
                                              "cm_stage_ec2_flood", "cm_stage_termination_protection",
                                              "cm_stage_public_lambda", "cm_stage_ses_user"}));
  // What the generator put in the archive: 30 clusters, 14 groups, 40 protected instances
  // (launched by Auto Scaling for the actor's groups) plus 5 the actor launched itself.
  simdjson::dom::element counts = f["resource_counts"];
  EXPECT_EQ(std::uint64_t(counts["ecs_cluster"]), 30u);
  EXPECT_EQ(std::uint64_t(counts["ecs_service"]), 30u);
  EXPECT_EQ(std::uint64_t(counts["autoscaling_group"]), 14u);
  EXPECT_EQ(std::uint64_t(counts["ec2_instance_protected"]), 40u);
  EXPECT_EQ(std::uint64_t(counts["ec2_instance"]), 45u);
  EXPECT_EQ(std::uint64_t(counts["ec2_launch_template"]), 2u);
  EXPECT_EQ(std::uint64_t(counts["iam_user"]), 1u);
  EXPECT_EQ(std::uint64_t(counts["lambda_function_url"]), 1u);
  std::set<std::string> iocs;
  for (simdjson::dom::element i : f["iocs"].get_array()) iocs.emplace(std::string_view(i));
  EXPECT_TRUE(iocs.count("docker image yenik65958/secret"));
  EXPECT_EQ(std::string_view(f["confidence"]), "high");
  // Evidence covers every stage, capped at the default 20 with the rest counted.
  EXPECT_EQ(f["evidence"].get_array().size(), 20u);
  EXPECT_GT(std::uint64_t(f["evidence_omitted"]), 100u);
  std::set<std::string> evidence_events;
  for (simdjson::dom::element e : f["evidence"].get_array()) evidence_events.emplace(std::string_view(e["event_name"]));
  for (const char* name : {"GetServiceQuota", "CreateServiceLinkedRole", "CreateCluster", "CreateAutoScalingGroup",
                           "ModifyInstanceAttribute", "CreateFunctionUrlConfig20211031", "AttachUserPolicy"}) {
    EXPECT_TRUE(evidence_events.count(name)) << name;
  }
  EXPECT_EQ(f["event_ids"].get_array().size(), 20u);
  simdjson::dom::array techniques = f["mitre"]["techniques"];
  EXPECT_GT(techniques.size(), 3u);
  std::string remediation;
  for (simdjson::dom::element s : f["remediation"].get_array()) remediation += std::string(std::string_view(s)) + "\n";
  EXPECT_NE(remediation.find("Deactivate the access key AKIA3XAMPLEST0LENKEY"), std::string::npos);
  EXPECT_NE(remediation.find("--no-disable-api-termination"), std::string::npos);
}

TEST(Campaign, MaxEvidenceZeroKeepsAllAndNIsRespected) {
  auto all = run_trailsweep("scan --format json --no-summary --max-evidence 0 testdata/archive");
  simdjson::dom::parser parser;
  simdjson::dom::element f = parser.parse(all.out)["findings"].at(0);
  EXPECT_EQ(std::uint64_t(f["evidence_omitted"]), 0u);
  EXPECT_EQ(f["evidence"].get_array().size(), std::uint64_t(f["event_count"]));
  auto three = run_trailsweep("scan --format json --no-summary --max-evidence 3 testdata/archive");
  simdjson::dom::parser p2;
  EXPECT_EQ(p2.parse(three.out)["findings"].at(0)["evidence"].get_array().size(), 3u);
}

TEST(Campaign, ExitStatusFollowsFailOn) {
  // Partial sequence (high): fails by default, not with --fail-on critical.
  EXPECT_EQ(run_trailsweep("scan --no-summary testdata/scenarios/jsonl-delivery").exit_code, 1);
  EXPECT_EQ(run_trailsweep("scan --no-summary --fail-on critical testdata/scenarios/jsonl-delivery").exit_code, 0);
  // Findings below the bar but unreadable input: the distinct code 3.
  EXPECT_EQ(run_trailsweep("scan --no-summary --fail-on never testdata/archive testdata/broken").exit_code, 3);
  EXPECT_EQ(run_trailsweep("scan --no-summary --fail-on never testdata/archive").exit_code, 0);
}

}  // namespace
}  // namespace trailsweep
