// trailsweep timeline: one actor's events in time order with rule marks.
#include "trailsweep/timeline.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <fmt/format.h>

#include "test_util.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {
namespace {

TEST(Timeline, PrincipalSelectorsMatchArnNameAndRole) {
  Event ev;
  ev.identity.arn = "arn:aws:sts::1:assumed-role/ops-automation/botocore-session-1";
  ev.identity.session_issuer_arn = "arn:aws:iam::1:role/ops-automation";
  ev.principal = ev.identity.arn;
  EXPECT_TRUE(principal_matches(ev, ev.identity.arn));
  EXPECT_TRUE(principal_matches(ev, "botocore-session-1"));
  EXPECT_TRUE(principal_matches(ev, "ops-automation"));
  EXPECT_TRUE(principal_matches(ev, "arn:aws:iam::1:role/ops-automation"));
  EXPECT_FALSE(principal_matches(ev, "ops"));
  EXPECT_FALSE(principal_matches(ev, "arn:aws:sts::2:assumed-role/ops-automation/botocore-session-1"));
}

TEST(Timeline, TheStolenKeyInTimeOrderWithRuleMarks) {
  auto r = testing::run_trailsweep("timeline --access-key AKIA3XAMPLEST0LENKEY --format jsonl testdata/archive");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines;
  std::stringstream ss(r.out);
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  // Every call the generator made with the key: recon 4, roles 3, ECS 90, EC2 17, protection 40,
  // Lambda 4, SES user 4. The instances Auto Scaling launched are the service's calls, not the key's.
  ASSERT_EQ(lines.size(), 162u);
  std::string previous;
  for (const auto& line : lines) {
    std::string time = line.substr(line.find("\"time\":\"") + 8, 20);
    EXPECT_LE(previous, time);
    previous = time;
    EXPECT_NE(line.find("\"principal\":\"arn:aws:iam::111122223333:user/ci-deployer\""), std::string::npos);
  }
  EXPECT_NE(lines.front().find("\"event_name\":\"GetServiceQuota\""), std::string::npos);
  EXPECT_NE(lines.front().find("\"rules\":[\"cm_recon_ec2_service_quota\"]"), std::string::npos);
  EXPECT_NE(r.err.find("events on the timeline"), std::string::npos);
}

TEST(Timeline, TimeWindowAndCsvAndUsageErrors) {
  auto csv = testing::run_trailsweep(
      "timeline --principal user-x1x2x3x4 --format csv testdata/archive");
  EXPECT_EQ(csv.out.rfind("time,region,event_source,event_name", 0), 0u);
  auto window = testing::run_trailsweep(
      "timeline --access-key AKIA3XAMPLEST0LENKEY --since 2025-11-02T09:18:40Z --format jsonl testdata/archive");
  std::size_t rows = static_cast<std::size_t>(std::count(window.out.begin(), window.out.end(), '\n'));
  EXPECT_GT(rows, 0u);
  EXPECT_LT(rows, 20u);
  EXPECT_EQ(window.out.find("GetServiceQuota"), std::string::npos);
  EXPECT_EQ(testing::run_trailsweep("timeline testdata/archive").exit_code, 2);
}

}  // namespace
}  // namespace trailsweep

namespace trailsweep {
namespace {

// Each worker kept up to twice --max-rows, and every worker its own: the
// workers share the latest time still shown, and rows after it are counted
// without being built.
TEST(Timeline, WorkersTurnAwayRowsLaterThanAnyWorkerCanShow) {
  auto minute = [](int i) {
    return fmt::format("2025-11-02T{:02}:{:02}:00Z", 8 + i / 60, i % 60);
  };
  TimelineQuery query;
  query.account = "111122223333";
  auto cutoff = std::make_shared<TimelineCutoff>();
  TimelineCollector early(nullptr, query, 10, cutoff), late(nullptr, query, 10, cutoff);
  std::vector<std::string> early_records, late_records;
  for (int i = 0; i < 100; ++i) early_records.push_back(testing::ct_record(minute(i), "DescribeInstances", "alice"));
  for (int i = 100; i < 200; ++i) late_records.push_back(testing::ct_record(minute(i), "DescribeInstances", "alice"));
  testing::scan_records(early, early_records);
  EXPECT_LE(early.rows_held(), 10u + 10 / 4 + 64);
  // The early worker trimmed to its first 10 (08:00..08:09): nothing later is shown.
  testing::scan_records(late, late_records);
  EXPECT_EQ(late.rows_held(), 0u);
  EXPECT_EQ(late.dropped(), 100u);
  // A row at the cutoff itself may still be shown (a tie): it is kept.
  testing::scan_records(late, {testing::ct_record(minute(9), "RunInstances", "alice")});
  EXPECT_EQ(late.rows_held(), 1u);
  early.merge(std::move(late));
  const std::vector<TimelineRow>& rows = early.sorted_rows();
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows.front().time_ms, *parse_rfc3339_ms(minute(0)));
  EXPECT_EQ(rows.back().time_ms, *parse_rfc3339_ms(minute(9)));
  EXPECT_EQ(early.dropped(), 191u);  // 201 matched, 10 shown
  // The same rows as one collector given every event.
  TimelineCollector alone(nullptr, query, 10);
  testing::scan_records(alone, early_records);
  testing::scan_records(alone, late_records);
  testing::scan_records(alone, {testing::ct_record(minute(9), "RunInstances", "alice")});
  const std::vector<TimelineRow>& all = alone.sorted_rows();
  ASSERT_EQ(all.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(all[i].time_ms, rows[i].time_ms);
    EXPECT_EQ(all[i].event_name, rows[i].event_name);
  }
  EXPECT_EQ(alone.dropped(), 191u);
}

TEST(TimelineCli, MaxRowsZeroShowsEveryEvent) {
  auto all = testing::run_trailsweep("timeline --account 111122223333 --max-rows 0 --format jsonl testdata/archive");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  auto capped = testing::run_trailsweep("timeline --account 111122223333 --max-rows 5 --format jsonl testdata/archive");
  EXPECT_EQ(std::count(capped.out.begin(), capped.out.end(), '\n'), 5);
  EXPECT_GT(std::count(all.out.begin(), all.out.end(), '\n'), 500);
  EXPECT_EQ(all.err.find("beyond --max-rows"), std::string::npos) << all.err;
  EXPECT_EQ(all.out.substr(0, capped.out.size()), capped.out);
}

// --max-rows allows 100,000 rows, ~40 MB of text: written as rendered.
TEST(Timeline, ALongTimelineIsWrittenInPartsAsItIsRendered) {
  std::vector<TimelineRow> rows(8000);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    TimelineRow& r = rows[i];
    r.time_ms = 1762077600000 + static_cast<std::int64_t>(i) * 1000;
    r.region = "us-east-1";
    r.event_source = "ec2.amazonaws.com";
    r.event_name = "RunInstances";
    r.parameters = R"({"instancesSet":{"items":[{"imageId":"ami-0abcdef1234567890","minCount":1,"maxCount":1}]},)"
                   R"("instanceType":"c5.24xlarge","userData":"<sensitiveDataRemoved>"})";
    r.source_ip = "198.51.100.23";
    r.user_agent = "Boto3/1.40.61 md/Botocore#1.40.61 ua/2.0 os/linux#5.15.0-1084-aws md/arch#x86_64 lang/python#3.12.3";
    r.principal = "arn:aws:iam::111122223333:user/ci-deployer";
    r.event_id = "e" + std::to_string(i);
    r.file = "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02/x.json.gz";
    r.record = static_cast<std::int64_t>(i);
    r.rules = {"ec2-flood"};
  }
  constexpr std::size_t kLargestRow = 4096;
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_timeline_text(rows, f); }, 1, kLargestRow);
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_timeline_jsonl(rows, f); }, 2, kLargestRow);
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_timeline_csv(rows, f); }, 2, kLargestRow);
}

TEST(TimelineCli, SameRowsForAnyNumberOfThreads) {
  auto one = testing::run_trailsweep("timeline -j 1 --format jsonl --principal ci-deployer testdata/archive");
  auto two = testing::run_trailsweep("timeline -j 2 --format jsonl --principal ci-deployer testdata/archive");
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(std::count(one.out.begin(), one.out.end(), '\n'), 360);
  EXPECT_EQ(one.out, two.out);
  auto capped = testing::run_trailsweep("timeline -j 2 --max-rows 5 --principal ci-deployer testdata/archive");
  EXPECT_NE(capped.err.find("5 events on the timeline (355 later ones beyond --max-rows not shown)"), std::string::npos)
      << capped.err;
}

}  // namespace
}  // namespace trailsweep
