#include "trailsweep/time_util.hpp"

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "trailsweep/word_load.hpp"

namespace trailsweep {
namespace {

bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool valid_date(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max_day = (m == 2 && !leap) ? 28 : kDays[m - 1];
  return d <= max_day;
}

}  // namespace

// Howard Hinnant's days_from_civil algorithm.
std::int64_t days_from_civil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

namespace {

// CloudTrail writes every eventTime as "YYYY-MM-DDTHH:MM:SSZ", and the
// records of one file share their day: the day last parsed on this thread
// is kept, so most records only read their time of day (parsing and
// checking the date was most of ~225 instructions a record).
struct LastDay {
  char text[11] = {};  // "YYYY-MM-DDT"
  std::int64_t ms = 0;
  bool valid = false;
};
thread_local LastDay last_day;

// The time of day of "HH:MM:SS" at s[11] (s holds 20 bytes), in ms; false
// if it is not one. Read as one word, its six digits and two colons checked
// at once: byte by byte, this was ~70 instructions of every record.
bool time_of_day_ms(std::string_view s, std::int64_t* out) {
  if constexpr (std::endian::native != std::endian::little) {
    int h, mi, sec;
    if (!read_digits(s, 11, 2, &h) || s[13] != ':' || !read_digits(s, 14, 2, &mi) || s[16] != ':' ||
        !read_digits(s, 17, 2, &sec) || h > 23 || mi > 59 || sec > 60) {
      return false;
    }
    *out = (h * 3600 + mi * 60 + sec) * std::int64_t{1000};
    return true;
  } else {
    const std::uint64_t w = load_word(s.data() + 11);  // byte i is s[11 + i]
    constexpr std::uint64_t kDigitHighs = 0xF0F000F0F000F0F0ull, kZeros = 0x3030003030003030ull;
    // Digits are 0x30-0x39: high nibble 3, and still 3 with 6 added (no
    // byte can carry into the next once its high nibble is 3). Colons at 2, 5.
    if ((w & kDigitHighs) != kZeros || ((w + 0x0606000606000606ull) & kDigitHighs) != kZeros ||
        (w & 0x0000FF0000FF0000ull) != 0x00003A00003A0000ull) {
      return false;
    }
    // Each digit's byte times ten plus the next digit: a pair's value lands
    // in its first byte (at most 99, so no byte carries into another).
    const std::uint64_t d = w & 0x0F0F000F0F000F0Full;
    const std::uint64_t pairs = d * 10 + (d >> 8);
    const int h = static_cast<int>(pairs & 0xFF), mi = static_cast<int>((pairs >> 24) & 0xFF),
              sec = static_cast<int>((pairs >> 48) & 0xFF);
    if (h > 23 || mi > 59 || sec > 60) return false;
    *out = (h * 3600 + mi * 60 + sec) * std::int64_t{1000};
    return true;
  }
}

std::optional<std::int64_t> parse_rfc3339_ms_slow(std::string_view s);

}  // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) {
  if (s.size() != 20 || s[19] != 'Z') return parse_rfc3339_ms_slow(s);
  LastDay& last = last_day;
  std::int64_t time_of_day;
  if (last.valid && std::memcmp(s.data(), last.text, 11) == 0) {
    if (!time_of_day_ms(s, &time_of_day)) return std::nullopt;
    return last.ms + time_of_day;
  }
  const std::optional<std::int64_t> ms = parse_rfc3339_ms_slow(s);
  if (ms && time_of_day_ms(s, &time_of_day)) {
    std::memcpy(last.text, s.data(), 11);
    last.ms = *ms - time_of_day;
    last.valid = true;
  }
  return ms;
}

namespace {

std::optional<std::int64_t> parse_rfc3339_ms_slow(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20) return std::nullopt;
  if (!read_digits(s, 0, 4, &y) || s[4] != '-' || !read_digits(s, 5, 2, &mo) || s[7] != '-' ||
      !read_digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !read_digits(s, 11, 2, &h) || s[13] != ':' || !read_digits(s, 14, 2, &mi) || s[16] != ':' ||
      !read_digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  if (!valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  std::int64_t offset_min = 0;
  if (pos >= s.size()) return std::nullopt;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!read_digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !read_digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return secs * 1000 + millis;
}

}  // namespace

std::optional<std::int64_t> parse_time_arg(std::string_view s, bool* date_only) {
  if (date_only) *date_only = false;
  if (s.size() == 10) {
    int y, mo, d;
    if (read_digits(s, 0, 4, &y) && s[4] == '-' && read_digits(s, 5, 2, &mo) && s[7] == '-' &&
        read_digits(s, 8, 2, &d) && valid_date(y, mo, d)) {
      if (date_only) *date_only = true;
      return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kMsPerDay;
    }
    return std::nullopt;
  }
  return parse_rfc3339_ms(s);
}

std::string_view format_rfc3339_ms(std::int64_t ms, TimeText& out) {
  // Floor division that cannot overflow (ms - kMsPerDay did, near INT64_MIN).
  std::int64_t days = ms / kMsPerDay;
  std::int64_t rem = ms % kMsPerDay;
  if (rem < 0) {
    --days;
    rem += kMsPerDay;
  }
  // civil_from_days (Hinnant).
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  int h = static_cast<int>(rem / 3'600'000);
  int mi = static_cast<int>(rem / 60'000 % 60);
  int sec = static_cast<int>(rem / 1000 % 60);
  int milli = static_cast<int>(rem % 1000);
  if (y < 0 || y > 9999) {  // not CloudTrail's; fmt's sign and widening rules
    // At most 35 characters: a year of the int64 range has 9 digits.
    const auto end = milli != 0 ? fmt::format_to_n(out.data(), out.size(), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                                                   y, m, d, h, mi, sec, milli)
                                : fmt::format_to_n(out.data(), out.size(), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y,
                                                   m, d, h, mi, sec);
    return {out.data(), std::min(end.size, out.size())};
  }
  // Digits written in place: a report of many findings formats four times
  // per finding and once per evidence record, and fmt's format-string
  // interpretation was ~4,000 instructions a call.
  static constexpr std::string_view kPattern = "0000-00-00T00:00:00.000Z";
  char* text = out.data();
  std::memcpy(text, kPattern.data(), kPattern.size());
  auto put = [text](std::size_t at, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) text[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
  };
  put(0, static_cast<unsigned>(y), 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, static_cast<unsigned>(h), 2);
  put(14, static_cast<unsigned>(mi), 2);
  put(17, static_cast<unsigned>(sec), 2);
  if (milli == 0) {
    text[19] = 'Z';
    return {text, 20};
  }
  put(20, static_cast<unsigned>(milli), 3);
  return {text, 24};
}

std::string format_rfc3339_ms(std::int64_t ms) {
  TimeText text;
  return std::string(format_rfc3339_ms(ms, text));
}

}  // namespace trailsweep
