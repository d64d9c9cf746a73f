#include "trailsweep/rule.hpp"

#include <charconv>

#include <fmt/format.h>

namespace trailsweep {

std::optional<Level> parse_level(std::string_view t) {
  if (t == "informational") return Level::kInformational;
  if (t == "low") return Level::kLow;
  if (t == "medium") return Level::kMedium;
  if (t == "high") return Level::kHigh;
  if (t == "critical") return Level::kCritical;
  return std::nullopt;
}

std::string_view level_name(Level l) {
  switch (l) {
    case Level::kInformational:
      return "informational";
    case Level::kLow:
      return "low";
    case Level::kMedium:
      return "medium";
    case Level::kHigh:
      return "high";
    case Level::kCritical:
      return "critical";
  }
  return "medium";
}

std::string_view correlation_type_name(CorrelationType t) {
  switch (t) {
    case CorrelationType::kEventCount:
      return "event_count";
    case CorrelationType::kValueCount:
      return "value_count";
    case CorrelationType::kTemporal:
      return "temporal";
    case CorrelationType::kTemporalOrdered:
      return "temporal_ordered";
  }
  return "event_count";
}

bool CountCondition::holds(double n) const {
  if (gt && !(n > *gt)) return false;
  if (gte && !(n >= *gte)) return false;
  if (lt && !(n < *lt)) return false;
  if (lte && !(n <= *lte)) return false;
  if (eq && !(n == *eq)) return false;
  return true;
}

std::string CountCondition::to_string() const {
  std::string s;
  auto add = [&](const char* op, const std::optional<double>& v) {
    if (v) s += fmt::format("{}{} {}", s.empty() ? "" : " and ", op, *v);
  };
  add(">", gt);
  add(">=", gte);
  add("<", lt);
  add("<=", lte);
  add("==", eq);
  return s;
}

std::string Rule::kind_name() const {
  return is_correlation ? fmt::format("correlation/{}", correlation_type_name(correlation.type))
                        : "detection";
}

const std::string& Rule::display_id() const {
  if (!name.empty()) return name;
  if (!id.empty()) return id;
  return title;
}

std::optional<std::int64_t> parse_timespan(std::string_view t) {
  if (t.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size() - 1, n);
  if (ec != std::errc() || p != t.data() + t.size() - 1 || n <= 0) return std::nullopt;
  std::int64_t unit;
  switch (t.back()) {
    case 's':
      unit = 1000;
      break;
    case 'm':
      unit = 60'000;
      break;
    case 'h':
      unit = 3'600'000;
      break;
    case 'd':
      unit = 86'400'000;
      break;
    case 'w':
      unit = 7 * 86'400'000LL;
      break;
    default:
      return std::nullopt;
  }
  if (n > (INT64_MAX / unit)) return std::nullopt;
  return n * unit;
}

}  // namespace trailsweep
