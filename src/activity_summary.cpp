#include "trailsweep/activity_summary.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "trailsweep/json_writer.hpp"
#include "trailsweep/report_csv.hpp"
#include "trailsweep/reporter.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {

namespace {

constexpr std::string_view kReadPrefixes[] = {"Get",   "List",  "Describe", "Head",     "Lookup", "Search",
                                              "Check", "Query", "Scan",     "BatchGet", "Select", "View",
                                              "Preview", "Estimate", "Validate", "Test", "Simulate"};

// Most frequent first, ties by value.
std::vector<std::pair<std::string, std::uint64_t>> by_count(std::vector<std::pair<std::string, std::uint64_t>> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return v;
}

template <typename T>
T moved_or_copied(T& value, bool move) {
  if (move) return std::move(value);
  return value;
}

template <typename Values>
auto find_value(Values& values, std::string_view value) {
  return std::lower_bound(values.begin(), values.end(), value,
                          [](const auto& entry, std::string_view v) { return std::string_view(entry.first) < v; });
}

// User agents run to 300 characters; a table line shows the start.
std::string shortened(const std::string& value) {
  constexpr std::size_t kMax = 72;
  if (value.size() <= kMax) return value;
  return value.substr(0, kMax - 3) + "...";
}

std::string listed_values(const std::vector<std::pair<std::string, std::uint64_t>>& values, std::size_t distinct,
                          std::size_t listed, bool with_counts) {
  std::string out;
  for (std::size_t i = 0; i < values.size() && i < listed; ++i) {
    if (!out.empty()) out += ", ";
    out += with_counts ? fmt::format("{} {}", shortened(values[i].first), values[i].second) : shortened(values[i].first);
  }
  if (distinct > listed) out += fmt::format(", ... ({} more)", distinct - listed);
  return out;
}

// Values come from requests (user agents, names): each line of `text` is
// appended with its control bytes and escapes neutralised.
void append_lines_for_terminal(std::string& out, std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    append_for_terminal(out, text.substr(start, end - start));
    out += '\n';
    start = end + 1;
  }
}

}  // namespace

bool is_write_call(const Event& ev) {
  if (ev.has_read_only) return !ev.read_only;
  std::string_view name = ev.event_name;
  for (auto prefix : kReadPrefixes) {
    if (name.starts_with(prefix)) return false;
  }
  return true;
}

namespace {

constexpr std::uint64_t kNoFloor = UINT64_MAX;

// Root and IAM users first (0), AWS services last (2), the rest between;
// read from the principal key (Event::principal), so that a principal's
// rank never depends on which of its records a worker saw first.
std::uint64_t identity_tier(std::string_view principal) {
  if (principal.starts_with("service:")) return 2;
  if (principal.starts_with("IAMUser:") || principal.starts_with("Root:")) return 0;
  const bool arn = principal.starts_with("arn:");
  if (arn && (principal.ends_with(":root") || principal.find(":user/") != std::string_view::npos)) return 0;
  return 1;
}

// The hash remixed: the untracked principals go into a PrincipalSet by that
// same hash, whose estimate (beyond 2^20) reads its top bits, and keeping the
// principals whose hashes are smallest left those bits' low values out of the
// set: the estimate came out ~4% low on the 10 GB bench archive.
std::uint64_t rank_from(std::uint64_t hash, std::string_view principal) {
  std::uint64_t h = hash ^ 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 31)) * 0x7fb5d329728ea185ull;
  h = (h ^ (h >> 27)) * 0x81dadef4bc2dd44dull;
  h ^= h >> 33;
  return std::min((identity_tier(principal) << 62) | (h >> 2), kNoFloor - 1);
}

void join_key(std::string& key, std::string_view account, std::string_view principal) {
  key.assign(account);
  key += '\x1f';
  key += principal;
}

}  // namespace

std::uint64_t activity_rank(std::string_view account, std::string_view principal) {
  std::string key;
  join_key(key, account, principal);
  return rank_from(PrincipalSet::hash(key), principal);
}

// The principals of one scan, in shards by hash with a lock each, so that
// workers rarely wait for each other. Under the cap the table holds up to
// max_principals plus a slack; past it, one worker compacts: it finds the
// max_principals-th best rank held, makes the next one the floor and evicts
// every principal ranked at or past it, a shard at a time. (A heap of ranks
// under one lock, taken for every new principal, made 16 workers wait for it
// and each other: 3.6 s of system time in a 2.3 s summary of 2 GB.)
struct ActivityCollector::Table {
  static constexpr std::size_t kShards = 256;  // 16 workers rarely meet on one
  // A principal's place: its key (account '\x1f' principal) and counts.
  struct Entry {
    std::string key;
    Tracked t;
  };
  // One shard's principals, found through a flat index. (std::unordered_map
  // cost four cache misses a lookup, its bucket, the node before, the node
  // and the key's buffer, and hashed the key again: ~30% of a summary.) The
  // entries sit in fixed chunks, so a principal's entry never moves while
  // held, and an evicted one is emptied and reused.
  struct Shard {
    static constexpr std::uint32_t kChunk = 32;
    static constexpr std::uint64_t kTag = 0xffffffff00000000ull;
    std::mutex mutex;
    // Linear probing; a slot holds the high half of the principal's hash
    // (which also places it) and its entry + 1; 0 is empty. At most half full.
    std::vector<std::uint64_t> slots;
    std::vector<std::unique_ptr<Entry[]>> chunks;
    std::uint32_t made = 0;  // entries in the chunks
    // Evicted entries, emptied, for the next principals to take: a
    // compaction freed ~16,000 principals' ten-odd buffers at once, and
    // those frees, in a burst past the allocator's thread cache, were most
    // of its time.
    std::vector<std::uint32_t> spare;
    // Each held principal's rank and entry, for the compaction to read
    // without touching the entries.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> ranks;

    Entry& entry(std::uint32_t i) { return chunks[i / kChunk][i % kChunk]; }
    std::size_t home(std::uint64_t hash) const { return static_cast<std::size_t>(hash >> 32) & (slots.size() - 1); }

    Tracked* find(std::string_view key, std::uint64_t hash) {
      if (slots.empty()) return nullptr;
      const std::size_t mask = slots.size() - 1;
      for (std::size_t i = home(hash);; i = (i + 1) & mask) {
        const std::uint64_t slot = slots[i];
        if (slot == 0) return nullptr;
        if ((slot & kTag) != (hash & kTag)) continue;
        Entry& e = entry(static_cast<std::uint32_t>(slot) - 1);
        if (e.t.hash == hash && e.key == key) return &e.t;
      }
    }
    // A new entry for `key`, which the shard does not hold, with its hash
    // set (what find() compares first); the caller fills the counts.
    Tracked& add(std::string_view key, std::uint64_t hash, std::uint64_t rank) {
      std::uint32_t index;
      if (!spare.empty()) {
        index = spare.back();
        spare.pop_back();
      } else {
        if (made % kChunk == 0) chunks.push_back(std::make_unique<Entry[]>(kChunk));
        index = made++;
      }
      Entry& e = entry(index);
      e.key.assign(key);
      e.t.hash = hash;
      ranks.emplace_back(rank, index);
      if (2 * ranks.size() > slots.size()) {
        std::vector<std::uint64_t> old = std::move(slots);
        slots.assign(std::max<std::size_t>(64, 2 * old.size()), 0);
        for (std::uint64_t slot : old) {
          if (slot) place(slot);
        }
      }
      place((hash & kTag) | (std::uint64_t{index} + 1));
      return e.t;
    }
    void place(std::uint64_t slot) {
      const std::size_t mask = slots.size() - 1;
      std::size_t i = home(slot);
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = slot;
    }
    // Takes `index` out of the index (not out of ranks), closing the gap
    // by moving later slots of its run back, so that no probe stops early.
    void unindex(std::uint32_t index, std::uint64_t hash) {
      const std::size_t mask = slots.size() - 1;
      const std::uint64_t slot = (hash & kTag) | (std::uint64_t{index} + 1);
      std::size_t gap = home(hash);
      while (slots[gap] != slot) gap = (gap + 1) & mask;
      for (std::size_t j = (gap + 1) & mask; slots[j] != 0; j = (j + 1) & mask) {
        // slots[j] may fill the gap if the gap lies on its probe path.
        if (((j - home(slots[j])) & mask) >= ((j - gap) & mask)) {
          slots[gap] = slots[j];
          gap = j;
        }
      }
      slots[gap] = 0;
    }
    void clear() {  // memory included
      slots = decltype(slots)();
      chunks = decltype(chunks)();
      made = 0;
      spare = decltype(spare)();
      ranks = decltype(ranks)();
    }
  };
  static std::size_t shard_of(std::uint64_t hash) { return hash % kShards; }  // ranks use the high bits
  // Principals held beyond the cap before a compaction. One takes ~18 ms of
  // one worker at the default cap (the ranks read, a selection, ~8,000
  // principals evicted), 45 of them over the 2 GB bench archive: ~0.8 of
  // its ~5.7 CPU-s, what the heap's evictions one by one cost. The slack
  // costs its memory (~1.2 KB a principal).
  static std::size_t slack(std::size_t cap) { return cap / 32 + 64; }

  explicit Table(const ActivityOptions& o)
      : options(o), max_spare(2 * slack(o.max_principals) / kShards + 4) {}
  // Principals ranked at or past the floor are never tracked: the floor is
  // a rank that max_principals principals held at once all ranked before,
  // so none at or past it can be among the max_principals best of the whole
  // scan. Those are what remains, each with every one of its events,
  // whatever the order the events came in.
  void lower_floor(std::uint64_t rank) {
    std::uint64_t now = floor.load(std::memory_order_relaxed);
    while (rank < now && !floor.compare_exchange_weak(now, rank, std::memory_order_relaxed)) {
    }
  }

  ActivityOptions options;
  // Emptied entries a shard keeps with their buffers: twice its share of the
  // slack, so that what the principals' strings and lists take is at most
  // that of the cap and four slacks (1.125x). Past it, an evicted entry
  // gives its buffers back and keeps only its place (~300 bytes).
  std::size_t max_spare;
  std::array<Shard, kShards> shards;
  // Every event reads the floor: on a line of its own, not one that the
  // counts below write to (which made each core's read of it miss).
  alignas(64) std::atomic<std::uint64_t> floor{kNoFloor};
  alignas(64) std::atomic<std::size_t> held{0};
  std::atomic<std::uint64_t> untracked_events{0};  // of the workers that handed theirs over
  std::mutex compact_mutex;                   // one compaction at a time
  std::vector<std::uint64_t> compact_ranks;  // under compact_mutex
  SharedPrincipalSet untracked;
};

ActivityCollector::ActivityCollector(ActivityOptions options)
    : ActivityCollector(std::make_shared<Table>(options)) {}

ActivityCollector::ActivityCollector(std::shared_ptr<Table> table)
    : table_(std::move(table)), untracked_batch_(&table_->untracked) {}

ActivityCollector::~ActivityCollector() = default;
ActivityCollector::ActivityCollector(ActivityCollector&&) noexcept = default;
ActivityCollector& ActivityCollector::operator=(ActivityCollector&&) noexcept = default;

std::unique_ptr<ActivityCollector> ActivityCollector::worker() const {
  return std::unique_ptr<ActivityCollector>(new ActivityCollector(table_));
}

void ActivityCollector::count_value(Tracked& t, std::vector<std::pair<std::string, std::uint64_t>>& values,
                                    std::string_view value, std::uint64_t n) {
  auto it = find_value(values, value);
  if (it != values.end() && it->first == value) {
    it->second += n;
  } else if (values.size() < table_->options.max_values) {
    values.emplace(it, std::string(value), n);
  } else {
    t.overflow_values += n;
  }
}

void ActivityCollector::note_first_write(Tracked& t, std::string_view api, std::int64_t ms) {
  auto it = find_value(t.write_first_seen, api);
  if (it != t.write_first_seen.end() && it->first == api) {
    it->second = std::min(it->second, ms);
  } else if (t.write_first_seen.size() < table_->options.max_values) {
    t.write_first_seen.emplace(it, std::string(api), ms);
  }
}

ActivityCollector::Tracked* ActivityCollector::track(std::size_t shard, std::uint64_t hash, std::uint64_t rank) {
  Table& table = *table_;
  const std::size_t cap = table.options.max_principals;
  if (cap == 0 || rank >= table.floor.load(std::memory_order_relaxed)) return nullptr;
  Tracked& t = table.shards[shard].add(key_, hash, rank);
  const std::size_t held = table.held.fetch_add(1, std::memory_order_relaxed) + 1;
  if (held > cap + Table::slack(cap)) {
    // Past twice the slack, a compaction is under way and the other workers
    // add faster than it evicts (16 of them took the table to ~1.5x the cap
    // and its memory with it): this one waits for it before its next event.
    compaction_due_ = held > cap + 2 * Table::slack(cap) ? Compaction::kWhenOver : Compaction::kUnlessBusy;
  }
  return &t;
}

// As new, keeping the buffers: its strings' and lists' capacity.
void ActivityCollector::reset(Tracked& t) {
  t.account_size = 0;
  t.identity_type.clear();
  t.hash = 0;
  t.events = t.errors = t.write_events = 0;
  t.first_ms = INT64_MAX;
  t.last_ms = INT64_MIN;
  t.apis.clear();
  t.regions.clear();
  t.source_ips.clear();
  t.user_agents.clear();
  t.write_first_seen.clear();
  t.overflow_values = 0;
}

void ActivityCollector::count_untracked(std::uint64_t hash, std::uint64_t events) const {
  untracked_events_ += events;
  untracked_batch_.add(hash);
}

void ActivityCollector::flush_untracked() const {
  untracked_batch_.flush();
  table_->untracked_events.fetch_add(untracked_events_, std::memory_order_relaxed);
  untracked_events_ = 0;
}

// Evicts what ranks at or past the floor, after lowering it to keep `keep`
// principals when more are held.
void ActivityCollector::compact(std::size_t keep, Compaction when) const {
  Table& table = *table_;
  std::unique_lock busy(table.compact_mutex, std::defer_lock);
  if (when == Compaction::kUnlessBusy) {
    if (!busy.try_lock()) return;  // the one under way does it
  } else {
    busy.lock();
  }
  if (when != Compaction::kAlways && table.held.load(std::memory_order_relaxed) <= keep + Table::slack(keep)) {
    return;  // done by the one this waited for
  }
  std::vector<std::uint64_t>& ranks = table.compact_ranks;
  ranks.clear();
  for (auto& shard : table.shards) {
    std::lock_guard lock(shard.mutex);
    for (const auto& held : shard.ranks) ranks.push_back(held.first);
  }
  if (ranks.size() > keep) {
    // `keep` of the principals held rank before ranks[keep]: none at or past
    // it can be among the best `keep` of the scan. Those added meanwhile,
    // ranked before the old floor, leave that true and meet the pass below.
    std::nth_element(ranks.begin(), ranks.begin() + static_cast<std::ptrdiff_t>(keep), ranks.end());
    table.lower_floor(ranks[keep]);
  }
  const std::uint64_t floor = table.floor.load(std::memory_order_relaxed);
  if (floor == kNoFloor) return;
  // A worker that read the old floor and adds a principal past the new one
  // holds its shard's lock while it does, so this pass, which takes each
  // shard's lock after the floor was lowered, finds it there.
  for (auto& shard : table.shards) {
    std::lock_guard lock(shard.mutex);
    std::size_t kept = 0;
    for (const auto& held : shard.ranks) {
      if (held.first < floor) {
        shard.ranks[kept++] = held;
        continue;
      }
      Table::Entry& e = shard.entry(held.second);
      count_untracked(e.t.hash, e.t.events);
      shard.unindex(held.second, e.t.hash);
      if (shard.spare.size() < table.max_spare) {
        reset(e.t);
      } else {
        e = Table::Entry{};
      }
      shard.spare.push_back(held.second);
      table.held.fetch_sub(1, std::memory_order_relaxed);
    }
    shard.ranks.resize(kept);
  }
}

void ActivityCollector::on_event(const Event& ev) {
  first_ms_ = std::min(first_ms_, ev.time_ms);
  last_ms_ = std::max(last_ms_, ev.time_ms);
  join_key(key_, ev.account, ev.principal);
  const std::uint64_t hash = PrincipalSet::hash(key_);
  const std::uint64_t rank = rank_from(hash, ev.principal);
  // Every principal tracked ranks before the floor (once a compaction that
  // lowered it is done), so one ranked at or past it is not in the table,
  // nor ever will be: counted without the shard's lock and lookup, which is
  // most events of an archive far over the cap. (Its events taken while it
  // is still held go with it into the untracked count when it is evicted.)
  if (rank >= table_->floor.load(std::memory_order_relaxed)) {
    count_untracked(hash, 1);
    return;
  }
  const std::size_t shard_index = Table::shard_of(hash);
  Table::Shard& shard = table_->shards[shard_index];
  {
    std::lock_guard lock(shard.mutex);
    Tracked* found = shard.find(key_, hash);
    if (found == nullptr && (found = track(shard_index, hash, rank))) {
      found->account_size = static_cast<std::uint32_t>(ev.account.size());
      found->identity_type.assign(ev.identity.type);
    }
    if (found == nullptr) {
      count_untracked(hash, 1);
    } else {
      Tracked& t = *found;
      ++t.events;
      if (!ev.error_code.empty()) ++t.errors;
      t.first_ms = std::min(t.first_ms, ev.time_ms);
      t.last_ms = std::max(t.last_ms, ev.time_ms);
      api_.assign(ev.event_source);
      if (auto dot = api_.find('.'); dot != std::string::npos) api_.resize(dot);
      api_ += ':';
      api_ += ev.event_name;
      count_value(t, t.apis, api_);
      count_value(t, t.regions, ev.aws_region);
      count_value(t, t.source_ips, ev.source_ip);
      // aws-cli names each command in its user agent (md/command#s3.ls): one client, not many.
      std::string_view agent = ev.user_agent;
      if (auto cmd = agent.find(" md/command#"); cmd != std::string_view::npos) {
        auto end = agent.find(' ', cmd + 1);
        agent_.assign(agent.substr(0, cmd));
        if (end != std::string_view::npos) agent_ += agent.substr(end);
        agent = agent_;
      }
      count_value(t, t.user_agents, agent);
      // A refused call changed nothing; it says nothing about what the principal does.
      if (is_write_call(ev) && ev.error_code.empty()) {
        ++t.write_events;
        note_first_write(t, api_, ev.time_ms);
      }
    }
  }
  if (compaction_due_ != Compaction::kNone) {
    compact(table_->options.max_principals, std::exchange(compaction_due_, Compaction::kNone));
  }
}

void ActivityCollector::add_counts(Tracked& t, Tracked&& o) {
  t.events += o.events;
  t.errors += o.errors;
  t.write_events += o.write_events;
  t.first_ms = std::min(t.first_ms, o.first_ms);
  t.last_ms = std::max(t.last_ms, o.last_ms);
  t.overflow_values += o.overflow_values;
  for (auto pair : {std::pair{&t.apis, &o.apis}, std::pair{&t.regions, &o.regions},
                     std::pair{&t.source_ips, &o.source_ips}, std::pair{&t.user_agents, &o.user_agents}}) {
    for (auto& [value, n] : *pair.second) count_value(t, *pair.first, value, n);
  }
  for (auto& [api, ms] : o.write_first_seen) note_first_write(t, api, ms);
}

void ActivityCollector::merge(ActivityCollector&& other) {
  other.flush_untracked();
  first_ms_ = std::min(first_ms_, other.first_ms_);
  last_ms_ = std::max(last_ms_, other.last_ms_);
  if (other.table_ == table_) return;  // a worker of this collector: its principals are here already
  Table& theirs = *other.table_;
  // Their floor was earned by their principals, which are now ours too: what
  // it cuts here, those principals would displace as they come in anyway.
  table_->lower_floor(theirs.floor.load(std::memory_order_relaxed));
  compact(table_->options.max_principals, Compaction::kAlways);
  for (std::size_t i = 0; i < Table::kShards; ++i) {
    Table::Shard& from = theirs.shards[i];
    for (const auto& held : from.ranks) {
      Table::Entry& e = from.entry(held.second);
      Tracked& t = e.t;
      key_ = e.key;
      {
        std::lock_guard lock(table_->shards[i].mutex);
        if (Tracked* same = table_->shards[i].find(key_, t.hash)) {
          add_counts(*same, std::move(t));
        } else {
          const std::uint64_t hash = t.hash, events = t.events;
          const std::uint64_t rank = rank_from(hash, std::string_view(key_).substr(t.account_size + 1));
          if (Tracked* mine = track(i, hash, rank)) {
            *mine = std::move(t);
          } else {
            count_untracked(hash, events);
          }
        }
      }
      if (compaction_due_ != Compaction::kNone) {
        compaction_due_ = Compaction::kNone;
        compact(table_->options.max_principals, Compaction::kWhenOver);
      }
    }
    from.clear();
  }
  theirs.held.store(0, std::memory_order_relaxed);
  table_->untracked_events.fetch_add(theirs.untracked_events.load(std::memory_order_relaxed),
                                     std::memory_order_relaxed);
  // Their untracked principals are counted with ours (count_union), once each.
  merged_.push_back(std::move(other.table_));
  for (auto& m : other.merged_) merged_.push_back(std::move(m));
  other.merged_.clear();
}

std::size_t ActivityCollector::principals_held() const { return table_->held.load(std::memory_order_relaxed); }

ActivityReport ActivityCollector::report(std::optional<std::int64_t> baseline_until_ms) const& {
  return build_report(baseline_until_ms, false);
}

ActivityReport ActivityCollector::report(std::optional<std::int64_t> baseline_until_ms) && {
  return build_report(baseline_until_ms, true);
}

// `take`: move each principal's strings and lists into the report and leave
// the table empty (the table is shared, not const, behind table_).
ActivityReport ActivityCollector::build_report(std::optional<std::int64_t> baseline_until_ms, bool take) const {
  ActivityReport report;
  // Down to the cap: workers compact only past the slack.
  if (table_->options.max_principals) compact(table_->options.max_principals, Compaction::kAlways);
  flush_untracked();
  std::vector<SharedPrincipalSet*> untracked_sets{&table_->untracked};
  for (const auto& m : merged_) untracked_sets.push_back(&m->untracked);
  report.untracked_principals = SharedPrincipalSet::count_union(untracked_sets).size;
  report.untracked_events = table_->untracked_events.load(std::memory_order_relaxed);
  // Over all events, not the tracked principals': under the cap those are
  // a sample, and the baseline must not move with it.
  const bool any = first_ms_ <= last_ms_;
  const std::int64_t first = any ? first_ms_ : 0, last = any ? last_ms_ : 0;
  report.first_ms = first;
  report.last_ms = last;
  report.baseline_until_ms = baseline_until_ms ? *baseline_until_ms : first + (last - first) / 4;
  // Grown by doubling, the list of 250,000 principals (~100 MB) was briefly
  // there one and a half times over, on top of the table it is moved from.
  report.principals.reserve(table_->held.load(std::memory_order_relaxed));

  for (auto& shard : table_->shards) {
    for (const auto& held : shard.ranks) {
      const std::string& key = shard.entry(held.second).key;
      Tracked& t = shard.entry(held.second).t;
      PrincipalActivity p;
      p.account = key.substr(0, t.account_size);
      p.principal = key.substr(t.account_size + 1);
      p.events = t.events;
      p.errors = t.errors;
      p.write_events = t.write_events;
      p.first_ms = t.first_ms;
      p.last_ms = t.last_ms;
      p.distinct_apis = t.apis.size();
      p.distinct_regions = t.regions.size();
      p.distinct_source_ips = t.source_ips.size();
      p.distinct_user_agents = t.user_agents.size();
      p.identity_type = moved_or_copied(t.identity_type, take);
      p.apis = by_count(moved_or_copied(t.apis, take));
      p.regions = by_count(moved_or_copied(t.regions, take));
      p.source_ips = by_count(moved_or_copied(t.source_ips, take));
      p.user_agents = by_count(moved_or_copied(t.user_agents, take));
      p.new_principal = t.first_ms > report.baseline_until_ms;
      for (const auto& [api, ms] : t.write_first_seen) {
        if (ms > report.baseline_until_ms) p.new_write_apis.emplace_back(api, ms);
      }
      std::sort(p.new_write_apis.begin(), p.new_write_apis.end(),
                [](const auto& a, const auto& b) { return std::tie(a.second, a.first) < std::tie(b.second, b.first); });

      // Each signal is capped so that no single one buries the others.
      auto add = [&](double points, std::string why) {
        if (points <= 0) return;
        p.score += points;
        p.reasons.push_back(std::move(why));
      };
      if (!p.new_write_apis.empty()) {
        add(std::min<double>(30, 3.0 * static_cast<double>(p.new_write_apis.size())),
            fmt::format("{} write API(s) first called after the baseline", p.new_write_apis.size()));
      }
      if (p.new_principal && p.write_events > 0) add(5, "first seen after the baseline, and it changed things");
      if (p.errors >= 5) {
        add(std::min(10.0, 10.0 * p.error_rate() * 2), fmt::format("{:.0f}% of calls failed", 100 * p.error_rate()));
      }
      if (p.distinct_regions > 1) {
        add(std::min<double>(10, 2.0 * static_cast<double>(p.distinct_regions - 1)),
            fmt::format("{} regions", p.distinct_regions));
      }
      if (p.distinct_source_ips > 1) {
        add(std::min<double>(5, static_cast<double>(p.distinct_source_ips - 1)),
            fmt::format("{} source IPs", p.distinct_source_ips));
      }
      if (p.distinct_user_agents > 1) {
        add(std::min<double>(3, static_cast<double>(p.distinct_user_agents - 1)),
            fmt::format("{} user agents", p.distinct_user_agents));
      }
      if (p.identity_type == "Root") add(5, "root credentials");
      report.principals.push_back(std::move(p));
    }
    if (take) shard.clear();  // its memory goes back while the rest are moved
  }
  if (take) table_->held.store(0, std::memory_order_relaxed);
  std::sort(report.principals.begin(), report.principals.end(), [](const auto& a, const auto& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.events != b.events) return a.events > b.events;
    return std::tie(a.account, a.principal) < std::tie(b.account, b.principal);
  });
  return report;
}

std::string render_activity_text(const ActivityReport& report, std::size_t listed, std::size_t top,
                                 const ReportFlush& flush) {
  std::string out, block;
  // The span is of every event read, tracked principal or not.
  const bool any_events = !report.principals.empty() || report.untracked_events > 0;
  block += fmt::format("{} principal(s); events from {} to {}; baseline until {} (write APIs first called later are new)\n",
                       report.principals.size(), any_events ? format_rfc3339_ms(report.first_ms) : "-",
                       any_events ? format_rfc3339_ms(report.last_ms) : "-",
                       format_rfc3339_ms(report.baseline_until_ms));
  if (report.untracked_principals) {
    block += fmt::format("{} more principal(s) with {} event(s) were counted but not tracked (--max-principals)\n",
                         report.untracked_principals, report.untracked_events);
  }
  append_lines_for_terminal(out, block);
  std::size_t rank = 0;
  for (const auto& p : report.principals) {
    block.clear();
    if (top && rank >= top) {
      block += fmt::format("... {} more (--top)\n", report.principals.size() - top);
      append_lines_for_terminal(out, block);
      break;
    }
    ++rank;
    block += fmt::format("\n#{} score {:.0f}  {}  {}  ({})\n", rank, p.score, p.account, p.principal,
                         p.identity_type.empty() ? "unknown" : p.identity_type);
    block += fmt::format("   events {} ({} writes; {} failed, {:.1f}%)  {} .. {}\n", p.events, p.write_events,
                         p.errors, 100 * p.error_rate(), format_rfc3339_ms(p.first_ms), format_rfc3339_ms(p.last_ms));
    block += fmt::format("   APIs {}: {}\n", p.distinct_apis, listed_values(p.apis, p.distinct_apis, listed, true));
    block += fmt::format("   regions {}: {}\n", p.distinct_regions,
                         listed_values(p.regions, p.distinct_regions, listed, false));
    block += fmt::format("   source IPs {}: {}\n", p.distinct_source_ips,
                         listed_values(p.source_ips, p.distinct_source_ips, listed, false));
    block += fmt::format("   user agents {}: {}\n", p.distinct_user_agents,
                         listed_values(p.user_agents, p.distinct_user_agents, listed, false));
    if (!p.new_write_apis.empty()) {
      std::string apis;
      for (std::size_t i = 0; i < p.new_write_apis.size() && i < 3 * listed; ++i) {
        if (!apis.empty()) apis += ", ";
        apis += fmt::format("{} {}", p.new_write_apis[i].first, format_rfc3339_ms(p.new_write_apis[i].second));
      }
      if (p.new_write_apis.size() > 3 * listed) apis += fmt::format(", ... ({} more)", p.new_write_apis.size() - 3 * listed);
      block += fmt::format("   new write APIs {}: {}\n", p.new_write_apis.size(), apis);
    }
    if (!p.reasons.empty()) {
      std::string why;
      for (const auto& r : p.reasons) why += why.empty() ? r : "; " + r;
      block += "   why: " + why + "\n";
    }
    append_lines_for_terminal(out, block);
    maybe_flush(out, flush);
  }
  return out;
}

std::string render_activity_jsonl(const ActivityReport& report, std::size_t top, const ReportFlush& flush) {
  std::string out;
  std::size_t rank = 0;
  for (const auto& p : report.principals) {
    if (top && rank >= top) break;
    ++rank;
    JsonWriter w(out);
    w.begin_object();
    w.field("rank", static_cast<std::int64_t>(rank));
    w.field("score", p.score);
    w.field("account", p.account);
    w.field("principal", p.principal);
    w.field("identity_type", p.identity_type);
    w.field("events", static_cast<std::int64_t>(p.events));
    w.field("write_events", static_cast<std::int64_t>(p.write_events));
    w.field("errors", static_cast<std::int64_t>(p.errors));
    w.field("error_rate", p.error_rate());
    w.field("first_seen", format_rfc3339_ms(p.first_ms));
    w.field("last_seen", format_rfc3339_ms(p.last_ms));
    auto counts = [&](const char* name, const std::vector<std::pair<std::string, std::uint64_t>>& values,
                      std::size_t distinct) {
      w.field((std::string("distinct_") + name).c_str(), static_cast<std::int64_t>(distinct));
      w.key(name).begin_object();
      for (const auto& [value, n] : values) w.field(value.c_str(), static_cast<std::int64_t>(n));
      w.end_object();
    };
    counts("apis", p.apis, p.distinct_apis);
    counts("regions", p.regions, p.distinct_regions);
    counts("source_ips", p.source_ips, p.distinct_source_ips);
    counts("user_agents", p.user_agents, p.distinct_user_agents);
    w.field("new_principal", p.new_principal);
    w.key("new_write_apis").begin_array();
    for (const auto& [api, ms] : p.new_write_apis) {
      w.begin_object();
      w.field("api", api);
      w.field("first_seen", format_rfc3339_ms(ms));
      w.end_object();
    }
    w.end_array();
    w.key("reasons").begin_array();
    for (const auto& r : p.reasons) w.value(r);
    w.end_array();
    w.field("baseline_until", format_rfc3339_ms(report.baseline_until_ms));
    w.end_object();
    out += '\n';
    maybe_flush(out, flush);
  }
  return out;
}

std::string render_activity_csv(const ActivityReport& report, std::size_t top, const ReportFlush& flush) {
  std::string out =
      "rank,score,account,principal,identity_type,events,write_events,errors,error_rate,first_seen,last_seen,"
      "distinct_apis,distinct_regions,distinct_source_ips,distinct_user_agents,new_principal,new_write_apis,"
      "regions,source_ips,reasons\r\n";
  std::size_t rank = 0;
  for (const auto& p : report.principals) {
    if (top && rank >= top) break;
    ++rank;
    auto joined = [](const auto& values) {
      std::string s;
      for (const auto& v : values) {
        if (!s.empty()) s += "; ";
        s += v.first;
      }
      return s;
    };
    std::string reasons;
    for (const auto& r : p.reasons) reasons += reasons.empty() ? r : "; " + r;
    append_csv_row(out, {fmt::format("{}", rank), fmt::format("{:.1f}", p.score), p.account, p.principal,
                         p.identity_type, fmt::format("{}", p.events), fmt::format("{}", p.write_events),
                         fmt::format("{}", p.errors), fmt::format("{:.4f}", p.error_rate()),
                         format_rfc3339_ms(p.first_ms), format_rfc3339_ms(p.last_ms),
                         fmt::format("{}", p.distinct_apis), fmt::format("{}", p.distinct_regions),
                         fmt::format("{}", p.distinct_source_ips), fmt::format("{}", p.distinct_user_agents),
                         p.new_principal ? "true" : "false", joined(p.new_write_apis), joined(p.regions),
                         joined(p.source_ips), reasons});
    maybe_flush(out, flush);
  }
  return out;
}

}  // namespace trailsweep
