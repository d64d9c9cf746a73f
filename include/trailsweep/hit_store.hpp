#pragma once
// HitStore: the hits kept for correlation, in chunks of fixed size. Up to
// --max-correlation-hits (a million) are kept, and in one vector they cost
// twice over twice: growing by doubling held the old and the new array at
// once, and the merge after the scan copied every worker's hits into one
// more array (at 300,000 hits, 130 MB of worker arrays and 74 MB for the
// merged one). Chunks never move: a store grows a chunk at a time, the merge
// takes the other's chunks, and the correlator sorts pointers.
#include <cstddef>
#include <utility>
#include <vector>

#include "trailsweep/finding.hpp"

namespace trailsweep {

class HitStore {
 public:
  static constexpr std::size_t kChunk = 4096;  ///< hits a chunk holds (~1 MB)

  HitStore() = default;
  // Not defaulted: a defaulted move copied size_, and a store handed over
  // for correlation went on counting hits it no longer had.
  HitStore(HitStore&& other) noexcept : chunks_(std::move(other.chunks_)), size_(std::exchange(other.size_, 0)) {
    other.chunks_.clear();
  }
  HitStore& operator=(HitStore&& other) noexcept {
    chunks_ = std::move(other.chunks_);
    other.chunks_.clear();
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  HitStore(const HitStore&) = delete;  // pointers into it must stay valid
  HitStore& operator=(const HitStore&) = delete;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void push_back(Hit&& hit);
  /// Takes the other's hits (their chunks, not copies); `other` is left empty.
  void append(HitStore&& other);
  /// Drops the `count` hits that come first by hit_before (the oldest),
  /// calling on_drop with each before it goes. The others keep their content,
  /// not their places.
  template <typename OnDrop>
  void drop_first(std::size_t count, OnDrop&& on_drop) {
    if (count == 0) return;
    std::vector<Hit*> order = mutable_pointers();
    const std::size_t n = count < order.size() ? count : order.size();
    select_first(order, n);
    for (std::size_t i = 0; i < n; ++i) {
      on_drop(static_cast<const Hit&>(*order[i]));
      order[i]->rule = kDropped;
    }
    compact();
  }
  /// Every hit, in no particular order; valid while the store is not changed.
  std::vector<const Hit*> pointers() const;
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const auto& chunk : chunks_) {
      for (const Hit& h : chunk) fn(h);
    }
  }

 private:
  static constexpr int kDropped = -2;
  std::vector<Hit*> mutable_pointers();
  /// Puts the `n` first by hit_before at the front of `order`.
  static void select_first(std::vector<Hit*>& order, std::size_t n);
  /// Closes the gaps the dropped hits left; frees emptied chunks.
  void compact();

  std::vector<std::vector<Hit>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace trailsweep
