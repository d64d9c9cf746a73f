#pragma once
// HitValues: what a kept hit carries for correlation besides its texts: the
// values its rule captures (the group-by and counted fields of the
// correlations that use it), then the resources and links the rule names.
// HitValuesTable: one block per distinct list of captured values, shared by
// the hits that carry it.
#include <atomic>
#include <compare>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "trailsweep/intern_table.hpp"
#include "trailsweep/shared_text.hpp"

namespace trailsweep {

/// A (type, id) pair that a rule's trailsweep.resources or trailsweep.links names.
struct TypedId {
  SharedText type, id;
  friend bool operator==(const TypedId&, const TypedId&) = default;
  friend std::strong_ordering operator<=>(const TypedId&, const TypedId&) = default;
};

/// A hit's captured values, then the resources and links its rule names, in
/// one block: 8 bytes in the hit, none allocated when the rule has neither
/// (two vectors were 48 bytes in every hit, and an allocation for the values).
/// Immutable, and copies share the block (its count is atomic: hits move
/// between workers when their detectors merge).
class HitValues {
 public:
  HitValues() = default;
  /// Resources and links are sorted and kept once each (in place).
  HitValues(std::span<const SharedText> captured, std::span<TypedId> resources, std::span<TypedId> links);
  HitValues(const HitValues& other) noexcept : block_(other.block_) { retain(); }
  HitValues(HitValues&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  HitValues& operator=(HitValues other) noexcept {
    std::swap(block_, other.block_);
    return *this;
  }
  ~HitValues() { release(); }

  std::span<const SharedText> captured() const {
    return block_ ? std::span<const SharedText>(first_captured(), block_->captured) : std::span<const SharedText>();
  }
  std::span<const TypedId> resources() const {
    return block_ ? std::span<const TypedId>(first_named(), block_->resources) : std::span<const TypedId>();
  }
  std::span<const TypedId> links() const {
    return block_ ? std::span<const TypedId>(first_named() + block_->resources, block_->links)
                  : std::span<const TypedId>();
  }
  /// No values (no block): the rule captures nothing and names nothing.
  bool empty() const { return block_ == nullptr; }
  /// Whether the two share one block (then they are equal without a compare).
  bool same_block(const HitValues& other) const { return block_ == other.block_; }
  /// Whether this is the only copy of its block (see SharedText::sole_copy).
  bool sole_copy() const { return block_ != nullptr && block_->refs.load(std::memory_order_acquire) == 1; }
  /// Captured values, then resources, then links.
  friend std::strong_ordering operator<=>(const HitValues& a, const HitValues& b);
  friend bool operator==(const HitValues& a, const HitValues& b) { return (a <=> b) == 0; }

 private:
  // Followed by the captured SharedTexts, then the resources' and links' TypedIds.
  struct Block {
    std::atomic<std::uint32_t> refs;  // 4 billion copies would take 32 GB of hits first
    std::uint32_t captured = 0, resources = 0, links = 0;
  };
  static_assert(sizeof(Block) % alignof(SharedText) == 0 && alignof(TypedId) == alignof(SharedText));
  SharedText* first_captured() const { return reinterpret_cast<SharedText*>(block_ + 1); }
  TypedId* first_named() const { return reinterpret_cast<TypedId*>(first_captured() + block_->captured); }
  void build(std::span<const SharedText> captured, std::span<const TypedId> resources, std::span<const TypedId> links);
  void retain() const {
    if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept;

  Block* block_ = nullptr;
};

/// Hands out one HitValues per distinct list of captured values, for as
/// long as anything else holds it. A stage rule that matches routine calls
/// (quota dashboards polling GetServiceQuota) brings up to
/// --max-correlation-hits of them, and what it captures (the account and
/// the ARN, the group-by of the campaign's stages) repeats for every call of
/// a session: a block each was 32 MB a million. The texts are found by
/// their blocks, not their bytes: the detector hands out one block per
/// distinct text (TextTable), and a list whose texts came from elsewhere is
/// kept apart, never confused. Values with resources or links (instance ids:
/// one per call) are not for this table. One per thread.
class HitValuesTable {
 public:
  HitValues get(std::span<const SharedText> captured) { return captured.empty() ? HitValues() : table_.get(captured); }
  std::size_t size() const { return table_.size(); }
  /// Drops every block, held elsewhere or not.
  void clear() { table_.clear(); }

 private:
  struct Traits {
    static std::uint64_t hash(std::span<const SharedText> captured);
    static std::uint64_t hash_of(const HitValues& values) { return hash(values.captured()); }
    static bool holds(const HitValues& values, std::span<const SharedText> captured);
    static HitValues make(std::span<const SharedText> captured) { return HitValues(captured, {}, {}); }
  };
  InternTable<HitValues, std::span<const SharedText>, Traits> table_;
};

}  // namespace trailsweep
