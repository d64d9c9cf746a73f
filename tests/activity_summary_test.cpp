// `trailsweep summary`: per-principal activity with the most unusual first.
#include "trailsweep/activity_summary.hpp"

#include <array>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "test_util.hpp"
#include "trailsweep/byte_source.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {
namespace {

using testing::ct_record;
using testing::run_trailsweep;

const std::string kArchive = std::string(TRAILSWEEP_SOURCE_DIR) + "/testdata/archive";

ActivityCollector collect_archive(ActivityOptions options = {}) {
  ActivityCollector collector(options);
  Scanner scanner(ScanOptions{});
  RunSummary summary;
  for (const auto& f : walk_inputs({kArchive}, InputFilter{}).files) scanner.scan_file(f, collector, summary);
  return collector;
}

void feed(ActivityCollector& collector, const std::vector<std::string>& records) {
  testing::scan_records(collector, records);
}

const PrincipalActivity* find(const ActivityReport& r, std::string_view principal_suffix) {
  for (const auto& p : r.principals) {
    if (std::string_view(p.principal).ends_with(principal_suffix)) return &p;
  }
  return nullptr;
}

TEST(ActivitySummary, TheStolenKeyRanksFirstWithItsNewWriteApis) {
  ActivityReport report = collect_archive().report();
  ASSERT_GE(report.principals.size(), 5u);
  const PrincipalActivity& top = report.principals.front();
  EXPECT_EQ(top.principal, "arn:aws:iam::111122223333:user/ci-deployer");
  EXPECT_EQ(top.account, "111122223333");
  EXPECT_EQ(top.identity_type, "IAMUser");
  std::vector<std::string> apis;
  for (const auto& [api, ms] : top.new_write_apis) {
    apis.push_back(api);
    EXPECT_GT(ms, report.baseline_until_ms);
  }
  for (const char* expected : {"ecs:CreateCluster", "ecs:RegisterTaskDefinition", "autoscaling:CreateAutoScalingGroup",
                               "ec2:ModifyInstanceAttribute", "lambda:CreateFunctionUrlConfig20211031",
                               "iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"}) {
    EXPECT_NE(std::find(apis.begin(), apis.end(), expected), apis.end()) << expected;
  }
  // Earliest first: the role preparation came before the ECS flood.
  EXPECT_EQ(top.new_write_apis.front().first, "iam:CreateServiceLinkedRole");
  // The DryRun probes failed: refused calls are errors, not new writes.
  EXPECT_EQ(top.errors, 2u);
  EXPECT_FALSE(top.reasons.empty());
  EXPECT_NE(top.reasons.front().find("write API(s) first called after the baseline"), std::string::npos);
  // A reader never has new write APIs.
  const PrincipalActivity* alice = find(report, "user/alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->write_events, 0u);
  EXPECT_TRUE(alice->new_write_apis.empty());
  EXPECT_LT(alice->score, top.score);
  // Every record is counted once.
  std::uint64_t events = 0;
  for (const auto& p : report.principals) events += p.events;
  EXPECT_EQ(events, 1100u);
}

TEST(ActivitySummary, BaselineDecidesWhatIsNew) {
  ActivityCollector collector = collect_archive();
  ActivityReport late = collector.report(INT64_MAX - 1);
  for (const auto& p : late.principals) {
    EXPECT_TRUE(p.new_write_apis.empty()) << p.principal;
    EXPECT_FALSE(p.new_principal);
  }
  ActivityReport early = collector.report(0);
  const PrincipalActivity* actor = find(early, "user/ci-deployer");
  ASSERT_NE(actor, nullptr);
  EXPECT_TRUE(actor->new_principal);
  // Its writes all came after its first event, so with the baseline at the start all of them are new.
  EXPECT_GE(actor->new_write_apis.size(), find(collector.report(), "user/ci-deployer")->new_write_apis.size());
  EXPECT_EQ(actor->new_write_apis.size(), 17u);
}

TEST(ActivitySummary, WriteCallsFollowReadOnlyThenTheApiName) {
  Event ev;
  ev.event_name = "DescribeInstances";
  EXPECT_FALSE(is_write_call(ev));
  ev.event_name = "RunInstances";
  EXPECT_TRUE(is_write_call(ev));
  ev.has_read_only = true;
  ev.read_only = true;  // CloudTrail's own judgement wins (e.g. a Decrypt is readOnly)
  EXPECT_FALSE(is_write_call(ev));
  ev.read_only = false;
  ev.event_name = "GetObject";
  EXPECT_TRUE(is_write_call(ev));
}

TEST(ActivitySummary, ErrorBurstsAndAgentsAreScoredWithReasons) {
  ActivityCollector collector;
  std::vector<std::string> records;
  for (int i = 0; i < 10; ++i) {
    records.push_back(ct_record("2025-11-02T10:0" + std::to_string(i) + ":00Z", "CreateUser", "prober",
                                R"("errorCode":"AccessDenied","errorMessage":"not authorized")", "111122223333",
                                "iam.amazonaws.com"));
  }
  records.push_back(ct_record("2025-11-02T10:10:00Z", "DescribeRegions", "prober"));
  records.push_back(ct_record("2025-11-02T10:11:00Z", "DescribeRegions", "prober"));
  records.push_back(ct_record("2025-11-02T09:00:00Z", "DescribeRegions", "quiet"));
  feed(collector, records);
  ActivityReport report = collector.report();
  ASSERT_EQ(report.principals.size(), 2u);
  const PrincipalActivity& prober = report.principals.front();
  EXPECT_EQ(prober.principal, "arn:aws:iam::111122223333:user/prober");
  EXPECT_EQ(prober.errors, 10u);
  EXPECT_NEAR(prober.error_rate(), 10.0 / 12.0, 1e-9);
  EXPECT_NE(std::find(prober.reasons.begin(), prober.reasons.end(), "83% of calls failed"), prober.reasons.end());
  ASSERT_FALSE(prober.apis.empty());
  EXPECT_EQ(prober.apis.front(), (std::pair<std::string, std::uint64_t>{"iam:CreateUser", 10}));
}

TEST(ActivitySummary, AwsCliCommandsAreOneUserAgent) {
  ActivityCollector collector;
  std::string cli = "aws-cli/2.27.41 md/awscrt#0.26.1 ua/2.0 os/macos#24.5.0 md/command#{} md/prompt#off";
  std::vector<std::string> records;
  for (const char* cmd : {"s3.ls", "ec2.describe-instances", "iam.list-users"}) {
    std::string r = ct_record("2025-11-02T10:00:00Z", "ListBuckets", "dev");
    std::string agent = cli;
    agent.replace(agent.find("{}"), 2, cmd);
    r.replace(r.find("Boto3/1.40.61"), 13, agent);
    records.push_back(r);
  }
  feed(collector, records);
  ActivityReport report = collector.report();
  ASSERT_EQ(report.principals.size(), 1u);
  EXPECT_EQ(report.principals[0].distinct_user_agents, 1u);
  EXPECT_EQ(report.principals[0].user_agents[0].first,
            "aws-cli/2.27.41 md/awscrt#0.26.1 ua/2.0 os/macos#24.5.0 md/prompt#off");
}

TEST(ActivitySummary, MergingWorkersGivesTheSameReport) {
  // Files dealt to two collectors in turns, as workers would take them.
  ActivityCollector a, b;
  Scanner scanner(ScanOptions{});
  RunSummary summary;
  auto files = walk_inputs({kArchive}, InputFilter{}).files;
  for (std::size_t i = 0; i < files.size(); ++i) scanner.scan_file(files[i], i % 2 ? b : a, summary);
  a.merge(std::move(b));
  EXPECT_EQ(render_activity_jsonl(a.report(), 0), render_activity_jsonl(collect_archive().report(), 0));
}

// A call by a role session, as CloudTrail writes an AssumedRole identity.
// `record` (from ct_record) with its userIdentity object replaced.
std::string with_identity(std::string record, const std::string& identity) {
  const std::size_t begin = record.find(R"("userIdentity":{)");
  const std::size_t end = record.find(R"(},"eventTime")") + 1;
  record.replace(begin, end - begin, R"("userIdentity":)" + identity);
  return record;
}

// A call by a role session, as CloudTrail writes an AssumedRole identity.
std::string role_session_record(int session) {
  const std::string name = "session-" + std::to_string(session);
  return with_identity(
      ct_record("2025-11-02T10:00:00Z", "DescribeInstances", "x"),
      R"({"type":"AssumedRole","principalId":"AROAEXAMPLEROLEID:)" + name +
          R"(","arn":"arn:aws:sts::111122223333:assumed-role/Deploy/)" + name +
          R"(","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEROLEID","arn":"arn:aws:iam::111122223333:role/Deploy","accountId":"111122223333","userName":"Deploy"},"attributes":{"creationDate":"2025-11-02T09:59:00Z","mfaAuthenticated":"false"}}})");
}

TEST(ActivitySummary, UnderTheCapTheSamePrincipalsAreKeptWithAllTheirEvents) {
  // The principals kept must not depend on how files are dealt to workers or
  // in which order they come, and each kept one must have all its events: a
  // worker that had turned one away kept its events out of the report.
  const ActivityReport full = collect_archive().report();
  ASSERT_GT(full.principals.size(), 5u);
  ActivityOptions options;
  options.max_principals = 5;
  auto files = walk_inputs({kArchive}, InputFilter{}).files;
  Scanner scanner(ScanOptions{});
  RunSummary summary;

  ActivityCollector in_order(options);
  for (const auto& f : files) scanner.scan_file(f, in_order, summary);
  ActivityCollector reversed(options);
  for (auto f = files.rbegin(); f != files.rend(); ++f) scanner.scan_file(*f, reversed, summary);
  ActivityCollector shared(options);  // two workers of one scan
  {
    auto first = shared.worker(), second = shared.worker();
    for (std::size_t i = 0; i < files.size(); ++i) scanner.scan_file(files[i], i % 2 ? *second : *first, summary);
    shared.merge(std::move(*first));
    shared.merge(std::move(*second));
  }
  ActivityCollector a(options), b(options);  // collectors with tables of their own
  for (std::size_t i = 0; i < files.size(); ++i) scanner.scan_file(files[i], i % 3 ? a : b, summary);
  a.merge(std::move(b));

  const ActivityReport report = in_order.report();
  ASSERT_EQ(report.principals.size(), 5u);
  EXPECT_EQ(report.untracked_principals, full.principals.size() - 5);
  std::uint64_t events = report.untracked_events;
  for (const auto& p : report.principals) {
    events += p.events;
    const PrincipalActivity* uncapped = find(full, p.principal);
    ASSERT_NE(uncapped, nullptr) << p.principal;
    EXPECT_EQ(p.events, uncapped->events) << p.principal;
    EXPECT_EQ(p.apis, uncapped->apis) << p.principal;
  }
  EXPECT_EQ(events, 1100u);
  const std::string expected = render_activity_text(report, 5, 0);
  EXPECT_EQ(render_activity_text(reversed.report(), 5, 0), expected);
  EXPECT_EQ(render_activity_text(shared.report(), 5, 0), expected);
  EXPECT_EQ(render_activity_text(a.report(), 5, 0), expected);
}

TEST(ActivitySummary, UnderTheCapIamUsersAreKeptBeforeRoleSessions) {
  // An organization trail has millions of role sessions; the IAM user an
  // intruder creates, seen last, must not be the one left out.
  ActivityOptions options;
  options.max_principals = 3;
  ActivityCollector collector(options);
  std::vector<std::string> records;
  for (int i = 0; i < 40; ++i) records.push_back(role_session_record(i));
  records.push_back(ct_record("2025-11-02T10:05:00Z", "CreateUser", "build-bot", "", "111122223333",
                              "iam.amazonaws.com"));
  records.push_back(ct_record("2025-11-02T10:06:00Z", "CreateLoginProfile", "ses-user", "", "111122223333",
                              "iam.amazonaws.com"));
  feed(collector, records);
  const ActivityReport report = collector.report();
  ASSERT_EQ(report.principals.size(), 3u);
  EXPECT_NE(find(report, "user/build-bot"), nullptr);
  EXPECT_NE(find(report, "user/ses-user"), nullptr);
  EXPECT_EQ(report.untracked_principals, 39u);
  EXPECT_EQ(report.untracked_events, 39u);
}

TEST(ActivitySummary, UnderAnyCapAndArrivalOrderTheBestRankedAreKeptExactly) {
  // Against a model: random principals of every kind, their records dealt
  // to two workers of one table in random runs, or to two tables merged; the
  // kept principals must be the `cap` best by activity_rank, each with its
  // exact event count, and the rest counted once.
  struct Principal {
    std::string account, key, record;  // key: the principal as trailsweep names it
  };
  auto principal = [](int i) {
    const std::string n = std::to_string(i);
    switch (i % 4) {
      case 0:
        return Principal{"111122223333", "arn:aws:iam::111122223333:user/u" + n,
                         ct_record("2025-11-02T10:00:00Z", "DescribeInstances", "u" + n)};
      case 1:
        return Principal{"111122223333", "arn:aws:sts::111122223333:assumed-role/Deploy/session-" + n,
                         role_session_record(i)};
      case 2:
        return Principal{"111122223333", "service:svc" + n + ".amazonaws.com@111122223333",
                         with_identity(ct_record("2025-11-02T10:00:00Z", "AssumeRole", "x", "", "111122223333",
                                                 "sts.amazonaws.com"),
                                       R"({"type":"AWSService","invokedBy":"svc)" + n + R"(.amazonaws.com"})")};
      default: {
        const std::string account = std::to_string(100000000000 + i);
        return Principal{account, "arn:aws:iam::" + account + ":root",
                         with_identity(ct_record("2025-11-02T10:00:00Z", "ListBuckets", "x", "", account,
                                                 "s3.amazonaws.com"),
                                       R"({"type":"Root","principalId":")" + account + R"(","arn":"arn:aws:iam::)" +
                                           account + R"(:root","accountId":")" + account +
                                           R"(","accessKeyId":"AKIAEXAMPLE"})")};
      }
    }
  };
  std::mt19937 random(20261127);
  for (int round = 0; round < 30; ++round) {
    std::vector<Principal> principals;
    // Up to 300: past the cap and its slack, so that workers compact while
    // they add, not only the report at the end.
    const int principal_count = 1 + static_cast<int>(random() % 300);
    for (int i = 0; i < principal_count; ++i) principals.push_back(principal(i));
    std::vector<int> events(static_cast<std::size_t>(principal_count * 3));
    for (auto& e : events) e = static_cast<int>(random() % static_cast<unsigned>(principal_count));
    std::map<std::string, std::uint64_t> counts;
    for (int e : events) ++counts[principals[static_cast<std::size_t>(e)].key];
    std::vector<std::pair<std::uint64_t, std::string>> by_rank;
    for (const auto& p : principals) {
      if (counts.count(p.key)) by_rank.emplace_back(activity_rank(p.account, p.key), p.key);
    }
    std::sort(by_rank.begin(), by_rank.end());
    ActivityOptions options;
    options.max_principals = 1 + random() % 20;
    const std::size_t kept = std::min(options.max_principals, by_rank.size());

    ActivityCollector shared(options), a(options), b(options);
    {
      auto first = shared.worker(), second = shared.worker();
      // Runs of records, each run to one of the two.
      std::vector<std::string> run;
      bool to_first = true;
      auto deal = [&] {
        if (run.empty()) return;
        testing::scan_records(to_first ? *first : *second, run);
        testing::scan_records(to_first ? static_cast<EventSink&>(a) : b, run);
        run.clear();
      };
      for (int e : events) {
        if (random() % 4 == 0) {
          deal();
          to_first = !to_first;
        }
        run.push_back(principals[static_cast<std::size_t>(e)].record);
      }
      deal();
      shared.merge(std::move(*first));
      shared.merge(std::move(*second));
      a.merge(std::move(b));
    }
    for (ActivityCollector* c : {&shared, &a}) {
      const ActivityReport report = c->report();
      ASSERT_EQ(report.principals.size(), kept) << "round " << round;
      std::uint64_t kept_events = 0;
      for (std::size_t i = 0; i < kept; ++i) {
        const std::string& key = by_rank[i].second;
        const PrincipalActivity* p = find(report, key);
        ASSERT_NE(p, nullptr) << "round " << round << ": " << key << " should be kept";
        EXPECT_EQ(p->events, counts[key]) << "round " << round << ": " << key;
        kept_events += counts[key];
      }
      EXPECT_EQ(report.untracked_principals, counts.size() - kept) << "round " << round;
      EXPECT_EQ(report.untracked_events, events.size() - kept_events) << "round " << round;
    }
  }
}

TEST(ActivitySummary, UnderTheCapTheTableHoldsTheCapAndASlackWhateverComes) {
  // Memory is what the cap bounds: a thousand role sessions through two
  // workers of one table, and at no point more than the cap and its slack
  // held (without compactions, all of them until the report).
  ActivityOptions options;
  options.max_principals = 10;
  ActivityCollector shared(options);
  auto first = shared.worker(), second = shared.worker();
  std::size_t most = 0;
  for (int i = 0; i < 1000; ++i) {
    testing::scan_records(i % 2 ? *second : *first, {role_session_record(i)});
    most = std::max(most, shared.principals_held());
  }
  EXPECT_GT(most, 10u);
  EXPECT_LE(most, 10u + 10 / 32 + 64 + 1);  // the cap, its slack, the one that went past
  shared.merge(std::move(*first));
  shared.merge(std::move(*second));
  const ActivityReport report = std::move(shared).report();
  EXPECT_EQ(report.principals.size(), 10u);
  EXPECT_EQ(report.untracked_principals, 990u);
  EXPECT_EQ(report.untracked_events, 990u);
}

TEST(ActivitySummary, WorkersAddingAtOnceKeepTheBoundAndTheBestRanked) {
  // Four threads add role sessions at once: one compacts while the others go
  // on, and any that takes the table past two slacks waits for it. The table
  // never holds more than the cap, two slacks and one principal a worker, and
  // what is kept is the cap best by rank, whoever added what when.
  constexpr int kWorkers = 4, kEach = 1500;
  constexpr std::size_t kCap = 10, kBound = kCap + 2 * (kCap / 32 + 64) + kWorkers;
  ActivityOptions options;
  options.max_principals = kCap;
  ActivityCollector shared(options);
  std::vector<std::unique_ptr<ActivityCollector>> workers;
  for (int w = 0; w < kWorkers; ++w) workers.push_back(shared.worker());
  // Made here: the record helper numbers its records with a plain counter.
  std::vector<std::string> records;
  for (int i = 0; i < kWorkers * kEach; ++i) records.push_back(role_session_record(i));
  std::vector<std::size_t> most(kWorkers, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = w * kEach; i < (w + 1) * kEach; ++i) {
        testing::scan_records(*workers[static_cast<std::size_t>(w)], {records[static_cast<std::size_t>(i)]});
        most[static_cast<std::size_t>(w)] = std::max(most[static_cast<std::size_t>(w)], shared.principals_held());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int w = 0; w < kWorkers; ++w) {
    EXPECT_LE(most[static_cast<std::size_t>(w)], kBound) << "worker " << w;
    shared.merge(std::move(*workers[static_cast<std::size_t>(w)]));
  }
  std::vector<std::pair<std::uint64_t, std::string>> by_rank;
  for (int i = 0; i < kWorkers * kEach; ++i) {
    const std::string key = "arn:aws:sts::111122223333:assumed-role/Deploy/session-" + std::to_string(i);
    by_rank.emplace_back(activity_rank("111122223333", key), key);
  }
  std::sort(by_rank.begin(), by_rank.end());
  const ActivityReport report = std::move(shared).report();
  ASSERT_EQ(report.principals.size(), kCap);
  for (std::size_t i = 0; i < kCap; ++i) {
    const PrincipalActivity* p = find(report, by_rank[i].second);
    ASSERT_NE(p, nullptr) << by_rank[i].second;
    EXPECT_EQ(p->events, 1u);
  }
  EXPECT_EQ(report.untracked_principals, kWorkers * kEach - kCap);
  EXPECT_EQ(report.untracked_events, kWorkers * kEach - kCap);
}

TEST(ActivitySummary, PrincipalsSharingIndexRunsAreFoundAgainAfterEvictions) {
  // Enough principals that each shard's index has runs of colliding slots,
  // and compactions that take principals out of the middle of those runs
  // while the others come back: one not found again would be added twice,
  // its events split between two entries, or lost. Three rounds over the
  // same principals, in a different order each time.
  constexpr int kPrincipals = 12000;
  constexpr std::size_t kCap = 6000;
  ActivityOptions options;
  options.max_principals = kCap;
  ActivityCollector collector(options);
  std::vector<std::string> records;
  for (int i = 0; i < kPrincipals; ++i) records.push_back(role_session_record(i));
  std::vector<int> order(kPrincipals);
  for (int i = 0; i < kPrincipals; ++i) order[static_cast<std::size_t>(i)] = i;
  std::mt19937 random(20261127);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(order.begin(), order.end(), random);
    // One stream a round, read in order: the collector compacts as events
    // arrive, not at a file's end, and a Scanner a record took the test past
    // its timeout under ThreadSanitizer (262 s).
    std::vector<std::string> round_records;
    for (int i : order) round_records.push_back(records[static_cast<std::size_t>(i)]);
    testing::scan_records(collector, round_records);
  }
  std::vector<std::pair<std::uint64_t, std::string>> by_rank;
  for (int i = 0; i < kPrincipals; ++i) {
    const std::string key = "arn:aws:sts::111122223333:assumed-role/Deploy/session-" + std::to_string(i);
    by_rank.emplace_back(activity_rank("111122223333", key), key);
  }
  std::sort(by_rank.begin(), by_rank.end());
  const ActivityReport report = std::move(collector).report();
  ASSERT_EQ(report.principals.size(), kCap);
  std::map<std::string, std::uint64_t> events;
  for (const auto& p : report.principals) events[p.principal] = p.events;
  for (std::size_t i = 0; i < kCap; ++i) {
    ASSERT_TRUE(events.count(by_rank[i].second)) << by_rank[i].second;
    EXPECT_EQ(events[by_rank[i].second], 3u) << by_rank[i].second;
  }
  EXPECT_EQ(report.untracked_principals, kPrincipals - kCap);
  EXPECT_EQ(report.untracked_events, 3 * (kPrincipals - kCap));
}

TEST(ActivitySummary, UnderTheCapTheBaselineIsAQuarterOfAllEventsSpan) {
  // The principals kept are a sample; the time span, and the default
  // baseline taken from it, must be the archive's.
  ActivityOptions options;
  options.max_principals = 1;
  ActivityCollector collector(options);
  std::string early = role_session_record(1), late = role_session_record(2);
  early.replace(early.find("2025-11-02T10:00:00Z"), 20, "2025-11-02T08:00:00Z");
  late.replace(late.find("2025-11-02T10:00:00Z"), 20, "2025-11-02T20:00:00Z");
  feed(collector, {early, ct_record("2025-11-02T10:00:00Z", "RunInstances", "build-bot"),
                   ct_record("2025-11-02T12:00:00Z", "RunInstances", "build-bot"), late});
  const ActivityReport report = collector.report();
  ASSERT_EQ(report.principals.size(), 1u);
  EXPECT_EQ(report.principals[0].principal, "arn:aws:iam::111122223333:user/build-bot");
  EXPECT_EQ(format_rfc3339_ms(report.first_ms), "2025-11-02T08:00:00Z");
  EXPECT_EQ(format_rfc3339_ms(report.last_ms), "2025-11-02T20:00:00Z");
  EXPECT_EQ(format_rfc3339_ms(report.baseline_until_ms), "2025-11-02T11:00:00Z");
  // So build-bot, first seen at 10:00, is not new.
  EXPECT_FALSE(report.principals[0].new_principal);
}

TEST(ActivitySummary, TheTextReportGivesTheSpanEvenWithNoPrincipalTracked) {
  ActivityOptions options;
  options.max_principals = 0;  // count, track none
  ActivityCollector collector(options);
  feed(collector, {ct_record("2025-11-02T08:00:00Z", "RunInstances", "build-bot"),
                   ct_record("2025-11-02T20:00:00Z", "RunInstances", "build-bot")});
  const std::string text = render_activity_text(collector.report(), 5, 0);
  EXPECT_NE(text.find("0 principal(s); events from 2025-11-02T08:00:00Z to 2025-11-02T20:00:00Z;"), std::string::npos)
      << text;
  const std::string none = render_activity_text(ActivityCollector(options).report(), 5, 0);
  EXPECT_NE(none.find("0 principal(s); events from - to -;"), std::string::npos) << none;
}

TEST(ActivitySummary, RanksPutLongLivedCredentialsFirstAndServicesLast) {
  for (int i = 0; i < 50; ++i) {
    const std::string n = std::to_string(i), account = "1111222233" + std::to_string(10 + i);
    const std::uint64_t user = activity_rank(account, "arn:aws:iam::" + account + ":user/u" + n);
    const std::uint64_t root = activity_rank(account, "arn:aws:iam::" + account + ":root");
    const std::uint64_t session = activity_rank(account, "arn:aws:sts::" + account + ":assumed-role/R/s" + n);
    const std::uint64_t service = activity_rank(account, "service:ecs-tasks.amazonaws.com@" + account);
    EXPECT_LT(std::max(user, root), session) << n;
    EXPECT_LT(session, service) << n;
  }
}

TEST(ActivitySummary, PrincipalsKeptAreNoRangeOfTheHashTheUntrackedAreCountedBy) {
  // Beyond 2^20 the untracked principals are an estimate that reads the top
  // bits of their hashes; if the principals kept were those with the smallest
  // hashes, those bits' low values would be missing from the count.
  struct Principal {
    std::uint64_t rank, hash;
  };
  std::vector<Principal> principals;
  std::string key;
  for (int i = 0; i < 20000; ++i) {
    const std::string principal = "arn:aws:sts::111122223333:assumed-role/Deploy/s" + std::to_string(i);
    key = "111122223333";
    key += '\x1f';
    key += principal;
    principals.push_back({activity_rank("111122223333", principal), PrincipalSet::hash(key)});
  }
  std::sort(principals.begin(), principals.end(), [](const auto& a, const auto& b) { return a.rank < b.rank; });
  std::array<int, 4> top_bits{};
  for (std::size_t i = 0; i < principals.size() / 4; ++i) ++top_bits[principals[i].hash >> 62];
  for (int n : top_bits) EXPECT_GT(n, 1000) << "the best-ranked quarter crowds into one range of hashes";
}

TEST(ActivitySummary, PrincipalsBeyondTheCapAreCountedNotDropped) {
  ActivityOptions options;
  options.max_principals = 3;
  ActivityReport report = collect_archive(options).report();
  EXPECT_EQ(report.principals.size(), 3u);
  EXPECT_GT(report.untracked_principals, 0u);
  std::uint64_t events = report.untracked_events;
  for (const auto& p : report.principals) events += p.events;
  EXPECT_EQ(events, 1100u);
  EXPECT_NE(render_activity_text(report, 5, 0).find("were counted but not tracked (--max-principals)"), std::string::npos);
}

// The default cap's 250,000 principals render to ~190 MB of JSON lines:
// written as rendered, not held whole on top of the report.
TEST(ActivitySummary, ALargeReportIsWrittenInPartsAsItIsRendered) {
  ActivityCollector collector;
  std::vector<std::string> records;
  // A user agent with a terminal escape: the text is made safe part by part.
  const std::string agent = R"(\u001b[31mred\u001b[0m Boto3/1.40.61 md/Botocore#1.40.61 ua/2.0 os/linux#5.15)";
  for (int i = 0; i < 8000; ++i) {
    std::string r = ct_record("2025-11-02T10:00:00Z", "CreateUser", "user" + std::to_string(i));
    r.replace(r.find("Boto3/1.40.61"), 13, agent);
    records.push_back(r);
  }
  feed(collector, records);
  const ActivityReport report = collector.report();
  ASSERT_EQ(report.principals.size(), 8000u);
  constexpr std::size_t kLargestPrincipal = 4096;
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_activity_jsonl(report, 0, f); }, 2,
                                   kLargestPrincipal);
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_activity_csv(report, 0, f); }, 1,
                                   kLargestPrincipal);
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_activity_text(report, 5, 0, f); }, 2,
                                   kLargestPrincipal);
  const std::string text = render_activity_text(report, 5, 0);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("user agents 1: red Boto3/1.40.61 md/Botocore"), std::string::npos) << text.substr(0, 800);
}

TEST(ActivitySummary, CliFormatsAndThreadsAgree) {
  auto one = run_trailsweep("summary -j 1 --format jsonl testdata/archive");
  auto two = run_trailsweep("summary -j 2 --format jsonl testdata/archive");
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(one.out.substr(0, 60).find("\"rank\":1"), 1u) << one.out.substr(0, 200);
  EXPECT_NE(one.out.find("\"principal\":\"arn:aws:iam::111122223333:user/ci-deployer\""), std::string::npos);
  auto csv = run_trailsweep("summary --format csv --top 2 testdata/archive");
  EXPECT_EQ(csv.out.rfind("rank,score,account,principal,identity_type,events,", 0), 0u);
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3);
  auto text = run_trailsweep("summary --top 1 testdata/archive");
  EXPECT_NE(text.out.find("#1 score "), std::string::npos);
  EXPECT_NE(text.out.find("user/ci-deployer  (IAMUser)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("   new write APIs "), std::string::npos);
  EXPECT_NE(text.out.find("(--top)"), std::string::npos);
  // Under the cap too (the workers once kept different principals, and
  // counted some twice).
  auto capped_one = run_trailsweep("summary -j 1 --max-principals 4 --format jsonl testdata/archive");
  auto capped_two = run_trailsweep("summary -j 2 --max-principals 4 --format jsonl testdata/archive");
  EXPECT_EQ(capped_one.exit_code, 0) << capped_one.err;
  EXPECT_EQ(std::count(capped_one.out.begin(), capped_one.out.end(), '\n'), 4) << capped_one.out;
  EXPECT_EQ(capped_one.out, capped_two.out);
  // jsonl rows have no place for the principals left out: stderr says it.
  EXPECT_NE(capped_one.err.find("more principal(s) with "), std::string::npos) << capped_one.err;
  EXPECT_NE(capped_one.err.find("counted but not tracked (--max-principals 4;"), std::string::npos) << capped_one.err;
  auto bad = run_trailsweep("summary --baseline-until yesterday testdata/archive");
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace trailsweep
