// ScanPipeline: any number of workers gives the same counts, the same problem
// list in input order and the same findings as one worker.
#include "trailsweep/scan_pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "test_util.hpp"
#include "trailsweep/finding_context.hpp"

namespace trailsweep {
namespace {

struct Outcome {
  std::vector<std::uint64_t> counts;
  std::vector<std::string> problems, findings;
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << o.counts.size() << " counts, " << o.problems.size() << " problems, " << o.findings.size()
            << " findings";
}

Outcome outcome_of(const RuleSet& rules, const RunSummary& s, Detector& detector) {
  Outcome o;
  o.counts = {s.files_read,  s.files_failed,     s.records,        s.records_rejected, s.principals,
              s.digest_files, s.bytes_compressed, s.bytes_uncompressed, s.errors_total,
              static_cast<std::uint64_t>(s.first_event_ms), static_cast<std::uint64_t>(s.last_event_ms)};
  for (const Diagnostic& d : s.errors) o.problems.push_back(d.to_string());
  for (const Finding& f : finalize_findings(rules, detector, 20)) {
    std::string evidence;
    for (const Evidence& e : f.evidence) evidence += fmt::format(" {}:{}", e.file, e.record);
    o.findings.push_back(f.rule_name + " " + f.principal + " " + std::to_string(f.event_count) + " " +
                         std::to_string(f.first_ms) + " " + std::to_string(f.last_ms) + evidence);
  }
  return o;
}

Outcome scan(const RuleSet& rules, const std::vector<InputFile>& files, unsigned jobs,
             const ScanOptions& options = {}) {
  ScanPipeline pipeline(rules, options, DetectorOptions{}, jobs);
  PipelineResult result = pipeline.run(files, nullptr);
  EXPECT_FALSE(result.interrupted);
  return outcome_of(rules, result.summary, *result.detector);
}

TEST(ScanPipeline, AnyNumberOfWorkersGivesWhatOneWorkerGives) {
  const std::string root = TRAILSWEEP_SOURCE_DIR;
  RuleLoadResult loaded = load_rules({root + "/rules", root + "/testdata/sigma-rules"});
  ASSERT_TRUE(loaded.errors.empty());
  // Good and damaged files together: the problems must come back in file order.
  WalkResult walk = walk_inputs({root + "/testdata/archive", root + "/testdata/broken", root + "/testdata/stratus"},
                                InputFilter{});
  ASSERT_GT(walk.files.size(), 300u);
  const Outcome one = scan(*loaded.rules, walk.files, 1);
  EXPECT_GT(one.problems.size(), 3u);
  EXPECT_GT(one.findings.size(), 10u);
  for (unsigned jobs : {2u, 3u, 8u}) EXPECT_EQ(scan(*loaded.rules, walk.files, jobs), one) << jobs << " workers";
  // Fewer threads than workers asked for (a pid limit), none at all included:
  // the workers that got one, or the calling thread alone, give the same.
  for (int allowed : {0, 1, 2}) {
    testing::ThreadStartsRefused refused(allowed);
    EXPECT_EQ(scan(*loaded.rules, walk.files, 4), one) << allowed << " threads allowed";
  }
}

// A JSON-lines stream with every kind of trouble, long enough to be read by
// one worker and parsed by all when whole_file_max_bytes is small.
std::string troubled_stream(int records) {
  std::string lines;
  for (int i = 0; i < records; ++i) {
    const std::string user = "user-" + std::to_string(i % 37);
    lines += testing::ct_record(fmt::format("2025-11-02T{:02d}:{:02d}:{:02d}Z", i / 3600 % 24, i / 60 % 60, i % 60),
                                i % 5 == 0 ? "RunInstances" : "DescribeInstances", user) +
             "\n";
    if (i % 97 == 5) lines += "{\"eventTime\":\"2025-11-02T10:00:00Z\",\"eventName\":\"Cut\",\n";  // broken line
    if (i % 211 == 7) lines += "not json at all\n";
    if (i % 301 == 9) {  // a record the parser rejects, then a line the reader rejects
      lines += R"({"eventTime":1722519208,"eventSource":"iam.amazonaws.com","eventName":"X"})" "\n";
      lines += "{garbage\n";
    }
    if (i % 401 == 11) {
      lines += R"({"awsAccountId":"111122223333","digestStartTime":"2025-11-02T06:00:00Z","logFiles":[]})" "\n";
    }
  }
  return lines;
}

// One export of troubled_stream(records) lines on disk, and options that read
// it as a long stream handed out in batches of `batch_bytes`.
struct LongExport {
  testing::TempDir tmp;
  std::filesystem::path path = tmp.path() / "export.jsonl";
  ScanOptions options;
  LongExport(int records, std::size_t batch_bytes) {
    testing::write_file(path, troubled_stream(records));
    options.whole_file_max_bytes = 1024;
    options.batch_bytes = batch_bytes;
  }
};

TEST(ScanPipeline, ALongStreamSplitOverWorkersReadsAsOneWorkerReadsItAlone) {
  auto rules = testing::rules_from(R"(title: Launch
name: launch
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: RunInstances}
  condition: sel
level: low
---
title: Burst
name: burst
correlation:
  type: event_count
  rules: [launch]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {gte: 20}
level: high
)");
  ASSERT_TRUE(rules);
  testing::TempDir tmp;
  const auto path = tmp.path() / "export.jsonl";
  testing::write_file(path, troubled_stream(6000));
  const auto gz = tmp.path() / "export.jsonl.gz";
  testing::write_file(gz, testing::gzip_bytes(testing::read_file(path)));
  // Cut short: the decoder's failure comes after the records' problems.
  const auto cut = tmp.path() / "cut.jsonl.gz";
  const std::string gz_bytes = testing::read_file(gz);
  testing::write_file(cut, gz_bytes.substr(0, gz_bytes.size() - 300));
  ScanOptions options;
  options.whole_file_max_bytes = 1024;  // everything streams
  options.batch_bytes = 8 * 1024;       // hundreds of batches
  for (const auto& file : {path, gz, cut}) {
    // The reference: one Scanner reading the file alone, in order.
    Outcome alone;
    {
      Scanner scanner(options);
      Detector detector(*rules, DetectorOptions{});
      RunSummary s;
      scanner.scan_file({file.string()}, detector, s);
      s.principals = scanner.principal_count().size;
      alone = outcome_of(*rules, s, detector);
    }
    EXPECT_GT(alone.problems.size(), 20u) << "the per-file limit and its count line are part of the check";
    EXPECT_NE(alone.problems.back().find("more problems in this file not listed"), std::string::npos);
    EXPECT_GT(alone.findings.size(), 30u);
    for (unsigned jobs : {1u, 2u, 3u, 8u}) {
      EXPECT_EQ(scan(*rules, {{file.string()}}, jobs, options), alone) << file << ", " << jobs << " workers";
    }
  }
}

// The split is real: with two workers, both parse records of the one file.
TEST(ScanPipeline, ALongStreamIsParsedOnMoreThanOneThread) {
  LongExport export_file(20000, 4 * 1024);
  const auto& path = export_file.path;
  const ScanOptions& options = export_file.options;
  struct ThreadRecorder : EventSink {
    std::set<std::thread::id> threads;
    std::uint64_t events = 0;
    void on_event(const Event&) override {
      threads.insert(std::this_thread::get_id());
      ++events;
    }
  };
  SinkScanResult result = scan_with_sinks(
      {{path.string()}}, options, 2, [] { return std::make_unique<ThreadRecorder>(); }, nullptr, nullptr,
      /*split_streams=*/true);
  ASSERT_EQ(result.sinks.size(), 2u);
  std::uint64_t events = 0;
  std::set<std::thread::id> threads;
  for (const auto& sink : result.sinks) {
    const auto& recorder = static_cast<const ThreadRecorder&>(*sink);
    events += recorder.events;
    threads.insert(recorder.threads.begin(), recorder.threads.end());
  }
  EXPECT_EQ(events, 20000u);
  EXPECT_EQ(events, result.summary.records);
  EXPECT_EQ(threads.size(), 2u);
}

// The caller folds the workers' sinks together on its own thread while the
// principals are counted on another; the count is the one a scan without
// the fold gives, and a stopped scan is not folded (nothing reports it).
TEST(ScanPipeline, SinksAreCombinedWhileThePrincipalsAreCounted) {
  LongExport export_file(20000, 4 * 1024);
  const std::vector<InputFile> files{{export_file.path.string()}};
  struct Counter : EventSink {
    std::uint64_t events = 0;
    void on_event(const Event&) override { ++events; }
  };
  auto make = [] { return std::make_unique<Counter>(); };
  const SinkScanResult plain = scan_with_sinks(files, export_file.options, 2, make, nullptr, nullptr, true);
  ASSERT_GT(plain.summary.principals, 1u);
  std::vector<std::thread::id> combined_on;
  std::size_t sinks_seen = 0;
  auto fold = [&](std::vector<std::unique_ptr<EventSink>>& sinks) {
    combined_on.push_back(std::this_thread::get_id());
    sinks_seen = sinks.size();
    auto& first = static_cast<Counter&>(*sinks.front());
    for (std::size_t i = 1; i < sinks.size(); ++i) first.events += static_cast<Counter&>(*sinks[i]).events;
    sinks.resize(1);
  };
  const SinkScanResult folded =
      scan_with_sinks(files, export_file.options, 2, make, nullptr, nullptr, true, fold);
  EXPECT_EQ(combined_on, std::vector<std::thread::id>{std::this_thread::get_id()});
  EXPECT_EQ(sinks_seen, 2u);
  ASSERT_EQ(folded.sinks.size(), 1u);
  EXPECT_EQ(static_cast<const Counter&>(*folded.sinks.front()).events, 20000u);
  EXPECT_EQ(folded.summary.principals, plain.summary.principals);
  EXPECT_EQ(folded.summary.principals_estimated, plain.summary.principals_estimated);

  std::atomic<bool> stop{true};
  combined_on.clear();
  const SinkScanResult stopped = scan_with_sinks(files, export_file.options, 2, make, nullptr, &stop, true, fold);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_TRUE(combined_on.empty());
}

// Progress moves while one long file is read, not only when it ends: a
// responder scanning one export of gigabytes would otherwise watch 0 MB
// until the end. (The callback runs every 50 ms; a slow sink makes the scan
// take ~0.3 s whatever the machine.)
TEST(ScanPipeline, ProgressMovesWithinOneLongFile) {
  LongExport export_file(12000, 64 * 1024);
  const auto& path = export_file.path;
  const ScanOptions& options = export_file.options;
  const std::uint64_t size = std::filesystem::file_size(path);
  struct SlowSink : EventSink {
    void on_event(const Event&) override { std::this_thread::sleep_for(std::chrono::microseconds(50)); }
  };
  std::vector<std::pair<std::size_t, std::uint64_t>> calls;
  scan_with_sinks(
      {{path.string()}}, options, 2, [] { return std::make_unique<SlowSink>(); },
      [&](std::size_t files, std::uint64_t bytes) { calls.emplace_back(files, bytes); }, nullptr,
      /*split_streams=*/true);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), (std::pair<std::size_t, std::uint64_t>{1, size}));
  const bool moved_within = std::any_of(calls.begin(), calls.end(), [&](const auto& c) {
    return c.first == 0 && c.second > 0 && c.second < size;
  });
  EXPECT_TRUE(moved_within) << calls.size() << " progress calls";
  for (std::size_t i = 1; i < calls.size(); ++i) EXPECT_LE(calls[i].second, size);
}

constexpr const char* kCreateUserRule = R"(title: Any
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: CreateUser}
  condition: sel
level: low
)";

TEST(ScanPipeline, MoreWorkersThanFilesAndNoFilesAtAll) {
  auto rules = testing::rules_from(kCreateUserRule);
  ASSERT_TRUE(rules);
  const Outcome none = scan(*rules, {}, 4);
  EXPECT_EQ(none.counts[0], 0u);
  EXPECT_TRUE(none.findings.empty());
  InputFile file;
  file.path = std::string(TRAILSWEEP_SOURCE_DIR) + "/testdata/exports/records-array.json";
  EXPECT_EQ(scan(*rules, {file}, 16), scan(*rules, {file}, 1));
}

TEST(ScanPipeline, AStopRequestEndsTheScanAsInterrupted) {
  auto rules = testing::rules_from(kCreateUserRule);
  ASSERT_TRUE(rules);
  WalkResult walk = walk_inputs({std::string(TRAILSWEEP_SOURCE_DIR) + "/testdata/archive"}, InputFilter{});
  std::atomic<bool> stop{true};
  ScanPipeline pipeline(*rules, ScanOptions{}, DetectorOptions{}, 2);
  PipelineResult result = pipeline.run(walk.files, nullptr, &stop);
  EXPECT_TRUE(result.interrupted);
  EXPECT_TRUE(result.detector) << "the partial summary still needs the merged detector";
  EXPECT_LT(result.summary.files_read, walk.files.size()) << "workers stop between files";
}

// Ctrl-C during one long export stops the scan there, not at the file's
// end: the workers see the request between records and batches. The scan
// ends as interrupted, not stuck (the caller's 2 s grace was for a worker
// blocked on a read), with only a part of the file's records delivered.
TEST(ScanPipeline, AStopRequestStopsWithinOneLongFile) {
  LongExport export_file(20000, 64 * 1024);
  const auto& path = export_file.path;
  const ScanOptions& options = export_file.options;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> delivered{0};
  struct StoppingSink : EventSink {
    std::atomic<bool>& stop;
    std::atomic<std::uint64_t>& delivered;
    StoppingSink(std::atomic<bool>& s, std::atomic<std::uint64_t>& d) : stop(s), delivered(d) {}
    void on_event(const Event&) override {
      if (++delivered == 500) stop = true;
    }
  };
  for (unsigned jobs : {1u, 2u}) {
    stop = false;
    delivered = 0;
    SinkScanResult result = scan_with_sinks(
        {{path.string()}}, options, jobs,
        [&] { return std::make_unique<StoppingSink>(stop, delivered); }, nullptr, &stop, /*split_streams=*/true);
    EXPECT_TRUE(result.interrupted) << jobs;
    EXPECT_FALSE(result.stuck) << jobs;
    EXPECT_LT(delivered.load(), 5000u) << jobs << " workers: the file was read on after the stop";
    EXPECT_EQ(result.summary.files_read, 0u) << "a file left unfinished is not counted as read";
  }
}

}  // namespace
}  // namespace trailsweep
