#pragma once
// Time helpers: CloudTrail timestamps to milliseconds since the Unix epoch (UTC)
// and back. Pure functions, no locale, no time zone database.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trailsweep {

/// Parses RFC 3339 ("2025-11-02T10:00:00Z", fractions and +hh:mm offsets
/// allowed) into UTC milliseconds. Returns nullopt for anything else.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

/// Parses a --since/--until argument: RFC 3339, or a bare date "YYYY-MM-DD"
/// (midnight UTC). `date_only` tells the caller which form was given.
std::optional<std::int64_t> parse_time_arg(std::string_view text, bool* date_only = nullptr);

/// Days since 1970-01-01 for a proleptic Gregorian date.
std::int64_t days_from_civil(int year, unsigned month, unsigned day);

/// "2025-11-02T10:00:00Z" (milliseconds shown only when non-zero).
std::string format_rfc3339_ms(std::int64_t ms);
/// The same text in `out`, without an allocation (a report writes one per
/// evidence record: hundreds of thousands); the view points into `out`.
using TimeText = std::array<char, 40>;
std::string_view format_rfc3339_ms(std::int64_t ms, TimeText& out);

inline constexpr std::int64_t kMsPerDay = 86'400'000;

}  // namespace trailsweep
