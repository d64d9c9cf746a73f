#include "trailsweep/principal_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace trailsweep {
namespace {

TEST(PrincipalSet, CountsDistinctKeysThroughGrowthAndMerge) {
  PrincipalSet a, b;
  for (int i = 0; i < 100000; ++i) a.insert("arn:aws:sts::111122223333:assumed-role/app/session-" + std::to_string(i));
  for (int i = 0; i < 100000; ++i) a.insert("arn:aws:sts::111122223333:assumed-role/app/session-" + std::to_string(i));
  EXPECT_EQ(a.size(), 100000u);
  for (int i = 50000; i < 150000; ++i) b.insert("arn:aws:sts::111122223333:assumed-role/app/session-" + std::to_string(i));
  a.merge(b);
  EXPECT_EQ(a.size(), 150000u);
  PrincipalSet empty;
  a.merge(empty);
  EXPECT_EQ(a.size(), 150000u);
}

TEST(PrincipalSet, CountsTheUnionOfWorkerSetsWithoutMergingThem) {
  // Three workers' sets that overlap in every way (only in a, a and b, b and
  // c, all three), one empty: each principal counts once.
  auto key = [](int i) { return "arn:aws:sts::111122223333:assumed-role/app/session-" + std::to_string(i); };
  PrincipalSet a, b, c, empty;
  for (int i = 0; i < 60000; ++i) a.insert(key(i));
  for (int i = 40000; i < 90000; ++i) b.insert(key(i));
  for (int i = 50000; i < 120000; ++i) c.insert(key(i));
  for (int i = 0; i < 100; ++i) c.insert(key(i));
  const PrincipalSet* sets[] = {&a, &empty, &b, &c};
  const PrincipalSet::Count count = PrincipalSet::count_union(sets);
  EXPECT_EQ(count.size, 120000u);
  EXPECT_FALSE(count.estimated);
  const PrincipalSet* reversed[] = {&c, &b, &empty, &a};
  EXPECT_EQ(PrincipalSet::count_union(reversed).size, 120000u);
  // The empty set first, and the biggest (c) counted whole wherever it stands.
  const PrincipalSet* empty_first[] = {&empty, &b, &c, &a};
  EXPECT_EQ(PrincipalSet::count_union(empty_first).size, 120000u);
  const PrincipalSet* none[] = {&empty};
  EXPECT_EQ(PrincipalSet::count_union(none).size, 0u);
  EXPECT_EQ(PrincipalSet::count_union({}).size, 0u);
}

TEST(PrincipalSet, InsertSoonCountsWhatItHeldOnceFlushed) {
  // Fewer inserts than it holds in flight, then many with repeats and 0 (as 1):
  // after flush() the count is what insert_hash() would have given, and a
  // second flush adds nothing.
  PrincipalSet soon, now;
  for (std::uint64_t h : {5u, 6u, 5u}) {
    soon.insert_soon(h);
    now.insert_hash(h);
  }
  soon.flush();
  EXPECT_EQ(soon.size(), now.size());
  EXPECT_EQ(soon.size(), 2u);
  for (std::uint64_t i = 0; i < 300000; ++i) {
    const std::uint64_t h = PrincipalSet::hash(std::to_string(i % 100000)) * (i % 7 != 0);
    soon.insert_soon(h);
    now.insert_hash(h);
  }
  soon.flush();
  soon.flush();
  EXPECT_EQ(soon.size(), now.size());
  // Each key also comes at an i that is not a multiple of 7; plus the 5, the 6
  // and the 0s (as 1).
  EXPECT_EQ(soon.size(), 100000u + 3u);
  EXPECT_TRUE(soon.contains(6));
}

TEST(PrincipalSet, ZeroHashAndEmptyKeyAreOrdinaryMembers) {
  PrincipalSet s;
  s.insert_hash(0);
  s.insert_hash(1);  // 0 is stored as 1: they count once
  s.insert("");
  EXPECT_EQ(s.size(), 2u);
  EXPECT_NE(PrincipalSet::hash("a"), PrincipalSet::hash("b"));
}

}  // namespace
}  // namespace trailsweep

namespace trailsweep {
namespace {

TEST(PrincipalSet, BeyondTheExactLimitItEstimatesInBoundedMemory) {
  PrincipalSet a, b;
  const std::size_t n = PrincipalSet::kExactLimit + 500000;
  for (std::size_t i = 0; i < n; ++i) (i % 2 ? b : a).insert_hash(PrincipalSet::hash(std::to_string(i)));
  EXPECT_FALSE(a.estimated()) << "each half is still exact";
  a.merge(b);
  ASSERT_TRUE(a.estimated());
  const double error = std::abs(static_cast<double>(a.size()) - static_cast<double>(n)) / static_cast<double>(n);
  EXPECT_LT(error, 0.03) << a.size() << " for " << n;
  // Adding the same principals again changes nothing.
  a.merge(b);
  EXPECT_LT(std::abs(static_cast<double>(a.size()) - static_cast<double>(n)) / static_cast<double>(n), 0.03);
  // An estimated set makes the union an estimate over all of them.
  PrincipalSet more;
  for (std::size_t i = n; i < n + 100000; ++i) more.insert_hash(PrincipalSet::hash(std::to_string(i)));
  const PrincipalSet* sets[] = {&more, &a, &b};
  const PrincipalSet::Count count = PrincipalSet::count_union(sets);
  EXPECT_TRUE(count.estimated);
  const double total = static_cast<double>(n + 100000);
  EXPECT_LT(std::abs(static_cast<double>(count.size) - total) / total, 0.03) << count.size;
}

// Whether the count is exact depends on the union's size, not on how the
// principals were split over workers: two exact halves of a union that one
// worker would have estimated give that worker's estimate, to the unit.
TEST(PrincipalSet, TheUnionCountIsTheSameHoweverThePrincipalsWereSplit) {
  const std::size_t n = PrincipalSet::kExactLimit + 1000;
  PrincipalSet whole, even, odd;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = PrincipalSet::hash(std::to_string(i));
    whole.insert_hash(h);
    (i % 2 ? odd : even).insert_hash(h);
  }
  ASSERT_TRUE(whole.estimated());
  ASSERT_FALSE(even.estimated());
  const PrincipalSet* one[] = {&whole};
  const PrincipalSet* two[] = {&even, &odd};
  const PrincipalSet::Count alone = PrincipalSet::count_union(one), split = PrincipalSet::count_union(two);
  EXPECT_TRUE(split.estimated);
  EXPECT_EQ(split.size, alone.size);
  // At the limit itself both stay exact.
  PrincipalSet at_limit_even, at_limit_odd;
  for (std::size_t i = 0; i < PrincipalSet::kExactLimit; ++i) {
    (i % 2 ? at_limit_odd : at_limit_even).insert_hash(PrincipalSet::hash(std::to_string(i)));
  }
  const PrincipalSet* halves[] = {&at_limit_even, &at_limit_odd};
  const PrincipalSet::Count exact = PrincipalSet::count_union(halves);
  EXPECT_FALSE(exact.estimated);
  EXPECT_EQ(exact.size, PrincipalSet::kExactLimit);
}

// A set of exactly kExactLimit is exact whatever comes after, as long as it
// is a principal already counted: a repeat at the limit used to switch the
// set to the estimate.
TEST(PrincipalSet, ARepeatAtTheExactLimitKeepsTheCountExact) {
  PrincipalSet s;
  for (std::size_t i = 0; i < PrincipalSet::kExactLimit; ++i) s.insert_hash(PrincipalSet::hash(std::to_string(i)));
  s.insert_hash(PrincipalSet::hash("0"));
  EXPECT_FALSE(s.estimated());
  EXPECT_EQ(s.size(), PrincipalSet::kExactLimit);
  s.insert_hash(PrincipalSet::hash("one more"));
  EXPECT_TRUE(s.estimated());
}

// Workers of a scan insert into one set at once, batch by batch: the count is
// the one a set of its own would give, exact and estimated alike.
TEST(SharedPrincipalSet, WorkersInsertingAtOnceCountWhatOneSetWould) {
  // Keys below `keys`, each worker a different stride over them: sets that
  // overlap, whose union (~5/6 of the keys) is exact, then past the limit.
  for (const std::size_t keys : {std::size_t{100000}, PrincipalSet::kExactLimit * 3 / 2}) {
    SharedPrincipalSet shared;
    PrincipalSet alone;
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
      workers.emplace_back([&shared, w, keys] {
        std::vector<std::uint64_t> batch;
        for (std::size_t i = static_cast<std::size_t>(w); i < keys; i += 2 + static_cast<std::size_t>(w % 2)) {
          batch.push_back(PrincipalSet::hash(std::to_string(i)));
          if (batch.size() == 1000) {
            shared.insert(batch);
            batch.clear();
          }
        }
        shared.insert(batch);
      });
    }
    for (auto& t : workers) t.join();
    std::vector<bool> seen(keys);
    for (int w = 0; w < 4; ++w) {
      for (std::size_t i = static_cast<std::size_t>(w); i < keys; i += 2 + static_cast<std::size_t>(w % 2)) {
        alone.insert_hash(PrincipalSet::hash(std::to_string(i)));
        seen[i] = true;
      }
    }
    alone.flush();
    const PrincipalSet::Count count = shared.count();
    EXPECT_EQ(count.estimated, keys > PrincipalSet::kExactLimit) << keys;
    EXPECT_EQ(count.estimated, alone.estimated()) << keys;
    EXPECT_EQ(count.size, alone.size()) << keys;
    if (!count.estimated) {
      EXPECT_EQ(count.size, static_cast<std::size_t>(std::count(seen.begin(), seen.end(), true)));
    }
  }
}

// A batch hands over every hash, at each kSize and at flush, to the set it
// sends to at the time.
TEST(PrincipalBatch, EveryHashReachesTheSetItWasSentTo) {
  SharedPrincipalSet first, second;
  PrincipalBatch batch(&first);
  const std::size_t n = 2 * PrincipalBatch::kSize + 10;
  for (std::size_t i = 0; i < n; ++i) batch.add(PrincipalSet::hash(std::to_string(i)));
  EXPECT_EQ(first.count().size, 2 * PrincipalBatch::kSize) << "whole batches only, before a flush";
  batch.send_to(&second);
  EXPECT_EQ(first.count().size, n) << "the rest, flushed before switching";
  batch.add(PrincipalSet::hash("0"));
  batch.add(PrincipalSet::hash("new"));
  batch.flush();
  EXPECT_EQ(second.count().size, 2u);
  EXPECT_EQ(batch.target(), &second);
}

TEST(SharedPrincipalSet, TheUnionOfSetsCountsEachSetOnceEvenWhenNamedTwice) {
  SharedPrincipalSet a, b;
  const std::uint64_t in_a[] = {1, 2, 3}, in_b[] = {3, 4};
  a.insert(in_a);
  b.insert(in_b);
  SharedPrincipalSet* sets[] = {&a, &b, &a};
  const PrincipalSet::Count count = SharedPrincipalSet::count_union(sets);
  EXPECT_EQ(count.size, 4u);
  EXPECT_FALSE(count.estimated);
}

}  // namespace
}  // namespace trailsweep
