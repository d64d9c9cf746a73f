// Reporters: golden files for every format, SARIF schema validation, hostile
// strings, determinism.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iterator>
#include <random>
#include <thread>

#include "test_util.hpp"
#include "trailsweep/parallel_stretches.hpp"
#include "trailsweep/report_asff.hpp"
#include "trailsweep/report_csv.hpp"
#include "trailsweep/report_html.hpp"
#include "trailsweep/report_ocsf.hpp"
#include "trailsweep/report_sarif.hpp"
#include "trailsweep/reporter.hpp"

namespace trailsweep {
namespace {

namespace fs = std::filesystem;
using testing::run_trailsweep;

const char* kFormats[][2] = {{"text", "txt"},   {"json", "json"}, {"jsonl", "jsonl"}, {"sarif", "sarif"},
                             {"ocsf", "ocsf.jsonl"}, {"asff", "asff.json"}, {"csv", "csv"}};
const char* kScenarios[] = {"archive", "scenarios/jsonl-delivery", "scenarios/benign-lookalikes"};

// Set TRAILSWEEP_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
TEST(Report, EveryFormatMatchesItsGoldenFile) {
  bool update = std::getenv("TRAILSWEEP_UPDATE_GOLDEN") != nullptr;
  for (const char* scenario : kScenarios) {
    std::string name = fs::path(scenario).filename().string();
    for (const auto& [format, ext] : kFormats) {
      auto r = run_trailsweep(std::string("scan --deterministic --no-summary --color never --format ") + format +
                              " testdata/" + scenario);
      fs::path golden = fs::path(TRAILSWEEP_SOURCE_DIR) / "tests/golden" / (name + "." + ext);
      if (update) testing::write_file(golden, r.out);
      std::string want = testing::read_file(golden);
      if (r.out == want) continue;
      // Show the first differing line, not two whole documents.
      std::size_t at = 0;
      while (at < r.out.size() && at < want.size() && r.out[at] == want[at]) ++at;
      std::size_t line_start = r.out.rfind('\n', at == 0 ? 0 : at - 1);
      line_start = line_start == std::string::npos ? 0 : line_start + 1;
      ADD_FAILURE() << golden << " differs at byte " << at << ":\n  got:  "
                    << r.out.substr(line_start, r.out.find('\n', at) - line_start) << "\n  want: "
                    << want.substr(line_start, want.find('\n', at) - line_start)
                    << "\nRerun with TRAILSWEEP_UPDATE_GOLDEN=1 if the change is intended.";
    }
  }
}

// A noisy rule's report: enough findings to be rendered in chunks on threads.
std::vector<Finding> many_findings(std::size_t n) {
  std::vector<Finding> findings(n);
  for (std::size_t i = 0; i < findings.size(); ++i) {
    Finding& f = findings[i];
    f.rule_id = "r" + std::to_string(i % 7);
    f.title = "noisy \"rule\"";
    f.principal = "arn:aws:sts::111122223333:assumed-role/app/p" + std::to_string(i);
    f.event_count = i;
    f.regions = {"us-east-1"};
    if (i % 3 == 0) f.user_agents = {"ua\n" + std::to_string(i)};
    f.evidence.push_back(Evidence{});
    f.evidence.back().event_id = "e" + std::to_string(i);
  }
  return findings;
}

// A report of many findings is rendered in chunks on several threads; it must
// be the text one writer would produce: each finding exactly as it renders on
// its own, joined in order.
// Lists in the CSV and HTML reports: a separator between values met, none
// before the first non-empty text, the buffer cleared for each list.
TEST(Report, JoinedListsPutSeparatorsOnlyBetweenValues) {
  std::string joined = "left from the last row";
  join_into(joined, ValueSet{"eu-west-1", "us-east-1"}, ", ");
  EXPECT_EQ(joined, "eu-west-1, us-east-1");
  join_into(joined, std::vector<std::string>{"", "T1496", "T1078.004"}, "; ");
  EXPECT_EQ(joined, "T1496; T1078.004");
  join_into(joined, ValueSet{}, " | ");
  EXPECT_EQ(joined, "");
}

TEST(Report, LargeReportsRenderInOrderAsOneWriterWould) {
  const std::vector<Finding> findings = many_findings(2000);
  RunSummary summary;
  summary.records = 42;
  // One finding alone: its block is what sits between "findings": [ and ].
  auto block_of = [&](const Finding& f) {
    const std::string one = render_json_report({f}, summary);
    const std::size_t begin = one.find("[\n") + 2, end = one.find("\n  ],\n  \"summary\"");
    return one.substr(begin, end - begin);
  };
  std::string joined;
  for (std::size_t i = 0; i < findings.size(); ++i) joined += (i ? ",\n" : "") + block_of(findings[i]);
  const std::string single = render_json_report({findings[0]}, summary);
  const std::string want = single.substr(0, single.find("[\n") + 2) + joined + single.substr(single.find("\n  ],\n  \"summary\""));
  std::string flushed;
  const std::string rest = render_json_report(findings, summary, [&](const std::string& part) { flushed += part; });
  EXPECT_EQ(flushed + rest, want);

  std::string lines;
  for (const auto& f : findings) {
    const std::string one = render_jsonl_report({f}, summary);
    lines += one.substr(0, one.find('\n') + 1);
  }
  const std::string all = render_jsonl_report(findings, summary);
  EXPECT_EQ(all.substr(0, lines.size()), lines);
}

// A noisy rule's report is tens of MB: each format that can be written as it
// is rendered hands it over in ~1 MB parts, together the report rendered whole.
TEST(Report, LargeReportsAreWrittenInPartsAsTheyAreRendered) {
  const std::vector<Finding> findings = many_findings(9000);
  RunSummary summary;
  ReportContext ctx;
  // On threads, findings are rendered 128 at a time and a part ends after a
  // whole chunk of them.
  constexpr std::size_t kLargestFinding = 256 * 1024;
  for (unsigned threads : {1u, 2u}) {
    testing::expect_written_in_parts(
        [&](const ReportFlush& f) { return render_json_report(findings, summary, f, threads); }, 2, kLargestFinding);
    testing::expect_written_in_parts(
        [&](const ReportFlush& f) { return render_jsonl_report(findings, summary, f, threads); }, 2, kLargestFinding);
  }
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_text_report(findings, false, f); }, 2,
                                   kLargestFinding);
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_csv_report(findings, f); }, 1,
                                   kLargestFinding);
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_ocsf_report(findings, ctx, f); }, 2,
                                   kLargestFinding);
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_sarif_report(findings, summary, ctx, f); },
                                   2, kLargestFinding);
  testing::expect_written_in_parts([&](const ReportFlush& f) { return render_asff_report(findings, ctx, f); }, 2,
                                   kLargestFinding);
  testing::expect_written_in_parts(
      [&](const ReportFlush& f) { return render_html_report(findings, summary, ctx, {"AWSLogs/"}, f); }, 2,
      kLargestFinding);
}

// Every format's renderer of `findings`, given the threads allowed (0: all cores).
using RenderWithThreads = std::function<std::string(unsigned threads)>;
std::vector<std::pair<const char*, RenderWithThreads>> every_format(const std::vector<Finding>& findings) {
  static const RunSummary summary;
  static const ReportContext ctx;
  return {
      {"json", [&](unsigned t) { return render_json_report(findings, summary, {}, t); }},
      {"jsonl", [&](unsigned t) { return render_jsonl_report(findings, summary, {}, t); }},
      {"text", [&](unsigned t) { return render_text_report(findings, false, {}, {}, t); }},
      {"text in colour", [&](unsigned t) { return render_text_report(findings, true, {}, {"a note"}, t); }},
      {"csv", [&](unsigned t) { return render_csv_report(findings, {}, t); }},
      {"sarif", [&](unsigned t) { return render_sarif_report(findings, summary, ctx, {}, t); }},
      {"ocsf", [&](unsigned t) { return render_ocsf_report(findings, ctx, {}, t); }},
      {"asff", [&](unsigned t) { return render_asff_report(findings, ctx, {}, t); }},
      {"html", [&](unsigned t) { return render_html_report(findings, summary, ctx, {"AWSLogs/"}, {}, t); }}};
}

// Renders `findings` in every format with `threads` allowed, while counting
// the process's threads, and checks the bytes against `threads_reference`'s
// (0: all cores). Returns the most threads seen, the watcher included.
int render_with_threads(const std::vector<Finding>& findings, unsigned threads, unsigned threads_reference) {
  const auto formats = every_format(findings);
  std::vector<std::string> reference;
  for (const auto& [name, render] : formats) reference.push_back(render(threads_reference));
  testing::ThreadCountWatch watch;
  std::vector<std::string> rendered;
  for (const auto& [name, render] : formats) rendered.push_back(render(threads));
  const int seen = watch.stop();
  for (std::size_t i = 0; i < formats.size(); ++i) {
    EXPECT_TRUE(rendered[i] == reference[i])
        << formats[i].first << " with " << threads << " threads differs from " << threads_reference;
  }
  return seen;
}

// A noisy rule's 20,000 findings took 100-170 ms to write in each format but
// JSON, on one thread after the scan: every format now renders a long
// report on the threads allowed.
TEST(Report, EveryFormatRendersALongReportOnTheThreadsAllowed) {
  const std::vector<Finding> findings = many_findings(6000);
  for (const auto& [name, render] : every_format(findings)) {
    const std::uint64_t before = threads_started();
    render(2);
    EXPECT_EQ(threads_started() - before, 1u) << name << ": one helper beside the caller at -j 2";
  }
}

// -j 1 is one thread: the renderers start none, and write the same bytes.
TEST(Report, OneThreadAllowedRendersOnTheCallersThreadAlone) {
  const int before = testing::process_threads();
  if (before == 0 || std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs /proc and two cores";
  EXPECT_EQ(render_with_threads(many_findings(3000), 1, 0), before + 1)
      << "a renderer started a thread (the watcher is the one more)";
}

// A pid limit that refuses the helpers: the caller renders what they would have.
TEST(Report, HelpersTheSystemRefusesAreRenderedForByTheCaller) {
  for (int allowed : {0, 1}) {
    testing::ThreadStartsRefused refused(allowed);
    render_with_threads(many_findings(6000), 4, 1);  // the same bytes as one thread writes
  }
}

// -j 2 is two threads, the caller's included: it renders too, beside one
// helper, and writes the same bytes.
TEST(Report, TwoThreadsAllowedAreTheCallerAndOneHelper) {
  const int before = testing::process_threads();
  if (before == 0) GTEST_SKIP() << "needs /proc";
  EXPECT_LE(render_with_threads(many_findings(6000), 2, 1), before + 2)
      << "more than one helper (the watcher is one more)";
}

TEST(Report, OutputIsByteIdenticalAcrossRunsAndFileOrders) {
  for (const auto& [format, ext] : kFormats) {
    auto a = run_trailsweep(std::string("scan --deterministic --no-summary --format ") + format +
                            " testdata/scenarios/org-trail-same-username testdata/archive");
    auto b = run_trailsweep(std::string("scan --deterministic --no-summary --format ") + format +
                            " testdata/archive testdata/scenarios/org-trail-same-username");
    EXPECT_EQ(a.out, b.out) << format;
  }
  auto epoch = run_trailsweep("scan --no-summary --format asff testdata/archive");
  EXPECT_EQ(epoch.out.find("\"CreatedAt\": \"2025-"), std::string::npos);  // wall clock without pinning
  setenv("SOURCE_DATE_EPOCH", "1767225600", 1);
  auto pinned = run_trailsweep("scan --no-summary --format asff testdata/archive");
  unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_NE(pinned.out.find("\"CreatedAt\": \"2026-01-01T00:00:00Z\""), std::string::npos);
}

TEST(Report, SarifValidatesAgainstTheOfficialSchema) {
  testing::TempDir tmp;
  auto r = run_trailsweep("scan --rules rules --rules testdata/sigma-rules --deterministic --no-summary --format sarif "
                          "--output " + (tmp.path() / "out.sarif").string() + " testdata/");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::string cmd = std::string("python3 '") + TRAILSWEEP_SOURCE_DIR + "/tests/tools/validate_json_schema.py' '" +
                    TRAILSWEEP_SOURCE_DIR + "/tests/schemas/sarif-schema-2.1.0.json' '" +
                    (tmp.path() / "out.sarif").string() + "' 2>'" + (tmp.path() / "err").string() + "'";
  int status = std::system(cmd.c_str());
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 2) GTEST_SKIP() << "python3-jsonschema is not installed (.ci/run installs it)";
  EXPECT_EQ(code, 0) << testing::read_file(tmp.path() / "err");
  std::string sarif = testing::read_file(tmp.path() / "out.sarif");
  EXPECT_NE(sarif.find("\"ruleId\": \"0a5177f4-6ca9-44c2-aacf-d3f3d8b6e4d2\""), std::string::npos);  // a SigmaHQ rule
  EXPECT_NE(sarif.find("\"security-severity\": \"9.5\""), std::string::npos);
  EXPECT_NE(sarif.find("\"partialFingerprints\""), std::string::npos);
}

TEST(Report, JsonLinesPipesIntoJq) {
  std::string cmd = std::string("cd '") + TRAILSWEEP_SOURCE_DIR + "' && command -v jq >/dev/null || exit 77; '" +
                    TRAILSWEEP_BINARY + "' scan --no-summary --format jsonl testdata/ | jq -r 'select(.severity) | .severity' | sort | uniq -c | tr -s ' '";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[256];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "jq is not installed";
  EXPECT_EQ(out, " 8 critical\n 3 high\n");
}


TEST(Report, TextStripsEscapesAndControlCharacters) {
  std::string text = render_text_report({testing::hostile_finding()}, false);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_NE(text.find("user/red\\x0a[CRITICAL] fake"), std::string::npos) << text;
  // Only our own escapes appear with colour on.
  std::string coloured = render_text_report({testing::hostile_finding()}, true);
  EXPECT_EQ(coloured.find("\x1b[31mred"), std::string::npos);
  EXPECT_EQ(coloured.find("\x1b]0;"), std::string::npos);
}

// The evidence lines are columns: an event name or region in UTF-8 is padded
// by the characters a terminal shows, not by its bytes, and a sanitized one
// by what is left of it; the file starts in the same column on every line.
TEST(Report, TextEvidenceColumnsLineUpWhateverTheNames) {
  Finding f;
  f.rule_name = "r";
  f.title = "t";
  for (const char* name : {"CreateUser", "Cr\xc3\xa9\xc3\xa9rUtilisateur", "Create\x1b[31mUser", "Create\rUser"}) {
    Evidence e;
    e.set_call(name, f.evidence.size() == 1 ? "eu-\xc3\xa9st-1" : "us-east-1", "");
    e.file = "f.json.gz";
    f.evidence.push_back(e);
  }
  const std::string text = render_text_report({f}, false, {}, {}, 1);
  std::vector<std::size_t> file_columns;
  for (std::size_t at = text.find("\n    "); at != std::string::npos; at = text.find("\n    ", at + 1)) {
    const std::size_t begin = at + 1, end = text.find('\n', begin);
    const std::string line = text.substr(begin, end - begin);
    const std::size_t file = line.find("f.json.gz");
    if (file == std::string::npos) continue;
    // Columns on a terminal: UTF-8 continuation bytes take none.
    file_columns.push_back(static_cast<std::size_t>(std::count_if(
        line.begin(), line.begin() + static_cast<std::ptrdiff_t>(file), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; })));
  }
  ASSERT_EQ(file_columns.size(), 4u) << text;
  for (std::size_t column : file_columns) EXPECT_EQ(column, file_columns[0]) << text;
  EXPECT_NE(text.find("Cr\xc3\xa9\xc3\xa9rUtilisateur" + std::string(17, ' ') + "eu-\xc3\xa9st-1" + std::string(7, ' ') + "f.json.gz"), std::string::npos)
      << text;
  EXPECT_NE(text.find("CreateUser                       us-east-1      f.json.gz"), std::string::npos) << text;
  EXPECT_NE(text.find("Create\\x0dUser                   us-east-1"), std::string::npos) << text;
}

// sanitize_for_terminal finds runs of ordinary bytes eight at a time: it must
// do exactly what a byte-by-byte pass does, for each special byte (C0
// controls, DEL, ESC sequences, C1 controls as 0xC2 0x80-0x9F) wherever it
// sits in a word and however a sequence straddles words or ends the text.
TEST(Report, TerminalSanitizingAgreesWithAByteByBytePass) {
  auto reference = [](std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == 0x1b) {
        std::size_t j = i + 1;
        if (j < text.size() && text[j] == '[') {
          ++j;
          while (j < text.size() && !(text[j] >= 0x40 && text[j] <= 0x7e)) ++j;
        } else if (j < text.size() && text[j] == ']') {
          ++j;
          while (j < text.size() && text[j] != '\a' && text[j] != 0x1b) ++j;
          if (j + 1 < text.size() && text[j] == 0x1b && text[j + 1] == '\\') ++j;
        }
        i = j;
        continue;
      }
      if (c < 0x20 || c == 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", c);
        out += hex;
        continue;
      }
      if (c == 0xc2) {
        const unsigned next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (next >= 0x80 && next <= 0xbf) {
          if (next >= 0xa0) out += text.substr(i, 2);
          ++i;
        } else {
          out += "\\xc2";
        }
        continue;
      }
      out += static_cast<char>(c);
    }
    return out;
  };
  for (int b = 0; b < 256; ++b) {
    for (std::size_t length = 1; length <= 20; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = static_cast<char>(b);
        ASSERT_EQ(sanitize_for_terminal(text), reference(text)) << b << " at " << at << " of " << length;
      }
    }
  }
  // Dropping a C1 control must not join the bytes around it into another:
  // 0xC2 that starts no character is escaped (found by fuzz_reports).
  EXPECT_EQ(sanitize_for_terminal("\xc2\xc2\x9b\x9b"), "\\xc2\x9b");
  EXPECT_EQ(sanitize_for_terminal("\xc2\xc2\x80\x80"), "\\xc2\x80");
  EXPECT_EQ(sanitize_for_terminal("\xc2\xa0 \xc2"), "\xc2\xa0 \\xc2");
  // Mixed texts from the bytes that matter, with ordinary runs of every length between them.
  const std::string pieces[] = {"\x1b", "[", "]", "\a", "\\", "m", "31", "\xc2", "\x85", "\x9f", "\xa0",
                                "\x7f", "\n", "\xc3\xa9", "arn:aws:iam::111122223333:user/x", "\x1b[31m", "\x1b]0;t\a"};
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int count = static_cast<int>(rng() % 8);
    for (int k = 0; k < count; ++k) {
      text += pieces[rng() % std::size(pieces)];
      text += std::string(rng() % 12, 'b');
    }
    ASSERT_EQ(sanitize_for_terminal(text), reference(text)) << ::testing::PrintToString(text);
  }
}

TEST(Report, MitreFromSigmaTags) {
  const Mitre m = mitre_from_tags({"attack.t1078.004", "attack.T1078.004", "attack.initial-access", "attack.persistence",
                                   "attack.initial-access", "attack.g0139", "attack.s0002", "attack.t12", "attack.x",
                                   "cve.2021-44228", "attack.T1496"});
  EXPECT_EQ(m.techniques, (std::vector<std::string>{"T1078.004", "T1496"}));
  EXPECT_EQ(m.tactics, (std::vector<std::string>{"initial-access", "persistence", "t12"}));
}

TEST(Report, CsvNeutralisesFormulas) {
  EXPECT_EQ(csv_cell("=1+1"), "'=1+1");
  EXPECT_EQ(csv_cell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
  EXPECT_EQ(csv_cell("-2"), "'-2");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_cell("\tcmd"), "'\tcmd");
  // Control bytes are dropped first: in front of a formula they do not hide it
  // (found by fuzz_reports).
  EXPECT_EQ(csv_cell("\x01=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"");
  EXPECT_EQ(csv_cell("\r\x7f-2"), "'-2");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell("plain"), "plain");
  std::string csv = render_csv_report({testing::hostile_finding()});
  EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"http://evil\"\")\","), std::string::npos) << csv;
  EXPECT_EQ(csv.find(",=HYPERLINK"), std::string::npos);
  EXPECT_EQ(csv.find('\x1b'), std::string::npos);
}

// The report appends most cells as they are, without csv_cell's copy: it
// must write what csv_cell does, for every byte at every place.
TEST(Report, CsvCellsAppendedAsCsvCellWritesThem) {
  for (int b = 0; b < 256; ++b) {
    for (std::size_t length = 1; length <= 4; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = static_cast<char>(b);
        std::string out = "x,";
        append_csv_cell(out, text);
        ASSERT_EQ(out, "x," + csv_cell(text)) << b << " at " << at << " of " << length;
      }
    }
  }
  for (const char* text : {"", "=1", "\x01=1", "a\r\nb", "say \"hi\"", "a,b", "\tx", "x\ty", "\x7f"}) {
    std::string out;
    append_csv_cell(out, text);
    EXPECT_EQ(out, csv_cell(text)) << text;
  }
}

TEST(Report, JsonAndSarifStayValidForAnyBytes) {
  RunSummary summary;
  std::string json = render_json_report({testing::hostile_finding()}, summary);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  std::string_view ua = doc["findings"].at(0)["user_agents"].at(3);  // listed in byte order: last
  EXPECT_EQ(ua, "bad \xEF\xBF\xBD\xEF\xBF\xBD utf8");
  std::string_view principal = doc["findings"].at(0)["principal"];
  EXPECT_EQ(principal, "arn:aws:iam::111122223333:user/\x1b[31mred\x1b[0m\n[CRITICAL] fake");
  ReportContext ctx;
  std::string sarif = render_sarif_report({testing::hostile_finding()}, summary, ctx);
  simdjson::dom::parser p2;
  EXPECT_EQ(p2.parse(sarif).error(), simdjson::SUCCESS);
}

}  // namespace
}  // namespace trailsweep
