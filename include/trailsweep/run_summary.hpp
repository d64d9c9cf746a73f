#pragma once
// RunSummary: the counters of one scan, filled while scanning and rendered at
// the end (text on stderr, or the "summary" object of the JSON output). Workers
// fill their own and merge() them, so there is no shared mutable state.
#include <cstdint>
#include <string>
#include <vector>

#include "trailsweep/diagnostic.hpp"

namespace trailsweep {

class JsonWriter;

/// What one allowlist entry suppressed of one rule.
struct Suppression {
  std::string allow;  ///< entry name
  std::string rule;   ///< rule display id
  std::uint64_t hits = 0;
};

/// What the memory caps evicted of one rule's matches.
struct EvictedRule {
  std::string rule;                    ///< rule display id
  std::string title;                   ///< the rule's title
  std::uint64_t principal_events = 0;  ///< matching events of its actors dropped at --max-tracked-principals
  std::uint64_t correlation_hits = 0;  ///< its hits dropped at --max-correlation-hits
};

struct RunSummary {
  std::uint64_t files_read = 0;       ///< files opened and read (possibly with errors)
  std::uint64_t files_failed = 0;     ///< files that could not be opened or read to the end
  std::uint64_t digest_files = 0;     ///< CloudTrail-Digest files skipped
  std::uint64_t insight_files = 0;    ///< CloudTrail-Insight files skipped
  std::uint64_t filtered_files = 0;   ///< skipped by S3 key: outside the filters
  std::uint64_t ignored_files = 0;    ///< non-log names in walked directories
  std::uint64_t repeated_paths = 0;   ///< folders and files reached again (overlapping PATHs, links): read once
  std::uint64_t other_service_files = 0;  ///< other AWS services' logs in walked AWSLogs/ folders
  std::vector<std::string> other_services;  ///< their folder names (vpcflowlogs, Config, ...)
  std::uint64_t bytes_compressed = 0;    ///< bytes read from files as stored
  std::uint64_t bytes_uncompressed = 0;  ///< bytes after decompression
  std::uint64_t records = 0;          ///< events read and inside the filters
  std::uint64_t records_filtered = 0; ///< events outside --since/--until/--account/--region
  std::uint64_t records_rejected = 0; ///< records that could not be read (see errors)
  std::uint64_t insight_records = 0;  ///< Insights events, skipped
  std::uint64_t non_cloudtrail_records = 0;  ///< wrapped events that hold no CloudTrail record (EventBridge, CloudWatch Logs), skipped
  std::uint64_t principals = 0;       ///< distinct principals among the events
  bool principals_estimated = false;  ///< beyond PrincipalSet::kExactLimit: a HyperLogLog estimate
  std::int64_t first_event_ms = INT64_MAX;  ///< earliest eventTime read (INT64_MAX: none)
  std::int64_t last_event_ms = INT64_MIN;   ///< latest eventTime read
  std::uint64_t findings_by_level[5] = {};  ///< indexed by Level (informational..critical)
  std::uint64_t evicted_principals = 0;        ///< actors dropped at --max-tracked-principals
  std::uint64_t evicted_principal_events = 0;  ///< their matching events
  std::uint64_t evicted_correlation_hits = 0;  ///< hits dropped at --max-correlation-hits
  std::vector<EvictedRule> evicted_by_rule;    ///< the rules of those evictions, most evicted first
  std::vector<Suppression> suppressed;     ///< rule hits dropped by --allow, by entry and rule
  std::vector<std::string> unused_allow_entries;  ///< --allow entries that suppressed nothing
  std::vector<Diagnostic> errors;     ///< first kMaxErrorsKept problems
  std::uint64_t errors_total = 0;
  double elapsed_s = 0;

  static constexpr std::size_t kMaxErrorsKept = 1000;

  void add_error(Diagnostic d);
  /// Adds another worker's counts; errors keep their order (caller merges in file order).
  void merge(const RunSummary& other);
  /// Some input could not be read, or a cap dropped what was read: the exit
  /// status must say so.
  bool input_incomplete() const { return errors_total > 0 || evicted_principals > 0 || evicted_correlation_hits > 0; }
};

/// Human summary for stderr: counts, rates and the errors.
std::string render_summary_text(const RunSummary& s);

/// What the memory caps evicted, in words (none when nothing was): how much,
/// then of which rules. The text summary prints them, and the reports that
/// carry no summary object (SARIF, HTML) show them, so that a report that
/// may be missing findings never looks complete. `for_terminal` drops the
/// escape sequences a rule file's title could hold.
std::vector<std::string> eviction_lines(const RunSummary& s, bool for_terminal);

/// The "summary" object of json output. Stable names: files, records,
/// bytes_compressed, bytes_uncompressed, skipped, errors, ...
void write_summary_json(JsonWriter& w, const RunSummary& s);

}  // namespace trailsweep
