#include "trailsweep/hit_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace trailsweep {
namespace {

Hit hit_at(std::int64_t time_ms, int n) {
  Hit h;
  h.rule = n % 3;
  h.time_ms = time_ms;
  h.event_id = fmt::format("0ef5df25-6c2f-482b-9dca-{:012d}", n);
  h.set_texts({.event_name = "RunInstances",
               .principal = "arn:aws:sts::111122223333:assumed-role/ci-deployer/build-7781"});
  return h;
}

std::multiset<std::int64_t> times_in(const HitStore& store) {
  std::multiset<std::int64_t> times;
  store.for_each([&](const Hit& h) { times.insert(h.time_ms); });
  return times;
}

TEST(HitStore, HitsStayWhereTheyAreWhileMoreArrive) {
  HitStore store;
  store.push_back(hit_at(0, 0));
  const Hit* first = store.pointers().front();
  constexpr int kMany = static_cast<int>(HitStore::kChunk) * 5 / 2;
  for (int i = 1; i < kMany; ++i) store.push_back(hit_at(i, i));
  EXPECT_EQ(store.size(), static_cast<std::size_t>(kMany));
  EXPECT_EQ(store.pointers().front(), first) << "a vector would have moved it when it grew";
  EXPECT_EQ(first->event_id, "0ef5df25-6c2f-482b-9dca-000000000000");
  const auto pointers = store.pointers();
  EXPECT_EQ(std::set<const Hit*>(pointers.begin(), pointers.end()).size(), pointers.size());
}

TEST(HitStore, AppendTakesTheOthersHitsWithoutMovingThem) {
  HitStore mine, theirs;
  for (int i = 0; i < 10; ++i) mine.push_back(hit_at(i, i));
  for (int i = 0; i < static_cast<int>(HitStore::kChunk) + 5; ++i) theirs.push_back(hit_at(1000 + i, i));
  const Hit* one_of_theirs = theirs.pointers().back();
  const std::size_t total = mine.size() + theirs.size();
  mine.append(std::move(theirs));
  EXPECT_EQ(mine.size(), total);
  EXPECT_TRUE(theirs.empty());  // NOLINT(bugprone-use-after-move): append leaves it empty
  const auto pointers = mine.pointers();
  EXPECT_NE(std::find(pointers.begin(), pointers.end(), one_of_theirs), pointers.end());
  mine.push_back(hit_at(1'000'000, 1));
  EXPECT_EQ(mine.size(), total + 1);
  EXPECT_EQ(times_in(mine).count(1'000'000), 1u);
}

TEST(HitStore, AStoreMovedAwayIsEmpty) {
  // The detector hands its store over for correlation and may be asked
  // about it afterwards: it must not count hits it no longer has.
  HitStore store;
  for (int n = 0; n < 5000; ++n) store.push_back(hit_at(1'762'074'737'000 + n, n));
  HitStore taken(std::move(store));
  EXPECT_EQ(taken.size(), 5000U);
  EXPECT_TRUE(store.empty());  // NOLINT(bugprone-use-after-move): a moved-from store is specified empty
  EXPECT_TRUE(times_in(store).empty());
  store.push_back(hit_at(1, 1));
  HitStore assigned;
  assigned = std::move(taken);
  EXPECT_EQ(assigned.size(), 5000U);
  EXPECT_TRUE(taken.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(store.size(), 1U);
}

TEST(HitStore, DropFirstDropsTheOldestAcrossChunksAndKeepsTheRestWhole) {
  HitStore store;
  std::vector<std::int64_t> times;
  const int n = static_cast<int>(HitStore::kChunk) * 3 + 17;
  for (int i = 0; i < n; ++i) times.push_back((i * 7919) % n * 1000);  // every time once, shuffled
  for (int i = 0; i < n; ++i) store.push_back(hit_at(times[static_cast<std::size_t>(i)], i));
  const std::size_t drop = HitStore::kChunk + 100;
  std::multiset<std::int64_t> dropped;
  store.drop_first(drop, [&](const Hit& h) { dropped.insert(h.time_ms); });
  std::sort(times.begin(), times.end());
  EXPECT_EQ(dropped, std::multiset<std::int64_t>(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(drop)));
  EXPECT_EQ(store.size(), static_cast<std::size_t>(n) - drop);
  EXPECT_EQ(times_in(store), std::multiset<std::int64_t>(times.begin() + static_cast<std::ptrdiff_t>(drop), times.end()));
  store.for_each([](const Hit& h) {
    EXPECT_GE(h.rule, 0) << "no dropped hit is left behind";
    EXPECT_EQ(h.event_id.size(), 36u) << "moved hits keep their texts";
  });
  store.drop_first(store.size() + 5, [](const Hit&) {});
  EXPECT_TRUE(store.empty());
  store.push_back(hit_at(1, 1));
  EXPECT_EQ(store.size(), 1u);
}

}  // namespace
}  // namespace trailsweep
