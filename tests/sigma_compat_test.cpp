// Compatibility: SigmaHQ's CloudTrail rules on real Stratus Red Team records,
// through the real binary.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>
#include <tuple>

#include "test_util.hpp"

namespace trailsweep {
namespace {

using testing::run_trailsweep;

TEST(SigmaCompat, AllSigmaHqCloudTrailRulesLoad) {
  auto r = run_trailsweep("rules check testdata/sigma-rules");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "57 rules loaded (57 detection, 0 correlation) from 57 files; 0 skipped for other log "
            "sources; 0 errors, 0 warnings\n");
  EXPECT_EQ(r.err, "");
}

std::vector<std::tuple<std::string, std::string, std::uint64_t>> findings_of(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  std::vector<std::tuple<std::string, std::string, std::uint64_t>> out;
  for (simdjson::dom::element f : doc["findings"].get_array()) {
    out.emplace_back(std::string(std::string_view(f["title"])), std::string(std::string_view(f["principal"])),
                     std::uint64_t(f["event_count"]));
  }
  return out;
}

TEST(SigmaCompat, StratusRecordsFireTheRulesTheyShould) {
  auto r = run_trailsweep("scan --rules testdata/sigma-rules --format json --no-summary testdata/stratus");
  ASSERT_EQ(r.exit_code, 1) << r.err;  // high findings present
  auto got = findings_of(r.out);
  std::set<std::tuple<std::string, std::string, std::uint64_t>> expected = {
      // DeleteFlowLogs (aws.defense-evasion.vpc-remove-flow-logs)
      {"AWS VPC Flow Logs Deleted", "arn:aws:iam::498376118699:user/christophe", 1},
      // SendCommand with no errorCode (aws.execution.ssm-send-command, credential-access.ec2-steal-instance-credentials)
      {"Potential Malicious Usage of CloudTrail System Manager", "arn:aws:iam::017622104382:user/christophe", 1},
      {"Potential Malicious Usage of CloudTrail System Manager", "arn:aws:iam::056392974792:user/christophe", 1},
      // UpdateLoginProfile of another user (fieldref filter does not exclude it)
      {"AWS User Login Profile Was Modified", "arn:aws:iam::763751499319:user/christophe", 1},
      // CreateAccessKey for another user: iam-backdoor-user and iam-create-admin-user
      {"AWS IAM Backdoor Users Keys", "arn:aws:iam::946986569305:user/christophe", 1},
      {"AWS IAM Backdoor Users Keys", "arn:aws:iam::229654561268:user/christophe", 1},
      // DeleteTrail and StopLogging
      {"AWS CloudTrail Important Change", "arn:aws:iam::847129010505:user/christophe", 1},
      {"AWS CloudTrail Important Change", "arn:aws:iam::143434273843:user/christophe", 1},
      {"Ingress/Egress Security Group Modification", "arn:aws:iam::032092706103:user/christophe", 1},
      // ModifySnapshotAttribute createVolumePermission
      {"AWS Snapshot Backup Exfiltration", "arn:aws:iam::756680937392:user/christophe", 1},
      {"AWS Successful Console Login Without MFA",
       "arn:aws:iam::562283505220:user/stratus-red-team-nmfalu-jfzdtsvchl", 1},
      {"AWS New Lambda Layer Attached", "arn:aws:iam::712967571683:user/christophe", 1},
      // Every AssumedRole session: one finding per session, not one per event.
      {"AWS STS AssumeRole Misuse",
       "arn:aws:sts::457448411975:assumed-role/stratus-red-team-ec2-get-password-data-role/aws-go-sdk-1722375070115152000", 30},
      {"AWS STS AssumeRole Misuse",
       "arn:aws:sts::321848314756:assumed-role/stratus-red-team-get-usr-data-role/aws-go-sdk-1722455550269043000", 15},
      {"AWS STS AssumeRole Misuse",
       "arn:aws:sts::900138736586:assumed-role/stratus-red-team-ec2lui-role-idtzskbvtd/aws-go-sdk-1722511821294449000", 1},
      {"AWS STS AssumeRole Misuse",
       "arn:aws:sts::017622104382:assumed-role/stratus-red-team-ec2-steal-credentials-role/i-786a3A8B5C0d92eF4", 2},
      {"AWS STS AssumeRole Misuse",
       "arn:aws:sts::307578594326:assumed-role/stratus-red-team-leave-org-role/aws-go-sdk-1722587398902687000", 1},
      {"AWS STS AssumeRole Misuse", "arn:aws:sts::494659789341:assumed-role/test-role/cli", 15},
      {"AWS STS AssumeRole Misuse", "arn:aws:sts::844015365555:assumed-role/AWSReservedSSOrandoml3I7nL6f7BmB@gmail.com", 4},
  };
  EXPECT_EQ(std::set(got.begin(), got.end()), expected);
  EXPECT_EQ(got.size(), expected.size());
}

TEST(SigmaCompat, ShufflingInputFilesChangesNoFinding) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(TRAILSWEEP_SOURCE_DIR) + "/testdata/stratus")) {
    files.push_back("testdata/stratus/" + e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  auto run = [&](const std::vector<std::string>& order) {
    std::string args = "scan --rules testdata/sigma-rules --format json --no-summary";
    for (const auto& f : order) args += " " + f;
    return run_trailsweep(args).out;
  };
  std::string reference = run(files);
  ASSERT_NE(reference.find("\"findings\""), std::string::npos);
  std::mt19937 rng(2025);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(files.begin(), files.end(), rng);
    EXPECT_EQ(run(files), reference) << "round " << round;
  }
}

TEST(SigmaCompat, RulesListShowsIdNameLevelKindTitle) {
  auto r = run_trailsweep("rules list --rules testdata/sigma-rules/aws_lambda_function_url.yml");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ec541962-c05a-4420-b9ea-84de072d18f4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("medium"), std::string::npos);
  EXPECT_NE(r.out.find("detection"), std::string::npos);
  EXPECT_NE(r.out.find("New AWS Lambda Function URL Configuration Created"), std::string::npos);
  EXPECT_NE(r.out.find("1 rules (1 detection, 0 correlation)"), std::string::npos);
}

TEST(SigmaCompat, RulesCheckFailsOnABadRule) {
  testing::TempDir tmp;
  testing::write_file(tmp.path() / "bad.yml",
                      "title: bad\ndetection:\n  selection:\n    eventName|nope: x\n  condition: selection\n");
  auto r = run_trailsweep("rules check " + (tmp.path() / "bad.yml").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.yml:4:21: detection.selection.eventName|nope: unknown modifier 'nope'"),
            std::string::npos)
      << r.err;
}

TEST(SigmaCompat, StrictMakesRuleErrorsFatal) {
  testing::TempDir tmp;
  testing::write_file(tmp.path() / "bad.yml", "description: a rule without a title\n");
  auto loose = run_trailsweep("scan --no-summary --rules " + tmp.path().string() +
                              " --rules testdata/sigma-rules testdata/exports");
  EXPECT_EQ(loose.exit_code, 0) << loose.err;
  auto strict = run_trailsweep("scan --strict --no-summary --rules " + tmp.path().string() + " testdata/exports");
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.err.find("title: missing: every rule needs a title"), std::string::npos) << strict.err;
}

}  // namespace
}  // namespace trailsweep
