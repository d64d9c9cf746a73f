#include "trailsweep/parallel_stretches.hpp"

#include <thread>
#include <vector>

namespace trailsweep {

unsigned thread_limit(unsigned allowed) {
  return allowed != 0 ? allowed : std::max(1u, std::thread::hardware_concurrency());
}

std::size_t stretch_count(std::size_t work, std::size_t min_per_thread, unsigned allowed) {
  return std::clamp<std::size_t>(work / std::max<std::size_t>(1, min_per_thread), 1, thread_limit(allowed));
}

void run_stretches(std::size_t count, const std::function<void(std::size_t)>& fn) {
  if (count == 0) return;
  std::vector<std::thread> helpers;
  helpers.reserve(count - 1);
  for (std::size_t s = 1; s < count; ++s) helpers.emplace_back(fn, s);
  fn(0);
  for (auto& h : helpers) h.join();
}

}  // namespace trailsweep
