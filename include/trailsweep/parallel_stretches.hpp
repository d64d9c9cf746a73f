#pragma once
// Contiguous stretches of items, one per thread, for the steps after a scan
// that go over tens of thousands of findings (building them, remediating
// them). Each thread owns its stretch, so results land in item order without
// locks, and -j bounds the threads as it bounds the scan's.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace trailsweep {

/// The most threads -j may ask for: each worker holds its own buffers and
/// tables, and far more threads than a machine has cores only cost memory
/// (and, past what the system allows, could not be started at all).
inline constexpr unsigned kMaxJobs = 1024;

/// The threads a step may use: `allowed`, or when it is 0 the cores this
/// process may use (usable_cores(), read once).
unsigned thread_limit(unsigned allowed);

/// The cores this process may run on, as the system says now: those its CPU
/// affinity allows (taskset, a container's cpuset), and no more than its
/// cgroup's CPU quota is worth (docker --cpus, a Kubernetes CPU limit),
/// rounded up; at least 1. std::thread::hardware_concurrency counts every
/// core of the host, so a CI container limited to 2 CPUs on a 64-core host
/// started 64 workers, with 64 workers' memory.
unsigned usable_cores();

/// The cores a cgroup v2 `cpu.max` ("150000 100000": quota and period in
/// microseconds) is worth, rounded up; 0 for no quota ("max ...") or a line
/// it cannot read.
unsigned cores_in_cpu_max(std::string_view cpu_max);

/// The smallest CPU quota, in cores, on the way from a process's cgroup up
/// to the root; 0 when none has one. `self_cgroup` is /proc/self/cgroup's
/// text, `cgroup_root` where the hierarchy is mounted (/sys/fs/cgroup).
/// cgroup v2 keeps quotas in cpu.max; v1 (hybrid hosts) in the cpu
/// controller's cpu.cfs_quota_us and cpu.cfs_period_us, and a v1 container
/// sees its own cgroup at the controller's root, not at the path listed.
unsigned cgroup_quota_cores(std::string_view self_cgroup, const std::string& cgroup_root);

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
/// each other on a thread of its own (or, those the system gives no thread
/// for, on the calling thread after stretch 0). Returns when all are done.
void run_stretches(std::size_t count, const std::function<void(std::size_t)>& fn);

/// Whether the system is to be asked for one more thread: false while a
/// test holds thread starts refused (refuse_thread_starts_after).
bool thread_start_allowed();

/// Counts a thread start_thread() started.
void note_thread_started();
/// The threads start_thread() has started in this process so far. Tests read
/// it before and after a step to see whether the step started helpers: a
/// watcher counting the process's threads missed a helper that lived a few
/// milliseconds on a loaded machine.
std::uint64_t threads_started();

/// For tests: the next `n` thread starts succeed and the ones after are
/// refused, as the system refuses them at a pid or thread limit (a container's
/// pids.max, ulimit -u); negative: none is refused.
void refuse_thread_starts_after(int n);

/// Starts `fn(args...)` on a new thread appended to `threads`; false, and
/// nothing started, when the system refuses one (std::thread throws EAGAIN at
/// a pid or thread limit). Every part of a run that starts threads carries on
/// with those it got, down to the calling thread alone, instead of ending in
/// std::terminate.
template <typename Fn, typename... Args>
bool start_thread(std::vector<std::thread>& threads, Fn&& fn, Args&&... args) {
  if (!thread_start_allowed()) return false;
  try {
    threads.emplace_back(std::forward<Fn>(fn), std::forward<Args>(args)...);
    note_thread_started();
    return true;
  } catch (const std::system_error&) {
    return false;
  }
}

}  // namespace trailsweep
