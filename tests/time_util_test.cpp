#include "trailsweep/time_util.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include <ctime>
#include <random>
#include <string>

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

TEST(TimeUtil, FormatsEveryInstantAsTheCalendarDoes) {
  // Against the C library's calendar (gmtime_r), over random instants from
  // 1970 to 9999, the day boundaries and sub-second values included.
  std::mt19937_64 random(20251126);
  std::uniform_int_distribution<std::int64_t> seconds(0, 253402300799);  // 9999-12-31T23:59:59Z
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t s = i < 10 ? std::int64_t{86400} * i - (i % 2) : seconds(random);
    const int milli = i % 3 == 0 ? 0 : static_cast<int>(random() % 1000);
    std::tm tm{};
    const std::time_t t = static_cast<std::time_t>(s);
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char expected[40];
    std::size_t n = std::strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string want(expected, n);
    if (tm.tm_year + 1900 < 1000) want.insert(0, 4 - std::to_string(tm.tm_year + 1900).size(), '0');
    if (milli != 0) {
      char frac[8];
      std::snprintf(frac, sizeof frac, ".%03d", milli);
      want += frac;
    }
    want += 'Z';
    EXPECT_EQ(format_rfc3339_ms(s * 1000 + milli), want) << s << " " << milli;
  }
  // Before 1970 and beyond 9999 keep their (signed, widened) form.
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(253402300800000), "10000-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339_ms(-62167219200000 - 86400000), "-001-12-31T00:00:00Z");
  // The ends of the range (a sentinel printed by mistake must not be undefined
  // behaviour, which the sanitizer build aborts on); the same instants as
  // java.time.Instant.ofEpochMilli(Long.MIN_VALUE / MAX_VALUE), in the buffer too.
  EXPECT_EQ(format_rfc3339_ms(INT64_MIN), "-292275055-05-16T16:47:04.192Z");
  EXPECT_EQ(format_rfc3339_ms(INT64_MAX), "292278994-08-17T07:12:55.807Z");
  TimeText text;
  EXPECT_EQ(format_rfc3339_ms(INT64_MIN, text), "-292275055-05-16T16:47:04.192Z");
}

// On a day already kept the time of day is read as one word (digits and
// colons checked together); every byte in each of its places must decide as
// reading it byte by byte does.
TEST(TimeUtil, TheTimeOfDayDecidesAsByteByByteForEveryByteInEveryPlace) {
  const std::int64_t day_ms = 1762041600000;  // 2025-11-02
  for (std::size_t place = 11; place < 19; ++place) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string text = "2025-11-02T09:12:03Z";
      text[place] = static_cast<char>(byte);
      auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
      auto number = [&](std::size_t i) { return (text[i] - '0') * 10 + (text[i + 1] - '0'); };
      const bool shaped = digit(11) && digit(12) && text[13] == ':' && digit(14) && digit(15) && text[16] == ':' &&
                          digit(17) && digit(18);
      const bool valid = shaped && number(11) <= 23 && number(14) <= 59 && number(17) <= 60;
      ASSERT_EQ(parse_rfc3339_ms("2025-11-02T00:00:00Z"), day_ms);  // the day is kept
      const std::optional<std::int64_t> got = parse_rfc3339_ms(text);
      if (valid) {
        EXPECT_EQ(got, day_ms + (number(11) * 3600 + number(14) * 60 + number(17)) * std::int64_t{1000})
            << "byte " << byte << " at " << place;
      } else {
        EXPECT_FALSE(got.has_value()) << "byte " << byte << " at " << place;
      }
    }
  }
}

TEST(TimeUtil, TheDayKeptFromTheLastRecordNeverChangesAResult) {
  // Records of one day reuse it; any other time, valid or not, of the same
  // day and of others must parse as on its own.
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::int64_t> minutes(0, 253402300799 / 60);
  for (int i = 0; i < 5000; ++i) {
    const std::int64_t minute_ms = minutes(random) * 60000;
    const std::string text = format_rfc3339_ms(minute_ms + 7000);
    ASSERT_EQ(text.size(), 20u) << text;
    EXPECT_EQ(parse_rfc3339_ms(text), minute_ms + 7000) << text;
    std::string other = text;
    for (const char* second : {"00", "59", "60", "07"}) {
      other.replace(17, 2, second);
      EXPECT_EQ(parse_rfc3339_ms(other), minute_ms + std::stoi(second) * 1000) << other;
    }
    for (const char* bad : {"61", "6x", " 1", "-1", "99"}) {
      other.replace(17, 2, bad);
      EXPECT_FALSE(parse_rfc3339_ms(other).has_value()) << other;
    }
    for (const char* bad_time : {"24:00:00", "23:60:00", "2x:00:00", "12-00:00", "12:00-00", "12:00:0:"}) {
      other = text;
      other.replace(11, 8, bad_time);
      EXPECT_FALSE(parse_rfc3339_ms(other).has_value()) << other;
    }
    other = text;
    other.replace(11, 8, "23:59:60");
    EXPECT_EQ(parse_rfc3339_ms(other), minute_ms - minute_ms % 86400000 + 86400000) << other;
  }
  // Another form of the same instant after the minute is kept.
  EXPECT_EQ(parse_rfc3339_ms("2025-11-02T09:12:03Z"), 1762074723000);
  EXPECT_EQ(parse_rfc3339_ms("2025-11-02t09:12:04Z"), 1762074724000);
  EXPECT_EQ(parse_rfc3339_ms("2025-11-02T09:12:05z"), 1762074725000);
  EXPECT_EQ(parse_rfc3339_ms("2025-11-02T10:12:06+01:00"), 1762074726000);
  EXPECT_FALSE(parse_rfc3339_ms("2025-11-02T09:12:0Z").has_value());
  EXPECT_FALSE(parse_rfc3339_ms("2025-02-30T09:12:03Z").has_value());
  EXPECT_FALSE(parse_rfc3339_ms("2025-02-30T09:12:04Z").has_value()) << "an invalid minute is never kept";
}

}  // namespace trailsweep
