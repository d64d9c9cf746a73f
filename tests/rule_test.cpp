// Rule basics every loader and reporter relies on: levels, time spans, count
// conditions and the id a rule is shown by.
#include "trailsweep/rule.hpp"

#include <gtest/gtest.h>

namespace trailsweep {
namespace {

TEST(Rule, LevelsRoundTripAndNothingElseIsALevel) {
  for (Level l : {Level::kInformational, Level::kLow, Level::kMedium, Level::kHigh, Level::kCritical}) {
    EXPECT_EQ(parse_level(level_name(l)), l);
  }
  EXPECT_FALSE(parse_level("High"));  // Sigma levels are lower-case
  EXPECT_FALSE(parse_level("severe"));
  EXPECT_FALSE(parse_level(""));
}

TEST(Rule, TimeSpansInEveryUnitAndNothingThatOverflows) {
  EXPECT_EQ(parse_timespan("30s"), 30'000);
  EXPECT_EQ(parse_timespan("15m"), 900'000);
  EXPECT_EQ(parse_timespan("24h"), 86'400'000);
  EXPECT_EQ(parse_timespan("7d"), 604'800'000);
  EXPECT_EQ(parse_timespan("1w"), 604'800'000);
  for (const char* bad : {"", "s", "0s", "-5m", "5", "5x", "1.5h", " 5m", "5m ", "99999999999999w"}) {
    EXPECT_FALSE(parse_timespan(bad)) << bad;
  }
}

TEST(Rule, CountConditionsCombineTheirBounds) {
  CountCondition c;
  c.gte = 10;
  c.lt = 20;
  EXPECT_FALSE(c.holds(9));
  EXPECT_TRUE(c.holds(10));
  EXPECT_TRUE(c.holds(19));
  EXPECT_FALSE(c.holds(20));
  EXPECT_EQ(c.to_string(), ">= 10 and < 20");
  CountCondition none;
  EXPECT_TRUE(none.holds(0));
}

TEST(Rule, IsShownByNameElseIdElseTitle) {
  Rule r;
  r.title = "AWS Cryptomining Campaign";
  EXPECT_EQ(r.display_id(), "AWS Cryptomining Campaign");
  r.id = "f938dcbc-4d7a-524c-a3e1-6de1b86e93bf";
  EXPECT_EQ(r.display_id(), "f938dcbc-4d7a-524c-a3e1-6de1b86e93bf");
  r.name = "aws_cryptomining_campaign";
  EXPECT_EQ(r.display_id(), "aws_cryptomining_campaign");
  EXPECT_EQ(r.kind_name(), "detection");
  r.is_correlation = true;
  r.correlation.type = CorrelationType::kTemporalOrdered;
  EXPECT_EQ(r.kind_name(), "correlation/temporal_ordered");
}

}  // namespace
}  // namespace trailsweep
