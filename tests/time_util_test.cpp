#include "trailsweep/time_util.hpp"

#include <gtest/gtest.h>

namespace trailsweep {

TEST(TimeUtil, ParsesCloudTrailTimestamps) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("2025-11-02T09:12:03Z"), 1762074723000);
  EXPECT_EQ(parse_rfc3339_ms("2025-11-02T09:12:03.250Z"), 1762074723250);
  EXPECT_EQ(parse_rfc3339_ms("2025-11-02T10:12:03+01:00"), 1762074723000);
  EXPECT_EQ(parse_rfc3339_ms("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(TimeUtil, RejectsMalformedTimestamps) {
  for (const char* bad : {"", "2025-11-02", "2025-11-02T09:12:03", "2025-13-02T09:12:03Z",
                          "2025-02-30T00:00:00Z", "2025-11-02T25:00:00Z", "Nov 2, 2025 9:12 AM",
                          "2025-11-02T09:12:03Zjunk", "2025-11-02T09:12:03.Z"}) {
    EXPECT_FALSE(parse_rfc3339_ms(bad).has_value()) << bad;
  }
}

TEST(TimeUtil, TimeArgumentsAcceptDates) {
  bool date_only = false;
  EXPECT_EQ(parse_time_arg("2025-11-02", &date_only), 1762041600000);
  EXPECT_TRUE(date_only);
  EXPECT_EQ(parse_time_arg("2025-11-02T00:00:00Z", &date_only), 1762041600000);
  EXPECT_FALSE(date_only);
  EXPECT_FALSE(parse_time_arg("yesterday").has_value());
}

TEST(TimeUtil, FormatsRoundTrip) {
  EXPECT_EQ(format_rfc3339_ms(1762074723000), "2025-11-02T09:12:03Z");
  EXPECT_EQ(format_rfc3339_ms(1762074723250), "2025-11-02T09:12:03.250Z");
  EXPECT_EQ(parse_rfc3339_ms(format_rfc3339_ms(951782400000)), 951782400000);  // 2000-02-29
}

}  // namespace trailsweep
