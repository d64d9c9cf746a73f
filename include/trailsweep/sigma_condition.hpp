#pragma once
// Sigma detection conditions: "selection and not 1 of filter_*", parentheses,
// "all of them", ... parsed into a small tree whose leaves are selection
// indexes. Immutable after parsing; evaluation takes a callback that answers
// (and may cache) whether selection i matched.
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

  /// `selection_matched(i)` answers whether selection i matched. A template
  /// (not std::function): it runs for every candidate rule of every record.
  template <typename Matched>
  bool evaluate(Matched&& selection_matched) const {
    switch (kind) {
      case Kind::kAnd:
        for (const ConditionNode& c : children) {
          if (!c.evaluate(selection_matched)) return false;
        }
        return true;
      case Kind::kOr:
        for (const ConditionNode& c : children) {
          if (c.evaluate(selection_matched)) return true;
        }
        return false;
      case Kind::kNot:
        return !children[0].evaluate(selection_matched);
      case Kind::kSelection:
        return selection_matched(selections[0]);
      case Kind::kOneOf:
        for (int s : selections) {
          if (selection_matched(s)) return true;
        }
        return false;
      case Kind::kAllOf:
        for (int s : selections) {
          if (!selection_matched(s)) return false;
        }
        return !selections.empty();
    }
    return false;
  }
};

/// Parses `text` against the selection names. On error returns nullopt and
/// sets `error` (e.g. "unknown selection 'filter'", "expected ')' at column 17").
std::optional<ConditionNode> parse_condition(std::string_view text,
                                             const std::vector<std::string>& selection_names,
                                             std::string* error);

}  // namespace trailsweep
