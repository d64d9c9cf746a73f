#include "trailsweep/group_table.hpp"

#include <algorithm>
#include <stdexcept>

#include "trailsweep/principal_set.hpp"

namespace trailsweep {

GroupTable::GroupTable(std::size_t fields, Hash hash) : fields_(fields), hash_(hash ? hash : &PrincipalSet::hash) {}

std::pair<std::uint32_t, bool> GroupTable::number_of(std::span<const SharedText* const> values) {
  if (2 * (groups_ + 1) > slots_.size()) grow();
  const std::uint64_t hash = hash_of(values);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.number == kEmpty) {
      if (groups_ >= (std::size_t{1} << 31)) throw std::length_error("correlation: over 2 billion groups");
      slot = {hash, static_cast<std::uint32_t>(groups_)};
      for (const SharedText* v : values) values_.push_back(*v);
      return {static_cast<std::uint32_t>(groups_++), true};
    }
    if (slot.hash == hash && holds(slot.number, values)) return {slot.number, false};
  }
}

void GroupTable::stop_adding() { std::vector<Slot>().swap(slots_); }

std::uint64_t GroupTable::hash_of(std::span<const SharedText* const> values) const {
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (const SharedText* v : values) h = (h ^ hash_(v->view())) * 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 31);
}

bool GroupTable::holds(std::uint32_t number, std::span<const SharedText* const> values) const {
  const SharedText* mine = values_.data() + std::size_t{number} * fields_;
  for (std::size_t k = 0; k < fields_; ++k) {
    if (!mine[k].same_block(*values[k]) && mine[k].view() != values[k]->view()) return false;
  }
  return true;
}

void GroupTable::grow() {
  std::vector<Slot> old(std::max<std::size_t>(64, 2 * slots_.size()));
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.number == kEmpty) continue;
    std::size_t i = slot.hash & mask;
    while (slots_[i].number != kEmpty) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace trailsweep
