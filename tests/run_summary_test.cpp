// RunSummary: the counts that decide exit status 3 and that pipelines read
// from the JSON "summary" object.
#include "trailsweep/run_summary.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "trailsweep/json_writer.hpp"

namespace trailsweep {
namespace {

Diagnostic problem_at(const std::string& file, std::int64_t record) {
  Diagnostic d = file_problem(file, "invalid JSON: TAPE_ERROR");
  d.pos.record = record;
  d.pos.offset = 100 * record;
  return d;
}

TEST(RunSummary, WorkersMergeIntoOneCountWithTheirProblemsInOrder) {
  RunSummary a, b;
  a.files_read = 3;
  a.records = 100;
  a.records_rejected = 1;
  a.bytes_compressed = 10;
  a.first_event_ms = 2000;
  a.last_event_ms = 3000;
  a.add_error(problem_at("a.json.gz", 1));
  b.files_read = 2;
  b.files_failed = 1;
  b.records = 50;
  b.records_filtered = 7;
  b.digest_files = 4;
  b.bytes_compressed = 5;
  b.first_event_ms = 1000;
  b.last_event_ms = 2500;
  b.add_error(problem_at("b.json.gz", 2));
  b.add_error(problem_at("b.json.gz", 3));
  RunSummary total;
  total.merge(a);
  total.merge(b);
  EXPECT_EQ(total.files_read, 5u);
  EXPECT_EQ(total.files_failed, 1u);
  EXPECT_EQ(total.records, 150u);
  EXPECT_EQ(total.records_rejected, 1u);
  EXPECT_EQ(total.records_filtered, 7u);
  EXPECT_EQ(total.digest_files, 4u);
  EXPECT_EQ(total.bytes_compressed, 15u);
  EXPECT_EQ(total.first_event_ms, 1000);
  EXPECT_EQ(total.last_event_ms, 3000);
  ASSERT_EQ(total.errors.size(), 3u);
  EXPECT_EQ(total.errors_total, 3u);
  EXPECT_EQ(total.errors[0].pos.file, "a.json.gz");
  EXPECT_EQ(total.errors[2].pos.record, 3);
}

TEST(RunSummary, ProblemsBeyondTheListAreCountedAndSaidToBeThere) {
  RunSummary s;
  for (std::size_t i = 0; i < RunSummary::kMaxErrorsKept + 3; ++i) {
    s.add_error(problem_at("big.json.gz", static_cast<std::int64_t>(i)));
  }
  EXPECT_EQ(s.errors.size(), RunSummary::kMaxErrorsKept);
  EXPECT_EQ(s.errors_total, RunSummary::kMaxErrorsKept + 3);
  const std::string text = render_summary_text(s);
  EXPECT_NE(text.find("trailsweep: 1003 input problems (input was skipped):\n"), std::string::npos);
  EXPECT_NE(text.find("  big.json.gz: record 0 (byte 0): invalid JSON: TAPE_ERROR\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  ... and 3 more\n"), std::string::npos);
}

TEST(RunSummary, OnlyUnreadInputAndMemoryCapsMakeTheRunIncomplete) {
  // Skipping what is not a log (digests, Insights, files and records outside
  // the filters, other names) is the job, not a problem: exit 0 stays 0.
  RunSummary s;
  s.files_read = 10;
  s.digest_files = 2;
  s.insight_files = 1;
  s.filtered_files = 5;
  s.ignored_files = 3;
  s.other_service_files = 4;
  s.records_filtered = 40;
  s.insight_records = 6;
  EXPECT_FALSE(s.input_incomplete());
  RunSummary unread = s;
  unread.add_error(problem_at("x.json.gz", 4));
  EXPECT_TRUE(unread.input_incomplete());
  RunSummary actors = s;
  actors.evicted_principals = 1;
  EXPECT_TRUE(actors.input_incomplete());
  RunSummary hits = s;
  hits.evicted_correlation_hits = 1;
  EXPECT_TRUE(hits.input_incomplete());
}

TEST(RunSummary, TheTextSaysWhatWasSkippedEstimatedAndEvicted) {
  RunSummary s;
  s.files_read = 10;
  s.digest_files = 2;
  s.filtered_files = 5;
  s.records = 1000;
  s.principals = 1500000;
  s.principals_estimated = true;
  s.evicted_principals = 7;
  s.evicted_principal_events = 9;
  s.evicted_by_rule = {{"noisy", "Noisy", 8, 0}, {"chatty", "Chatty", 1, 4}};
  s.other_service_files = 3;
  s.other_services = {"Config", "vpcflowlogs"};
  const std::string text = render_summary_text(s);
  EXPECT_NE(text.find("3 files of other AWS services' logs skipped (Config, vpcflowlogs)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("10 files read (7 skipped: 2 digest, 0 insight, 5 outside filters)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("~1500000 principals (estimated)"), std::string::npos) << text;
  EXPECT_NE(text.find("7 actor(s) with 9 matching event(s) evicted at --max-tracked-principals"), std::string::npos);
  EXPECT_NE(text.find("evicted by rule: Noisy (noisy) 8 event(s); Chatty (chatty) 1 event(s) 4 hit(s)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("input problem"), std::string::npos) << "no problem line when nothing failed";
}

TEST(RunSummary, TheTextSaysOneFileRecordPrincipalAndFindingInTheSingular) {
  struct Case {
    std::uint64_t files, records, principals, findings;
    std::vector<std::string> lines;  // each follows "trailsweep: "
  };
  const std::vector<Case> cases = {
      {1, 1, 1, 1, {"1 file read;", "1 record; 1 principal;", "1 finding (0 critical"}},
      {0, 2, 0, 2, {"0 files read;", "2 records; 0 principals;", "2 findings (0 critical"}},
  };
  for (const Case& c : cases) {
    RunSummary s;
    s.files_read = c.files;
    s.records = c.records;
    s.principals = c.principals;
    s.findings_by_level[1] = c.findings;
    s.elapsed_s = 1;
    const std::string text = render_summary_text(s);
    for (const std::string& line : c.lines) EXPECT_NE(text.find("trailsweep: " + line), std::string::npos) << text;
  }
}

TEST(RunSummary, TheTextNamesTheFiveRulesMostEvictedAndCountsTheRest) {
  RunSummary s;
  s.evicted_correlation_hits = 28;
  for (int i = 7; i > 0; --i) s.evicted_by_rule.push_back({"r" + std::to_string(i), "R", 0, static_cast<std::uint64_t>(i)});
  const std::string text = render_summary_text(s);
  EXPECT_NE(text.find("evicted by rule: R (r7) 7 hit(s); R (r6) 6 hit(s); R (r5) 5 hit(s); R (r4) 4 hit(s); "
                      "R (r3) 3 hit(s); 2 more rule(s)\n"),
            std::string::npos)
      << text;
  RunSummary clean;
  EXPECT_EQ(render_summary_text(clean).find("evicted"), std::string::npos) << "nothing said when nothing was evicted";
}

// Rule titles and ids, allowlist entry names: text from YAML files someone
// else may have written, printed on a terminal.
TEST(RunSummary, NamesFromRuleAndAllowlistFilesReachTheTerminalWithoutEscapes) {
  RunSummary s;
  s.evicted_principals = 1;
  s.evicted_principal_events = 1;
  s.evicted_by_rule = {{"id\x1b]0;pwned\a", "Title\x1b[2J\r", 1, 0}};
  s.suppressed = {{"entry\x1b[31m", "rule", 2}};
  s.unused_allow_entries = {"unused\x1b[1m"};
  const std::string text = render_summary_text(s);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NE(text.find("Title\\x0d (id) 1 event(s)"), std::string::npos) << text;
  EXPECT_NE(text.find(": entry (rule) 2"), std::string::npos) << text;
  EXPECT_NE(text.find("suppressed nothing: unused\n"), std::string::npos) << text;
}

TEST(RunSummary, JsonSummaryKeepsItsDocumentedFieldNames) {
  // Pipelines read these names (README "Output"); renaming one breaks them.
  RunSummary s;
  s.files_read = 3;
  s.records = 12;
  s.records_rejected = 1;
  s.findings_by_level[4] = 1;
  s.evicted_correlation_hits = 2;
  s.evicted_by_rule = {{"chatty", "Chatty", 0, 2}};
  s.other_service_files = 6;
  s.repeated_paths = 7;
  s.add_error(problem_at("a.json.gz", 5));
  std::string out;
  JsonWriter w(out);
  write_summary_json(w, s);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(out).get(doc)) << out;
  auto number = [&](const char* pointer) {
    std::uint64_t n = 999;
    EXPECT_FALSE(doc.at_pointer(pointer).get(n)) << pointer << " in " << out;
    return n;
  };
  EXPECT_EQ(number("/files"), 3u);
  EXPECT_EQ(number("/files_failed"), 0u);
  EXPECT_EQ(number("/records"), 12u);
  EXPECT_EQ(number("/principals"), 0u);
  EXPECT_EQ(number("/bytes_compressed"), 0u);
  EXPECT_EQ(number("/bytes_uncompressed"), 0u);
  EXPECT_EQ(number("/skipped/digest_files"), 0u);
  EXPECT_EQ(number("/skipped/insight_files"), 0u);
  EXPECT_EQ(number("/skipped/filtered_files"), 0u);
  EXPECT_EQ(number("/skipped/ignored_files"), 0u);
  EXPECT_EQ(number("/skipped/other_service_files"), 6u);
  EXPECT_EQ(number("/skipped/repeated_paths"), 7u);
  EXPECT_EQ(number("/skipped/rejected_records"), 1u);
  EXPECT_EQ(number("/skipped/filtered_records"), 0u);
  EXPECT_EQ(number("/findings/critical"), 1u);
  EXPECT_EQ(number("/evicted/correlation_hits"), 2u);
  EXPECT_EQ(number("/evicted/by_rule/0/principal_events"), 0u);
  EXPECT_EQ(number("/evicted/by_rule/0/correlation_hits"), 2u);
  std::string_view evicted_rule;
  EXPECT_FALSE(doc.at_pointer("/evicted/by_rule/0/rule").get(evicted_rule));
  EXPECT_EQ(evicted_rule, "chatty");
  EXPECT_FALSE(doc.at_pointer("/evicted/by_rule/0/title").get(evicted_rule));
  EXPECT_EQ(evicted_rule, "Chatty");
  EXPECT_EQ(number("/suppressed/hits"), 0u);
  EXPECT_EQ(number("/errors_total"), 1u);
  std::string_view file;
  EXPECT_FALSE(doc.at_pointer("/errors/0/file").get(file));
  EXPECT_EQ(file, "a.json.gz");
  bool estimated = true;
  EXPECT_FALSE(doc.at_pointer("/principals_estimated").get(estimated));
  EXPECT_FALSE(estimated);
}

}  // namespace
}  // namespace trailsweep
