#pragma once
// Timeline: every event of one actor in eventTime order, across the whole
// archive, for "what else did this key do?". A TimelineCollector is the
// EventSink that keeps the selected events (one actor's events, not the
// archive) and marks those that matched a rule.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/record_fields.hpp"
#include "trailsweep/rule_set.hpp"
#include "trailsweep/reporter.hpp"
#include "trailsweep/scanner.hpp"

namespace trailsweep {

/// Which events belong to the timeline; every non-empty selector must match.
struct TimelineQuery {
  std::string principal;   ///< ARN, or the user/role/session name at the end of it
  std::string access_key;  ///< userIdentity.accessKeyId
  std::string source_ip;
  std::string account;
  bool empty() const { return principal.empty() && access_key.empty() && source_ip.empty() && account.empty(); }
};

/// Whether `ev` was made by the principal `selector` names (exact ARN, the last
/// path segment of the ARN, or the role behind a session).
bool principal_matches(const Event& ev, std::string_view selector);

struct TimelineRow {
  std::int64_t time_ms = 0;
  std::string region, event_source, event_name, error_code, parameters, source_ip, user_agent;
  std::string principal, event_id, file;
  std::int64_t record = -1;
  std::vector<std::string> rules;  ///< rules that matched this event
};

class TimelineCollector final : public EventSink {
 public:
  /// `rules` may be null (no marks). At most `max_rows` are kept (the earliest).
  TimelineCollector(const RuleSet* rules, TimelineQuery query, std::size_t max_rows);
  void on_event(const Event& ev) override;
  /// The rows in eventTime order (ties by eventID, then file and record).
  std::vector<TimelineRow> sorted_rows() const;
  /// Events beyond max_rows (the latest ones), not shown.
  std::uint64_t dropped() const { return dropped_ + (rows_.size() > max_rows_ ? rows_.size() - max_rows_ : 0); }
  /// Adds another worker's rows (the earliest max_rows of both are kept).
  void merge(TimelineCollector&& other);

 private:
  const RuleSet* rules_;
  TimelineQuery query_;
  std::size_t max_rows_;
  RecordFields fields_;
  std::vector<int> matched_;
  std::vector<TimelineRow> rows_;
  std::uint64_t dropped_ = 0;
};

/// With `flush`, written as rendered: each ~1 MB part goes to `flush` and
/// the rest is returned.
std::string render_timeline_text(const std::vector<TimelineRow>& rows, const ReportFlush& flush = {});
std::string render_timeline_jsonl(const std::vector<TimelineRow>& rows, const ReportFlush& flush = {});
std::string render_timeline_csv(const std::vector<TimelineRow>& rows, const ReportFlush& flush = {});

}  // namespace trailsweep
