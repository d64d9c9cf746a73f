#pragma once
// PrincipalSet: counts distinct principals for the run summary. Every record
// passes through it, and an organization trail has a million role sessions, so
// it stores 64-bit hashes in one flat open-addressing table (8 bytes a slot, no
// allocation per insert) instead of strings or hash-set nodes.
#include <cstdint>
#include <string_view>
#include <vector>

namespace trailsweep {

class PrincipalSet {
 public:
  void insert(std::string_view principal_key) { insert_hash(hash(principal_key)); }
  void insert_hash(std::uint64_t h);
  /// Adds every principal of `other`.
  void merge(const PrincipalSet& other);
  std::size_t size() const { return size_; }
  /// 64-bit FNV-1a with a final mix; two distinct keys collide with
  /// probability ~n^2/2^65, negligible for a count.
  static std::uint64_t hash(std::string_view key);

 private:
  void grow();
  std::vector<std::uint64_t> slots_;  // 0: empty
  std::size_t size_ = 0;
};

}  // namespace trailsweep
