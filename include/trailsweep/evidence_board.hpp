#pragma once
// The evidence kept for the actors of single-event findings: each actor's
// earliest --max-evidence records, the records its finding lists.
//
// Workers see the same actor when its records spread over their files (a
// long-lived role session, or one JSON-lines export read in batches by every
// worker). Each worker kept a list of its own, and its earliest 20 were
// only a guess at the actor's: with long-lived sessions that was 20,000
// actors x 20 records in every worker (peak RSS 195 / 230 / 335 / 419 MB at
// -j 1 / 2 / 4 / 8). The workers of one scan now share a board: one list per
// actor, whatever -j, and a record later than a full list's last is turned
// away by one atomic read, before any lock. A detector keeps an actor's
// first few records in a list of its own and moves them here only when
// more come (most actors have one or two hits, and an entry for each cost
// ~3% of an all-rules scan), and only when other detectors share the board.
//
// An entry is found by the actor's whole key (rule, account, principal), so
// two actors whose hashes collide never share, nor prune each other's
// records: the evidence is the same for any -j.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/event.hpp"
#include "trailsweep/finding.hpp"
#include "trailsweep/shared_text.hpp"

namespace trailsweep {

// The earliest evidence of an actor, sorted by evidence_before, rule name
// left empty. A candidate is built in the spare past size() and swapped
// into place; a reused list (a noisy rule builds and evicts ~100,000
// actors) reuses its vector. Its texts come from the caller's RecentTexts,
// so a kept record allocates only its event id's block. Not thread-safe:
// the board's entry locks around it.
class EvidenceList {
 public:
  std::size_t size() const { return size_; }
  const Evidence* begin() const { return items_.data(); }
  const Evidence* end() const { return items_.data() + size_; }
  void clear() { size_ = 0; }  // keeps the spares
  /// Keeps the event if it is among the `cap` earliest seen.
  void add(const Event& ev, std::size_t cap, RecentTexts& recent);
  /// Keeps the `cap` earliest of both lists; `other` is left empty, its memory freed.
  /// `scratch`: working space, kept by the caller for the next merge.
  void merge(EvidenceList& other, std::size_t cap, std::vector<Evidence>& scratch);
  /// The kept evidence; the list is left empty, without spares.
  std::vector<Evidence> take();

 private:
  std::vector<Evidence> items_;
  std::size_t size_ = 0;
};

/// One evidence list per actor, shared by the detectors of one scan's
/// workers (each holds a Ref per actor it tracks). Thread-safe.
class EvidenceBoard {
 public:
  class Entry;
  /// A detector's hold on an actor's entry; the entry goes when the last
  /// Ref does. Move-only.
  class Ref {
   public:
    Ref() = default;
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    Ref(Ref&& other) noexcept : entry_(other.entry_) { other.entry_ = nullptr; }
    Ref& operator=(Ref&& other) noexcept {
      Ref taken(std::move(other));
      std::swap(entry_, taken.entry_);
      return *this;
    }
    ~Ref() { reset(); }
    void reset() noexcept;
    bool empty() const { return entry_ == nullptr; }
    bool same_entry(const Ref& o) const { return entry_ == o.entry_; }
    /// Keeps the event if it is among the `cap` earliest that any holder added.
    void add(const Event& ev, std::size_t cap, RecentTexts& recent);
    std::size_t size() const;
    /// The kept evidence; the entry is left empty (for its other holders too).
    std::vector<Evidence> take();
    /// Moves the other's evidence into this one (keeping the `cap` earliest):
    /// for detectors that did not share a board. Not with a Ref to the same entry.
    void merge_from(Ref& other, std::size_t cap, std::vector<Evidence>& scratch);
    /// Moves a holder's own list in (keeping the `cap` earliest); `list` is left empty.
    void absorb(EvidenceList& list, std::size_t cap, std::vector<Evidence>& scratch);

   private:
    friend class EvidenceBoard;
    explicit Ref(Entry* entry) : entry_(entry) {}
    Entry* entry_ = nullptr;
  };

  EvidenceBoard() = default;
  EvidenceBoard(const EvidenceBoard&) = delete;
  EvidenceBoard& operator=(const EvidenceBoard&) = delete;
  ~EvidenceBoard();

  /// The actor's entry, made when no one holds it. The actor is `rule` and
  /// `names`: its account (the first `account_size` bytes), then its
  /// principal; the entry shares the block. `hash` picks where the entry is
  /// looked for (equal keys must come with equal hashes); the key decides.
  Ref acquire(std::uint64_t hash, int rule, const SharedText& names, std::uint32_t account_size);
  /// Counts a detector that keeps its actors' evidence here.
  void join() { holders_.fetch_add(1, std::memory_order_relaxed); }
  /// Whether more than one detector joined: only then is an entry worth its cost.
  bool shared() const { return holders_.load(std::memory_order_relaxed) > 1; }
  /// Entries held now.
  std::size_t entries() const;
  /// Evidence records held now, over all entries: what the board's memory grows with.
  std::size_t records_held() const;

 private:
  // Entries are found in shards (by the hash's top bits), each an open
  // addressing table under its own mutex, which also guards its entries'
  // lists (a mutex each was 40 bytes an entry): workers meet it when they
  // make or drop an actor, and for a record that a list may keep.
  struct Shard {
    mutable std::mutex mutex;
    std::vector<Entry*> slots;  // a power of two, at most half full; nullptr empty
    std::size_t used = 0;
    std::vector<std::unique_ptr<Entry>> owned;
    std::vector<Entry*> spare;  // released entries, their lists' room kept for the next actor
  };
  static constexpr std::size_t kShardBits = 8;
  static std::size_t shard_of(std::uint64_t hash) { return hash >> (64 - kShardBits); }
  static std::size_t slot_of(std::uint64_t hash, std::size_t mask) { return (hash >> 16) & mask; }
  Shard& shard_of(const Entry& entry);
  void release(Entry* entry) noexcept;
  static void grow(Shard& shard);
  static void insert(Shard& shard, Entry* entry);
  static void erase(Shard& shard, Entry* entry);

  std::array<Shard, std::size_t{1} << kShardBits> shards_;
  std::atomic<std::size_t> holders_{0};
};

class EvidenceBoard::Entry {
  friend class EvidenceBoard;
  bool has_key(int rule, const SharedText& names, std::uint32_t account_size) const {
    return rule_ == rule && account_size_ == account_size && key_ == names;
  }
  // A full list's last time (INT64_MAX until full): a later record is turned
  // away without a lock. While the scan runs it only falls, so a stale read
  // turns away less, never a record that should be kept.
  std::atomic<std::int64_t> reject_after_ms_{INT64_MAX};
  EvidenceList list_;  // under the shard's mutex
  EvidenceBoard* board_ = nullptr;
  std::uint64_t hash_ = 0;
  std::uint32_t refs_ = 0;  // under the shard's mutex
  int rule_ = -1;
  // The account, then the principal: the block of a holder's names.
  std::uint32_t account_size_ = 0;
  SharedText key_;
};
}  // namespace trailsweep
