#pragma once
// Sigma detection conditions: "selection and not 1 of filter_*", parentheses,
// "all of them", ... parsed into a small tree whose leaves are selection
// indexes. Immutable after parsing; evaluation takes a callback that answers
// (and may cache) whether selection i matched.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trailsweep {

struct ConditionNode {
  enum class Kind { kAnd, kOr, kNot, kSelection, kOneOf, kAllOf };
  Kind kind = Kind::kSelection;
  std::vector<ConditionNode> children;  ///< kAnd, kOr, kNot
  std::vector<int> selections;          ///< kSelection (one), kOneOf / kAllOf (resolved set)

  bool evaluate(const std::function<bool(int)>& selection_matched) const;
};

/// Parses `text` against the selection names. On error returns nullopt and
/// sets `error` (e.g. "unknown selection 'filter'", "expected ')' at column 17").
std::optional<ConditionNode> parse_condition(std::string_view text,
                                             const std::vector<std::string>& selection_names,
                                             std::string* error);

}  // namespace trailsweep
