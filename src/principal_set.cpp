#include "trailsweep/principal_set.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "trailsweep/word_load.hpp"

namespace trailsweep {

std::uint64_t PrincipalSet::hash(std::string_view key) {
  // Eight bytes a step (a byte-wise FNV was a tenth of the scan time): each
  // word is folded in with a multiply and an xor-shift, then a murmur
  // finaliser spreads the bits for table indexing.
  const char* p = key.data();
  std::size_t n = key.size();
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    h = (h ^ load_prefix_word(p, n)) * 0x94d049bb133111ebull;
    h ^= h >> 29;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h == 0 ? 1 : h;
}

void PrincipalSet::add_to_estimate(std::uint64_t h) {
  const std::size_t index = h >> (64 - kPrecision);
  const std::uint64_t rest = (h << kPrecision) | (std::uint64_t{1} << (kPrecision - 1));
  const auto rank = static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
  registers_[index] = std::max(registers_[index], rank);
}

void PrincipalSet::to_estimate() {
  registers_.assign(std::size_t{1} << kPrecision, 0);
  for (std::uint64_t h : slots_) {
    if (h != 0) add_to_estimate(h);
  }
  decltype(slots_)().swap(slots_);
  size_ = 0;
}

void PrincipalSet::insert_hash(std::uint64_t h) {
  if (h == 0) h = 1;
  if (estimated()) {
    add_to_estimate(h);
    return;
  }
  // Looked up before any growth: a hash already held changes nothing, also
  // at kExactLimit (it had switched to the estimate there, so whether a
  // set of exactly kExactLimit was exact depended on the order of inserts).
  if (!slots_.empty()) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots_[i] == h) return;
      if (slots_[i] == 0) {
        if ((size_ + 1) * 2 > slots_.size()) break;  // new, and no room for it
        slots_[i] = h;
        ++size_;
        return;
      }
    }
  }
  if (size_ >= kExactLimit) {
    to_estimate();
    add_to_estimate(h);
    return;
  }
  grow();
  insert_hash(h);  // now there is room
}

void PrincipalSet::flush() {
  for (std::uint64_t& h : in_flight_) {
    if (h != 0) insert_hash(h);
    h = 0;
  }
}

void PrincipalSet::grow() {
  auto old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  size_ = 0;
  for (std::uint64_t h : old) {
    if (h != 0) insert_hash(h);
  }
}

void PrincipalSet::merge(const PrincipalSet& other) {
  if (other.estimated()) {
    if (!estimated()) to_estimate();
    for (std::size_t i = 0; i < registers_.size(); ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
    return;
  }
  for (std::uint64_t h : other.slots_) {
    if (h != 0) insert_hash(h);
  }
}

bool PrincipalSet::contains(std::uint64_t h) const {
  if (h == 0) h = 1;
  if (slots_.empty()) return false;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    if (slots_[i] == h) return true;
    if (slots_[i] == 0) return false;
  }
}

void PrincipalBatch::flush() {
  if (pending_.empty()) return;
  into_->insert(pending_);
  pending_.clear();
}

void SharedPrincipalSet::insert(std::span<const std::uint64_t> hashes) {
  std::lock_guard lock(mutex_);
  for (std::uint64_t h : hashes) set_.insert_soon(h);
}

PrincipalSet::Count SharedPrincipalSet::count() {
  std::lock_guard lock(mutex_);
  set_.flush();
  return {set_.size(), set_.estimated()};
}

PrincipalSet::Count SharedPrincipalSet::count_union(std::span<SharedPrincipalSet* const> sets) {
  // Each set once: locking one twice would never return.
  std::vector<SharedPrincipalSet*> distinct(sets.begin(), sets.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<std::unique_lock<std::mutex>> locks;
  std::vector<const PrincipalSet*> held;
  for (SharedPrincipalSet* s : distinct) {
    locks.emplace_back(s->mutex_);
    s->set_.flush();
    held.push_back(&s->set_);
  }
  return PrincipalSet::count_union(held);
}

PrincipalSet::Count PrincipalSet::count_union(std::span<const PrincipalSet* const> sets) {
  // Exact exactly when the union holds at most kExactLimit, else the estimate
  // of all the hashes (the same registers however they were split): what
  // one worker holding everything would say, so the count does not depend on
  // -j. (Deciding by each set's own size did: two exact halves of a union one
  // worker would have estimated.)
  auto estimate_all = [&sets]() -> Count {
    PrincipalSet all;
    all.registers_.assign(std::size_t{1} << kPrecision, 0);
    for (const PrincipalSet* s : sets) all.merge(*s);
    return {all.size(), true};
  };
  const bool any_estimated = std::any_of(sets.begin(), sets.end(), [](const PrincipalSet* s) { return s->estimated(); });
  if (any_estimated) return estimate_all();
  // A hash counts in the first set that holds it, and the first set is
  // counted without a look at its slots: so the biggest goes first, and empty
  // ones not at all. (In input order, an empty set a worker had before it
  // shared its drops came first, and the shared set of a million drops was
  // walked slot by slot: ~15 ms on one thread after the scan.)
  std::vector<const PrincipalSet*> order;
  for (const PrincipalSet* s : sets) {
    if (s->size_ != 0) order.push_back(s);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const PrincipalSet* a, const PrincipalSet* b) { return a->size_ > b->size_; });
  // Lookups into the earlier (cache-sized many times over) tables are
  // issued kAhead hashes early.
  constexpr std::size_t kAhead = 16;
  Count count;
  for (std::size_t w = 0; w < order.size(); ++w) {
    const auto& slots = order[w]->slots_;
    if (w == 0) {
      count.size += order[w]->size_;
      continue;
    }
    auto prefetch_earlier = [&](std::uint64_t h) {
      for (std::size_t v = 0; v < w; ++v) order[v]->prefetch(h);
    };
    const std::size_t n = slots.size();
    for (std::size_t i = 0; i < std::min(n, kAhead); ++i) {
      if (slots[i] != 0) prefetch_earlier(slots[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kAhead < n && slots[i + kAhead] != 0) prefetch_earlier(slots[i + kAhead]);
      const std::uint64_t h = slots[i];
      if (h == 0) continue;
      bool seen = false;
      for (std::size_t v = 0; v < w && !seen; ++v) seen = order[v]->contains(h);
      count.size += !seen;
    }
  }
  return count.size > kExactLimit ? estimate_all() : count;
}

std::size_t PrincipalSet::size() const { return estimated() ? estimate(registers_) : size_; }

std::size_t PrincipalSet::estimate(const std::vector<std::uint8_t>& registers) {
  // HyperLogLog (Flajolet et al. 2007) with the small-range correction.
  const double m = static_cast<double>(registers.size());
  double sum = 0;
  std::size_t zeros = 0;
  for (std::uint8_t r : registers) {
    sum += std::ldexp(1.0, -r);
    if (r == 0) ++zeros;
  }
  double estimate = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
  if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / static_cast<double>(zeros));
  return static_cast<std::size_t>(std::llround(estimate));
}

}  // namespace trailsweep
