// GroupTable: a correlation's groups numbered by their values, which it
// shares with the hits they came from.
#include "trailsweep/group_table.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

namespace trailsweep {
namespace {

// The stage rules group by account and principal.
std::vector<SharedText> session(int n, const char* account = "111122223333") {
  return {SharedText(account), SharedText(fmt::format("arn:aws:sts::{}:assumed-role/app-role/s{:06d}", account, n))};
}

std::pair<std::uint32_t, bool> number(GroupTable& table, const std::vector<SharedText>& values) {
  std::vector<const SharedText*> pointers;
  for (const SharedText& v : values) pointers.push_back(&v);
  return table.number_of(pointers);
}

TEST(GroupTable, NumbersGroupsInTheOrderFirstMetAndSharesTheirValues) {
  GroupTable table(2);
  const auto first = session(7), second = session(3), first_again = session(7);
  EXPECT_EQ(number(table, first), std::make_pair(0u, true));
  EXPECT_EQ(number(table, second), std::make_pair(1u, true));
  // Equal texts in other blocks (another hit's) are the same group.
  EXPECT_EQ(number(table, first_again), std::make_pair(0u, false));
  EXPECT_EQ(number(table, session(3, "444455556666")), std::make_pair(2u, true));
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table.of(0)[1], "arn:aws:sts::111122223333:assumed-role/app-role/s000007");
  EXPECT_TRUE(table.of(0)[1].same_block(first[1])) << "the first hit's value is kept, not a copy";
  EXPECT_EQ(table.of(2)[0], "444455556666");
}

// Values compared as texts, not joined into one key: ("a\x1fb", "c") and
// ("a", "b\x1fc") joined with a unit separator read the same.
TEST(GroupTable, TellsGroupsApartByEachValue) {
  GroupTable table(2);
  EXPECT_TRUE(number(table, {SharedText("a\x1f" "b"), SharedText("c")}).second);
  EXPECT_TRUE(number(table, {SharedText("a"), SharedText("b\x1f" "c")}).second);
  EXPECT_TRUE(number(table, {SharedText(""), SharedText("abc")}).second);
  EXPECT_TRUE(number(table, {SharedText("abc"), SharedText("")}).second);
  EXPECT_FALSE(number(table, {SharedText(), SharedText("abc")}).second) << "an empty value is the empty text";
}

// Every value hashed alike: each lookup walks the same probe run, and only
// comparing the values keeps 1,000 sessions apart.
TEST(GroupTable, KeepsGroupsApartWhenEveryHashCollides) {
  GroupTable table(2, [](std::string_view) -> std::uint64_t { return 42; });
  for (int round = 0; round < 2; ++round) {
    for (int s = 0; s < 1000; ++s) {
      const auto [n, added] = number(table, session(s));
      ASSERT_EQ(n, static_cast<std::uint32_t>(s));
      ASSERT_EQ(added, round == 0);
    }
  }
  EXPECT_EQ(table.size(), 1000u);
}

TEST(GroupTable, WithoutGroupByFieldsEverythingIsOneGroup) {
  GroupTable table(0);
  EXPECT_EQ(number(table, {}), std::make_pair(0u, true));
  EXPECT_EQ(number(table, {}), std::make_pair(0u, false));
  EXPECT_TRUE(table.of(0).empty());
}

// Grown many times, then the lookup dropped: the values stay readable.
TEST(GroupTable, ValuesOutliveTheLookup) {
  GroupTable table(2);
  for (int s = 0; s < 30'000; ++s) ASSERT_EQ(number(table, session(s)).first, static_cast<std::uint32_t>(s));
  EXPECT_EQ(number(table, session(12'345)), std::make_pair(12'345u, false));
  table.stop_adding();
  ASSERT_EQ(table.size(), 30'000u);
  for (int s = 0; s < 30'000; s += 997) {
    EXPECT_EQ(table.of(static_cast<std::uint32_t>(s))[1],
              fmt::format("arn:aws:sts::111122223333:assumed-role/app-role/s{:06d}", s));
  }
}

}  // namespace
}  // namespace trailsweep
