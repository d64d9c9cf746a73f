#pragma once
// YamlGuard: decides whether a YAML text may be handed to yaml-cpp at all.
// yaml-cpp 0.7 (Debian 12) never returns on some malformed inputs (found by
// fuzz_rule_loader and fuzz_rule_eval), and every YAML file trailsweep reads
// (rules, rule tests, allowlists) may come from someone else.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trailsweep {

struct YamlProblem {
  int line = 0;  ///< 1-based; 0 when unknown
  std::string message;
};

/// Returns why `text` must not be parsed, or nothing when yaml-cpp is known to
/// finish on it (it may still report a syntax error, with a location).
std::optional<YamlProblem> yaml_text_problem(const std::string& text, int timeout_ms = 5000);

/// The same for many texts at once (one child process for all of them, unless
/// one of them does not finish; then each is checked alone).
std::vector<std::optional<YamlProblem>> yaml_text_problems(const std::vector<const std::string*>& texts,
                                                           int timeout_ms = 5000);

/// The 1-based line of the first ',' that starts a node outside any flow
/// collection (text on which yaml-cpp 0.7 loops), or 0.
int stray_flow_comma_line(std::string_view text);

}  // namespace trailsweep
