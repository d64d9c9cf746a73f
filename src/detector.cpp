#include "trailsweep/detector.hpp"

#include "trailsweep/allowlist.hpp"

#include <algorithm>

#include "trailsweep/parallel_stretches.hpp"
#include "trailsweep/principal_set.hpp"

namespace trailsweep {

Detector::Detector(const RuleSet& rules, DetectorOptions options, std::shared_ptr<EvidenceBoard> evidence)
    : rules_(rules),
      options_(options),
      evidence_board_(evidence ? std::move(evidence) : std::make_shared<EvidenceBoard>()) {
  evidence_board_->join();
  evicted_events_by_rule_.assign(rules.rules().size(), 0);
  evicted_hits_by_rule_.assign(rules.rules().size(), 0);
}

Hit Detector::make_hit(int rule, const Event& ev) {
  Hit h;
  h.rule = rule;
  h.time_ms = ev.time_ms;
  h.event_id = EventId(ev.event_id);  // one per event: no use looking it up
  h.global_service = ev.event_source == "iam.amazonaws.com";
  // One block per distinct row: an actor's hits share one, and so do calls of one kind.
  h.identity = Hit::IdentityRow::interned(
      {ev.account, ev.principal, ev.identity.access_key_id, ev.identity.session_issuer_arn}, hit_texts_, row_scratch_);
  h.call = Hit::CallRow::interned({ev.event_name, ev.aws_region, ev.error_code}, hit_texts_, row_scratch_);
  h.source_ip_text = hit_texts_.get(ev.source_ip);
  h.user_agent_text = hit_texts_.get(ev.user_agent);
  h.service_call = ev.is_service_call();
  h.file = recent_texts_.get(ev.pos.file);
  h.record = ev.pos.record;
  h.offset = ev.pos.offset;
  const auto& fields = rules_.capture_fields(rule);
  // Built in the detector's scratch vectors, then copied into one block.
  std::uint64_t present = 0;
  captured_scratch_.clear();
  for (const auto& f : fields) {
    bool found = false;
    SharedText value;  // group-by values: mostly the account and the ARN, one block each in the table
    fields_.any(f, [&](const FieldValue& v) {
      if (v.kind == FieldValue::Kind::kNull) return false;
      value = hit_texts_.get(v.text);
      found = true;
      return true;
    });
    if (found && captured_scratch_.size() < Hit::kMaskedCaptures) present |= std::uint64_t{1} << captured_scratch_.size();
    captured_scratch_.push_back(std::move(value));
  }
  const RuleExtras& extras = rules_.rules()[static_cast<std::size_t>(rule)].extras;
  auto collect = [&](const std::vector<std::pair<std::string, std::string>>& spec, std::vector<TypedId>& out) {
    out.clear();
    for (const auto& entry : spec) {
      const SharedText type = recent_texts_.get(entry.first);
      fields_.any(entry.second, [&](const FieldValue& v) {
        if (v.kind != FieldValue::Kind::kNull && !v.text.empty()) out.push_back({type, hit_texts_.get(v.text)});
        return false;
      });
    }
  };
  collect(extras.resources, resources_scratch_);
  collect(extras.links, links_scratch_);
  if (resources_scratch_.empty() && links_scratch_.empty()) {
    // The captured values alone repeat for every call of a session: one block for all.
    h.values = hit_values_.get(captured_scratch_);
    h.captured_mask = static_cast<std::uint16_t>(present);
  } else {
    h.set_values(captured_scratch_, present, resources_scratch_, links_scratch_);
  }
  // Their copies would keep texts in hit_texts_ that no hit holds.
  captured_scratch_.clear();
  resources_scratch_.clear();
  links_scratch_.clear();
  return h;
}

// Folds one event into its (rule, account, principal) aggregate without
// building a Hit: a noisy rule costs counters and a few strings per actor.
void Detector::add_event(Actor& actor, const Event& ev) {
  Aggregate& agg = actor.agg;
  const int rule = actor.rule;
  ++agg.count;
  agg.first_ms = std::min(agg.first_ms, ev.time_ms);
  agg.last_ms = std::max(agg.last_ms, ev.time_ms);
  // Capped sets keep the smallest values, so the result does not depend on
  // which worker saw which event first.
  const std::size_t cap = options_.max_distinct_values;
  agg.regions.add(ev.aws_region, cap);
  agg.source_ips.add(ev.source_ip, cap);
  agg.user_agents.add(ev.user_agent, cap);
  agg.access_keys.add(ev.identity.access_key_id, cap);
  agg.session_issuers.add(ev.identity.session_issuer_arn, cap);
  const RuleExtras& extras = rules_.rules()[static_cast<std::size_t>(rule)].extras;
  for (const auto& entry : extras.resources) {
    const std::string& type = entry.first;
    fields_.any(entry.second, [&](const FieldValue& v) {
      if (v.kind == FieldValue::Kind::kNull || v.text.empty()) return false;
      agg.resources.insert({type, std::string(v.text),
                            std::string(ev.event_source == "iam.amazonaws.com" ? std::string_view() : ev.aws_region)});
      if (agg.resources.size() > options_.max_resources) agg.resources.erase(std::prev(agg.resources.end()));
      return false;
    });
  }
  add_evidence(actor, ev);
}

void Detector::add_evidence(Actor& actor, const Event& ev) {
  Aggregate& agg = actor.agg;
  const std::size_t cap = evidence_cap();
  if (!agg.shared_evidence.empty()) {
    agg.shared_evidence.add(ev, cap, recent_texts_);
    return;
  }
  agg.earliest.add(ev, cap, recent_texts_);
  // --max-evidence 0 keeps every record, each in the one worker that saw it: nothing to share.
  if (agg.earliest.size() < kShareEvidenceAt || cap == SIZE_MAX || !evidence_board_->shared()) return;
  agg.shared_evidence =
      evidence_board_->acquire(actor_hash(actor.owner, actor.rule), actor.rule, actor.names, actor.account_size);
  agg.shared_evidence.absorb(agg.earliest, cap, merge_scratch_);
}

std::size_t Detector::evidence_size(Aggregate& agg, std::size_t cap, std::vector<Evidence>& scratch) {
  if (agg.shared_evidence.empty()) return agg.earliest.size();
  agg.shared_evidence.absorb(agg.earliest, cap, scratch);
  return agg.shared_evidence.size();
}

void Detector::on_event(const Event& ev) {
  const std::uint64_t owner =
      owner_hash(ev.principal_hash != 0 ? ev.principal_hash : PrincipalSet::hash(ev.principal), ev.account);
  // A noisy rule looks its actor up on most records, and the index is too
  // big to stay in cache: load the slot while the rules are evaluated.
  if (!actor_index_.empty()) __builtin_prefetch(actor_index_.data() + first_slot(owner));
  matched_.clear();
  fields_.bind(ev);
  rules_.match_candidates(candidates_.get(rules_, ev.event_source, ev.event_name), fields_, &matched_);
  // The fast path does not validate what it jumps over; when a rule reads
  // into a broken value, say where, once per record.
  field_problems_.note(fields_);
  for (int rule : matched_) {
    if (options_.allowlist) {
      int entry = options_.allowlist->covering_entry(rule, ev, fields_);
      if (entry >= 0) {
        ++suppressed_[{entry, rule}];
        continue;
      }
    }
    ++hits_total_;
    if (rules_.keeps_hits(rule)) hits_.push_back(make_hit(rule, ev));
    if (rules_.reports_own_hits(rule)) {
      const std::size_t actor = find_or_add_actor(owner, rule, ev.account, ev.principal);
      if (actor == kNoActor) continue;
      add_event(actors_[actor], ev);
    }
  }
  // Trim with slack so the cost is amortised over many events.
  const std::size_t hit_cap = options_.max_correlation_hits;
  if (hit_cap && hits_.size() > hit_cap + hit_cap / 4 + 64) trim_hits(hit_cap);
  const std::size_t actor_cap = options_.max_tracked_principals;
  if (actor_cap && live_actors_ > actor_cap + actor_cap / 4 + 64) trim_aggregates(actor_cap);
  if (sweep_due_) sweep_below_floor();
}

// Keeps the newest `keep` hits in hit_before order (time, then content): the
// same hits whichever worker held them, since each worker keeps at least its
// own newest `keep`.
void Detector::trim_hits(std::size_t keep) {
  if (hits_.size() <= keep) return;
  hits_.drop_first(hits_.size() - keep,
                   [&](const Hit& h) { ++evicted_hits_by_rule_[static_cast<std::size_t>(h.rule)]; });
}

// Evicts the least severe actors first, and within a severity those ranked
// last by owner hash (see Rank): a flood of low-severity noise never pushes
// out a high-severity finding, and the ones kept are kept from their first
// event on. The order is decided on a compact copy of the keys: comparing
// the actors themselves (hundreds of bytes each, their names elsewhere)
// missed the cache twice per comparison.
void Detector::trim_aggregates(std::size_t keep) {
  if (live_actors_ <= keep) return;
  struct EvictionKey {
    Rank rank;
    std::uint32_t actor;
  };
  std::vector<EvictionKey> order;
  order.reserve(live_actors_);
  for (std::size_t i = 0; i < actors_.size(); ++i) {
    const Actor& a = actors_[i];
    if (a.rule < 0) continue;
    order.push_back({rank_of(a.owner, a.rule), static_cast<std::uint32_t>(i)});
  }
  auto evicted_first = [this](const EvictionKey& x, const EvictionKey& y) {
    if (evicted_before(x.rank, y.rank)) return true;
    if (evicted_before(y.rank, x.rank)) return false;
    const Actor& a = actors_[x.actor];
    const Actor& b = actors_[y.actor];
    return std::pair(a.account(), a.principal()) > std::pair(b.account(), b.principal());
  };
  const std::size_t drop = live_actors_ - keep;
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(drop), order.end(), evicted_first);
  for (std::size_t i = 0; i < drop; ++i) {
    const EvictionKey& victim = order[i];
    // Ranks never change, so the `keep` actors kept here stay above this
    // floor for the rest of the scan.
    raise_eviction_floor(victim.rank);
    evict_actor(victim.actor);
  }
  rebuild_actor_index();
  if (sharing_with_others()) publish_ranks(keep);
}

// Between trims a worker keeps building the actors above its floor, and
// those raise the shared floor only when published: without this, a worker
// whose own floor bars nearly everything would not trim again, and the
// others would go on with the floor of its first trim.
void Detector::raise_eviction_floor(const Rank& rank) {
  if (!has_eviction_floor_ || evicted_before(eviction_floor_, rank)) eviction_floor_ = rank;
  has_eviction_floor_ = true;
}

void Detector::share_eviction_floor(SharedFloor* floor) {
  shared_floor_ = floor;
  shared_floor_seen_ = 0;
  dropped_batch_.flush();
  if (!floor) return;  // the shared set stays, counted with the rest
  if (floor->dropped_ != dropped_) {
    // What was dropped before sharing still counts. An empty set is not
    // kept: a worker shares from its start, and evictions() locks every set
    // at once (with -j 1024, a thousand mutexes for nothing).
    if (dropped_->count().size != 0) merged_dropped_.push_back(std::move(dropped_));
    dropped_ = floor->dropped_;
    dropped_batch_.send_to(dropped_.get());
  }
  std::lock_guard lock(floor->mutex_);
  shared_slot_ = floor->kept_.size();
  floor->kept_.emplace_back();
  floor->sharers_.store(floor->kept_.size(), std::memory_order_relaxed);
}

// Alone, a detector's own trims already set the floor the shared one would
// (its best `cap` ranks are all there is): publishing, a sort of the live
// ranks every cap/4 actors built, would be pure cost (~2% of a -j 1 scan
// with a noisy rule).
bool Detector::sharing_with_others() const {
  return shared_floor_ && shared_floor_->sharers_.load(std::memory_order_relaxed) > 1;
}

void Detector::best_distinct(const std::vector<std::vector<Rank>>& lists, std::size_t keep, std::vector<Rank>& merged,
                             std::vector<Rank>& scratch) {
  auto best_first = [](const Rank& a, const Rank& b) { return evicted_before(b, a); };
  auto same = [](const Rank& a, const Rank& b) { return !evicted_before(a, b) && !evicted_before(b, a); };
  merged.clear();
  for (const std::vector<Rank>& list : lists) {
    scratch.clear();
    auto a = merged.cbegin();
    auto b = list.cbegin();
    while (scratch.size() < keep && (a != merged.cend() || b != list.cend())) {
      const bool take_b = a == merged.cend() || (b != list.cend() && best_first(*b, *a));
      const Rank& r = take_b ? *b++ : *a++;
      if (scratch.empty() || !same(scratch.back(), r)) scratch.push_back(r);
    }
    merged.swap(scratch);
  }
}

// Publishes the best `keep` ranks of this detector's actors (see
// published_) and raises the shared floor to the keep-th best distinct rank
// over every detector's latest list. Each list is of actors that exist, and
// ranks never change, so the count of actors above the floor can only grow.
// Equal ranks count once (the same actor kept by two workers, or a hash
// collision: counting fewer is safe, and so is leaving out a live actor).
// The list is the last one merged with the ranks built since: a live actor
// left out of it because `keep` better ones were listed can never get back
// into the best `keep` (those only leave by eviction, below the floor,
// which it would be below too), and ranks at or below this detector's
// floor are dropped as they go (their actors are gone or going).
void Detector::publish_ranks(std::size_t keep) {
  built_since_publish_ = 0;
  auto best_first = [](const Rank& a, const Rank& b) { return evicted_before(b, a); };
  auto above_floor = [this](const Rank& r) { return !has_eviction_floor_ || evicted_before(eviction_floor_, r); };
  std::sort(built_ranks_.begin(), built_ranks_.end(), best_first);
  {
    std::vector<Rank>& listed = publish_scratch_;
    listed.clear();
    auto before = published_.cbegin(), built = built_ranks_.cbegin();
    while (listed.size() < keep) {
      while (before != published_.cend() && !above_floor(*before)) ++before;
      while (built != built_ranks_.cend() && !above_floor(*built)) ++built;
      if (before == published_.cend() && built == built_ranks_.cend()) break;
      const bool take_built =
          before == published_.cend() || (built != built_ranks_.cend() && best_first(*built, *before));
      listed.push_back(take_built ? *built++ : *before++);
    }
    published_.swap(listed);
    built_ranks_.clear();
  }
  SharedFloor& shared = *shared_floor_;
  std::lock_guard lock(shared.mutex_);
  shared.kept_[shared_slot_] = published_;
  std::vector<Rank>& merged = shared.merged_;
  best_distinct(shared.kept_, keep, merged, shared.scratch_);
  if (keep == 0 || merged.size() < keep) return;
  const Rank& floor = merged[keep - 1];
  if (!shared.has_floor_ || evicted_before(shared.floor_, floor)) {
    shared.floor_ = floor;
    shared.has_floor_ = true;
    shared.version_.fetch_add(1, std::memory_order_release);
  }
}

void Detector::read_shared_floor() {
  SharedFloor& shared = *shared_floor_;
  std::lock_guard lock(shared.mutex_);
  shared_floor_seen_ = shared.version_.load(std::memory_order_relaxed);
  if (shared.has_floor_) raise_eviction_floor(shared.floor_);
}

void Detector::count_dropped(std::uint64_t owner, int rule, std::uint64_t events) {
  dropped_batch_.add(actor_hash(owner, rule));
  evicted_events_by_rule_[static_cast<std::size_t>(rule)] += events;
}

Evictions Detector::evictions() const {
  dropped_batch_.flush();
  Evictions e;
  for (std::uint64_t n : evicted_events_by_rule_) e.principal_events += n;
  for (std::uint64_t n : evicted_hits_by_rule_) e.correlation_hits += n;
  std::vector<SharedPrincipalSet*> sets{dropped_.get()};
  for (const auto& other : merged_dropped_) sets.push_back(other.get());
  e.principals = SharedPrincipalSet::count_union(sets).size;
  return e;
}

std::vector<EvictedRule> Detector::evicted_by_rule() const {
  std::vector<EvictedRule> out;
  for (std::size_t r = 0; r < evicted_events_by_rule_.size(); ++r) {
    const std::uint64_t events = evicted_events_by_rule_[r], hits = evicted_hits_by_rule_[r];
    if (events == 0 && hits == 0) continue;
    const Rule& rule = rules_.rules()[r];
    out.push_back({rule.display_id(), rule.title, events, hits});
  }
  std::sort(out.begin(), out.end(), [](const EvictedRule& a, const EvictedRule& b) {
    const std::uint64_t ta = a.principal_events + a.correlation_hits, tb = b.principal_events + b.correlation_hits;
    return ta != tb ? ta > tb : a.rule < b.rule;
  });
  return out;
}

std::uint64_t Detector::owner_hash(std::uint64_t principal_hash, std::string_view account) {
  return principal_hash ^ (PrincipalSet::hash(account) * 0x9e3779b97f4a7c15ull);
}

std::uint64_t Detector::actor_hash(std::uint64_t owner, int rule) {
  return (owner + static_cast<std::uint64_t>(rule)) * 0xbf58476d1ce4e5b9ull;
}

std::size_t Detector::find_or_add_actor(std::uint64_t owner, int rule, std::string_view account,
                                        std::string_view principal) {
  // Below the floor, an actor is dropped whether or not it is held: one that
  // is will go at the next trim (the actors above the floor outrank it), and
  // its events are counted then, this one now. No lookup needed.
  if (shared_floor_ &&
      shared_floor_->version_.load(std::memory_order_acquire) != shared_floor_seen_) [[unlikely]] {
    read_shared_floor();
  }
  if (has_eviction_floor_ && evicted_before(rank_of(owner, rule), eviction_floor_)) {
    count_dropped(owner, rule, 1);
    return kNoActor;
  }
  if (const std::size_t found = find_actor(owner, rule, account, principal); found != kNoActor) return found;
  const std::size_t at = take_actor_slot();
  Actor& a = actors_[at];
  a.owner = owner;
  a.rule = rule;
  a.account_size = static_cast<std::uint32_t>(account.size());
  a.names = SharedText::joined(account, principal);
  ++actors_built_;
  if (sharing_with_others()) {
    built_ranks_.push_back(rank_of(owner, rule));
    // No floor exists until the published lists add up to the cap, and
    // until then every worker builds every actor it meets. Publishing after
    // half a worker's share of the cap (a quarter at most), not after a
    // quarter of the cap each, the floor forms once the workers together
    // built about the cap, whatever -j: peak RSS at -j 16 over the bench
    // archive 306 -> 191 MB (-j 8: 210 -> ~165 MB; -j 2 unchanged).
    const std::size_t cap = options_.max_tracked_principals;
    const std::size_t sharers = shared_floor_->sharers_.load(std::memory_order_relaxed);
    if (cap && ++built_since_publish_ > std::min(cap / 4, cap / (2 * sharers)) + 16) {
      publish_ranks(cap);
      sweep_due_ = true;
    }
  }
  index_new_actor(at);
  return at;
}

std::size_t Detector::find_actor(std::uint64_t owner, int rule, std::string_view account,
                                 std::string_view principal) const {
  if (actor_index_.empty()) return kNoActor;
  const std::uint64_t tag = actor_hash(owner, rule) & 0xffffffff00000000ull;
  const std::size_t mask = actor_index_.size() - 1;
  for (std::size_t i = first_slot(owner);; i = (i + 1) & mask) {
    const std::uint64_t slot = actor_index_[i];
    if (slot == 0) return kNoActor;
    if ((slot & 0xffffffff00000000ull) != tag) continue;
    const std::size_t at = (slot & 0xffffffffull) - 1;
    const Actor& a = actors_[at];
    if (a.is(rule, account, principal)) return at;
  }
}

std::size_t Detector::take_actor_slot() {
  if (!free_actors_.empty()) {
    const std::size_t at = free_actors_.back();
    free_actors_.pop_back();
    return at;
  }
  // A capped detector never holds more than the cap and the trim's slack:
  // reserved once, the actors are not moved into fresh memory as it grows.
  // Bounded, so that a cap raised to millions does not reserve gigabytes
  // (a ulimit -v or strict overcommit would refuse them) for a scan that
  // may build a handful; beyond it the vector grows as usual.
  constexpr std::size_t kMaxReserved = 1 << 15;
  const std::size_t cap = options_.max_tracked_principals;
  if (actors_.empty() && cap) actors_.reserve(std::min(cap + cap / 4 + 65, kMaxReserved));
  actors_.emplace_back();
  return actors_.size() - 1;
}

void Detector::index_new_actor(std::size_t at) {
  ++live_actors_;
  // At most half full keeps probe runs short.
  if (2 * live_actors_ > actor_index_.size()) {
    rebuild_actor_index();
  } else {
    index_actor(at);
  }
}

void Detector::index_actor(std::size_t actor) {
  const std::uint64_t hash = actor_hash(actors_[actor].owner, actors_[actor].rule);
  const std::size_t mask = actor_index_.size() - 1;
  std::size_t i = first_slot(actors_[actor].owner);
  while (actor_index_[i] != 0) i = (i + 1) & mask;
  actor_index_[i] = (hash & 0xffffffff00000000ull) | (actor + 1);
}

void Detector::rebuild_actor_index() {
  std::size_t size = 64;
  while (size < 2 * live_actors_ + 2) size *= 2;
  actor_index_.assign(size, 0);
  for (std::size_t i = 0; i < actors_.size(); ++i) {
    if (actors_[i].rule >= 0) index_actor(i);
  }
}

void Detector::evict_actor(std::size_t actor) {
  const Actor& a = actors_[actor];
  count_dropped(a.owner, a.rule, a.agg.count);
  free_actor(actor);
}

void Detector::free_actor(std::size_t actor) {
  Actor& a = actors_[actor];
  a.rule = -1;
  a.names = SharedText();
  a.agg.clear();
  --live_actors_;
  free_actors_.push_back(static_cast<std::uint32_t>(actor));
}

void Detector::Aggregate::clear() {
  count = 0;
  first_ms = INT64_MAX;
  last_ms = INT64_MIN;
  earliest.clear();
  shared_evidence.reset();
  regions.clear();
  source_ips.clear();
  user_agents.clear();
  access_keys.clear();
  session_issuers.clear();
  resources.clear();
}

void Detector::sweep_below_floor() {
  sweep_due_ = false;
  if (!shared_floor_) return;
  read_shared_floor();
  if (has_eviction_floor_ && evict_below(eviction_floor_)) rebuild_actor_index();
}

bool Detector::evict_below(const Rank& floor) {
  bool dropped = false;
  for (std::size_t i = 0; i < actors_.size(); ++i) {
    const Actor& a = actors_[i];
    if (a.rule < 0 || !evicted_before(rank_of(a.owner, a.rule), floor)) continue;
    evict_actor(i);
    dropped = true;
  }
  return dropped;
}

void Detector::drop_outranked(std::span<Detector* const> detectors, unsigned threads) {
  if (detectors.size() < 2) return;
  const std::size_t keep = detectors.front()->options_.max_tracked_principals;
  if (keep == 0) return;
  auto best_first = [](const Rank& a, const Rank& b) { return evicted_before(b, a); };
  const Stretches stretches{detectors.size(), stretch_count(detectors.size(), 1, threads)};
  // Each detector's best `keep` ranks, best first.
  std::vector<std::vector<Rank>> best(detectors.size());
  run_stretches(stretches.count, [&](std::size_t s) {
    for (std::size_t d = stretches.begin(s); d < stretches.end(s); ++d) {
      const Detector& detector = *detectors[d];
      std::vector<Rank>& ranks = best[d];
      ranks.reserve(detector.live_actors_);
      for (const Actor& a : detector.actors_) {
        if (a.rule >= 0) ranks.push_back(detector.rank_of(a.owner, a.rule));
      }
      if (ranks.size() > keep) {
        std::nth_element(ranks.begin(), ranks.begin() + static_cast<std::ptrdiff_t>(keep), ranks.end(), best_first);
        ranks.resize(keep);
      }
      std::sort(ranks.begin(), ranks.end(), best_first);
    }
  });
  // The keep-th best distinct rank over all of them. An actor held by two
  // detectors counts once, as after the merge; two actors of one rank (a
  // hash collision) count once too, which only lowers the floor.
  std::vector<Rank> merged, scratch;
  best_distinct(best, keep, merged, scratch);
  if (merged.size() < keep) return;  // nothing is outranked by `keep` others
  const Rank floor = merged[keep - 1];
  run_stretches(stretches.count, [&](std::size_t s) {
    for (std::size_t d = stretches.begin(s); d < stretches.end(s); ++d) {
      Detector& detector = *detectors[d];
      if (detector.evict_below(floor)) detector.rebuild_actor_index();
    }
  });
}

void Detector::on_worker_done() {
  sweep_below_floor();
  apply_caps();
}

void Detector::apply_caps() {
  if (options_.max_correlation_hits) trim_hits(options_.max_correlation_hits);
  if (options_.max_tracked_principals) trim_aggregates(options_.max_tracked_principals);
  dropped_batch_.flush();
}

HitStore Detector::take_correlation_hits() {
  hit_texts_.clear();
  hit_values_.clear();
  return std::move(hits_);
}

void Detector::release_retired() {
  std::vector<std::vector<Actor>>().swap(retired_);
}

void Detector::merge(Detector&& other) {
  // Their actors that are new here bring their entries along.
  if (other.evidence_board_ != evidence_board_) merged_boards_.push_back(other.evidence_board_);
  for (auto& board : other.merged_boards_) merged_boards_.push_back(std::move(board));
  other.merged_boards_.clear();
  // The scan is over: no more hits to share texts with.
  hit_texts_.clear();
  other.hit_texts_.clear();
  hit_values_.clear();
  other.hit_values_.clear();
  hits_.append(std::move(other.hits_));
  hits_total_ += other.hits_total_;
  actors_built_ += other.actors_built_;
  field_problems_.merge(std::move(other.field_problems_));
  for (const auto& [key, n] : other.suppressed_) suppressed_[key] += n;
  for (std::size_t r = 0; r < evicted_events_by_rule_.size(); ++r) {
    evicted_events_by_rule_[r] += other.evicted_events_by_rule_[r];
    evicted_hits_by_rule_[r] += other.evicted_hits_by_rule_[r];
  }
  // Their drops: in the set this one uses when both shared a floor, else
  // kept beside it, each set once.
  other.dropped_batch_.flush();
  other.merged_dropped_.push_back(std::move(other.dropped_));
  for (auto& theirs : other.merged_dropped_) {
    if (theirs != dropped_ && std::find(merged_dropped_.begin(), merged_dropped_.end(), theirs) == merged_dropped_.end()) {
      merged_dropped_.push_back(std::move(theirs));
    }
  }
  other.dropped_ = std::make_shared<SharedPrincipalSet>();
  other.dropped_batch_.send_to(other.dropped_.get());
  other.merged_dropped_.clear();
  // Caps are applied after all merges: nothing is refused here.
  for (Actor& theirs : other.actors_) {
    if (theirs.rule < 0) continue;
    const std::size_t at = find_actor(theirs.owner, theirs.rule, theirs.account(), theirs.principal());
    if (at == kNoActor) {  // new here: taken whole, names and all, in one move
      const std::size_t slot = take_actor_slot();
      actors_[slot] = std::move(theirs);
      theirs.rule = -1;
      index_new_actor(slot);
      continue;
    }
    Aggregate& agg = theirs.agg;  // left empty by the merges below
    Aggregate& mine = actors_[at].agg;
    mine.count += agg.count;
    // Lists of their own merge; workers that shared a board hold one entry.
    mine.earliest.merge(agg.earliest, evidence_cap(), merge_scratch_);
    if (mine.shared_evidence.empty()) {
      mine.shared_evidence = std::move(agg.shared_evidence);
    } else if (!agg.shared_evidence.empty() && !mine.shared_evidence.same_entry(agg.shared_evidence)) {
      mine.shared_evidence.merge_from(agg.shared_evidence, evidence_cap(), merge_scratch_);
    }
    agg.shared_evidence.reset();
    mine.first_ms = std::min(mine.first_ms, agg.first_ms);
    mine.last_ms = std::max(mine.last_ms, agg.last_ms);
    const std::size_t cap = options_.max_distinct_values;
    mine.regions.merge(agg.regions, cap, merge_values_scratch_);
    mine.source_ips.merge(agg.source_ips, cap, merge_values_scratch_);
    mine.user_agents.merge(agg.user_agents, cap, merge_values_scratch_);
    mine.access_keys.merge(agg.access_keys, cap, merge_values_scratch_);
    mine.session_issuers.merge(agg.session_issuers, cap, merge_values_scratch_);
    mine.resources.insert(agg.resources.begin(), agg.resources.end());
    while (mine.resources.size() > options_.max_resources) mine.resources.erase(std::prev(mine.resources.end()));
  }
  retired_.push_back(std::move(other.actors_));
  for (auto& theirs : other.retired_) retired_.push_back(std::move(theirs));
  other.retired_.clear();
  other.actors_.clear();  // moved from: empty, said so
  other.free_actors_.clear();
  other.actor_index_.clear();
  other.live_actors_ = 0;
}

Finding Detector::take_finding(Actor& actor) const {
  const int rule_index = actor.rule;
  Aggregate& agg = actor.agg;
  const Rule& rule = rules_.rules()[static_cast<std::size_t>(rule_index)];
  Finding f = finding_for_rule(rule, rule_index);
  f.account = actor.account();
  f.principal = actor.principal();
  if (!agg.access_keys.empty()) f.access_key_id = agg.access_keys.front();
  if (!agg.session_issuers.empty()) f.session_issuer = agg.session_issuers.front();
  f.first_ms = agg.first_ms;
  f.last_ms = agg.last_ms;
  f.detectable_ms = agg.first_ms;
  f.event_count = agg.count;
  f.regions = std::move(agg.regions);
  f.source_ips = std::move(agg.source_ips);
  f.user_agents = std::move(agg.user_agents);
  // take_finding runs on several threads: the scratch is a fresh one, only
  // for an actor whose records are on the board and in a list of its own.
  std::vector<Evidence> scratch;
  f.evidence_omitted = agg.count - evidence_size(agg, evidence_cap(), scratch);
  // The vector moves whole: a new one per finding, filled one Evidence at a
  // time, was ~100 MB of fresh pages for a noisy rule's 20,000 findings.
  f.evidence = agg.shared_evidence.empty() ? agg.earliest.take() : agg.shared_evidence.take();
  f.event_ids.reserve(f.evidence.size());
  const SharedText rule_id(rule.display_id());  // one block for all of its evidence
  for (Evidence& e : f.evidence) {
    if (!e.event_id.empty()) f.event_ids.push_back(e.event_id);
    e.rule = rule_id;
  }
  f.resources.assign(agg.resources.begin(), agg.resources.end());
  // Freed as its finding is made, so the two never both sit in memory.
  actor = Actor{};
  return f;
}

std::vector<Finding> Detector::take_single_event_findings(unsigned threads_allowed, std::size_t more) {
  // Tens of thousands of findings (a noisy rule over many principals) are
  // built on the threads allowed: this runs after the scan. Each thread
  // fills its own stretch of the output, so the order is the actors' order.
  constexpr std::size_t kMinPerThread = 2048;
  const Stretches stretches{actors_.size(), stretch_count(live_actors_, kMinPerThread, threads_allowed)};
  // Where each stretch's findings start in the output: the live actors before it.
  std::vector<std::size_t> first_out(stretches.count + 1, 0);
  for (std::size_t s = 0; s < stretches.count; ++s) {
    std::size_t live = 0;
    for (std::size_t i = stretches.begin(s); i < stretches.end(s); ++i) live += actors_[i].rule >= 0;
    first_out[s + 1] = first_out[s] + live;
  }
  std::vector<Finding> out;
  out.reserve(live_actors_ + more);
  out.resize(live_actors_);
  run_stretches(stretches.count, [&](std::size_t s) {
    std::size_t at = first_out[s];
    for (std::size_t i = stretches.begin(s); i < stretches.end(s); ++i) {
      if (actors_[i].rule >= 0) out[at++] = take_finding(actors_[i]);
    }
  });
  // What is left of the actors (the buffers freed actors keep for reuse)
  // goes with the detector, see retired_.
  retired_.push_back(std::move(actors_));
  actors_.clear();
  free_actors_.clear();
  actor_index_.clear();
  live_actors_ = 0;
  return out;
}

}  // namespace trailsweep
