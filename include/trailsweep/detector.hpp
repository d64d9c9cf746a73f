#pragma once
// Detector: the EventSink that runs the rule set over each event. Hits of rules
// that report on their own are folded at once into one aggregate per (rule,
// account, principal), so a noisy rule costs one entry per actor, not one per
// event. Hits of rules that feed correlations are kept (they are few) for the
// Correlator, which needs them in time order across all files.
// One per worker thread; merge() them in a fixed order at the end.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/evidence_board.hpp"
#include "trailsweep/finding.hpp"
#include "trailsweep/hit_store.hpp"
#include "trailsweep/principal_set.hpp"
#include "trailsweep/run_summary.hpp"
#include "trailsweep/record_fields.hpp"
#include "trailsweep/rule_set.hpp"
#include "trailsweep/scanner.hpp"
#include "trailsweep/value_set.hpp"

namespace trailsweep {

class Allowlist;

struct DetectorOptions {
  std::size_t max_evidence = 20;  ///< per finding; 0 keeps all
  std::size_t max_distinct_values = 50;  ///< regions, IPs, user agents listed per finding
  std::size_t max_resources = 10000;     ///< resources listed per finding
  const Allowlist* allowlist = nullptr;  ///< hits it covers are dropped and counted
  /// Actors tracked for single-event findings, per (rule, account, principal);
  /// beyond it the least severe are evicted and counted, and within one
  /// severity a fixed sample by a hash of (account, principal), then rule:
  /// a kept actor outranks every actor it ever meets, so no worker ever
  /// drops one of its events, its finding is complete, and the kept set and
  /// the counts are the same for any -j and file order. 0: no cap.
  std::size_t max_tracked_principals = 20000;
  /// Hits kept for correlation; beyond it the oldest by eventTime are evicted
  /// and counted. 0: no cap.
  std::size_t max_correlation_hits = 1000000;
};

/// What the caps evicted; reported in the summary.
struct Evictions {
  std::uint64_t principals = 0;        ///< distinct (rule, account, principal) actors dropped
  std::uint64_t principal_events = 0;  ///< their matching events
  std::uint64_t correlation_hits = 0;  ///< hits dropped before correlation
};

class Detector final : public EventSink {
 public:
  /// `evidence`: the board the detectors of one scan's workers share, so
  /// that an actor's evidence is kept once; nullptr gives this one its own.
  Detector(const RuleSet& rules, DetectorOptions options = {}, std::shared_ptr<EvidenceBoard> evidence = nullptr);
  void on_event(const Event& ev) override;
  /// Applies the caps on the worker's thread, and drops the actors below the
  /// floor all workers share: the merge then folds in fewer actors, on one
  /// thread after the scan.
  void on_worker_done() override;

  /// Folds another detector's state into this one.
  void merge(Detector&& other);
  /// Before the workers' detectors are merged: drops from each, on up to
  /// `threads` threads (0: all cores), every actor that
  /// max_tracked_principals distinct actors over all of them outrank.
  /// apply_caps() after the merge would evict it anyway, counted the same;
  /// dropped here, the merge (one thread, after the scan) folds in only the
  /// actors it keeps. Each worker's own floor trails the others' (it knows
  /// their ranks as of their last publish), so at -j 16 over the bench
  /// archive the workers held 46,000 actors for 20,000 kept.
  static void drop_outranked(std::span<Detector* const> detectors, unsigned threads);
  /// Hits kept for correlation (unsorted).
  const HitStore& correlation_hits() const { return hits_; }
  /// Hands the hits over for correlation; this detector keeps none.
  HitStore take_correlation_hits();
  /// Frees what is left of the actors of detectors merged into this one (see
  /// retired_). Safe on another thread while the taken hits are correlated:
  /// it touches nothing else of the detector, and texts the two share count
  /// their holders atomically.
  void release_retired();
  /// Lists of actors retired (one per merged detector, and this one's own
  /// once its findings are taken).
  std::size_t retired_actor_lists() const { return retired_.size(); }
  /// One finding per (rule, account, principal) for self-reporting rules;
  /// the aggregates are consumed. Built on up to `threads` threads (0: all cores).
  /// The vector has room for `more` findings after them (a caller that
  /// appends would otherwise move them all into a bigger one).
  std::vector<Finding> take_single_event_findings(unsigned threads = 0, std::size_t more = 0);
  std::uint64_t hits_total() const { return hits_total_; }
  /// Records whose JSON could not be walked for a rule's field (rare).
  const FieldProblems& field_problems() const { return field_problems_; }
  /// Applies the caps exactly (workers trim with some slack while scanning).
  /// The kept set does not depend on -j (see DetectorOptions).
  void apply_caps();
  /// After apply_caps(): what the caps dropped, over this detector and those
  /// merged into it.
  Evictions evictions() const;
  /// The rules whose matches the caps evicted, by display id, most evicted
  /// first (then by id): the summary's `evicted.by_rule`.
  std::vector<EvictedRule> evicted_by_rule() const;
  /// Hits dropped by the allowlist: (entry index, rule index) -> count.
  const std::map<std::pair<int, int>, std::uint64_t>& suppressed() const { return suppressed_; }

  /// What the detectors of one scan's workers share so that each refuses
  /// the actors that the workers together already outrank; it must outlive
  /// the sharing (see share_eviction_floor).
  class SharedFloor;
  /// Alone, a worker refuses a new actor only below the floor of the actors
  /// it has seen itself, so two workers each built and evicted about as many
  /// actors of a noisy rule as one worker does for the whole archive. Shared,
  /// each trim publishes the ranks it keeps and the floor becomes the rank of
  /// the `max_tracked_principals`-th best distinct actor over all workers
  /// (each also publishes its live actors' ranks every cap / (2 x workers
  /// sharing) actors built, cap/4 at most, and then drops its actors below
  /// the floor): anything below it is outranked by that many actors and
  /// would be evicted after the merge anyway, so the result does not
  /// change. nullptr stops sharing.
  void share_eviction_floor(SharedFloor* floor);
  /// Actors built (not refused at the floor), with those of detectors
  /// merged in: what a noisy rule costs, and what sharing the floor saves.
  std::uint64_t actors_built() const { return actors_built_; }
  /// Actors held now: what the detector's memory grows with.
  std::size_t actors_held() const { return live_actors_; }

 private:
  struct Aggregate {
    std::uint64_t count = 0;
    std::int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
    // Its earliest records: the first few in a list of this detector's own,
    // then (see kShareEvidenceAt) on the board the scan's workers share,
    // one list per actor however many workers see it.
    EvidenceList earliest;
    EvidenceBoard::Ref shared_evidence;
    ValueSet regions, source_ips, user_agents, access_keys, session_issuers;
    std::set<Resource> resources;
    void clear();  // as new, keeping capacity
  };
  // One (rule, account, principal) and what its hits added up to. Kept in
  // a vector and reused once evicted: a noisy rule over many principals
  // creates and evicts hundreds of thousands of them.
  struct Actor {
    // owner_hash(account, principal): where its index slots start; with the
    // rule, actor_hash() gives the slot tag and the eviction tie-break.
    std::uint64_t owner = 0;
    int rule = -1;  // -1: free
    // The account, then the principal, in one block, which its evidence
    // entry shares (two strings were 64 bytes here and a copy in the entry).
    std::uint32_t account_size = 0;
    SharedText names;
    Aggregate agg;
    std::string_view account() const { return names.view().substr(0, account_size); }
    std::string_view principal() const { return names.view().substr(account_size); }
    bool is(int r, std::string_view acct, std::string_view princ) const {
      const std::string_view both = names.view();
      return rule == r && account_size == acct.size() && both.size() == acct.size() + princ.size() &&
             both.substr(account_size) == princ && both.substr(0, account_size) == acct;
    }
  };
  Hit make_hit(int rule, const Event& ev);
  void add_event(Actor& actor, const Event& ev);
  void add_evidence(Actor& actor, const Event& ev);
  /// Records an actor's own list holds before they move to a shared board:
  /// an actor of one or two hits never pays for an entry, and a long-lived
  /// session split over N workers holds the cap once and up to N x 3 more.
  static constexpr std::size_t kShareEvidenceAt = 4;
  /// The actor's evidence, all in one list: its own, or the board's.
  static std::size_t evidence_size(Aggregate& agg, std::size_t cap, std::vector<Evidence>& scratch);
  Finding take_finding(Actor& actor) const;
  /// Evidence records kept per actor (--max-evidence 0: all).
  std::size_t evidence_cap() const { return options_.max_evidence == 0 ? SIZE_MAX : options_.max_evidence; }
  static constexpr std::size_t kNoActor = static_cast<std::size_t>(-1);
  /// Index slots start at a hash of the principal alone (the Scanner has
  /// computed its half), so on_event can prefetch the slot while the rules
  /// run; the rule is mixed into the slot's tag.
  static std::uint64_t owner_hash(std::uint64_t principal_hash, std::string_view account);
  static std::uint64_t actor_hash(std::uint64_t owner, int rule);
  std::size_t first_slot(std::uint64_t owner) const { return (owner >> 7) & (actor_index_.size() - 1); }
  /// Where an actor stands for eviction: the least severe go first, then
  /// those with the highest owner hash, then rule; names break a full tie.
  /// It depends on nothing the scan sees later, which is what makes the kept
  /// set complete and independent of order.
  struct Rank {
    Level level;
    std::uint64_t owner;
    int rule;
    /// Whether an actor ranked `a` goes before one ranked `b`.
    friend bool evicted_before(const Rank& a, const Rank& b) {
      if (a.level != b.level) return a.level < b.level;
      if (a.owner != b.owner) return a.owner > b.owner;
      return a.rule > b.rule;
    }
  };
  Rank rank_of(std::uint64_t owner, int rule) const {
    return {rules_.rules()[static_cast<std::size_t>(rule)].level, owner, rule};
  }
  /// Index into actors_ of the actor, or creates it; kNoActor when it would
  /// be evicted at once (below the eviction floor).
  std::size_t find_or_add_actor(std::uint64_t owner, int rule, std::string_view account, std::string_view principal);
  /// Index into actors_ of the actor, or kNoActor.
  std::size_t find_actor(std::uint64_t owner, int rule, std::string_view account, std::string_view principal) const;
  /// Where a new actor goes: a freed slot, else a new one at the end.
  std::size_t take_actor_slot();
  /// Counts the actor at `at`, just filled in, as live and indexes it.
  void index_new_actor(std::size_t at);
  /// Counts an actor as dropped (it may be again, by another worker: the
  /// set counts it once).
  void count_dropped(std::uint64_t owner, int rule, std::uint64_t events);
  void index_actor(std::size_t actor);
  void rebuild_actor_index();
  void free_actor(std::size_t actor);
  /// Counts the actor as dropped (with its events) and frees it.
  void evict_actor(std::size_t actor);

  const RuleSet& rules_;
  DetectorOptions options_;
  // Before the actors, which hold entries on them: destroyed after them.
  // Boards of detectors merged in stay with the actors that came with them.
  std::shared_ptr<EvidenceBoard> evidence_board_;
  std::vector<std::shared_ptr<EvidenceBoard>> merged_boards_;
  RecordFields fields_;
  std::vector<int> matched_;
  CandidateCache candidates_;
  HitStore hits_;
  // Actors are found through a flat open-addressing index of 8-byte slots
  // (high hash bits | actor index + 1; 0 empty) small enough to stay in
  // cache, so a lookup touches memory once, at the actor it finds. (A
  // node-based map missed the cache two or three times per hit.) Nothing
  // depends on the actors' order (eviction and findings sort). Indexes fit
  // in 32 bits: four billion actors would need terabytes first.
  std::vector<Actor> actors_;
  // The evidence's texts (file, user agent, event name, ...), shared while they repeat.
  RecentTexts recent_texts_;
  // The kept hits' texts that name an actor or a resource, one block each
  // while a hit holds it (the actors of a million hits interleave).
  TextTable hit_texts_;
  // Their captured values, one block per distinct list (see HitValuesTable).
  HitValuesTable hit_values_;
  std::string row_scratch_;  // a hit's texts, encoded as a row
  std::vector<SharedText> captured_scratch_;
  std::vector<TypedId> resources_scratch_, links_scratch_;
  std::vector<Evidence> merge_scratch_;
  std::string merge_values_scratch_;
  std::vector<std::uint32_t> free_actors_;
  std::vector<std::uint64_t> actor_index_;
  std::size_t live_actors_ = 0;
  // The actors of detectors merged into this one, and this one's own once
  // their findings are taken: what is left of them (the buffers of spare
  // evidence and values, ~40,000 actors' worth after a noisy rule) is freed
  // with the detector, not in the merge or the taking, which the report
  // waits for. A program about to exit can keep the detector to the end
  // (the scan command does) and never pay for it; finalize_findings frees
  // the merged ones beside the correlation (release_retired).
  std::vector<std::vector<Actor>> retired_;
  // The highest rank evicted so far: a new actor below it would be evicted at
  // the next trim anyway (the `keep` actors above it stay), so it is counted,
  // not built.
  bool has_eviction_floor_ = false;
  Rank eviction_floor_{};
  SharedFloor* shared_floor_ = nullptr;
  std::size_t shared_slot_ = 0;          // where this detector publishes its kept ranks
  std::uint64_t shared_floor_seen_ = 0;  // the shared floor's version when last read
  // What this detector last published, best first: the best ranks of its
  // actors strictly above its floor. Each publish merges in the ranks built
  // since (sorted: a few thousand) instead of collecting and sorting every
  // live actor's rank again (~1.1 ms a publish, ~1.5% of a -j 2 all-rules
  // scan's CPU).
  std::vector<Rank> published_, built_ranks_, publish_scratch_;
  std::uint64_t actors_built_ = 0;
  std::size_t built_since_publish_ = 0;
  // Set by a publish between trims: the event being folded in is done first,
  // then the actors below the shared floor go (see sweep_below_floor).
  bool sweep_due_ = false;
  void raise_eviction_floor(const Rank& rank);
  /// Evicts the actors ranked below `floor`; whether any were.
  bool evict_below(const Rank& floor);
  /// Evicts the actors below the shared floor, read anew. A worker trims
  /// only at cap + slack, so without this each of N workers held up to that
  /// many actors of a noisy rule whatever the floor (peak RSS 172 MB at -j 2,
  /// 344 MB at -j 8); swept at each publish it holds its actors above the
  /// floor and those built since.
  void sweep_below_floor();
  void publish_ranks(std::size_t keep);
  /// The best `keep` distinct ranks over `lists` (each best first), best
  /// first, into `merged`; `scratch` is working space.
  static void best_distinct(const std::vector<std::vector<Rank>>& lists, std::size_t keep, std::vector<Rank>& merged,
                            std::vector<Rank>& scratch);
  bool sharing_with_others() const;
  void read_shared_floor();
  // The actors dropped, by actor_hash, into the set the workers sharing a
  // floor share (one set however many workers: ~16 MB for a million drops,
  // and each worker had its own), else one of this detector's own, a batch
  // at a time; those of detectors merged in that used other sets are counted
  // with it at the end. Shared ownership: the detectors outlive the floor.
  std::shared_ptr<SharedPrincipalSet> dropped_ = std::make_shared<SharedPrincipalSet>();
  std::vector<std::shared_ptr<SharedPrincipalSet>> merged_dropped_;
  mutable PrincipalBatch dropped_batch_{dropped_.get()};  // flushed by evictions(), a query
  std::uint64_t hits_total_ = 0;
  FieldProblems field_problems_;
  std::map<std::pair<int, int>, std::uint64_t> suppressed_;
  // Matching events of dropped actors and hits dropped, by rule index: the
  // summary's totals are their sums.
  std::vector<std::uint64_t> evicted_events_by_rule_, evicted_hits_by_rule_;
  void trim_hits(std::size_t keep);
  void trim_aggregates(std::size_t keep);
};

class Detector::SharedFloor {
  friend class Detector;
  std::mutex mutex_;
  // Bumped when the floor rises: a worker takes the mutex to read it only
  // when this changed, not on every hit.
  std::atomic<std::uint64_t> version_{0};
  bool has_floor_ = false;
  Rank floor_{};
  // Per detector, the best ranks it held at its last publish (a trim, or
  // every cap / (2 x sharers) actors built), best first; at most the cap of them.
  std::vector<std::vector<Rank>> kept_;
  std::vector<Rank> merged_, scratch_;
  std::atomic<std::size_t> sharers_{0};  // kept_.size(), read without the mutex
  // Where the sharing detectors count the actors they drop.
  std::shared_ptr<SharedPrincipalSet> dropped_ = std::make_shared<SharedPrincipalSet>();
};

}  // namespace trailsweep
