#pragma once
// GroupTable: one correlation's groups, numbered in the order they are first
// met, each kept as its values (one per group-by field, in the correlation's
// order) shared with the hits or episodes they came from.
//
// A stage that counts every call of a session has as many groups as sessions
// (30,000 and more, beside a million items): a std::map from the values
// joined into a key string, with a vector of (field, value) strings per
// group copied into every match, was ~360 bytes a group. Here a group is its
// values end to end and a slot of the lookup (~70 bytes), and the lookup is
// freed once every item has its group. Values are compared as texts, so two
// groups never merge because their values joined the same way.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "trailsweep/shared_text.hpp"

namespace trailsweep {

class GroupTable {
 public:
  using Hash = std::uint64_t (*)(std::string_view);
  /// `hash`: of one value (PrincipalSet::hash when null); tests pass a poor
  /// one to make every lookup collide.
  explicit GroupTable(std::size_t fields, Hash hash = nullptr);
  std::size_t fields() const { return fields_; }
  std::size_t size() const { return groups_; }
  /// The values of group `number`.
  std::span<const SharedText> of(std::uint32_t number) const {
    return {values_.data() + std::size_t{number} * fields_, fields_};
  }
  /// The number of the group of `values` (fields() of them), and whether it
  /// is new. Throws std::length_error past 2^31 groups (the correlator keeps
  /// a flag in the number's top bit).
  std::pair<std::uint32_t, bool> number_of(std::span<const SharedText* const> values);
  /// Once every item has its group: the lookup's memory goes; of() still reads.
  void stop_adding();

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t number = kEmpty;
  };
  std::uint64_t hash_of(std::span<const SharedText* const> values) const;
  bool holds(std::uint32_t number, std::span<const SharedText* const> values) const;
  void grow();

  std::size_t fields_;
  Hash hash_;
  std::size_t groups_ = 0;
  std::vector<SharedText> values_;  // fields_ per group, end to end
  std::vector<Slot> slots_;         // open addressing, at most half full
};

}  // namespace trailsweep
