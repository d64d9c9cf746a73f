// ScanPipeline: any number of workers gives the same counts, the same problem
// list in input order and the same findings as one worker.
#include "trailsweep/scan_pipeline.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

Outcome scan(const RuleSet& rules, const std::vector<InputFile>& files, unsigned jobs) {
  ScanPipeline pipeline(rules, ScanOptions{}, DetectorOptions{}, jobs);
  PipelineResult result = pipeline.run(files, nullptr);
  EXPECT_FALSE(result.interrupted);
  Outcome o;
  const RunSummary& s = result.summary;
  o.counts = {s.files_read,  s.files_failed,     s.records,        s.records_rejected, s.principals,
              s.digest_files, s.bytes_compressed, s.bytes_uncompressed, s.errors_total,
              static_cast<std::uint64_t>(s.first_event_ms), static_cast<std::uint64_t>(s.last_event_ms)};
  for (const Diagnostic& d : s.errors) o.problems.push_back(d.to_string());
  for (const Finding& f : finalize_findings(rules, *result.detector, 20)) {
    o.findings.push_back(f.rule_name + " " + f.principal + " " + std::to_string(f.event_count) + " " +
                         std::to_string(f.first_ms) + " " + std::to_string(f.last_ms) + " " +
                         std::to_string(f.evidence.size()));
  }
  return o;
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
}

TEST(ScanPipeline, MoreWorkersThanFilesAndNoFilesAtAll) {
  auto rules = testing::rules_from(R"(title: Any
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: CreateUser}
  condition: sel
level: low
)");
  ASSERT_TRUE(rules);
  const Outcome none = scan(*rules, {}, 4);
  EXPECT_EQ(none.counts[0], 0u);
  EXPECT_TRUE(none.findings.empty());
  InputFile file;
  file.path = std::string(TRAILSWEEP_SOURCE_DIR) + "/testdata/exports/records-array.json";
  EXPECT_EQ(scan(*rules, {file}, 16), scan(*rules, {file}, 1));
}

TEST(ScanPipeline, AStopRequestEndsTheScanAsInterrupted) {
  auto rules = testing::rules_from(R"(title: Any
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: CreateUser}
  condition: sel
level: low
)");
  ASSERT_TRUE(rules);
  WalkResult walk = walk_inputs({std::string(TRAILSWEEP_SOURCE_DIR) + "/testdata/archive"}, InputFilter{});
  std::atomic<bool> stop{true};
  ScanPipeline pipeline(*rules, ScanOptions{}, DetectorOptions{}, 2);
  PipelineResult result = pipeline.run(walk.files, nullptr, &stop);
  EXPECT_TRUE(result.interrupted);
  EXPECT_LT(result.summary.files_read, walk.files.size()) << "workers stop between files";
}

}  // namespace
}  // namespace trailsweep
