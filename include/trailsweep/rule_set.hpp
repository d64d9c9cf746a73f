#pragma once
// RuleSet: the immutable, indexed collection of loaded rules. Detection rules
// are bucketed by the literal eventName (exact or prefix) or eventSource their
// condition requires, so each event meets only the rules that can match it;
// rules without such a literal are tried on every event. Correlations are kept
// in dependency order (a correlation after the ones it references).
// Built once by the loader; match() is const and safe from many threads.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "trailsweep/rule.hpp"

namespace trailsweep {

class RecordFields;
struct Event;

class RuleSet {
 public:
  RuleSet() = default;
  /// Indexes `rules`; correlation rule_indices must already be resolved and
  /// `correlation_order` topologically sorted.
  RuleSet(std::vector<Rule> rules, std::vector<int> correlation_order);
  // Not copied: the guards point into rules_ (moving keeps its elements).
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;
  RuleSet(RuleSet&&) = default;
  RuleSet& operator=(RuleSet&&) = default;

  const std::vector<Rule>& rules() const { return rules_; }
  const std::vector<int>& correlation_order() const { return correlation_order_; }
  std::size_t detection_count() const { return detection_count_; }
  std::size_t correlation_count() const { return rules_.size() - detection_count_; }

  /// Appends the indexes of the detection rules that match `ev` (bound to `fields`).
  void match(const Event& ev, RecordFields& fields, std::vector<int>* hits) const;
  /// The detection rules an event with this source and name can match: the
  /// first half of match(), which depends on nothing else, so callers may
  /// keep it per (name, source) (see CandidateCache).
  void candidates(std::string_view event_source, std::string_view event_name, std::vector<int>* out) const;
  /// The reference match() must equal: every detection rule's condition
  /// evaluated in full, with no index, type filter or guard (the tests and
  /// fuzz_rule_eval compare the two); indexes ascending.
  void match_every_rule(RecordFields& fields, std::vector<int>* hits) const;
  /// The second half: appends those of `candidates` that match.
  void match_candidates(const std::vector<int>& candidates, RecordFields& fields, std::vector<int>* hits) const;

  /// Fields a hit of detection rule `i` must carry for the correlations that use
  /// it (group-by, aliases, value_count fields).
  const std::vector<std::string>& capture_fields(int i) const { return capture_[static_cast<std::size_t>(i)]; }
  /// Correlations that reference rule `i` (detection or correlation).
  const std::vector<int>& referenced_by(int i) const { return referenced_by_[static_cast<std::size_t>(i)]; }
  /// Whether rule `i` reports its own hits: not referenced by any correlation,
  /// or referenced by one with generate: true.
  bool reports_own_hits(int i) const { return reports_[static_cast<std::size_t>(i)]; }
  /// Whether hits of rule `i` are kept for after the scan (correlation inputs,
  /// context, IoC and link rules).
  bool keeps_hits(int i) const {
    const Rule& r = rules_[static_cast<std::size_t>(i)];
    return !referenced_by(i).empty() || r.extras.context || !r.extras.ioc.empty() ||
           !r.extras.links.empty();
  }
  /// The userIdentity.type values (lower-cased) detection rule `i` needs,
  /// when its condition names some (aws_root_account_usage: "root"); empty
  /// when any type may match. match_candidates() skips the rule for other
  /// types without evaluating it: such rules name no eventName and would
  /// otherwise be evaluated on every record.
  const std::vector<std::string>& required_identity_types(int i) const {
    return identity_types_[static_cast<std::size_t>(i)];
  }
  /// A check that every match of detection rule `i` passes, tried before
  /// its condition (nullptr: none found): a check of a field the parser
  /// keeps, in a single-alternative selection that the condition requires
  /// (alone, and-ed at its top, or in an `all of`). SigmaHQ rules that name
  /// no eventName (TruffleHog's user agent, IMDS credentials' ARN) meet every
  /// record and fail such a check on nearly all of them; the condition's
  /// machinery then never runs. eventName, eventSource and userIdentity.type
  /// are left out: the index and the type filter have decided those.
  const FieldCheck* guard(int i) const { return prefilters_[static_cast<std::size_t>(i)].guard; }
  /// Could some rule match an event with this source and name? (hot-path prefilter)
  bool may_match(std::string_view event_source, std::string_view event_name) const;

  /// Index of the rule with this name or id, or -1.
  int find(std::string_view name_or_id) const;

 private:
  std::vector<Rule> rules_;
  std::vector<int> correlation_order_;
  std::size_t detection_count_ = 0;
  std::unordered_map<std::string, std::vector<int>> by_name_;    // lower-cased eventName
  std::vector<std::pair<std::string, int>> by_name_prefix_;      // lower-cased prefix
  std::unordered_map<std::string, std::vector<int>> by_source_;  // lower-cased eventSource
  std::vector<int> always_;
  std::vector<std::vector<std::string>> identity_types_;
  /// What match_candidates() reads of a candidate before its condition, side
  /// by side: the type filter and the guard were a chase through the rule,
  /// its selection and its checks for each candidate of each record, and the
  /// four SigmaHQ rules that name no eventName are candidates of every
  /// record (perf: most of match_candidates' time was those loads).
  struct Prefilter {
    const FieldCheck* guard = nullptr;
    std::uint32_t identity_types = 0;  ///< identity type bits (rule_set.cpp); 0: any type
  };
  std::vector<Prefilter> prefilters_;
  static const FieldCheck* find_guard(const Detection& d);
  std::vector<std::vector<std::string>> capture_;
  std::vector<std::vector<int>> referenced_by_;
  std::vector<bool> reports_;
};

/// Remembers RuleSet::candidates() per (eventName, eventSource): a trail
/// repeats a few hundred API names, so the lower-casing and index lookups run
/// once per name, not once per record. Bounded; one per thread.
class CandidateCache {
 public:
  static constexpr std::size_t kMaxEntries = 4096;
  const std::vector<int>& get(const RuleSet& rules, std::string_view event_source, std::string_view event_name);
  std::size_t size() const { return used_; }

 private:
  // Open addressing on a hash of both names: no key string is built and no
  // node is chased per record, which is when this runs.
  struct Entry {
    std::uint64_t hash = 0;
    bool used = false;
    std::string name, source;
    std::vector<int> rules;
  };
  Entry* slot_for(std::uint64_t hash, std::string_view event_source, std::string_view event_name);
  std::vector<Entry> entries_;
  std::size_t used_ = 0;
};

}  // namespace trailsweep
