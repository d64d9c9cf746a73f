#pragma once
// Rule: one Sigma rule after loading, either a detection rule (selections and a
// condition over single records) or a correlation rule (counts, distinct values
// or sequences of other rules' hits per group and time window). Immutable once
// the RuleSet is built; shared read-only by all threads.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/sigma_condition.hpp"
#include "trailsweep/sigma_match.hpp"

namespace trailsweep {

enum class Level { kInformational = 0, kLow = 1, kMedium = 2, kHigh = 3, kCritical = 4 };

std::optional<Level> parse_level(std::string_view text);
std::string_view level_name(Level level);

enum class CorrelationType { kEventCount, kValueCount, kTemporal, kTemporalOrdered };
std::string_view correlation_type_name(CorrelationType t);

/// gt/gte/lt/lte/eq bounds; all given bounds must hold (so gte+lte is a range).
struct CountCondition {
  std::optional<double> gt, gte, lt, lte, eq;
  std::string field;  ///< value_count: the field whose distinct values are counted
  bool holds(double n) const;
  std::string to_string() const;
};

struct Correlation {
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<std::string> rule_refs;  ///< as written: rule names or ids
  std::vector<int> rule_indices;       ///< resolved into RuleSet::rules()
  std::vector<std::string> group_by;
  std::int64_t timespan_ms = 0;
  CountCondition condition;
  bool has_condition = false;
  /// alias -> (referenced rule index -> field path in that rule's events)
  std::map<std::string, std::map<int, std::string>> aliases;
  /// Raw alias table as written (rule name/id -> field), resolved at build time.
  std::map<std::string, std::map<std::string, std::string>> alias_refs;
  bool generate = false;
};

struct Detection {
  std::vector<Selection> selections;
  ConditionNode condition;
};

/// trailsweep's own attributes of a rule (its `trailsweep:` section). Sigma
/// allows custom attributes; other tools ignore these.
struct RuleExtras {
  /// Resources a hit names: (type, field path); a type may list several paths.
  std::vector<std::pair<std::string, std::string>> resources;
  /// (resource type, field path): a hit whose value equals a resource of that
  /// type in a finding of the same account is linked to that finding (the
  /// instances Auto Scaling launches for an attacker's groups).
  std::vector<std::pair<std::string, std::string>> links;
  std::string ioc;       ///< indicator of compromise this rule recognises
  bool context = false;  ///< hits enrich findings of the same principal, never report alone
  std::vector<std::string> superseded_by;  ///< drop a finding when one of these fired for the same actor
  std::string stage;     ///< human stage label shown in reports
};

struct Rule {
  std::string id, name, title, description, status, author, date;
  std::string file;
  int line = 0;  ///< 1-based line of the rule's document
  Level level = Level::kMedium;
  std::vector<std::string> tags, falsepositives, references;
  bool is_correlation = false;
  Detection detection;
  Correlation correlation;
  RuleExtras extras;

  /// "correlation/temporal" or "detection".
  std::string kind_name() const;
  /// Name if set, else id, else title: how other rules and reports refer to it.
  const std::string& display_id() const;
};

/// Parses "30s", "5m", "24h", "7d", "1w". Returns milliseconds.
std::optional<std::int64_t> parse_timespan(std::string_view text);

}  // namespace trailsweep
