#pragma once
// ActivitySummary: `trailsweep summary`, per account and principal: how much
// it did, when, from where, with what, how often it failed, and which write
// APIs it called for the first time after a baseline, with the most unusual
// principals first. The workers' collectors share one table (worker()), in
// shards with a lock each; beyond --max-principals the principals ranked last
// (activity_rank) are evicted and counted, so the principals reported, and
// all their counts, are the same for any -j and file order.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trailsweep/principal_set.hpp"
#include "trailsweep/reporter.hpp"
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

/// How a principal ranks for a place under --max-principals (lower is kept
/// first): root and IAM users (long-lived credentials, what a stolen key is
/// and what an intruder creates) before other identities, AWS services last,
/// and within each a fixed hash of account and principal. A function of the
/// principal alone, so the principals kept do not depend on -j or file order.
std::uint64_t activity_rank(std::string_view account, std::string_view principal);

class ActivityCollector final : public EventSink {
 public:
  explicit ActivityCollector(ActivityOptions options = {});
  ~ActivityCollector() override;
  ActivityCollector(ActivityCollector&&) noexcept;
  ActivityCollector& operator=(ActivityCollector&&) noexcept;

  /// A collector for another worker of the same scan. It adds to this one's
  /// table, so --max-principals bounds the principals of all workers together
  /// (each worker keeping its own up to the cap took -j times the memory),
  /// and merging it back only hands over its last hashes.
  std::unique_ptr<ActivityCollector> worker() const;

  void on_event(const Event& ev) override;
  /// Adds `other`'s principals: a worker() of this collector, or a collector
  /// with a table of its own (the same report as one collector fed both's events).
  void merge(ActivityCollector&& other);
  /// `baseline_until_ms`: writes first called after this are new; by default
  /// the first quarter of the events' time span is the baseline.
  ActivityReport report(std::optional<std::int64_t> baseline_until_ms = std::nullopt) const&;
  /// The same, moving the principals out of the table instead of copying
  /// them: a report of the 250,000 principals the default cap keeps would
  /// otherwise hold them twice.
  ActivityReport report(std::optional<std::int64_t> baseline_until_ms = std::nullopt) &&;
  /// Principals held now by the table (all workers'): what its memory grows
  /// with. While a scan adds, at most max_principals and two slacks (1/32 of
  /// it and 64 each), and one principal a worker.
  std::size_t principals_held() const;

 private:
  struct Tracked {  // reset() empties each field: a new one needs its line there
    // The account is the first account_size bytes of the table's key, the
    // principal what follows the separator: not kept twice (~140 bytes a
    // principal, ~35 MB at the default cap).
    std::uint32_t account_size = 0;
    std::string identity_type;
    std::uint64_t hash = 0;  // of account and principal (the rank is derived from it)
    std::uint64_t events = 0, errors = 0, write_events = 0;
    std::int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
    // Sorted by value: most principals have one or two of each, and a hash
    // map per list cost ~150 bytes and two allocations more each.
    std::vector<std::pair<std::string, std::uint64_t>> apis, regions, source_ips, user_agents;
    std::vector<std::pair<std::string, std::int64_t>> write_first_seen;
    std::uint64_t overflow_values = 0;
  };
  struct Table;
  explicit ActivityCollector(std::shared_ptr<Table> table);
  void count_value(Tracked& t, std::vector<std::pair<std::string, std::uint64_t>>& values, std::string_view value,
                   std::uint64_t n = 1);
  void note_first_write(Tracked& t, std::string_view api, std::int64_t ms);
  void add_counts(Tracked& into, Tracked&& from);
  ActivityReport build_report(std::optional<std::int64_t> baseline_until_ms, bool take) const;
  /// Starts tracking the principal of key_ (absent from its shard, whose lock
  /// the caller holds), if its `rank` is before the floor: an entry with
  /// only its hash set, for the caller to fill; nullptr when not. Past the
  /// cap and its slack, a compaction is due.
  Tracked* track(std::size_t shard, std::uint64_t hash, std::uint64_t rank);
  static void reset(Tracked& t);
  /// Counts a principal (by hash) and `events` of its events as untracked.
  void count_untracked(std::uint64_t hash, std::uint64_t events) const;
  /// Hands this collector's untracked counts to the table.
  void flush_untracked() const;
  enum class Compaction {
    kNone,
    kUnlessBusy,  // past the slack: unless another worker is compacting
    kWhenOver,    // far past it: after the one under way, if still past the slack
    kAlways,      // a merge, the report: down to the cap
  };
  /// Lowers the floor to keep the `keep` best-ranked principals if more are
  /// held, and evicts (counts as untracked) every one at or past it.
  void compact(std::size_t keep, Compaction when) const;

  std::shared_ptr<Table> table_;
  // Tables of other collectors merged in, for their untracked principals.
  std::vector<std::shared_ptr<Table>> merged_;
  // Hashes of principals not tracked, on their way to the table's set, and
  // their events: most events of an archive far over the cap, which all
  // workers adding to one counter made a line that every core wrote to.
  mutable PrincipalBatch untracked_batch_;
  mutable std::uint64_t untracked_events_ = 0;
  // The time span of every event this collector (and those merged into it)
  // saw, tracked principal or not: what the default baseline is a quarter of.
  std::int64_t first_ms_ = INT64_MAX, last_ms_ = INT64_MIN;
  std::string key_;
  std::string api_;
  std::string agent_;
  Compaction compaction_due_ = Compaction::kNone;  // set by track(), done once the shard's lock is released
};

/// The report as text, one JSON object a line, or CSV, the `top` most unusual
/// principals (0: all). With `flush`, written as it is rendered: each part of
/// ~1 MB goes to `flush` and the rest is returned (250,000 principals render
/// to ~190 MB of JSON lines, which were held whole on top of the report).
std::string render_activity_text(const ActivityReport& report, std::size_t listed, std::size_t top,
                                 const ReportFlush& flush = {});
std::string render_activity_jsonl(const ActivityReport& report, std::size_t top, const ReportFlush& flush = {});
std::string render_activity_csv(const ActivityReport& report, std::size_t top, const ReportFlush& flush = {});

}  // namespace trailsweep
