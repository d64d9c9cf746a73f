#pragma once
// InternTable: hands out one shared block per distinct value for as long as
// anything else holds it; TextTable (texts) and HitValuesTable (a hit's
// captured values) are two. A million kept hits name a few thousand
// principals, access keys and source IPs, interleaved so that a small
// recent-values cache misses at nearly every hit, and a block per hit was
// most of their memory.
//
// Open addressing, a power of two of slots, at most half full. When an
// insert would pass half, the table is rebuilt rather than deleted from in
// place (linear probing cannot leave holes): the blocks only the table still
// holds (their hits evicted or handed over) are dropped, and it keeps its
// size if at most a quarter is still held, so the next rebuild is at least a
// quarter of the slots' inserts away: amortised, a few slots an insert. It
// stays the size of what the hits hold. One per thread.
//
// `Traits` says how to find and make a block from a key:
//   static std::uint64_t hash(const Key&);        // and of a held block's key:
//   static std::uint64_t hash_of(const Block&);   //   hash_of(block) == hash(its key)
//   static bool holds(const Block&, const Key&);  // the block stands for the key
//   static Block make(const Key&);
// `Block` is empty when default-made, copies share it, and sole_copy() says
// whether a copy is the last.
#include <cstdint>
#include <utility>
#include <vector>

namespace trailsweep {

template <typename Block, typename Key, typename Traits>
class InternTable {
 public:
  /// The block for `key`, made if none is held. `key` must not be the
  /// empty value (the callers hand out an empty block for it themselves).
  Block get(const Key& key) {
    if ((used_ + 1) * 2 > slots_.size()) sweep_and_resize();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Traits::hash(key) & mask;; i = (i + 1) & mask) {
      Block& slot = slots_[i];
      if (slot.empty()) {
        slot = Traits::make(key);
        ++used_;
        return slot;
      }
      if (Traits::holds(slot, key)) return slot;
    }
  }
  std::size_t size() const { return used_; }
  /// Drops every block, held elsewhere or not.
  void clear() {
    std::vector<Block>().swap(slots_);
    used_ = 0;
  }

 private:
  void sweep_and_resize() {
    std::vector<Block> old;
    old.swap(slots_);
    std::size_t live = 0;
    for (Block& block : old) {
      if (block.sole_copy()) block = Block();
      if (!block.empty()) ++live;
    }
    std::size_t capacity = old.empty() ? 256 : old.size();
    while (live * 4 > capacity) capacity *= 2;
    slots_.resize(capacity);
    used_ = 0;
    for (Block& block : old) {
      if (!block.empty()) place(std::move(block));
    }
  }
  void place(Block block) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = Traits::hash_of(block) & mask;
    while (!slots_[i].empty()) i = (i + 1) & mask;
    slots_[i] = std::move(block);
    ++used_;
  }

  std::vector<Block> slots_;
  std::size_t used_ = 0;
};

}  // namespace trailsweep
