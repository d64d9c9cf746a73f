#include "trailsweep/scanner.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "test_util.hpp"
#include "trailsweep/byte_source.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {
namespace {

struct Collect : EventSink {
  std::vector<std::string> names, files;
  std::vector<std::int64_t> records;
  void on_event(const Event& ev) override {
    names.emplace_back(ev.event_name);
    files.push_back(ev.pos.file);
    records.push_back(ev.pos.record);
  }
};

std::string native(const std::vector<std::string>& records) {
  std::string s = R"({"Records":[)";
  for (std::size_t i = 0; i < records.size(); ++i) s += (i ? "," : "") + records[i];
  return s + "]}";
}

RunSummary scan_bytes(const std::string& bytes, Collect& sink, ScanOptions opts = {}) {
  Scanner scanner(opts);
  RunSummary summary;
  MemorySource src(bytes, 1000);
  scanner.scan_source(src, "f.json.gz", sink, summary);
  return summary;
}

TEST(Scanner, ReadsAGzippedNativeFile) {
  Collect sink;
  auto s = scan_bytes(testing::gzip_bytes(native({testing::iam_user_record("CreateUser"),
                                                  testing::iam_user_record("CreateAccessKey")})),
                      sink);
  EXPECT_EQ(sink.names, (std::vector<std::string>{"CreateUser", "CreateAccessKey"}));
  EXPECT_EQ(sink.records, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(sink.files[0], "f.json.gz");
  EXPECT_EQ(s.records, 2u);
  EXPECT_EQ(s.files_read, 1u);
  EXPECT_EQ(s.errors_total, 0u);
  EXPECT_FALSE(s.input_incomplete());
}

// Principals are counted a batch at a time, and in the set a few late (their
// table slots load in the meantime); principal_count() must still count
// every one, with fewer records than that delay, more, and repeats.
TEST(Scanner, CountsEveryPrincipalWhateverTheNumberOfRecords) {
  for (int distinct : {1, 3, 8, 9, 50}) {
    std::vector<std::string> records;
    for (int i = 0; i < distinct * 2; ++i) {  // each principal twice, interleaved
      std::string r = testing::iam_user_record("ListUsers");
      const std::string user = "user/christophe", renamed = fmt::format("user/p{:03}", i % distinct);
      r.replace(r.find(user), user.size(), renamed);
      records.push_back(r);
    }
    Scanner scanner({});
    Collect sink;
    RunSummary summary;
    const std::string bytes = testing::gzip_bytes(native(records));
    MemorySource src(bytes, 1000);
    scanner.scan_source(src, "f.json.gz", sink, summary);
    ASSERT_EQ(summary.records, static_cast<std::uint64_t>(distinct * 2));
    EXPECT_EQ(scanner.principal_count().size, static_cast<std::size_t>(distinct)) << distinct << " principals";
  }
}

TEST(Scanner, BadRecordIsLocatedAndTheRestStillCounts) {
  std::string bad = R"({"eventTime":17,"eventSource":"iam.amazonaws.com","eventName":"X"})";
  std::string doc = native({testing::iam_user_record("A"), bad, testing::iam_user_record("B")});
  Collect sink;
  auto s = scan_bytes(doc, sink);
  EXPECT_EQ(sink.names, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(s.records_rejected, 1u);
  ASSERT_EQ(s.errors.size(), 1u);
  std::size_t offset = doc.find(bad);
  EXPECT_EQ(s.errors[0].to_string(),
            "f.json.gz: record 1 (byte " + std::to_string(offset) + "): \"eventTime\" is not a string");
  EXPECT_TRUE(s.input_incomplete());
}

TEST(Scanner, TruncatedGzipKeepsRecordsBeforeTheCut) {
  std::vector<std::string> records;
  for (int i = 0; i < 200; ++i) {
    records.push_back(testing::iam_user_record(fmt::format("E{}", i), "2024-08-01T13:33:28Z",
                                               fmt::format("id-{}", i * 7919)));
  }
  std::string z = testing::gzip_bytes(native(records));
  std::string cut = z.substr(0, z.size() / 2);
  Collect sink;
  auto s = scan_bytes(cut, sink);
  EXPECT_GT(sink.names.size(), 10u);
  EXPECT_LT(sink.names.size(), 200u);
  EXPECT_EQ(sink.names.back(), fmt::format("E{}", sink.names.size() - 1));
  EXPECT_EQ(s.files_failed, 1u);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].to_string(),
            "f.json.gz: record " + std::to_string(sink.names.size()) + " (compressed byte " +
                std::to_string(cut.size()) + "): gzip stream truncated (input ends inside a member)");
}

TEST(Scanner, DigestContentIsSkippedNotAnError) {
  Collect sink;
  auto s = scan_bytes(R"({"awsAccountId":"111122223333","digestStartTime":"2025-11-02T06:00:00Z","digestEndTime":"2025-11-02T07:00:00Z","logFiles":[]})",
                      sink);
  EXPECT_EQ(s.digest_files, 1u);
  EXPECT_EQ(s.files_read, 0u);
  EXPECT_EQ(s.errors_total, 0u);
}

// Found by fuzz_decoder's split-stream differential: a stream whose first
// readable record is a digest ended before the line counting the problems
// beyond the listed ones, so "25 input problems" showed 20 lines and no count.
TEST(Scanner, ProblemsBeforeADigestRecordAreListedWithTheirCount) {
  Collect sink;
  std::string bytes;
  for (int i = 0; i < 25; ++i) bytes += "not json\n";
  bytes += R"({"awsAccountId":"111122223333","digestStartTime":"2025-11-02T06:00:00Z","logFiles":[]})" "\n";
  auto s = scan_bytes(bytes, sink);
  EXPECT_EQ(s.digest_files, 1u);
  EXPECT_EQ(s.errors_total, 25u);
  ASSERT_EQ(s.errors.size(), 21u);
  EXPECT_EQ(s.errors.back().to_string(), "f.json.gz: 5 more problems in this file not listed");
}

// The summary used to add "... and 4 more" under "5 more problems in this
// file not listed": the same problems announced twice, with two numbers.
TEST(Scanner, UnlistedProblemsOfAFileAreAnnouncedOnce) {
  Collect sink;
  std::string bytes;
  for (int i = 0; i < 25; ++i) bytes += "not json\n";
  auto s = scan_bytes(bytes, sink);
  ASSERT_EQ(s.errors_total, 25u);
  const std::string text = render_summary_text(s);
  EXPECT_NE(text.find("f.json.gz: 5 more problems in this file not listed\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("... and"), std::string::npos) << text;
  // Problems beyond every list (here, of a file whose lines were not kept) are still announced.
  s.errors_total += 7;
  EXPECT_NE(render_summary_text(s).find("  ... and 7 more\n"), std::string::npos);
}

TEST(Scanner, EmptyFileIsReported) {
  Collect sink;
  auto s = scan_bytes("", sink);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].to_string(), "f.json.gz: file is empty");
}

TEST(Scanner, EmptyRecordsArrayIsFine) {
  Collect sink;
  auto s = scan_bytes(R"({"Records":[]})", sink);
  EXPECT_EQ(s.errors_total, 0u);
  EXPECT_EQ(s.files_read, 1u);
}

TEST(Scanner, FiltersByTimeAccountAndRegion) {
  std::string doc = native({testing::iam_user_record("Early", "2024-08-01T09:00:00Z"),
                            testing::iam_user_record("Inside", "2024-08-01T13:33:28Z"),
                            testing::iam_user_record("Late", "2024-08-02T00:00:01Z")});
  ScanOptions opts;
  opts.filter.since_ms = parse_rfc3339_ms("2024-08-01T10:00:00Z");
  opts.filter.until_ms = parse_rfc3339_ms("2024-08-01T23:59:59Z");
  Collect sink;
  auto s = scan_bytes(doc, sink, opts);
  EXPECT_EQ(sink.names, (std::vector<std::string>{"Inside"}));
  EXPECT_EQ(s.records_filtered, 2u);

  ScanOptions other_account;
  other_account.filter.accounts = {"111122223333"};
  Collect none;
  scan_bytes(doc, none, other_account);
  EXPECT_TRUE(none.names.empty());
  ScanOptions region;
  region.filter.regions = {"us-east-1"};
  Collect all;
  scan_bytes(doc, all, region);
  EXPECT_EQ(all.names.size(), 3u);
}

TEST(Scanner, ManyProblemsInOneFileAreCappedButCounted) {
  std::string doc = R"({"Records":[)";
  for (int i = 0; i < 50; ++i) doc += std::string(i ? "," : "") + "1";
  doc += "]}";
  Collect sink;
  ScanOptions opts;
  opts.max_problems_per_file = 5;
  auto s = scan_bytes(doc, sink, opts);
  EXPECT_EQ(s.errors.size(), 6u);
  EXPECT_EQ(s.errors_total, 50u);
  EXPECT_EQ(s.errors.back().to_string(), "f.json.gz: 45 more problems in this file not listed");
  EXPECT_EQ(s.records_rejected, 50u);
  // The same from a file on disk, which is read whole (and, with
  // --validate-json, record by record from memory).
  testing::TempDir dir;
  const auto path = dir.path() / "f.json.gz";
  testing::write_file(path, testing::gzip_bytes(doc));
  for (bool validate : {false, true}) {
    opts.validate_json = validate;
    Scanner scanner(opts);
    Collect whole;
    RunSummary w;
    scanner.scan_file({path.string()}, whole, w);
    ASSERT_EQ(w.errors.size(), 6u) << validate;
    EXPECT_EQ(w.errors_total, 50u) << validate;
    EXPECT_EQ(w.errors.back().to_string(), path.string() + ": 45 more problems in this file not listed") << validate;
    EXPECT_EQ(w.records_rejected, 50u) << validate;
  }
}

// With an outlet (scan's workers), a stream's problems are kept by file
// index for the end of the scan only while other workers may hold some of
// them: a stream whose records all stayed here lists its problems in the
// summary at once, and batches without a problem leave no entry. (Kept for
// every stream, a scan of a million small or empty files held an entry for
// each on every worker: 561 MB for 500,000 empty files.)
TEST(Scanner, StreamsKeepNoProblemsByFileUnlessTheirRecordsWentElsewhere) {
  struct ParseHere : BatchOutlet {
    Scanner* scanner = nullptr;
    EventSink* sink = nullptr;
    RunSummary* summary = nullptr;
    std::size_t batch_bytes() const override { return 1 << 20; }
    void hand_off(RecordBatch&& batch) override { scanner->scan_batch(batch, *sink, *summary); }
  };
  testing::TempDir dir;
  Scanner scanner({});
  Collect sink;
  RunSummary summary;
  ParseHere outlet;
  outlet.scanner = &scanner;
  outlet.sink = &sink;
  outlet.summary = &summary;
  const auto good = dir.path() / "good.jsonl", empty = dir.path() / "empty.jsonl",
             broken = dir.path() / "broken.jsonl";
  testing::write_file(good, testing::iam_user_record("CreateUser") + "\n" + testing::iam_user_record("GetUser") + "\n");
  testing::write_file(empty, "");
  testing::write_file(broken, "{not json\n");
  scanner.scan_file({good.string()}, sink, summary, &outlet, 0);
  EXPECT_EQ(sink.names, (std::vector<std::string>{"CreateUser", "GetUser"}));
  EXPECT_TRUE(scanner.ordered_problems().empty()) << "a batch without a problem left an entry";
  scanner.scan_file({empty.string()}, sink, summary, &outlet, 1);
  scanner.scan_file({broken.string()}, sink, summary, &outlet, 2);
  EXPECT_TRUE(scanner.ordered_problems().empty()) << "problems of streams no other worker read were kept";
  ASSERT_EQ(summary.errors.size(), 2u);
  EXPECT_EQ(summary.errors[0].to_string(), empty.string() + ": file is empty");
  EXPECT_EQ(summary.errors[1].to_string(),
            broken.string() + ": record 0 (byte 0): input ends inside this record (truncated)");
  EXPECT_EQ(summary.errors_total, 2u);
}

TEST(Scanner, UnopenableFileIsReported) {
  Scanner scanner({});
  Collect sink;
  RunSummary s;
  scanner.scan_file({"/nonexistent/x.json.gz"}, sink, s);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].to_string(), "/nonexistent/x.json.gz: cannot open: No such file or directory");
  EXPECT_EQ(s.files_failed, 1u);
}

}  // namespace
}  // namespace trailsweep
