// Damaged copies of real testdata files: every variant is read without a
// crash, either cleanly or with a located error, every intact record before
// the damage is still read, and findings from intact files do not change.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.hpp"
#include "trailsweep/byte_source.hpp"
#include "trailsweep/finding_context.hpp"
#include "trailsweep/scanner.hpp"

namespace trailsweep {
namespace {

namespace fs = std::filesystem;

struct Count : EventSink {
  std::vector<std::string> ids;
  void on_event(const Event& ev) override { ids.emplace_back(ev.event_id); }
};

struct Read {
  std::vector<std::string> ids;
  RunSummary summary;
};

Read read_bytes(const std::string& bytes, ScanOptions opts = {}) {
  Scanner scanner(opts);
  Count sink;
  Read r;
  MemorySource src(bytes, 4096);
  scanner.scan_source(src, "damaged", sink, r.summary);
  r.ids = std::move(sink.ids);
  return r;
}

// Every problem must name a place: a record, a byte offset, or the file itself.
void expect_located(const RunSummary& s) {
  for (const auto& e : s.errors) {
    EXPECT_EQ(e.pos.file, "damaged");
    EXPECT_FALSE(e.message.empty());
  }
}

std::string archive_file() {
  for (const auto& e : fs::recursive_directory_iterator(fs::path(TRAILSWEEP_SOURCE_DIR) / "testdata/archive/AWSLogs/111122223333/CloudTrail/us-east-1")) {
    if (e.path().filename().string().find("20251102T0915Z") != std::string::npos) return e.path().string();
  }
  return {};
}

// Whole files take the fast path (libdeflate + skim); it must read exactly
// what the streaming reader reads, and when a file's structure breaks part
// way it must hand over without losing or repeating a record.
TEST(DamagedInput, WholeFilesReadLikeStreamsAndResumeAfterDamage) {
  const std::string gz = testing::read_file(archive_file());
  const std::string text = testing::gunzip(gz);
  const std::size_t second_record = text.find(",{\"eventVersion\"") + 1;
  const std::size_t third_record = text.find(",{\"eventVersion\"", second_record) + 1;
  ASSERT_GT(third_record, second_record);

  testing::TempDir dir;
  auto scan_whole = [&](const std::string& json) {
    const fs::path path = dir.path() / "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02/f.json.gz";
    testing::write_file(path, testing::gzip_bytes(json));
    Scanner scanner(ScanOptions{});
    Count sink;
    Read r;
    InputFile file;
    file.path = path.string();
    scanner.scan_file(file, sink, r.summary);
    r.ids = std::move(sink.ids);
    return r;
  };
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"intact", text},
      {"an element that is not an object", text.substr(0, third_record) + "42," + text.substr(third_record)},
      {"JSON cut inside the third record", text.substr(0, third_record + 100)},
      {"a broken string in the second record",
       text.substr(0, second_record) + "{\"eventVersion\":\"1.0" + text.substr(second_record + 1)}};
  for (const auto& [name, json] : variants) {
    SCOPED_TRACE(name);
    Read whole = scan_whole(json);
    Read stream = read_bytes(testing::gzip_bytes(json));
    EXPECT_EQ(whole.ids, stream.ids);
    EXPECT_EQ(whole.summary.records, stream.summary.records);
    EXPECT_EQ(whole.summary.records_rejected, stream.summary.records_rejected);
    EXPECT_EQ(whole.summary.errors_total, stream.summary.errors_total);
    EXPECT_EQ(whole.summary.files_read, 1u);
    ASSERT_EQ(whole.summary.errors.size(), stream.summary.errors.size());
    for (std::size_t i = 0; i < whole.summary.errors.size(); ++i) {
      EXPECT_EQ(whole.summary.errors[i].pos.record, stream.summary.errors[i].pos.record);
      EXPECT_EQ(whole.summary.errors[i].message, stream.summary.errors[i].message);
    }
  }
  EXPECT_GT(scan_whole(text).ids.size(), 50u);
  EXPECT_EQ(scan_whole(variants[1].second).summary.records_rejected, 1u);
}

// The fast path does not validate values it jumps over; when a rule reads
// into a broken one, the scan names the file and record and exits 3. The
// same for whole files and for streams (JSON lines), which are skimmed alike.
TEST(DamagedInput, BrokenValueARuleReadsIntoIsReportedWithItsRecord) {
  const std::string broken = testing::ct_record("2025-11-02T09:00:00Z", "RunInstances", "dev",
                                                R"("requestParameters":{"instanceType":tru})");
  const std::string fine = testing::ct_record("2025-11-02T09:00:01Z", "RunInstances", "dev",
                                              R"("requestParameters":{"instanceType":"p5.48xlarge"})");
  struct Layout {
    std::string file, bytes;
  };
  for (const Layout& layout :
       {Layout{"f.json.gz", testing::gzip_bytes("{\"Records\":[" + fine + "," + broken + "]}")},
        Layout{"export.jsonl", fine + "\n" + broken + "\n"}}) {
    SCOPED_TRACE(layout.file);
    testing::TempDir dir;
    testing::write_file(dir.path() / "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02" / layout.file,
                        layout.bytes);
    testing::write_file(dir.path() / "rules/big.yml", R"(title: Big instance
id: 6c1e9a70-0000-4000-8000-000000000001
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: RunInstances
    requestParameters.instanceType|startswith: p5
  condition: selection
level: high
)");
    auto r = testing::run_trailsweep("scan --format json --no-summary --rules '" + (dir.path() / "rules").string() +
                                     "' '" + (dir.path() / "AWSLogs").string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.err;  // the intact record's finding wins over the input problem
    EXPECT_NE(r.out.find("\"event_count\": 1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"errors_total\": 1"), std::string::npos) << r.out.substr(r.out.size() - 600);
    EXPECT_NE(r.out.find("cannot parse record for field lookup"), std::string::npos)
        << r.out.substr(r.out.size() - 600);
    EXPECT_NE(r.out.find("\"record\": 1"), std::string::npos);

    // search and timeline read the same field: the broken record was "no
    // match" and no mark, with exit 0, as if there were nothing to see.
    const std::string logs = "'" + (dir.path() / "AWSLogs").string() + "'";
    for (const char* jobs : {"-j 1", "-j 2"}) {
      auto search = testing::run_trailsweep(std::string("search ") + jobs +
                                            " --where 'requestParameters.instanceType|startswith=p5' " + logs);
      EXPECT_EQ(search.exit_code, 3) << jobs << search.err;
      EXPECT_EQ(std::count(search.out.begin(), search.out.end(), '\n'), 1) << search.out;
      EXPECT_NE(search.err.find("record 1 "), std::string::npos) << search.err;
      EXPECT_NE(search.err.find("cannot parse record for field lookup"), std::string::npos) << search.err;
    }
    auto timeline = testing::run_trailsweep("timeline --principal dev --rules '" + (dir.path() / "rules").string() +
                                            "' " + logs);
    EXPECT_EQ(timeline.exit_code, 3) << timeline.err;
    EXPECT_NE(timeline.err.find("cannot parse record for field lookup"), std::string::npos) << timeline.err;

    // --validate-json checks every record in full: the broken one is rejected
    // as invalid JSON, whether or not a rule reads it.
    auto v = testing::run_trailsweep("scan --validate-json --format json --no-summary --rules '" +
                                     (dir.path() / "rules").string() + "' '" + (dir.path() / "AWSLogs").string() +
                                     "'");
    EXPECT_EQ(v.exit_code, 1) << v.err;
    EXPECT_NE(v.out.find("\"event_count\": 1"), std::string::npos);
    EXPECT_NE(v.out.find("\"rejected_records\": 1"), std::string::npos) << v.out.substr(v.out.size() - 600);
    EXPECT_NE(v.out.find("invalid JSON"), std::string::npos) << v.out.substr(v.out.size() - 600);
  }
}

TEST(DamagedInput, TruncatedAtManyOffsetsKeepsThePrefix) {
  std::string gz = testing::read_file(archive_file());
  ASSERT_GT(gz.size(), 1000u);
  Read intact = read_bytes(gz);
  ASSERT_GT(intact.ids.size(), 50u);
  std::size_t previous = 0;
  for (std::size_t cut = 20; cut < gz.size(); cut += gz.size() / 37) {
    Read r = read_bytes(gz.substr(0, cut));
    EXPECT_TRUE(r.summary.input_incomplete()) << cut;
    expect_located(r.summary);
    // What was read is exactly a prefix of the intact file's records.
    ASSERT_LE(r.ids.size(), intact.ids.size());
    EXPECT_TRUE(std::equal(r.ids.begin(), r.ids.end(), intact.ids.begin())) << cut;
    EXPECT_GE(r.ids.size(), previous) << "a longer prefix never yields fewer records";
    previous = r.ids.size();
  }
}

TEST(DamagedInput, FlippedBytesNeverCrashAndAreReported) {
  std::string gz = testing::read_file(archive_file());
  for (std::size_t at = 10; at < gz.size() - 8; at += gz.size() / 53) {
    std::string damaged = gz;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    Read r = read_bytes(damaged);
    expect_located(r.summary);
    EXPECT_TRUE(r.summary.input_incomplete() || !r.ids.empty()) << at;
  }
}

TEST(DamagedInput, JsonCutInsideAStringAndInvalidUtf8) {
  std::string rec1 = testing::iam_user_record("CreateUser", "2024-08-01T13:33:28Z", "id-1");
  std::string rec2 = testing::iam_user_record("CreateAccessKey", "2024-08-01T13:33:29Z", "id-2");
  std::string doc = R"({"Records":[)" + rec1 + "," + rec2 + "]}";
  std::size_t in_string = doc.find("malicious-iam-user", doc.find("id-2") - 900) + 5;
  ASSERT_GT(in_string, doc.find(rec2.substr(0, 40)) + rec1.size());
  Read cut = read_bytes(doc.substr(0, in_string));
  EXPECT_EQ(cut.ids, std::vector<std::string>{"id-1"});
  ASSERT_EQ(cut.summary.errors.size(), 1u);
  EXPECT_EQ(cut.summary.errors[0].pos.record, 1);
  EXPECT_EQ(cut.summary.errors[0].message, "input ends inside this record (truncated)");

  std::string bad_utf8 = doc;
  bad_utf8.replace(bad_utf8.find("stratus-red-team_4f1b2c3d"), 4, "\xff\xfe\xfd\xfc");
  Read u = read_bytes(bad_utf8);
  EXPECT_EQ(u.ids.size(), 1u);  // the damaged record is reported, the other read
  ASSERT_EQ(u.summary.errors.size(), 1u);
  EXPECT_EQ(u.summary.errors[0].pos.record, 0);
  EXPECT_EQ(u.summary.errors[0].message.rfind("invalid JSON: ", 0), 0u);
}

TEST(DamagedInput, BomAndCrlfJsonLinesReadCleanly) {
  std::string rec1 = testing::iam_user_record("CreateUser", "2024-08-01T13:33:28Z", "id-1");
  std::string rec2 = testing::iam_user_record("CreateAccessKey", "2024-08-01T13:33:29Z", "id-2");
  Read r = read_bytes("\xEF\xBB\xBF" + rec1 + "\r\n" + rec2 + "\r\n");
  EXPECT_EQ(r.ids, (std::vector<std::string>{"id-1", "id-2"}));
  EXPECT_EQ(r.summary.errors_total, 0u);
}

// A .json.gz that another compressor made (zstd here, as some export tools
// write) is one problem that says what it is, not a "skipping to the next
// line" for every newline byte in the binary (a dozen for a 1 KB file).
TEST(DamagedInput, AFileOfAnotherCompressorIsOneProblemThatNamesIt) {
  testing::TempDir tmp;
  const auto path = tmp.path() / "111122223333_CloudTrail_us-east-1_20251102T0915Z_x.json.gz";
  std::string zstd("\x28\xb5\x2f\xfd\x64\x00\x04\x00", 8);
  for (int i = 0; i < 200; ++i) zstd += std::string("(\n\x7f\xaf\x18-M)", 8);
  testing::write_file(path, zstd);
  Scanner scanner(ScanOptions{});
  Count sink;
  RunSummary summary;
  scanner.scan_file(InputFile{path.string()}, sink, summary);
  EXPECT_TRUE(sink.ids.empty());
  EXPECT_EQ(summary.files_failed, 1u);
  ASSERT_EQ(summary.errors.size(), 1u);
  EXPECT_EQ(summary.errors[0].to_string(),
            path.string() + ": byte 0: zstd-compressed, not gzip: decompress it first (zstd -dc FILE | "
                            "trailsweep scan -); not read");
}

TEST(DamagedInput, WrongTrailerChecksumIsReportedAfterReadingTheRecords) {
  std::string gz = testing::read_file(archive_file());
  Read intact = read_bytes(gz);
  std::string bad = gz;
  bad[bad.size() - 8] = static_cast<char>(bad[bad.size() - 8] ^ 0xff);
  Read r = read_bytes(bad);
  EXPECT_EQ(r.ids, intact.ids);
  ASSERT_EQ(r.summary.errors.size(), 1u);
  EXPECT_EQ(r.summary.errors[0].message, "corrupt gzip data: incorrect data check");
  EXPECT_TRUE(r.summary.errors[0].pos.compressed);
}

TEST(DamagedInput, ZeroFilledGzipBombHitsTheCap) {
  // 3 GiB of zeros compresses to ~3 MB; the cap stops it long before.
  std::string zeros(64 << 20, '\0');
  std::string member = testing::gzip_bytes(zeros);
  std::string bomb;
  for (int i = 0; i < 48; ++i) bomb += member;  // concatenated members: 3 GiB when inflated
  ScanOptions opts;
  opts.max_decompressed_bytes = 256ull << 20;
  Read r = read_bytes(bomb, opts);
  EXPECT_TRUE(r.ids.empty());
  bool capped = false;
  for (const auto& e : r.summary.errors) capped |= e.message.find("--max-decompressed-size") != std::string::npos;
  EXPECT_TRUE(capped);
  EXPECT_LE(r.summary.bytes_uncompressed, 256ull << 20);
}

TEST(DamagedInput, RedeliveredRecordsDoNotDoubleCountStages) {
  // The full campaign file set, with every archive file given twice.
  auto once = testing::run_trailsweep("scan --format json --no-summary --deterministic testdata/archive");
  auto twice = testing::run_trailsweep("scan --format json --no-summary --deterministic testdata/archive testdata/archive");
  auto stages_of = [](const std::string& json) {
    auto p = json.find("\"stages\"");
    return json.substr(p, json.find("\"event_ids\"", p) - p);
  };
  ASSERT_NE(once.out.find("\"stages\""), std::string::npos);
  EXPECT_EQ(stages_of(once.out), stages_of(twice.out));
  EXPECT_NE(once.out.find("\"event_count\": 162"), std::string::npos);
  EXPECT_NE(twice.out.find("\"event_count\": 162"), std::string::npos);
}

TEST(DamagedInput, FindingsFromIntactFilesDoNotChange) {
  testing::TempDir tmp;
  std::string benign;  // an organization-trail file with only benign records
  for (const auto& e : fs::recursive_directory_iterator(fs::path(TRAILSWEEP_SOURCE_DIR) / "testdata/archive/AWSLogs/o-a1b2c3d4e5")) {
    if (e.is_regular_file()) benign = e.path().string();
  }
  std::string gz = testing::read_file(benign);
  testing::write_file(tmp.path() / "truncated.json.gz", gz.substr(0, gz.size() / 3));
  std::string flipped = gz;
  flipped[100] = '\x01';
  testing::write_file(tmp.path() / "flipped.json.gz", flipped);
  testing::write_file(tmp.path() / "zeros.json", std::string(1 << 20, '\0'));
  auto clean = testing::run_trailsweep("scan --format json --no-summary --deterministic testdata/scenarios/jsonl-delivery");
  auto mixed = testing::run_trailsweep("scan --format json --no-summary --deterministic testdata/scenarios/jsonl-delivery " +
                                       tmp.path().string());
  EXPECT_EQ(mixed.exit_code, 1);
  auto findings_of = [](const std::string& json) { return json.substr(0, json.find("\"summary\"")); };
  EXPECT_TRUE(findings_of(clean.out) == findings_of(mixed.out));
  EXPECT_NE(mixed.out.find("truncated.json.gz"), std::string::npos);
  EXPECT_NE(mixed.out.find("zeros.json"), std::string::npos);
}

}  // namespace
}  // namespace trailsweep
