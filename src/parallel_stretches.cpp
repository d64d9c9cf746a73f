#include "trailsweep/parallel_stretches.hpp"

#include <sched.h>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace trailsweep {

unsigned thread_limit(unsigned allowed) {
  static const unsigned cores = usable_cores();
  return allowed != 0 ? allowed : cores;
}

unsigned cores_in_cpu_max(std::string_view cpu_max) {
  const std::size_t space = cpu_max.find(' ');
  if (space == std::string_view::npos) return 0;
  auto number = [](std::string_view text, std::uint64_t& value) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
  };
  std::uint64_t quota = 0, period = 0;
  if (!number(cpu_max.substr(0, space), quota) || !number(cpu_max.substr(space + 1), period) || period == 0) {
    return 0;  // "max 100000" (no quota) included
  }
  const std::uint64_t cores = (quota + period - 1) / period;
  return static_cast<unsigned>(std::clamp<std::uint64_t>(cores, 1, 1u << 20));
}

namespace {

std::string read_small_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

unsigned cgroup_quota_cores(std::string_view self_cgroup, const std::string& cgroup_root) {
  std::istringstream membership{std::string(self_cgroup)};
  std::string line, v2_path, v1_path;
  while (std::getline(membership, line)) {
    if (line.rfind("0::", 0) == 0) {
      v2_path = line.substr(3);
      continue;
    }
    // "3:cpu,cpuacct:/path": the v1 cpu controller, alone or with others.
    const std::size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string_view controllers = std::string_view(line).substr(first + 1, second - first - 1);
    while (!controllers.empty()) {
      const std::size_t comma = controllers.find(',');
      if (controllers.substr(0, comma) == "cpu") v1_path = line.substr(second + 1);
      controllers.remove_prefix(comma == std::string_view::npos ? controllers.size() : comma + 1);
    }
  }
  unsigned smallest = 0;
  auto consider = [&](unsigned cores) {
    if (cores && (!smallest || cores < smallest)) smallest = cores;
  };
  for (std::string path = v2_path; !path.empty() && path[0] == '/';) {
    std::string cpu_max = cgroup_root;
    cpu_max += path;
    if (path != "/") cpu_max += '/';
    cpu_max += "cpu.max";
    consider(cores_in_cpu_max(read_small_file(cpu_max)));
    if (path == "/") break;
    const std::size_t slash = path.rfind('/');
    path.resize(slash == 0 ? 1 : slash);
  }
  if (!v1_path.empty()) {
    const std::string controller_root = cgroup_root + "/cpu";
    std::string own_dir = controller_root;
    if (v1_path != "/") own_dir += v1_path;
    for (const std::string& dir : {own_dir, controller_root}) {
      std::string quota = read_small_file(dir + "/cpu.cfs_quota_us");
      const std::string period = read_small_file(dir + "/cpu.cfs_period_us");
      if (quota.empty() || period.empty()) continue;
      while (!quota.empty() && quota.back() == '\n') quota.pop_back();
      consider(cores_in_cpu_max(quota + " " + period));  // a quota of -1 (none) reads as none
      break;
    }
  }
  return smallest;
}

unsigned usable_cores() {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cores = std::max(1, CPU_COUNT(&set));
  if (const unsigned quota = cgroup_quota_cores(read_small_file("/proc/self/cgroup"), "/sys/fs/cgroup")) {
    cores = std::min(cores, quota);
  }
  return cores;
}

std::size_t stretch_count(std::size_t work, std::size_t min_per_thread, unsigned allowed) {
  return std::clamp<std::size_t>(work / std::max<std::size_t>(1, min_per_thread), 1, thread_limit(allowed));
}

void run_stretches(std::size_t count, const std::function<void(std::size_t)>& fn) {
  if (count == 0) return;
  std::vector<std::thread> helpers;
  helpers.reserve(count - 1);
  std::size_t s = 1;
  while (s < count && start_thread(helpers, fn, s)) ++s;
  fn(0);
  for (; s < count; ++s) fn(s);  // the stretches no thread could be started for
  for (auto& h : helpers) h.join();
}

namespace {
std::atomic<int> thread_starts_left{-1};  // negative: no limit (tests set one)
std::atomic<std::uint64_t> thread_starts{0};
}  // namespace

void note_thread_started() { thread_starts.fetch_add(1, std::memory_order_relaxed); }

std::uint64_t threads_started() { return thread_starts.load(std::memory_order_relaxed); }

bool thread_start_allowed() {
  int left = thread_starts_left.load(std::memory_order_relaxed);
  while (left >= 0) {
    if (left == 0) return false;
    if (thread_starts_left.compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) return true;
  }
  return true;
}

void refuse_thread_starts_after(int n) { thread_starts_left.store(n < 0 ? -1 : n, std::memory_order_relaxed); }

}  // namespace trailsweep
