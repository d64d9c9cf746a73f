#include "trailsweep/evidence_board.hpp"

#include <algorithm>
#include <utility>

namespace trailsweep {

void EvidenceList::add(const Event& ev, std::size_t cap, RecentTexts& recent) {
  if (cap == 0) return;
  if (size_ >= cap) {
    // Cheap check before copying strings: most events of a noisy rule are not kept.
    const Evidence& last = items_[size_ - 1];
    if (ev.time_ms > last.time_ms || (ev.time_ms == last.time_ms && (last.event_id <=> ev.event_id) < 0)) {
      return;
    }
  }
  // Filled in the first spare (assign reuses its strings' buffers), then
  // moved into place by swaps, which move buffers, not bytes.
  if (items_.size() == size_) {
    // Grown by doubling, but never past the cap and its one spare: a vector
    // of 20 kept in a capacity of 32 held 11 empty Evidence (~3 KB) per
    // actor, and 20,000 actors per worker keep their lists full when
    // sessions are long (tests/bench/make_long_sessions.py).
    const std::size_t most = cap == SIZE_MAX ? cap : cap + 1;  // --max-evidence 0 keeps all
    if (items_.size() == items_.capacity()) items_.reserve(std::min(std::max<std::size_t>(1, 2 * items_.size()), most));
    items_.emplace_back();
  }
  Evidence& e = items_[size_];
  e.time_ms = ev.time_ms;
  // An actor's records mostly repeat the texts of its first one: its blocks
  // are shared first. The detector-wide table comes next, and misses when
  // thousands of actors interleave (each with its own source IP).
  const auto shared = [&](SharedText Evidence::*field, std::string_view text) {
    if (size_ > 0 && items_[0].*field == text) return items_[0].*field;
    return recent.get(text);
  };
  e.event_id = EventId(ev.event_id);
  if (size_ > 0 && items_[0].event_name() == ev.event_name && items_[0].region() == ev.aws_region &&
      items_[0].error_code() == ev.error_code) {
    e.call = items_[0].call;
  } else {
    e.call = recent.row<Hit::kCallTexts>({ev.event_name, ev.aws_region, ev.error_code});
  }
  e.source_ip = shared(&Evidence::source_ip, ev.source_ip);
  e.user_agent = shared(&Evidence::user_agent, ev.user_agent);
  e.file = recent.get(ev.pos.file);
  e.record = ev.pos.record;
  e.offset = ev.pos.offset;
  std::size_t at = size_;
  if (size_ >= cap) {
    if (!evidence_before(e, items_[size_ - 1])) return;
    std::swap(items_[size_ - 1], items_[size_]);  // the latest kept becomes a spare
    at = size_ - 1;
  } else {
    ++size_;
  }
  for (; at > 0 && evidence_before(items_[at], items_[at - 1]); --at) std::swap(items_[at], items_[at - 1]);
}

std::vector<Evidence> EvidenceList::take() {
  items_.resize(size_);
  size_ = 0;
  return std::move(items_);
}

// Both lists are sorted and capped: one linear merge, not an insertion each.
// It runs on one thread after the scan for every actor two workers share,
// and a new vector for each (20,000 actors x 20 records with long-lived
// sessions) was fresh memory on top of the workers' own: the merge writes
// into the roomier of the two vectors and frees the other.
void EvidenceList::merge(EvidenceList& other, std::size_t cap, std::vector<Evidence>& scratch) {
  if (other.size_ == 0) return;
  if (other.items_.capacity() > items_.capacity()) {
    items_.swap(other.items_);
    std::swap(size_, other.size_);
  }
  scratch.clear();
  for (std::size_t i = 0; i < size_; ++i) scratch.push_back(std::move(items_[i]));
  const std::size_t total = std::min(cap, scratch.size() + other.size_);
  if (items_.size() < total) {
    items_.reserve(total);  // exactly: resize alone would grow by doubling
    items_.resize(total);
  }
  std::size_t a = 0, b = 0;
  for (std::size_t n = 0; n < total; ++n) {
    const bool take_b = a == scratch.size() || (b < other.size_ && evidence_before(other.items_[b], scratch[a]));
    items_[n] = std::move(take_b ? other.items_[b++] : scratch[a++]);
  }
  size_ = total;
  // Freed now, not with the retired actors at exit: the findings built
  // next reuse the memory.
  other.items_ = {};
  other.size_ = 0;
}

EvidenceBoard::~EvidenceBoard() = default;

EvidenceBoard::Shard& EvidenceBoard::shard_of(const Entry& entry) { return shards_[shard_of(entry.hash_)]; }

EvidenceBoard::Ref EvidenceBoard::acquire(std::uint64_t hash, int rule, const SharedText& names,
                                          std::uint32_t account_size) {
  Shard& shard = shards_[shard_of(hash)];
  std::lock_guard lock(shard.mutex);
  if (!shard.slots.empty()) {
    const std::size_t mask = shard.slots.size() - 1;
    for (std::size_t i = slot_of(hash, mask); shard.slots[i] != nullptr; i = (i + 1) & mask) {
      Entry* e = shard.slots[i];
      if (e->hash_ == hash && e->has_key(rule, names, account_size)) {
        ++e->refs_;
        return Ref(e);
      }
    }
  }
  Entry* e;
  if (!shard.spare.empty()) {
    e = shard.spare.back();
    shard.spare.pop_back();
  } else {
    shard.owned.push_back(std::make_unique<Entry>());
    e = shard.owned.back().get();
    e->board_ = this;
    // Room for every entry to come back: release() must not allocate (it runs in destructors).
    if (shard.spare.capacity() < shard.owned.size()) shard.spare.reserve(2 * shard.owned.size());
  }
  e->hash_ = hash;
  e->rule_ = rule;
  e->account_size_ = account_size;
  e->key_ = names;
  e->refs_ = 1;
  if (2 * (shard.used + 1) > shard.slots.size()) grow(shard);
  insert(shard, e);
  return Ref(e);
}

void EvidenceBoard::release(Entry* entry) noexcept {
  Shard& shard = shards_[shard_of(entry->hash_)];
  std::lock_guard lock(shard.mutex);
  if (--entry->refs_ != 0) return;
  erase(shard, entry);
  // Cleared for the next actor, its room kept: a noisy rule makes and drops
  // actors by the hundred thousand.
  entry->list_.clear();
  entry->reject_after_ms_.store(INT64_MAX, std::memory_order_relaxed);
  entry->rule_ = -1;
  entry->key_ = SharedText();
  shard.spare.push_back(entry);
}

void EvidenceBoard::grow(Shard& shard) {
  std::vector<Entry*> old(std::max<std::size_t>(64, 2 * shard.slots.size()), nullptr);
  old.swap(shard.slots);
  shard.used = 0;
  for (Entry* e : old) {
    if (e) insert(shard, e);
  }
}

void EvidenceBoard::insert(Shard& shard, Entry* entry) {
  const std::size_t mask = shard.slots.size() - 1;
  std::size_t i = slot_of(entry->hash_, mask);
  while (shard.slots[i] != nullptr) i = (i + 1) & mask;
  shard.slots[i] = entry;
  ++shard.used;
}

// Linear probing without tombstones: the entries after the hole that could
// sit in it move back, so every probe run stays unbroken.
void EvidenceBoard::erase(Shard& shard, Entry* entry) {
  const std::size_t mask = shard.slots.size() - 1;
  std::size_t hole = slot_of(entry->hash_, mask);
  while (shard.slots[hole] != entry) hole = (hole + 1) & mask;
  shard.slots[hole] = nullptr;
  --shard.used;
  for (std::size_t i = (hole + 1) & mask; shard.slots[i] != nullptr; i = (i + 1) & mask) {
    const std::size_t home = slot_of(shard.slots[i]->hash_, mask);
    // Movable into the hole when its home is not in (hole, i], cyclically.
    const bool home_after_hole = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
    if (home_after_hole) continue;
    shard.slots[hole] = shard.slots[i];
    shard.slots[i] = nullptr;
    hole = i;
  }
}

std::size_t EvidenceBoard::entries() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.used;
  }
  return n;
}

std::size_t EvidenceBoard::records_held() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const Entry* e : shard.slots) n += e ? e->list_.size() : 0;
  }
  return n;
}

void EvidenceBoard::Ref::reset() noexcept {
  if (entry_) entry_->board_->release(entry_);
  entry_ = nullptr;
}

void EvidenceBoard::Ref::add(const Event& ev, std::size_t cap, RecentTexts& recent) {
  Entry& e = *entry_;
  if (ev.time_ms > e.reject_after_ms_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(e.board_->shard_of(e).mutex);
  e.list_.add(ev, cap, recent);
  if (e.list_.size() >= cap && e.list_.size() > 0) {
    e.reject_after_ms_.store((e.list_.end() - 1)->time_ms, std::memory_order_relaxed);
  }
}

std::size_t EvidenceBoard::Ref::size() const {
  std::lock_guard lock(entry_->board_->shard_of(*entry_).mutex);
  return entry_->list_.size();
}

// After the scan, with a holder or two left: the limit may rise again here.
std::vector<Evidence> EvidenceBoard::Ref::take() {
  std::lock_guard lock(entry_->board_->shard_of(*entry_).mutex);
  entry_->reject_after_ms_.store(INT64_MAX, std::memory_order_relaxed);
  return entry_->list_.take();
}

void EvidenceBoard::Ref::absorb(EvidenceList& list, std::size_t cap, std::vector<Evidence>& scratch) {
  if (list.size() == 0) return;
  Entry& e = *entry_;
  std::lock_guard lock(e.board_->shard_of(e).mutex);
  e.list_.merge(list, cap, scratch);
  if (e.list_.size() >= cap && e.list_.size() > 0) {
    e.reject_after_ms_.store((e.list_.end() - 1)->time_ms, std::memory_order_relaxed);
  }
}

void EvidenceBoard::Ref::merge_from(Ref& other, std::size_t cap, std::vector<Evidence>& scratch) {
  Entry& mine = *entry_;
  Entry& theirs = *other.entry_;
  std::mutex& a = mine.board_->shard_of(mine).mutex;
  std::mutex& b = theirs.board_->shard_of(theirs).mutex;
  std::unique_lock lock_a(a, std::defer_lock), lock_b(b, std::defer_lock);
  if (&a == &b) {
    lock_a.lock();
  } else {
    std::lock(lock_a, lock_b);
  }
  mine.list_.merge(theirs.list_, cap, scratch);
  theirs.reject_after_ms_.store(INT64_MAX, std::memory_order_relaxed);
  if (mine.list_.size() >= cap && mine.list_.size() > 0) {
    mine.reject_after_ms_.store((mine.list_.end() - 1)->time_ms, std::memory_order_relaxed);
  }
}

}  // namespace trailsweep
