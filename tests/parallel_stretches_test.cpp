#include "trailsweep/parallel_stretches.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "test_util.hpp"

namespace trailsweep {
namespace {

TEST(ParallelStretches, ZeroAllowsTheUsableCoresAndAnyOtherLimitIsKept) {
  EXPECT_EQ(thread_limit(0), usable_cores());
  EXPECT_GE(thread_limit(0), 1u);
  EXPECT_LE(thread_limit(0), std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(thread_limit(1), 1u);
  EXPECT_EQ(thread_limit(3), 3u);
}

TEST(ParallelStretches, UsableCoresFollowTheCpuAffinity) {
  // taskset -c N, or a container's cpuset: one core allowed is one core,
  // whatever the host has (hardware_concurrency counts them all).
  unsigned pinned = 0, unpinned = 0;
  std::thread probe([&] {
    cpu_set_t all, one;
    ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
    CPU_ZERO(&one);
    CPU_SET(static_cast<unsigned>(sched_getcpu()), &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    pinned = usable_cores();
    ASSERT_EQ(sched_setaffinity(0, sizeof all, &all), 0);
    unpinned = usable_cores();
  });
  probe.join();
  EXPECT_EQ(pinned, 1u);
  EXPECT_EQ(unpinned, usable_cores());
}

TEST(ParallelStretches, ACgroupQuotaIsWorthItsCoresRoundedUp) {
  EXPECT_EQ(cores_in_cpu_max("max 100000\n"), 0u);
  EXPECT_EQ(cores_in_cpu_max("200000 100000\n"), 2u);
  EXPECT_EQ(cores_in_cpu_max("150000 100000"), 2u);  // docker --cpus 1.5
  EXPECT_EQ(cores_in_cpu_max("50000 100000\n"), 1u);
  EXPECT_EQ(cores_in_cpu_max("1000 100000\n"), 1u);
  EXPECT_EQ(cores_in_cpu_max(""), 0u);
  EXPECT_EQ(cores_in_cpu_max("garbage"), 0u);
  EXPECT_EQ(cores_in_cpu_max("100000 0"), 0u);
}

TEST(ParallelStretches, TheSmallestCgroupQuotaOnTheWayUpCounts) {
  testing::TempDir root;
  const std::string r = root.path().string();
  // cgroup v2, a Kubernetes pod's limit on the pod and none on the
  // container; v1 (hybrid hosts), the cpu controller's quota and period.
  for (const auto& [file, text] : std::vector<std::pair<std::string, std::string>>{
           {"cpu.max", "max 100000\n"},
           {"kubepods/cpu.max", "max 100000\n"},
           {"kubepods/pod1/cpu.max", "250000 100000\n"},
           {"kubepods/pod1/ctr/cpu.max", "max 100000\n"},
           {"cpu/cpu.cfs_quota_us", "-1\n"},
           {"cpu/cpu.cfs_period_us", "100000\n"},
           {"cpu/docker/abc/cpu.cfs_quota_us", "200000\n"},
           {"cpu/docker/abc/cpu.cfs_period_us", "100000\n"}}) {
    testing::write_file(root.path() / file, text);
  }
  EXPECT_EQ(cgroup_quota_cores("0::/kubepods/pod1/ctr\n", r), 3u);
  EXPECT_EQ(cgroup_quota_cores("0::/kubepods\n", r), 0u);
  EXPECT_EQ(cgroup_quota_cores("0::/\n", r), 0u);
  EXPECT_EQ(cgroup_quota_cores("", r), 0u);
  // v1: the cpu controller, named with others or alone.
  EXPECT_EQ(cgroup_quota_cores("4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n", r), 2u);
  EXPECT_EQ(cgroup_quota_cores("3:cpuacct,cpu:/docker/abc\n", r), 2u);
  EXPECT_EQ(cgroup_quota_cores("3:cpuacct:/docker/abc\n", r), 0u);  // not the cpu controller
  EXPECT_EQ(cgroup_quota_cores("3:cpu:/\n", r), 0u);                  // -1: no quota
  // Inside the container the listed path is not mounted: its own cgroup is
  // the controller's root.
  testing::write_file(root.path() / "cpu/cpu.cfs_quota_us", "150000\n");
  EXPECT_EQ(cgroup_quota_cores("3:cpu,cpuacct:/docker/elsewhere\n", r), 2u);
}

TEST(ParallelStretches, OneStretchPerMinimumOfWorkWithinTheLimit) {
  EXPECT_EQ(stretch_count(0, 2048, 8), 1u);
  EXPECT_EQ(stretch_count(2047, 2048, 8), 1u);
  EXPECT_EQ(stretch_count(3 * 2048, 2048, 8), 3u);
  EXPECT_EQ(stretch_count(100 * 2048, 2048, 8), 8u);
  EXPECT_EQ(stretch_count(100 * 2048, 2048, 1), 1u);
  EXPECT_EQ(stretch_count(10, 0, 4), 4u);  // no minimum: as many as allowed
}

// Every item in exactly one stretch, in order, whatever the sizes.
TEST(ParallelStretches, StretchesCoverTheItemsOnceInOrder) {
  for (std::size_t items : {0u, 1u, 2u, 7u, 8u, 9u, 1000u, 1001u}) {
    for (std::size_t count : {1u, 2u, 3u, 4u, 16u}) {
      const Stretches s{items, count};
      std::size_t next = 0;
      for (std::size_t k = 0; k < count; ++k) {
        ASSERT_EQ(s.begin(k), next) << items << " items, stretch " << k << " of " << count;
        ASSERT_LE(s.begin(k), s.end(k));
        next = s.end(k);
      }
      EXPECT_EQ(next, items) << items << " items in " << count;
    }
  }
}

// Under a pid limit std::thread throws EAGAIN: the stretches no thread was
// given run on the caller, each once (it was std::terminate).
TEST(ParallelStretches, StretchesTheSystemGivesNoThreadForRunOnTheCaller) {
  for (int allowed : {0, 1, 2}) {
    testing::ThreadStartsRefused refused(allowed);
    std::mutex mutex;
    std::multiset<std::size_t> ran;
    std::set<std::thread::id> threads;
    run_stretches(4, [&](std::size_t s) {
      std::lock_guard lock(mutex);
      ran.insert(s);
      threads.insert(std::this_thread::get_id());
    });
    EXPECT_EQ(ran, (std::multiset<std::size_t>{0, 1, 2, 3})) << allowed << " threads allowed";
    EXPECT_EQ(threads.size(), static_cast<std::size_t>(allowed) + 1) << allowed << " threads allowed";
  }
}

TEST(ParallelStretches, EachStretchRunsOnceTheFirstOnTheCaller) {
  std::mutex mutex;
  std::multiset<std::size_t> ran;
  std::set<std::thread::id> threads;
  std::thread::id first_on;
  run_stretches(4, [&](std::size_t s) {
    std::lock_guard lock(mutex);
    ran.insert(s);
    threads.insert(std::this_thread::get_id());
    if (s == 0) first_on = std::this_thread::get_id();
  });
  EXPECT_EQ(ran, (std::multiset<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(threads.size(), 4u);
  EXPECT_EQ(first_on, std::this_thread::get_id());
}

TEST(ParallelStretches, OneStretchStartsNoThread) {
  const int before = testing::process_threads();
  if (before == 0) GTEST_SKIP() << "needs /proc";
  testing::ThreadCountWatch watch;
  std::atomic<int> calls{0};
  run_stretches(1, [&](std::size_t) {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  EXPECT_EQ(watch.stop(), before + 1) << "a thread was started (the watcher is the one more)";
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace trailsweep
