#include "trailsweep/record_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "test_util.hpp"
#include "trailsweep/json_writer.hpp"

namespace trailsweep {
namespace {

struct Split {
  std::vector<std::string> records;
  std::vector<std::int64_t> offsets, indexes;
  std::vector<ReaderProblem> problems;
};

Split split_one_way(const std::string& input, std::size_t chunk, ReaderLimits limits) {
  MemorySource src(input, chunk);
  Decoder dec(src, UINT64_MAX);
  RecordReader reader(dec, limits);
  Split s;
  RecordView v;
  while (reader.next(&v)) {
    s.records.emplace_back(v.json);
    s.offsets.push_back(v.offset);
    s.indexes.push_back(v.index);
    EXPECT_GE(v.padded_capacity, v.json.size() + kRecordPadding);
  }
  s.problems = reader.problems();
  return s;
}

// Splits `input` with the bitmap index and again with the state machine
// alone: every test here checks that both find the same records and problems.
Split split(const std::string& input, std::size_t chunk = SIZE_MAX, ReaderLimits limits = {}) {
  limits.structure_index = true;
  Split indexed = split_one_way(input, chunk, limits);
  limits.structure_index = false;
  const Split stepped = split_one_way(input, chunk, limits);
  EXPECT_EQ(indexed.records, stepped.records) << "chunk " << chunk;
  EXPECT_EQ(indexed.offsets, stepped.offsets) << "chunk " << chunk;
  EXPECT_EQ(indexed.indexes, stepped.indexes) << "chunk " << chunk;
  EXPECT_EQ(indexed.problems.size(), stepped.problems.size()) << "chunk " << chunk;
  for (std::size_t i = 0; i < std::min(indexed.problems.size(), stepped.problems.size()); ++i) {
    const ReaderProblem &a = indexed.problems[i], &b = stepped.problems[i];
    EXPECT_EQ(std::tie(a.offset, a.record, a.message, a.at_end), std::tie(b.offset, b.record, b.message, b.at_end))
        << "problem " << i << ", chunk " << chunk;
  }
  return indexed;
}

const std::string kA = R"({"eventName":"A","x":{"y":[1,"}{"]}})";
const std::string kB = R"({"eventName":"B","s":"quote \" and \\ and ]"})";

TEST(RecordReader, NativeRecordsWrapper) {
  std::string in = R"({"Records":[)" + kA + "," + kB + "]}";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{64}, SIZE_MAX}) {
    auto s = split(in, chunk);
    ASSERT_EQ(s.records.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(s.records[0], kA);
    EXPECT_EQ(s.records[1], kB);
    EXPECT_EQ(s.offsets[0], 12);
    EXPECT_EQ(s.offsets[1], static_cast<std::int64_t>(13 + kA.size()));
    EXPECT_TRUE(s.problems.empty());
  }
}

TEST(RecordReader, RecordsKeyNeedNotComeFirst) {
  auto s = split(R"({"version":"x","Records" : [)" + kA + "]}");
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.records[0], kA);
  EXPECT_EQ(s.indexes[0], 0);
}

TEST(RecordReader, TopLevelArrayPrettyPrinted) {
  auto s = split("[\n   " + kA + ",\n   " + kB + "\n]\n", 5);
  ASSERT_EQ(s.records.size(), 2u);
  EXPECT_EQ(s.records[1], kB);
  EXPECT_TRUE(s.problems.empty());
}

TEST(RecordReader, JsonLinesOfRecordsAndOfWrappers) {
  std::string in = kA + "\n" + R"({"Records":[)" + kB + "," + kA + "]}\r\n" + kB + "\n";
  auto s = split(in, 7);
  ASSERT_EQ(s.records.size(), 4u);
  EXPECT_EQ(s.records[0], kA);
  EXPECT_EQ(s.records[1], kB);
  EXPECT_EQ(s.records[2], kA);
  EXPECT_EQ(s.records[3], kB);
  EXPECT_EQ((std::vector<std::int64_t>{0, 1, 2, 3}), s.indexes);
  EXPECT_TRUE(s.problems.empty());
}

// `aws cloudtrail lookup-events` prints {"Events":[...]}; a CloudWatch Logs
// subscription delivers {"messageType":...,"logEvents":[...]}: their elements
// are handed out (RecordParser reads the record each one wraps), also when
// several documents follow each other without a newline (Firehose).
TEST(RecordReader, ElementsOfLookupEventsAndLogEventsArraysAreHandedOut) {
  const std::string lookup = "{\n    \"Events\": [\n        " + kA + ",\n        " + kB + "\n    ],\n    \"NextToken\": \"t\"\n}\n";
  const std::string subscription = R"({"messageType":"DATA_MESSAGE","owner":"1","logEvents":[)" + kB + "," + kA + "]}";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, SIZE_MAX}) {
    auto s = split(lookup + subscription + subscription + R"({"Events":[]})", chunk);
    ASSERT_EQ(s.records.size(), 6u) << "chunk " << chunk;
    EXPECT_EQ(s.records[0], kA);
    EXPECT_EQ(s.records[1], kB);
    EXPECT_EQ(s.records[2], kB);
    EXPECT_EQ(s.records[5], kA);
    EXPECT_EQ(s.offsets[2], static_cast<std::int64_t>(lookup.size() + subscription.find(kB)));
    EXPECT_TRUE(s.problems.empty()) << s.problems[0].message;
  }
}

// A CloudWatch Logs export task writes each event after its time and a space.
TEST(RecordReader, TheTimeBeforeEachLineOfACloudWatchLogsExportIsSkipped) {
  const std::string in = "2025-11-02T14:00:03.000Z " + kA + "\n2025-11-02T14:00:04.000Z " + kB + "\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{9}, SIZE_MAX}) {
    auto s = split(in, chunk);
    ASSERT_EQ(s.records.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(s.records[0], kA);
    EXPECT_EQ(s.records[1], kB);
    EXPECT_EQ(s.offsets[0], 25);
    EXPECT_EQ(s.offsets[1], static_cast<std::int64_t>(25 + kA.size() + 1 + 25));
    EXPECT_EQ((std::vector<std::int64_t>{0, 1}), s.indexes);
    EXPECT_TRUE(s.problems.empty()) << s.problems[0].message;
  }
  // What only looks like a time is reported where it starts, and the line skipped.
  const std::string bad_time = "2025-13-02T14:00:03.000Z " + kA + "\n";
  const std::string no_space = "2025-11-02T14:00:03.000Z" + kA + "\n";
  const std::string number = "12345\n";
  auto s = split(bad_time + no_space + number + kB + "\n2025-11-02T14:00:03Z");
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.records[0], kB);
  ASSERT_EQ(s.problems.size(), 4u);
  EXPECT_EQ(s.problems[0].offset, 0);
  EXPECT_EQ(s.problems[0].message, "unexpected '2' at top level; skipping to the next line");
  EXPECT_EQ(s.problems[1].offset, static_cast<std::int64_t>(bad_time.size()));
  EXPECT_EQ(s.problems[2].offset, static_cast<std::int64_t>(bad_time.size() + no_space.size()));
  EXPECT_EQ(s.problems[2].message, "unexpected '1' at top level; skipping to the next line");
  EXPECT_EQ(s.problems[3].offset, static_cast<std::int64_t>(bad_time.size() + no_space.size() + number.size() + kB.size() + 1))
      << "a time the stream ends in";
}

TEST(RecordReader, SkipsUtf8ByteOrderMark) {
  auto s = split("\xEF\xBB\xBF" + kA + "\n");
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.offsets[0], 3);
}

TEST(RecordReader, TruncatedRecordIsLocatedAndEarlierRecordsKept) {
  std::string in = R"({"Records":[)" + kA + "," + kB.substr(0, 10);
  auto s = split(in, 4);
  ASSERT_EQ(s.records.size(), 1u);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_TRUE(s.problems[0].at_end);
  EXPECT_EQ(s.problems[0].record, 1);
  EXPECT_EQ(s.problems[0].offset, static_cast<std::int64_t>(13 + kA.size()));
  EXPECT_EQ(s.problems[0].message, "input ends inside this record (truncated)");
}

TEST(RecordReader, BrokenJsonLineResynchronisesOnTheNextLine) {
  std::string cut = kB.substr(0, 24);  // ends inside a string
  std::string in = kA + "\n" + cut + "\n" + kB + "\n" + R"({"eventName":"C","n":[1,)" + "\n" + kA + "\n";
  auto s = split(in);
  ASSERT_EQ(s.records.size(), 3u);
  EXPECT_EQ(s.records[1], kB);
  EXPECT_EQ(s.indexes[1], 2);
  ASSERT_EQ(s.problems.size(), 2u);
  EXPECT_EQ(s.problems[0].record, 1);
  EXPECT_EQ(s.problems[0].offset, static_cast<std::int64_t>(kA.size() + 1));
  EXPECT_EQ(s.problems[0].message, "invalid JSON: the line ends inside a string");
  EXPECT_EQ(s.problems[1].record, 3);
  EXPECT_EQ(s.problems[1].message, "invalid JSON: the line ends before the value is complete");
}

TEST(RecordReader, NonObjectElementsAreReportedAndSkipped) {
  auto s = split(R"({"Records":[)" + kA + R"(,42,"text",[1,2],null,)" + kB + "]}");
  ASSERT_EQ(s.records.size(), 2u);
  EXPECT_EQ(s.indexes[1], 5);
  ASSERT_EQ(s.problems.size(), 4u);
  EXPECT_EQ(s.problems[0].record, 1);
  EXPECT_EQ(s.problems[0].message, "record is not a JSON object; skipped");
  EXPECT_EQ(s.problems[1].message, "record is a string, not a JSON object; skipped");
  EXPECT_EQ(s.problems[2].message, "record is an array, not a JSON object; skipped");
  EXPECT_EQ(s.problems[3].record, 4);
}

TEST(RecordReader, OversizedRecordIsSkippedWithItsSize) {
  std::string big = R"({"eventName":"big","pad":")" + std::string(600000, 'x') + R"("})";
  ReaderLimits limits;
  limits.max_record_bytes = 100000;
  auto s = split(R"({"Records":[)" + big + "," + kA + "]}", SIZE_MAX, limits);
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.records[0], kA);
  EXPECT_EQ(s.indexes[0], 1);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_EQ(s.problems[0].record, 0);
  EXPECT_EQ(s.problems[0].offset, 12);
  EXPECT_EQ(s.problems[0].message, "record larger than 100000 bytes (--max-record-size); skipped");
}

TEST(RecordReader, DeepNestingIsCapped) {
  std::string deep = R"({"eventName":"deep","a":)" + std::string(300, '[') + std::string(300, ']') + "}";
  auto s = split(R"({"Records":[)" + deep + "," + kA + "]}");
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.records[0], kA);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_EQ(s.problems[0].message, "JSON nested deeper than 256 levels; record skipped");
}

TEST(RecordReader, GarbageAtTopLevelSkipsToTheNextLine) {
  auto s = split("garbage here\n" + kA + "\n");
  ASSERT_EQ(s.records.size(), 1u);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_EQ(s.problems[0].offset, 0);
  EXPECT_EQ(s.problems[0].message, "unexpected 'g' at top level; skipping to the next line");
}

TEST(RecordReader, LargeStreamInSmallChunksKeepsEveryRecord) {
  std::string in = R"({"Records":[)";
  for (int i = 0; i < 5000; ++i) {
    if (i) in += ',';
    in += R"({"eventName":"E)" + std::to_string(i) + R"(","p":{"q":"\"}"}})";
  }
  in += "]}";
  auto s = split(testing::gzip_bytes(in), 333);
  ASSERT_EQ(s.records.size(), 5000u);
  EXPECT_EQ(s.records[4999], R"({"eventName":"E4999","p":{"q":"\"}"}})");
  EXPECT_TRUE(s.problems.empty());
}

// Real record shapes, one per line and in a Records wrapper, with what the
// bitmap index must leave to the state machine: escapes, non-ASCII text, a
// pretty-printed record, "Records" inside a record, nesting at and past the
// cap, a backslash outside any string, and a line cut short.
// An element of `aws cloudtrail lookup-events` output: the record as an escaped string.
std::string lookup_event(const std::string& record) {
  std::string out = R"({"EventId":"8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11","EventName":"CreateUser","CloudTrailEvent":)";
  append_json_string(out, record);
  return out + "}";
}

TEST(RecordReader, IndexedAndSteppedSplitsAgreeOnRealAndUnusualRecords) {
  const std::string real = testing::iam_user_record();
  const std::vector<std::string> records = {
      real,
      testing::iam_user_record("CreateAccessKey"),
      R"({"eventName":"A","userAgent":"quote \" and \\","x":"cafÃ©"})",
      "{\"eventName\": \"Pretty\",\n  \"x\": {\"y\": 1}\n}",
      R"({"eventName":"Wrapped","note":"Records","Records":[{"eventName":"Inner"}]})",
      R"({"eventName":"AtCap","a":)" + std::string(254, '[') + std::string(254, ']') + "}",
      R"({"eventName":"PastCap","a":)" + std::string(256, '[') + std::string(256, ']') + "}",
      R"({"eventName":"Odd",\"x":"}"})",
      real,
      // Escaped records in a row (lookup-events elements): the state machine
      // reads each, and the index, confirmed at each one's end, goes on to
      // the next and to the plain record after them.
      lookup_event(real),
      lookup_event(testing::iam_user_record("DeleteUser")),
      real,
      R"({"eventName":"Odd2","a":[1,\"x"]})",
      lookup_event(testing::iam_user_record("CreateLoginProfile")),
      real,
      // Indented as the AWS CLI prints lookup-events output: newlines
      // between tokens, which end a record only in JSON lines.
      testing::indented(lookup_event(testing::iam_user_record("AttachUserPolicy"))),
      "{\"eventName\":\"RawNewline\",\"s\":\"a\nb \\\" c\"}",
      "{\"eventName\":\"Tabs\",\t\"s\":\"x\\\\\"\r,\"t\":\"\xc3\xa9\x01\"}",
      R"({"eventName":"Odd3","s":"a\"},\"x":"y"})",
      real,
  };
  std::string lines, wrapped = R"({"Records":[)";
  for (std::size_t i = 0; i < records.size(); ++i) {
    lines += records[i] + "\n";
    wrapped += (i ? "," : "") + records[i];
  }
  wrapped += "]}";
  const std::string cut = lines + real.substr(0, real.size() / 2);
  for (const std::string* input : std::initializer_list<const std::string*>{&lines, &wrapped, &cut}) {
    for (std::size_t chunk : {std::size_t{7}, std::size_t{100}, std::size_t{4096}, SIZE_MAX}) {
      const Split s = split(*input, chunk);
      EXPECT_GE(s.records.size(), 5u);
      EXPECT_EQ(s.records.front(), real);
    }
  }
  const Split whole_lines = split(lines);
  EXPECT_EQ(whole_lines.records.back(), real);
  EXPECT_FALSE(whole_lines.problems.empty());  // past the cap, and the broken record

  // `aws cloudtrail lookup-events` output as the CLI prints it, then JSON
  // lines: a newline between tokens inside the array's records keeps the
  // reader from taking what follows for JSON lines (a raw newline in a
  // string is then text, not the end of a line).
  const std::string events = "{\n    \"Events\": [\n        " + testing::indented(lookup_event(real)) + ",\n        " +
                             testing::indented(lookup_event(testing::iam_user_record("DeleteUser"))) + "\n    ]\n}\n";
  for (std::size_t chunk : {std::size_t{64}, SIZE_MAX}) {
    const Split s = split(events + events, chunk);
    EXPECT_EQ(s.records.size(), 4u);
    EXPECT_TRUE(s.problems.empty());
    const Split only_in_records =
        split("[" + testing::indented(lookup_event(real)) + "]\n{\"eventName\":\"B\",\"s\":\"a\nb\"}\n", chunk);
    EXPECT_EQ(only_in_records.records.size(), 2u);
    EXPECT_TRUE(only_in_records.problems.empty()) << "not JSON lines: the newline is in a string";
  }
}

// fuzz_decoder: after the state machine's error recovery (a line cut inside
// a string), the index still counted that string as open, and took the next
// line's record for the inside of a string.
TEST(RecordReader, FuzzIndexAfterRecoveryAgreesWithTheStateMachine) {
  const std::string in = testing::read_file(std::string(TRAILSWEEP_SOURCE_DIR) +
                                            "/tests/fuzz/regressions/decoder-reader-index-after-recovery.bin");
  ASSERT_GT(in.size(), 1000u);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{31}, SIZE_MAX}) {
    const Split s = split(in, chunk);
    EXPECT_GT(s.problems.size(), 100u);
  }
  const std::string line = testing::iam_user_record();
  const Split s = split(line + "\n\"open\n" + line + "\n" + line + "\n");
  EXPECT_EQ(s.records.size(), 3u);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_EQ(s.problems[0].message, "invalid JSON: the line ends inside a string");
}

}  // namespace
}  // namespace trailsweep
