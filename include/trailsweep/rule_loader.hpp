#pragma once
// RuleLoader: Sigma YAML files -> an immutable RuleSet, in stages:
//   read (YAML, multi-document) -> validate (keys, types, logsource) ->
//   compile (modifiers into patterns, conditions into trees) ->
//   link (correlations resolve their rules, cycles rejected) -> index.
// A bad rule gives a message with file, line and the offending key; the other
// rules still load (strict mode turns any error into a failed load).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/rule_set.hpp"

namespace trailsweep {

struct RuleMessage {
  std::string file;
  int line = 0;    ///< 1-based; 0 when unknown
  int column = 0;  ///< 1-based; 0 when unknown
  std::string key;  ///< dotted path of the offending key, e.g. "detection.selection.eventName|foo"
  std::string message;

  /// "rules/x.yml:12:5: detection.selection: unknown modifier 'foo'"
  std::string to_string() const;
};

struct RuleLoadResult {
  std::shared_ptr<const RuleSet> rules;  ///< never null
  std::vector<RuleMessage> errors;
  std::vector<RuleMessage> warnings;
  std::size_t files = 0;
  std::size_t documents = 0;
  std::size_t skipped_logsource = 0;  ///< rules for other log sources
  bool ok() const { return errors.empty(); }
};

/// Whether `path` names a rule test file (X.tests.yml beside the rule file X.yml):
/// folders of rules may hold them, and the loader skips them.
bool is_rule_test_file(std::string_view path);

/// Loads every .yml/.yaml file under `paths` (files or directories, sorted),
/// except rule test files.
RuleLoadResult load_rules(const std::vector<std::string>& paths);

/// One YAML text (possibly several documents) named `name` in messages.
RuleLoadResult load_rules_from_string(std::string_view yaml, const std::string& name);

/// Several named YAML texts loaded together (so correlations can reference
/// rules in other texts).
RuleLoadResult load_rules_from_strings(const std::vector<std::pair<std::string, std::string>>& texts);

}  // namespace trailsweep
