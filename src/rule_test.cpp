#include "trailsweep/rule_test.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "trailsweep/byte_source.hpp"
#include "trailsweep/correlator.hpp"
#include "trailsweep/detector.hpp"
#include "trailsweep/finding_context.hpp"
#include "trailsweep/input_walker.hpp"
#include "trailsweep/record_fields.hpp"
#include "trailsweep/rule_loader.hpp"
#include "trailsweep/scanner.hpp"
#include "trailsweep/time_util.hpp"
#include "trailsweep/yaml_document.hpp"

namespace trailsweep {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kRecordsListed = 5;

std::string same_file_key(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

// X.tests.yml -> X.yml (or .yaml, as the test file is spelled).
std::string rule_file_beside(const std::string& test_file) {
  std::string base = test_file;
  for (std::string_view suffix : {".tests.yml", ".tests.yaml"}) {
    if (base.ends_with(suffix)) {
      base.resize(base.size() - suffix.size());
      return base + std::string(suffix.substr(6));
    }
  }
  return base;
}

void collect_test_files(const std::string& path, std::vector<std::string>* files) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec) && is_rule_test_file(it->path().string())) files->push_back(it->path().string());
    }
    return;
  }
  if (is_rule_test_file(path)) {
    files->push_back(path);
    return;
  }
  // A rule file: its tests are beside it.
  fs::path p(path);
  for (const char* suffix : {".tests.yml", ".tests.yaml"}) {
    fs::path candidate = p.parent_path() / (p.stem().string() + suffix);
    if (fs::is_regular_file(candidate, ec)) files->push_back(candidate.string());
  }
}

// Counts, per rule, the records that matched it, and remembers the first few
// that matched the rule under test; passes every event on to the detector.
class MatchRecorder final : public EventSink {
 public:
  MatchRecorder(const RuleSet& rules, int watched, Detector& detector)
      : rules_(rules), watched_(watched), detector_(detector), matches_(rules.rules().size(), 0) {}
  void on_event(const Event& ev) override {
    ++records_;
    fields_.bind(ev);
    matched_.clear();
    rules_.match(ev, fields_, &matched_);
    for (int r : matched_) {
      ++matches_[static_cast<std::size_t>(r)];
      if (r == watched_ && listed_.size() < kRecordsListed) {
        listed_.push_back(fmt::format("record {}: {} {} at {}", ev.pos.record, ev.event_source,
                                      ev.event_name, ev.event_time));
      }
    }
    detector_.on_event(ev);
  }
  std::size_t matches(int rule) const { return matches_[static_cast<std::size_t>(rule)]; }
  std::size_t records() const { return records_; }
  const std::vector<std::string>& listed() const { return listed_; }

 private:
  const RuleSet& rules_;
  int watched_;
  Detector& detector_;
  RecordFields fields_;
  std::vector<int> matched_;
  std::vector<std::size_t> matches_;
  std::vector<std::string> listed_;
  std::size_t records_ = 0;
};

std::string describe(bool correlation, bool matched, std::size_t n) {
  if (!matched) return "no match";
  return fmt::format("match ({} {}{})", n, correlation ? "episode" : "record", n == 1 ? "" : "s");
}

bool read_string_list(const YamlNode& node, std::vector<std::string>* out) {
  if (node.is_scalar()) {
    out->push_back(node.scalar());
    return true;
  }
  if (!node.is_sequence()) return false;
  for (const auto& item : node.items()) {
    if (!item.is_scalar()) return false;
    out->push_back(item.scalar());
  }
  return true;
}

}  // namespace

std::size_t RuleTestRun::failed() const {
  return static_cast<std::size_t>(
      std::count_if(outcomes.begin(), outcomes.end(), [](const RuleTestOutcome& o) { return !o.passed; }));
}

bool RuleTestRun::ok(bool require_tests) const {
  return failed() == 0 && errors.empty() && (!require_tests || untested.empty());
}

void parse_rule_tests(const std::string& text, const std::string& file, const RuleSet& rules,
                      RuleTestRun* run) {
  auto error = [&](int line, const std::string& message) {
    run->errors.push_back(line > 0 ? fmt::format("{}:{}: {}", file, line, message) : fmt::format("{}: {}", file, message));
  };
  YamlParse parsed = parse_yaml(text);
  if (parsed.error) {
    error(parsed.error->mark.line, fmt::format("invalid YAML: {}", parsed.error->message));
    return;
  }
  const YamlNode doc = parsed.documents.empty() ? YamlNode() : parsed.documents.front();
  if (!doc.is_map() || !doc["tests"] || !doc["tests"].is_sequence()) {
    error(1, "expected a map with a 'tests' list");
    return;
  }
  // The rules defined in the rule file beside this one are the default subject.
  std::vector<std::string> beside;
  const std::string rule_file = same_file_key(rule_file_beside(file));
  for (const Rule& r : rules.rules()) {
    if (same_file_key(r.file) == rule_file) beside.push_back(r.display_id());
  }
  const fs::path dir = fs::path(file).parent_path();
  static const std::set<std::string> kKeys = {"name", "rule", "expect", "count", "records", "files", "findings"};
  for (const auto& node : doc["tests"].items()) {
    const int line = node.mark().line;
    if (!node.is_map()) {
      error(line, "a test case must be a map");
      continue;
    }
    RuleTestCase test;
    test.file = file;
    test.line = line;
    bool bad = false;
    for (const auto& kv : node.members()) {
      std::string key = kv.first.scalar();
      if (!kKeys.count(key)) {
        error(kv.first.mark().line,
              fmt::format("unknown key '{}' (known: name, rule, expect, count, records, files, findings)", key));
        bad = true;
      }
    }
    auto scalar = [&](const char* key, std::string* out) {
      YamlNode n = node[key];
      if (!n) return false;
      if (!n.is_scalar()) {
        error(n.mark().line, fmt::format("'{}' must be a string", key));
        bad = true;
        return false;
      }
      *out = n.scalar();
      return true;
    };
    if (!scalar("name", &test.name)) {
      if (!node["name"]) error(line, "a test case needs a 'name'");
      bad = true;
    }
    if (!scalar("rule", &test.rule)) {
      if (beside.size() == 1) {
        test.rule = beside.front();
      } else if (!node["rule"]) {
        error(line, beside.empty() ? fmt::format("no rule loaded from {}; name the rule with 'rule:'",
                                                 rule_file_beside(file))
                                   : fmt::format("{} defines {} rules; name one with 'rule:'",
                                                 rule_file_beside(file), beside.size()));
        bad = true;
      }
    }
    if (!test.rule.empty() && rules.find(test.rule) < 0) {
      error(line, fmt::format("no loaded rule is named '{}'", test.rule));
      bad = true;
    }
    std::string expect;
    if (scalar("expect", &expect)) {
      if (expect == "match") {
        test.expect = RuleTestCase::Expect::kMatch;
      } else if (expect == "no-match") {
        test.expect = RuleTestCase::Expect::kNoMatch;
      } else {
        error(node["expect"].mark().line, fmt::format("expect: '{}' is neither match nor no-match", expect));
        bad = true;
      }
    } else if (node["findings"]) {
      test.expect = RuleTestCase::Expect::kFindingsOnly;
    } else {
      error(line, "a test case needs 'expect: match', 'expect: no-match' or a 'findings' list");
      bad = true;
    }
    if (YamlNode n = node["count"]) {
      const std::string& text = n.scalar();
      std::size_t c = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), c);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        error(n.mark().line, "'count' must be a whole number");
        bad = true;
      } else {
        test.has_count = true;
        test.count = c;
      }
      if (test.expect == RuleTestCase::Expect::kNoMatch) {
        error(n.mark().line, "'count' goes with expect: match");
        bad = true;
      }
    }
    scalar("records", &test.records);
    if (YamlNode n = node["files"]) {
      std::vector<std::string> files;
      if (!read_string_list(n, &files)) {
        error(n.mark().line, "'files' must be a path or a list of paths");
        bad = true;
      }
      for (const auto& f : files) test.files.push_back(fs::path(f).is_absolute() ? f : (dir / f).string());
    }
    if (test.records.empty() && test.files.empty()) {
      error(line, "a test case needs 'records' (JSON lines) or 'files'");
      bad = true;
    }
    if (YamlNode n = node["findings"]) {
      if (!read_string_list(n, &test.findings)) {
        error(n.mark().line, "'findings' must be a list of rule names");
        bad = true;
      }
      std::sort(test.findings.begin(), test.findings.end());
      test.findings.erase(std::unique(test.findings.begin(), test.findings.end()), test.findings.end());
      test.has_findings = true;
    }
    if (!bad) run->cases.push_back(std::move(test));
  }
}

RuleTestOutcome run_rule_test(const RuleTestCase& test, const RuleSet& rules) {
  RuleTestOutcome outcome;
  outcome.test = &test;
  const int rule = rules.find(test.rule);
  const bool correlation = rule >= 0 && rules.rules()[static_cast<std::size_t>(rule)].is_correlation;

  Detector detector(rules);
  MatchRecorder recorder(rules, rule, detector);
  Scanner scanner(ScanOptions{});
  RunSummary summary;
  if (!test.records.empty()) {
    MemorySource source(test.records);
    scanner.scan_source(source, fmt::format("{}:{} records", test.file, test.line), recorder, summary);
  }
  if (!test.files.empty()) {
    WalkResult walk = walk_inputs(test.files, InputFilter{});
    for (auto& e : walk.errors) summary.add_error(std::move(e));
    for (const auto& f : walk.files) scanner.scan_file(f, recorder, summary);
  }
  CorrelationResult stats;
  std::vector<Finding> findings = finalize_findings(rules, detector, 20, &stats);

  std::string expected, actual, detail;
  bool passed = true;
  if (summary.errors_total > 0) {
    passed = false;
    detail += "    the test's records could not all be read:\n";
    for (const auto& e : summary.errors) detail += "      " + e.to_string() + "\n";
  }
  if (rule >= 0 && test.expect != RuleTestCase::Expect::kFindingsOnly) {
    std::size_t n = correlation ? stats.episodes[static_cast<std::size_t>(rule)] : recorder.matches(rule);
    bool want = test.expect == RuleTestCase::Expect::kMatch;
    bool ok = want ? (n > 0 && (!test.has_count || n == test.count)) : n == 0;
    if (!ok) {
      passed = false;
      expected += fmt::format("-{}: {}\n", test.rule,
                              want && test.has_count ? describe(correlation, true, test.count)
                              : want                 ? "match"
                                                     : "no match");
      actual += fmt::format("+{}: {}\n", test.rule, describe(correlation, n > 0, n));
      if (!correlation) {
        detail += fmt::format("    {} record(s) read", recorder.records());
        if (recorder.listed().empty()) {
          detail += "\n";
        } else {
          detail += "; matching:\n";
          for (const auto& l : recorder.listed()) detail += "      " + l + "\n";
        }
      }
    }
  }
  if (test.has_findings) {
    std::set<std::string> got;
    for (const Finding& f : findings) got.insert(rules.rules()[static_cast<std::size_t>(f.rule)].display_id());
    std::vector<std::string> actual_list(got.begin(), got.end());
    if (actual_list != test.findings) {
      passed = false;
      std::set<std::string> want(test.findings.begin(), test.findings.end());
      std::set<std::string> all = want;
      all.insert(got.begin(), got.end());
      std::string lines;
      for (const auto& name : all) {
        char mark = want.count(name) && got.count(name) ? ' ' : want.count(name) ? '-' : '+';
        lines += fmt::format("{}{}\n", mark, name);
      }
      detail += "    --- expected findings\n    +++ actual findings\n";
      std::size_t start = 0;
      while (start < lines.size()) {
        std::size_t end = lines.find('\n', start);
        detail += "    " + lines.substr(start, end - start + 1);
        start = end + 1;
      }
    }
  }
  outcome.passed = passed;
  if (!passed) {
    std::string diff;
    if (!expected.empty()) diff += "    --- expected\n    +++ actual\n    " + expected + "    " + actual;
    outcome.diff = diff + detail;
  }
  return outcome;
}

RuleTestRun run_rule_tests(const std::vector<std::string>& paths, const RuleSet& rules) {
  RuleTestRun run;
  std::vector<std::string> files;
  for (const auto& p : paths) collect_test_files(p, &files);
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  run.test_files = files.size();
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      run.errors.push_back(fmt::format("{}: cannot open", f));
      continue;
    }
    std::string text((std::istreambuf_iterator<char>(in)), {});
    parse_rule_tests(text, f, rules, &run);
  }
  run.outcomes.reserve(run.cases.size());
  for (const auto& c : run.cases) run.outcomes.push_back(run_rule_test(c, rules));

  std::map<std::string, std::pair<bool, bool>> covered;  // rule -> (has match case, has no-match case)
  for (const auto& c : run.cases) {
    auto& [pos, neg] = covered[c.rule];
    if (c.expect == RuleTestCase::Expect::kMatch) pos = true;
    if (c.expect == RuleTestCase::Expect::kNoMatch) neg = true;
  }
  for (const Rule& r : rules.rules()) {
    auto it = covered.find(r.display_id());
    if (it == covered.end()) {
      run.untested.push_back(fmt::format("{} ({}): no test cases", r.display_id(), r.file));
    } else if (!it->second.first || !it->second.second) {
      run.untested.push_back(fmt::format("{} ({}): no {} case", r.display_id(), r.file,
                                         it->second.first ? "no-match" : "match"));
    }
  }
  return run;
}

std::string render_rule_test_run(const RuleTestRun& run, bool require_tests, bool verbose) {
  std::string out;
  for (const auto& o : run.outcomes) {
    if (o.passed && !verbose) continue;
    out += fmt::format("{} {}: {} ({}:{})\n", o.passed ? "PASS" : "FAIL", o.test->rule, o.test->name,
                       o.test->file, o.test->line);
    out += o.diff;
  }
  for (const auto& e : run.errors) out += fmt::format("ERROR {}\n", e);
  if (!run.untested.empty() && (require_tests || verbose)) {
    out += fmt::format("{} rule(s) without both a match and a no-match case{}:\n", run.untested.size(),
                       require_tests ? " (--require-tests)" : "");
    for (const auto& u : run.untested) out += "  " + u + "\n";
  }
  out += fmt::format("{} test case(s) in {} file(s): {} passed, {} failed; {} test file error(s); "
                     "{} rule(s) not fully tested\n",
                     run.cases.size(), run.test_files, run.cases.size() - run.failed(), run.failed(),
                     run.errors.size(), run.untested.size());
  return out;
}

}  // namespace trailsweep
