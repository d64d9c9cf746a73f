#pragma once
// ActivitySummary: `trailsweep summary`, per account and principal: how much
// it did, when, from where, with what, how often it failed, and which write
// APIs it called for the first time after a baseline, with the most unusual
// principals first. One ActivityCollector per worker; merge() them in a fixed
// order, then report(): the output does not depend on -j.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "trailsweep/principal_set.hpp"
#include "trailsweep/scanner.hpp"

namespace trailsweep {

struct ActivityOptions {
  std::size_t max_principals = 250000;  ///< more are counted, not tracked (memory bound)
  std::size_t max_values = 1000;        ///< distinct APIs / regions / IPs / agents tracked per principal
  std::size_t listed = 5;               ///< values shown per list in the text report
};

/// One principal's activity, as reported.
struct PrincipalActivity {
  std::string account, principal, identity_type;
  std::uint64_t events = 0, errors = 0, write_events = 0;
  std::int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
  /// Counts per value, most frequent first (ties by name); at most max_values.
  std::vector<std::pair<std::string, std::uint64_t>> apis, regions, source_ips, user_agents;
  std::size_t distinct_apis = 0, distinct_regions = 0, distinct_source_ips = 0, distinct_user_agents = 0;
  /// Write APIs ("source:name") whose first call by this principal came after
  /// the baseline, with that first time, earliest first.
  std::vector<std::pair<std::string, std::int64_t>> new_write_apis;
  bool new_principal = false;  ///< first seen after the baseline
  double error_rate() const { return events ? static_cast<double>(errors) / static_cast<double>(events) : 0.0; }
  /// How unusual, for sorting (see README): higher first.
  double score = 0;
  std::vector<std::string> reasons;  ///< what the score is made of, in words
};

struct ActivityReport {
  std::vector<PrincipalActivity> principals;  ///< most unusual first
  std::int64_t baseline_until_ms = 0;        ///< end of the baseline used
  std::int64_t first_ms = 0, last_ms = 0;    ///< the events' time span
  std::uint64_t untracked_principals = 0;    ///< beyond max_principals (their events are not in the table)
  std::uint64_t untracked_events = 0;
};

/// Whether a call changes something: the record's readOnly when present, else
/// judged by the API name (Get/List/Describe/... are reads).
bool is_write_call(const Event& ev);

class ActivityCollector final : public EventSink {
 public:
  explicit ActivityCollector(ActivityOptions options = {});
  void on_event(const Event& ev) override;
  void merge(ActivityCollector&& other);
  /// `baseline_until_ms`: writes first called after this are new; by default
  /// the first quarter of the events' time span is the baseline.
  ActivityReport report(std::optional<std::int64_t> baseline_until_ms = std::nullopt) const;

 private:
  struct Tracked {
    std::string account, principal, identity_type;
    std::uint64_t events = 0, errors = 0, write_events = 0;
    std::int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
    std::unordered_map<std::string, std::uint64_t> apis, regions, source_ips, user_agents;
    std::unordered_map<std::string, std::int64_t> write_first_seen;
    std::uint64_t overflow_values = 0;
  };
  void count_value(Tracked& t, std::unordered_map<std::string, std::uint64_t>& map, std::string_view value,
                   std::uint64_t n = 1);
  ActivityOptions options_;
  std::unordered_map<std::string, Tracked> tracked_;  // key: account '\x1f' principal
  PrincipalSet untracked_;  // principals beyond max_principals: counted in bounded memory
  std::uint64_t untracked_events_ = 0;
  std::string key_;
  std::string api_;
  std::string agent_;
};

std::string render_activity_text(const ActivityReport& report, std::size_t listed, std::size_t top);
std::string render_activity_jsonl(const ActivityReport& report, std::size_t top);
std::string render_activity_csv(const ActivityReport& report, std::size_t top);

}  // namespace trailsweep
