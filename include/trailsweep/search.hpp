#pragma once
// Search: ad-hoc hunts without writing a rule file. `--where` terms and a
// one-line Sigma detection are turned into one Sigma rule and compiled by the
// rule loader, so a hunt has exactly the matching semantics of a rule
// (modifiers, wildcards, null, case rules). SearchSink prints each matching
// record as it is read: nothing is kept, so a hunt over an archive runs in
// constant memory and can be cut short with `| head`. search_files() reads
// on every core and still prints in input order.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "trailsweep/record_fields.hpp"
#include "trailsweep/rule_set.hpp"
#include "trailsweep/scanner.hpp"

namespace trailsweep {

struct SearchQuery {
  /// "field=value", "field!=value", "field|modifier=value" (Sigma values:
  /// `*` and `?` are wildcards, null means absent); all must hold.
  std::vector<std::string> where;
  /// A Sigma detection in YAML flow style, e.g.
  /// "{sel: {eventName: RunInstances}, filter: {errorCode: null}, condition: sel and not filter}".
  std::string sigma;
};

struct CompiledSearch {
  std::shared_ptr<const RuleSet> rules;  ///< one detection rule; null on error
  std::vector<std::string> errors;       ///< what is wrong with the query, for the user
  std::string rule_yaml;                 ///< the rule the query became (shown with --explain)
};

CompiledSearch compile_search(const SearchQuery& query);

enum class SearchOutput { kText, kRaw, kCount };

class SearchSink final : public EventSink {
 public:
  /// Writes matches to `out` as they are read; stops counting at `limit` (0: no limit).
  SearchSink(const RuleSet& rules, SearchOutput output, std::FILE* out, std::uint64_t limit);
  /// The same, appending each match's line to `*into`.
  SearchSink(const RuleSet& rules, SearchOutput output, std::string* into, std::uint64_t limit);
  void on_event(const Event& ev) override;
  /// Appends the next matches to `*into` and counts them from zero: one sink
  /// (and its parser) per worker, one buffer per file.
  void restart_into(std::string* into) {
    into_ = into;
    matches_ = 0;
  }
  std::uint64_t matches() const { return matches_; }
  bool limit_reached() const { return limit_ > 0 && matches_ >= limit_; }
  /// Where a record whose field the query could not read is reported (the
  /// summary of the file being read); none: not reported.
  void report_problems_to(RunSummary* summary) { problems_ = summary; }

 private:
  const RuleSet& rules_;
  SearchOutput output_;
  std::FILE* out_ = nullptr;
  std::string* into_ = nullptr;
  std::uint64_t limit_;
  RecordFields fields_;
  std::vector<int> matched_;
  std::string line_;
  std::uint64_t matches_ = 0;
  RunSummary* problems_ = nullptr;
};

/// What search_files() read and found.
struct SearchTotals {
  std::uint64_t matches = 0;
  bool limit_reached = false;
  RunSummary summary;  ///< of the files read, errors in input order
};

/// Reads `files` on `jobs` threads and writes each match to `out` in input
/// order (file by file, record by record), exactly as one thread would: the
/// workers read up to 2 x jobs files ahead, each file's matches into a buffer
/// of its own, and the calling thread writes the buffers in turn (so memory
/// is bounded by that window). Stops at `limit` matches (0: no limit), or
/// once `*stop` is set, after the files being read.
SearchTotals search_files(FileFeed& files, const ScanOptions& options, const RuleSet& rules, SearchOutput output,
                          std::FILE* out, std::uint64_t limit, unsigned jobs, const std::atomic<bool>* stop = nullptr);
/// The same over a list.
SearchTotals search_files(const std::vector<InputFile>& files, const ScanOptions& options, const RuleSet& rules,
                          SearchOutput output, std::FILE* out, std::uint64_t limit, unsigned jobs,
                          const std::atomic<bool>* stop = nullptr);

/// One text line for a matching event: time, account, region, source, name
/// [error], principal, source IP, file:record. Terminal-safe.
std::string search_text_line(const Event& ev);

}  // namespace trailsweep
