#pragma once
// YamlGuard: decides whether a YAML text may be handed to yaml-cpp at all.
// yaml-cpp 0.7 (Debian 12) never returns on some malformed inputs (found by
// fuzz_rule_loader and fuzz_rule_eval), and every YAML file trailsweep reads
// (rules, rule tests, allowlists) may come from someone else.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trailsweep {

/// How long yaml-cpp may take on one text before it is deemed stuck.
inline constexpr int kYamlTimeoutMs = 5000;

struct YamlProblem {
  int line = 0;  ///< 1-based; 0 when unknown
  std::string message;
};

/// Returns why `text` must not be parsed, or nothing when yaml-cpp is known to
/// finish on it (it may still report a syntax error, with a location).
std::optional<YamlProblem> yaml_text_problem(const std::string& text, int timeout_ms = kYamlTimeoutMs);

/// The same for many texts, checked in order by one child process: calls
/// `use(i, problem)` for each text in index order as soon as it is known,
/// so that the caller parses text i while the child checks text i+1. A text
/// the child does not finish within `timeout_ms` (or crashes on) gets a
/// problem, and a new child goes on with the texts after it.
void for_each_checked_yaml(const std::vector<const std::string*>& texts, int timeout_ms,
                           const std::function<void(std::size_t, std::optional<YamlProblem>)>& use);

/// The 1-based line of the first ',' that starts a node outside any flow
/// collection (text on which yaml-cpp 0.7 loops), or 0.
int stray_flow_comma_line(std::string_view text);

}  // namespace trailsweep
