#include "trailsweep/principal_set.hpp"

namespace trailsweep {

std::uint64_t PrincipalSet::hash(std::string_view key) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // FNV's low bits are weak for table indexing; a murmur finaliser spreads them.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h == 0 ? 1 : h;
}

void PrincipalSet::insert_hash(std::uint64_t h) {
  if (h == 0) h = 1;
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    if (slots_[i] == h) return;
    if (slots_[i] == 0) {
      slots_[i] = h;
      ++size_;
      return;
    }
  }
}

void PrincipalSet::grow() {
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  size_ = 0;
  for (std::uint64_t h : old) {
    if (h != 0) insert_hash(h);
  }
}

void PrincipalSet::merge(const PrincipalSet& other) {
  for (std::uint64_t h : other.slots_) {
    if (h != 0) insert_hash(h);
  }
}

}  // namespace trailsweep
