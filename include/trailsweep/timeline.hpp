#pragma once
// Timeline: every event of one actor in eventTime order, across the whole
// archive, for "what else did this key do?". A TimelineCollector is the
// EventSink that keeps the selected events (one actor's events, not the
// archive) and marks those that matched a rule.
#include <atomic>
#include <cstdint>
#include <memory>
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

/// What the workers of one timeline share: the latest eventTime a row may
/// still have to be among the earliest max_rows. A worker holding max_rows
/// rows no later than T proves that no later row is shown, so each worker
/// turns those away before building them, and the workers together hold
/// about max_rows rows, not max_rows each (`timeline --account` matches
/// every event of the account: 342 MB at -j 2 over the 2 GB bench archive).
struct TimelineCutoff {
  std::atomic<std::int64_t> latest_kept{INT64_MAX};
  void lower_to(std::int64_t ms) {
    std::int64_t now = latest_kept.load(std::memory_order_relaxed);
    while (ms < now && !latest_kept.compare_exchange_weak(now, ms, std::memory_order_relaxed)) {
    }
  }
};

class TimelineCollector final : public EventSink {
 public:
  /// `rules` may be null (no marks). At most `max_rows` are kept (the
  /// earliest; 0: all). Collectors of one timeline's workers share `cutoff`.
  TimelineCollector(const RuleSet* rules, TimelineQuery query, std::size_t max_rows,
                    std::shared_ptr<TimelineCutoff> cutoff = std::make_shared<TimelineCutoff>());
  void on_event(const Event& ev) override;
  /// The rows kept, in eventTime order (ties by eventID, then file and record).
  const std::vector<TimelineRow>& sorted_rows();
  /// Events beyond max_rows (the latest ones), not shown.
  std::uint64_t dropped() const { return dropped_ + (capped() && rows_.size() > max_rows_ ? rows_.size() - max_rows_ : 0); }
  /// Adds another worker's rows (the earliest max_rows of both are kept).
  void merge(TimelineCollector&& other);
  /// Rows held now: what its memory grows with (max_rows and a slack of a
  /// quarter at most).
  std::size_t rows_held() const { return rows_.size(); }
  /// Records whose request parameters or rule fields could not be read.
  const FieldProblems& field_problems() const { return field_problems_; }

 private:
  bool capped() const { return max_rows_ != 0; }
  /// Down to the earliest max_rows once past them and a slack.
  void trim(bool whatever_the_slack);

  const RuleSet* rules_;
  TimelineQuery query_;
  std::size_t max_rows_;
  std::shared_ptr<TimelineCutoff> cutoff_;
  RecordFields fields_;
  std::vector<int> matched_;
  std::vector<TimelineRow> rows_;
  std::uint64_t dropped_ = 0;
  FieldProblems field_problems_;
};

/// With `flush`, written as rendered: each ~1 MB part goes to `flush` and
/// the rest is returned.
std::string render_timeline_text(const std::vector<TimelineRow>& rows, const ReportFlush& flush = {});
std::string render_timeline_jsonl(const std::vector<TimelineRow>& rows, const ReportFlush& flush = {});
std::string render_timeline_csv(const std::vector<TimelineRow>& rows, const ReportFlush& flush = {});

}  // namespace trailsweep
