#include "trailsweep/hit_store.hpp"

#include <algorithm>

namespace trailsweep {

void HitStore::push_back(Hit&& hit) {
  if (chunks_.empty() || chunks_.back().size() == chunks_.back().capacity()) {
    chunks_.emplace_back();
    chunks_.back().reserve(kChunk);
  }
  chunks_.back().push_back(std::move(hit));
  ++size_;
}

void HitStore::append(HitStore&& other) {
  if (other.chunks_.empty()) return;
  // The partly filled last chunk stays last, so push_back fills it first.
  std::vector<std::vector<Hit>> theirs = std::move(other.chunks_);
  if (!chunks_.empty() && chunks_.back().size() < chunks_.back().capacity()) {
    theirs.push_back(std::move(chunks_.back()));
    chunks_.pop_back();
  }
  for (auto& chunk : theirs) chunks_.push_back(std::move(chunk));
  size_ += other.size_;
  other.chunks_.clear();
  other.size_ = 0;
}

std::vector<const Hit*> HitStore::pointers() const {
  std::vector<const Hit*> out;
  out.reserve(size_);
  for (const auto& chunk : chunks_) {
    for (const Hit& h : chunk) out.push_back(&h);
  }
  return out;
}

std::vector<Hit*> HitStore::mutable_pointers() {
  std::vector<Hit*> out;
  out.reserve(size_);
  for (auto& chunk : chunks_) {
    for (Hit& h : chunk) out.push_back(&h);
  }
  return out;
}

void HitStore::select_first(std::vector<Hit*>& order, std::size_t n) {
  if (n == 0 || n >= order.size()) return;
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                   [](const Hit* a, const Hit* b) { return hit_before(*a, *b); });
}

void HitStore::compact() {
  // The write position never passes the read position, so every hit moves
  // at most once, into a slot already read.
  std::size_t to_chunk = 0, to_index = 0, kept = 0;
  for (auto& chunk : chunks_) {
    for (Hit& h : chunk) {
      if (h.rule == kDropped) continue;
      Hit& slot = chunks_[to_chunk][to_index];
      if (&slot != &h) slot = std::move(h);
      ++kept;
      if (++to_index == chunks_[to_chunk].size()) {
        ++to_chunk;
        to_index = 0;
      }
    }
  }
  if (to_index > 0) chunks_[to_chunk++].resize(to_index);
  chunks_.resize(to_chunk);
  size_ = kept;
}

}  // namespace trailsweep
