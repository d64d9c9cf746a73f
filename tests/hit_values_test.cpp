// HitValues: a kept hit's captured values, resources and links in one
// shared block; HitValuesTable: one block per distinct captured list.
#include "trailsweep/hit_values.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace trailsweep {
namespace {

// What the campaign's stages group by: recipientAccountId and userIdentity.arn.
const std::string kAccount = "111122223333";
std::string session_arn(int i) {
  return fmt::format("arn:aws:sts::111122223333:assumed-role/quota-dashboard/i-0{:016x}", 0x5f3a9c00 + i);
}

TEST(HitValuesTable, OneBlockPerDistinctListOfTexts) {
  TextTable texts;
  HitValuesTable table;
  const SharedText account = texts.get(kAccount);
  std::vector<HitValues> held;
  for (int call = 0; call < 3; ++call) {
    for (int session = 0; session < 5; ++session) {
      const SharedText captured[] = {texts.get(kAccount), texts.get(session_arn(session))};
      held.push_back(table.get(captured));
    }
  }
  EXPECT_EQ(table.size(), 5U);
  for (std::size_t i = 5; i < held.size(); ++i) {
    EXPECT_TRUE(held[i].same_block(held[i % 5])) << i;
    EXPECT_FALSE(held[i].same_block(held[(i + 1) % 5])) << i;
  }
  ASSERT_EQ(held[3].captured().size(), 2U);
  EXPECT_EQ(held[3].captured()[0], kAccount);
  EXPECT_EQ(held[3].captured()[1], session_arn(3));
  EXPECT_TRUE(held[3].captured()[0].same_block(account)) << "the texts themselves are shared, not copied";
  EXPECT_TRUE(held[3].resources().empty());
  EXPECT_TRUE(held[3].links().empty());
  // Order matters: the account and the ARN the other way round is another list.
  const SharedText swapped[] = {texts.get(session_arn(3)), texts.get(kAccount)};
  EXPECT_FALSE(table.get(swapped).same_block(held[3]));
  // Nothing captured: no block.
  EXPECT_TRUE(table.get({}).empty());
}

TEST(HitValuesTable, TextsFromElsewhereAreKeptApartButCompareEqual) {
  TextTable texts;
  HitValuesTable table;
  const SharedText interned[] = {texts.get(kAccount), texts.get(session_arn(0))};
  const SharedText copied[] = {SharedText(kAccount), SharedText(session_arn(0))};  // same bytes, other blocks
  const HitValues a = table.get(interned), b = table.get(copied);
  EXPECT_FALSE(a.same_block(b));
  EXPECT_EQ(a, b);
  EXPECT_EQ(table.get(interned).captured()[1], session_arn(0));
  // A missing value ("") is a value too, and not the same list as one given.
  const SharedText missing[] = {texts.get(kAccount), SharedText()};
  const HitValues none = table.get(missing);
  EXPECT_FALSE(none.same_block(a));
  EXPECT_TRUE(none.same_block(table.get(missing)));
  EXPECT_LT(none, a);
}

TEST(HitValuesTable, DropsWhatOnlyItHoldsAndKeepsWhatHitsHold) {
  TextTable texts;
  HitValuesTable table;
  const SharedText kept_list[] = {texts.get(kAccount), texts.get(session_arn(7))};
  const HitValues kept = table.get(kept_list);
  // A hundred thousand sessions come and go (their hits evicted at once).
  for (int session = 100; session < 100100; ++session) {
    const SharedText captured[] = {texts.get(kAccount), texts.get(session_arn(session))};
    table.get(captured);
  }
  EXPECT_LT(table.size(), 1000U) << "the table holds what hits hold, not all it ever handed out";
  EXPECT_TRUE(table.get(kept_list).same_block(kept)) << "a block still held is handed out again";
  table.clear();
  EXPECT_EQ(table.size(), 0U);
  EXPECT_EQ(kept.captured()[1], session_arn(7)) << "a hit's block outlives the table";
}

TEST(HitValues, CopiesShareTheBlockAndOrderByContent) {
  std::vector<TypedId> resources = {{"ec2_instance", "i-0b22a22eec53b9321"}, {"ec2_instance", "i-0a11c11eec53b9321"},
                                    {"ec2_instance", "i-0b22a22eec53b9321"}};
  std::vector<TypedId> links = {{"launch_template", "lt-0e4a1c2f3b5d6e7f8"}};
  const SharedText captured[] = {SharedText(kAccount), SharedText(session_arn(1))};
  const HitValues values(captured, resources, links);
  ASSERT_EQ(values.resources().size(), 2U) << "sorted, each once";
  EXPECT_EQ(values.resources()[0].id, "i-0a11c11eec53b9321");
  EXPECT_EQ(values.links()[0].id, "lt-0e4a1c2f3b5d6e7f8");
  HitValues copy = values;
  EXPECT_TRUE(copy.same_block(values));
  EXPECT_FALSE(values.sole_copy());
  copy = HitValues();
  EXPECT_TRUE(values.sole_copy());
  // Captured values first, then resources, then links.
  const SharedText later[] = {SharedText(kAccount), SharedText(session_arn(2))};
  EXPECT_LT(values, HitValues(later, {}, {}));
  std::vector<TypedId> other_instance = {{"ec2_instance", "i-0c33"}};
  EXPECT_LT(values, HitValues(captured, other_instance, {}));
  EXPECT_EQ(values, HitValues(captured, resources, links));
}

TEST(HitValues, CopiesOnManyThreadsFreeTheBlockOnce) {
  // Hits move between workers when detectors merge, and context is added on
  // several threads: the count is atomic (run under the tsan and asan presets).
  const SharedText captured[] = {SharedText(kAccount), SharedText(session_arn(9))};
  HitValues shared(captured, {}, {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([shared] {
      std::vector<HitValues> copies(1000, shared);
      for (const HitValues& c : copies) ASSERT_EQ(c.captured()[1], session_arn(9));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(shared.sole_copy());
}

}  // namespace
}  // namespace trailsweep
