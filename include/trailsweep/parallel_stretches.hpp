#pragma once
// Contiguous stretches of items, one per thread, for the steps after a scan
// that go over tens of thousands of findings (building them, remediating
// them). Each thread owns its stretch, so results land in item order without
// locks, and -j bounds the threads as it bounds the scan's.
#include <algorithm>
#include <cstddef>
#include <functional>

namespace trailsweep {

/// The threads a step may use: `allowed`, or all cores when it is 0.
unsigned thread_limit(unsigned allowed);

/// How many stretches `work` items make: one per `min_per_thread` of them
/// (a thread costs more than a few thousand cheap items), at least one, at
/// most thread_limit(allowed).
std::size_t stretch_count(std::size_t work, std::size_t min_per_thread, unsigned allowed);

/// [0, items) cut into `count` contiguous stretches of nearly equal size (the
/// last may be shorter or empty).
struct Stretches {
  std::size_t items = 0, count = 1;
  std::size_t begin(std::size_t s) const { return std::min(items, s * span()); }
  std::size_t end(std::size_t s) const { return std::min(items, (s + 1) * span()); }

 private:
  std::size_t span() const { return count == 0 ? items : (items + count - 1) / count; }
};

/// Calls `fn(s)` for every stretch s < count: stretch 0 on the calling thread,
/// each other on a thread of its own. Returns when all are done.
void run_stretches(std::size_t count, const std::function<void(std::size_t)>& fn);

}  // namespace trailsweep
