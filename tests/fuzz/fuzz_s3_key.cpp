// Fuzz target: the S3 key of a file's path, which names what the walk skips
// before reading (digests, other services, files outside --since/--until,
// --account, --region). A synced bucket's paths are whatever its writers
// chose, so parse_s3_key and outside_filter must take any bytes. Beyond not
// crashing: a delivery time read from a name is the name's own digits (it is
// laid out in place, not formatted, since 306f1d0), and a day is a midnight.
// The input is a path; its first byte picks a filter.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "trailsweep/input_walker.hpp"
#include "trailsweep/time_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 4096) return 0;
  const std::string_view path(reinterpret_cast<const char*>(data) + 1, size - 1);
  const trailsweep::S3Key key = trailsweep::parse_s3_key(path);

  if (key.day_ms >= 0 && key.day_ms % trailsweep::kMsPerDay != 0) std::abort();  // a day is a midnight
  if (key.delivery_ms >= 0) {
    // <account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_...: the time's digits.
    std::string_view name = path;  // the last component; trailing slashes are no component
    while (!name.empty() && name.back() == '/') name.remove_suffix(1);
    if (const std::size_t last = name.rfind('/'); last != std::string_view::npos) name.remove_prefix(last + 1);
    const std::size_t at = name.find("_CloudTrail_");
    if (at == std::string_view::npos || key.region.empty()) std::abort();
    const std::string_view stamp = name.substr(at + 12 + key.region.size() + 1, 13);
    trailsweep::TimeText text;
    const std::string_view iso = trailsweep::format_rfc3339_ms(key.delivery_ms, text);  // YYYY-MM-DDTHH:MM:00Z
    const std::string expected = std::string(iso.substr(0, 4)) + std::string(iso.substr(5, 2)) +
                                 std::string(iso.substr(8, 2)) + "T" + std::string(iso.substr(11, 2)) +
                                 std::string(iso.substr(14, 2));
    if (iso.size() != 20 || iso.substr(16) != ":00Z" || stamp != expected) std::abort();  // not the name's time
  }

  trailsweep::InputFilter filter;
  const std::uint8_t pick = data[0];
  if (pick & 1) filter.since_ms = 1'762'041'600'000;  // 2025-11-02
  if (pick & 2) filter.until_ms = 1'762'128'000'000;  // 2025-11-03
  if (pick & 4) filter.accounts = {"111122223333"};
  if (pick & 8) filter.regions = {"us-east-1"};
  (void)trailsweep::outside_filter(key, filter);
  return 0;
}
