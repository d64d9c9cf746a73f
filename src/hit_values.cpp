#include "trailsweep/hit_values.hpp"

#include <algorithm>
#include <cstdint>
#include <new>
#include <stdexcept>

namespace trailsweep {

namespace {

// Sorts, drops repeats, and returns what is left (the front of `list`).
std::span<TypedId> sorted_once(std::span<TypedId> list) {
  std::sort(list.begin(), list.end());
  return list.first(static_cast<std::size_t>(std::unique(list.begin(), list.end()) - list.begin()));
}

}  // namespace

HitValues::HitValues(std::span<const SharedText> captured, std::span<TypedId> resources, std::span<TypedId> links) {
  build(captured, sorted_once(resources), sorted_once(links));
}

void HitValues::build(std::span<const SharedText> captured, std::span<const TypedId> resources,
                      std::span<const TypedId> links) {
  if (captured.empty() && resources.empty() && links.empty()) return;
  if (captured.size() > UINT32_MAX || resources.size() > UINT32_MAX || links.size() > UINT32_MAX) {
    throw std::length_error("HitValues: over 4 billion values");
  }
  void* memory = ::operator new(sizeof(Block) + captured.size() * sizeof(SharedText) +
                                (resources.size() + links.size()) * sizeof(TypedId));
  block_ = new (memory) Block{{1}, static_cast<std::uint32_t>(captured.size()),
                              static_cast<std::uint32_t>(resources.size()), static_cast<std::uint32_t>(links.size())};
  SharedText* text = first_captured();
  for (const SharedText& value : captured) new (text++) SharedText(value);
  TypedId* named = first_named();
  for (const TypedId& r : resources) new (named++) TypedId(r);
  for (const TypedId& l : links) new (named++) TypedId(l);
}

void HitValues::release() noexcept {
  // acq_rel, as SharedText's: the last owner sees the others' reads done.
  if (!block_ || block_->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) {
    block_ = nullptr;
    return;
  }
  for (SharedText& value : std::span<SharedText>(first_captured(), block_->captured)) value.~SharedText();
  for (TypedId& named : std::span<TypedId>(first_named(), block_->resources + block_->links)) named.~TypedId();
  block_->~Block();
  ::operator delete(block_);
  block_ = nullptr;
}

std::strong_ordering operator<=>(const HitValues& a, const HitValues& b) {
  if (a.same_block(b)) return std::strong_ordering::equal;
  auto compare = [](auto x, auto y) {
    return std::lexicographical_compare_three_way(x.begin(), x.end(), y.begin(), y.end());
  };
  if (auto c = compare(a.captured(), b.captured()); c != 0) return c;
  if (auto c = compare(a.resources(), b.resources()); c != 0) return c;
  return compare(a.links(), b.links());
}

std::uint64_t HitValuesTable::Traits::hash(std::span<const SharedText> captured) {
  std::uint64_t h = captured.size();
  for (const SharedText& text : captured) {
    h = (h ^ reinterpret_cast<std::uintptr_t>(text.data())) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
  }
  return h;
}

bool HitValuesTable::Traits::holds(const HitValues& values, std::span<const SharedText> captured) {
  const std::span<const SharedText> held = values.captured();
  return held.size() == captured.size() &&
         std::equal(held.begin(), held.end(), captured.begin(),
                    [](const SharedText& a, const SharedText& b) { return a.same_block(b); });
}

}  // namespace trailsweep
