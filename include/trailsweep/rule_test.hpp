#pragma once
// RuleTest: detection-as-code checks. A rule file X.yml may have a test file
// X.tests.yml beside it holding cases: CloudTrail records (JSON lines in a
// block scalar, exactly as CloudTrail writes them) or log files, and what the
// rule must do on them:
//
//   tests:
//     - name: DryRun probe from a stolen key
//       expect: match            # or no-match
//       count: 1                 # optional: exactly this many matching records / episodes
//       records: |
//         {"eventVersion":"1.11","userIdentity":{...},"eventName":"RunInstances",...}
//     - name: the whole bundled scenario
//       files: [scenario/AWSLogs]   # relative to the test file; any input form scan reads
//       findings: [aws_cryptomining_campaign]   # exactly the rules the report would name
//
// `rule:` names the rule under test when X.yml holds several. Each case runs the
// whole loaded rule set (so correlations see the rules they reference) through
// the same detector, correlator and finding context as a scan. A detection rule
// "matches" when a record matched it; a correlation when it formed an episode,
// also when it only feeds another correlation and never reports itself.
#include <cstddef>
#include <string>
#include <vector>

#include "trailsweep/rule_set.hpp"

namespace trailsweep {

struct RuleTestCase {
  std::string file;  ///< the .tests.yml file
  int line = 0;      ///< 1-based line of the case
  std::string name;
  std::string rule;  ///< display id of the rule under test
  enum class Expect { kMatch, kNoMatch, kFindingsOnly } expect = Expect::kMatch;
  bool has_count = false;
  std::size_t count = 0;
  std::string records;             ///< JSON lines (or a CloudTrail document)
  std::vector<std::string> files;  ///< resolved paths
  bool has_findings = false;
  std::vector<std::string> findings;  ///< sorted, unique
};

struct RuleTestOutcome {
  const RuleTestCase* test = nullptr;
  bool passed = false;
  /// For a failure: "--- expected" / "+++ actual" lines, then what matched.
  std::string diff;
};

struct RuleTestRun {
  std::vector<RuleTestCase> cases;
  std::vector<RuleTestOutcome> outcomes;  ///< one per case, same order
  /// Problems with the test files themselves (YAML, unknown rule, unreadable
  /// records); each is "file:line: reason".
  std::vector<std::string> errors;
  /// Rules without at least one match and one no-match case.
  std::vector<std::string> untested;
  std::size_t test_files = 0;
  std::size_t failed() const;
  /// All cases passed, no test file errors, and (when required) every rule tested.
  bool ok(bool require_tests) const;
};

/// Finds the test files under `paths` (the same files and folders the rules
/// were loaded from: X.tests.yml beside X.yml), parses them and runs every case
/// against `rules`.
RuleTestRun run_rule_tests(const std::vector<std::string>& paths, const RuleSet& rules);

/// Parses one test file's text into `run` (cases, or errors); a case without
/// `rule:` tests the rule defined in the rule file beside `file`.
void parse_rule_tests(const std::string& text, const std::string& file, const RuleSet& rules,
                      RuleTestRun* run);

/// Runs one case.
RuleTestOutcome run_rule_test(const RuleTestCase& test, const RuleSet& rules);

/// "PASS"/"FAIL" lines, the diffs, the untested rules and a total line.
std::string render_rule_test_run(const RuleTestRun& run, bool require_tests, bool verbose);

}  // namespace trailsweep
