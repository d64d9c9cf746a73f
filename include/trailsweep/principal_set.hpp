#pragma once
// PrincipalSet: counts distinct principals for the run summary. Every record
// passes through it, and an organization trail has millions of role sessions,
// so it stores 64-bit hashes in one flat open-addressing table (8 bytes a slot,
// no allocation per insert), exact up to kExactLimit principals. Beyond that it
// switches to a HyperLogLog estimate (16 KB, ~0.8% standard error), so memory
// stays bounded on any archive; estimated() says which.
#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "trailsweep/huge_page_allocator.hpp"

namespace trailsweep {

class PrincipalSet {
 public:
  static constexpr std::size_t kExactLimit = std::size_t{1} << 20;

  void insert(std::string_view principal_key) { insert_hash(hash(principal_key)); }
  void insert_hash(std::uint64_t h);
  /// Starts loading the slot of `h`, so that an insert_hash(h) after some
  /// other work finds it in cache (the table is too big for one).
  void prefetch(std::uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(slots_.data() + (h & (slots_.size() - 1)));
  }
  /// insert_hash(h) a little later: the table is too big for the cache, so
  /// `h` only starts loading its slot now and goes in kInFlight calls on (or
  /// at flush()), and the misses of several inserts overlap. What is still
  /// in flight is not counted: flush() before size(), contains(), merge()
  /// or count_union().
  void insert_soon(std::uint64_t h) {
    prefetch(h);
    std::uint64_t& queued = in_flight_[next_in_flight_];
    if (queued != 0) insert_hash(queued);
    queued = h != 0 ? h : 1;  // insert_hash() stores 0 as 1 too
    next_in_flight_ = (next_in_flight_ + 1) % kInFlight;
  }
  /// Inserts what insert_soon() still holds.
  void flush();
  /// Adds every principal of `other`.
  void merge(const PrincipalSet& other);
  struct Count {
    std::size_t size = 0;
    bool estimated = false;
  };
  /// Distinct principals over all `sets` (the workers'), counted without
  /// building their union: a merge re-inserted every hash into a table that
  /// grew to twice the biggest worker's, on one thread after the scan. Exact
  /// when every set is; else a HyperLogLog estimate over all of them.
  static Count count_union(std::span<const PrincipalSet* const> sets);
  bool contains(std::uint64_t h) const;
  /// Exact count, or the estimate once more than kExactLimit were seen.
  std::size_t size() const;
  bool estimated() const { return !registers_.empty(); }
  /// 64-bit hash, eight bytes a step, with a final mix; two distinct keys
  /// collide with probability ~n^2/2^65, negligible for a count.
  static std::uint64_t hash(std::string_view key);

 private:
  static constexpr int kPrecision = 14;  // 2^14 registers
  static constexpr std::size_t kInFlight = 8;
  void grow();
  void to_estimate();
  void add_to_estimate(std::uint64_t h);
  static std::size_t estimate(const std::vector<std::uint8_t>& registers);
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> slots_;  // 0: empty
  std::size_t size_ = 0;
  std::vector<std::uint8_t> registers_;  // HyperLogLog, once estimated
  std::array<std::uint64_t, kInFlight> in_flight_{};  // 0: free
  std::size_t next_in_flight_ = 0;
};

class SharedPrincipalSet;

/// One worker's hashes on their way to a SharedPrincipalSet, handed over
/// kSize at a time, so that the set's lock is taken once a batch.
class PrincipalBatch {
 public:
  static constexpr std::size_t kSize = 4096;
  explicit PrincipalBatch(SharedPrincipalSet* into) : into_(into) { pending_.reserve(kSize); }
  void add(std::uint64_t h) {
    pending_.push_back(h);
    if (pending_.size() == kSize) flush();
  }
  /// Hands over what it holds: before the set is counted.
  void flush();
  /// Flushes, then sends what comes next to `into`.
  void send_to(SharedPrincipalSet* into) {
    flush();
    into_ = into;
  }
  SharedPrincipalSet* target() const { return into_; }

 private:
  SharedPrincipalSet* into_;
  std::vector<std::uint64_t> pending_;
};

/// One PrincipalSet for all the workers of a scan. Each worker kept its own,
/// so a million role sessions cost 16 MB a worker, and their union was
/// counted after the scan; now memory does not grow with -j and the count is
/// the set's size. Workers hand over thousands of hashes at a time, so the
/// lock is taken once a batch: at -j 2 it is held for ~1% of the scan.
class SharedPrincipalSet {
 public:
  void insert(std::span<const std::uint64_t> hashes);
  /// The count so far (exact, or the estimate beyond kExactLimit).
  PrincipalSet::Count count();
  /// The distinct principals over several such sets (PrincipalSet::count_union).
  static PrincipalSet::Count count_union(std::span<SharedPrincipalSet* const> sets);

 private:
  std::mutex mutex_;
  PrincipalSet set_;
};

}  // namespace trailsweep
