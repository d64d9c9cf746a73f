#include "trailsweep/principal_set.hpp"

#include <gtest/gtest.h>

#include <string>

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
}

}  // namespace
}  // namespace trailsweep
