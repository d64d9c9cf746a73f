#include "trailsweep/parallel_stretches.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "test_util.hpp"

namespace trailsweep {
namespace {

TEST(ParallelStretches, ZeroAllowsAllCoresAndAnyOtherLimitIsKept) {
  EXPECT_EQ(thread_limit(0), std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(thread_limit(1), 1u);
  EXPECT_EQ(thread_limit(3), 3u);
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
