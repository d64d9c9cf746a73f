#include "trailsweep/input_walker.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {
namespace {

TEST(S3Key, DecodesNativeDeliveryKey) {
  auto k = parse_s3_key(
      "bucket/prefix/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/"
      "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz");
  EXPECT_EQ(k.folder, S3Folder::kCloudTrail);
  EXPECT_EQ(k.account, "111122223333");
  EXPECT_EQ(k.region, "us-east-2");
  EXPECT_EQ(k.day_ms, *parse_time_arg("2015-08-01"));
  EXPECT_EQ(k.delivery_ms, *parse_rfc3339_ms("2015-08-01T02:10:00Z"));
}

TEST(S3Key, DecodesOrganizationTrailAndDigest) {
  auto k = parse_s3_key("AWSLogs/o-exampleorgid/111122223333/CloudTrail/eu-west-1/2025/11/02/x.json.gz");
  EXPECT_EQ(k.org_id, "o-exampleorgid");
  EXPECT_EQ(k.account, "111122223333");
  EXPECT_EQ(k.delivery_ms, -1);
  auto d = parse_s3_key("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/11/02/d.json.gz");
  EXPECT_EQ(d.folder, S3Folder::kDigest);
  EXPECT_EQ(parse_s3_key("logs/2025/x.json.gz").folder, S3Folder::kNone);
}

TEST(S3Key, FilterSkipsOnlyFilesThatCannotMatch) {
  auto k = parse_s3_key(
      "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02/"
      "111122223333_CloudTrail_us-east-1_20251102T1005Z_abc.json.gz");
  InputFilter f;
  f.since_ms = *parse_rfc3339_ms("2025-11-02T10:00:00Z");
  EXPECT_FALSE(outside_filter(k, f));
  f.since_ms = *parse_rfc3339_ms("2025-11-02T10:06:00Z");
  EXPECT_TRUE(outside_filter(k, f));  // delivered before the window opened
  f.since_ms.reset();
  f.until_ms = *parse_rfc3339_ms("2025-11-02T09:30:00Z");
  EXPECT_FALSE(outside_filter(k, f));  // may still hold records from before 09:30
  f.until_ms = *parse_rfc3339_ms("2025-11-02T08:00:00Z");
  EXPECT_TRUE(outside_filter(k, f));
  InputFilter acct;
  acct.accounts = {"444455556666"};
  EXPECT_TRUE(outside_filter(k, acct));
  InputFilter region;
  region.regions = {"us-east-1"};
  EXPECT_FALSE(outside_filter(k, region));
}

TEST(WalkInputs, WalksSortedSkipsDigestsAndReportsProblems) {
  testing::TempDir tmp;
  auto root = tmp.path();
  testing::write_file(root / "b.json", "{}");
  testing::write_file(root / "a/z.jsonl", "{}");
  testing::write_file(root / "a/y.json.gz", "{}");
  testing::write_file(root / "notes.md", "x");
  testing::write_file(root / ".hidden/h.json", "{}");
  testing::write_file(root / "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/11/02/d.json.gz", "x");
  std::filesystem::create_directories(root / "empty");
  auto r = walk_inputs({root.string(), (root / "missing").string(), (root / "empty").string()}, {});
  ASSERT_EQ(r.files.size(), 3u);
  EXPECT_EQ(r.files[0].path, (root / "a/y.json.gz").string());
  EXPECT_EQ(r.files[1].path, (root / "a/z.jsonl").string());
  EXPECT_EQ(r.files[2].path, (root / "b.json").string());
  EXPECT_EQ(r.digest_files, 1u);
  EXPECT_EQ(r.ignored_files, 1u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].to_string(), (root / "missing").string() + ": no such file or directory");
  EXPECT_EQ(r.errors[1].to_string(),
            (root / "empty").string() + ": directory holds no log files (.json, .json.gz, .jsonl, .gz)");
}

TEST(WalkInputs, ExplicitFilesAreReadWhateverTheirName) {
  testing::TempDir tmp;
  testing::write_file(tmp.path() / "export.txt", "{}");
  auto r = walk_inputs({(tmp.path() / "export.txt").string(), "-"}, {});
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[1].path, "-");
}

}  // namespace
}  // namespace trailsweep
