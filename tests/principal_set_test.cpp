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
