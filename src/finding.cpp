#include "trailsweep/finding.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <tuple>

namespace trailsweep {

// Content before position: when two records share an eventID (a redelivery,
// or a forged duplicate), the one kept must not depend on which file or line
// came first. Found by fuzz_correlation.
bool hit_before(const Hit& a, const Hit& b) {
  return std::tie(a.time_ms, a.event_id, a.rule, a.account, a.principal, a.event_name, a.region, a.source_ip,
                  a.user_agent, a.error_code, a.captured, a.captured_mask, a.named, a.link_count, a.file, a.record) <
         std::tie(b.time_ms, b.event_id, b.rule, b.account, b.principal, b.event_name, b.region, b.source_ip,
                  b.user_agent, b.error_code, b.captured, b.captured_mask, b.named, b.link_count, b.file, b.record);
}

void Hit::add_captured(SharedText value, bool present) {
  if (present && captured.size() < kMaskedCaptures) captured_mask |= std::uint64_t{1} << captured.size();
  captured.push_back(std::move(value));
}

void Hit::set_named(std::vector<TypedId> resources, std::vector<TypedId> links) {
  auto sorted_unique = [](std::vector<TypedId>& list) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  };
  sorted_unique(resources);
  sorted_unique(links);
  if (links.size() > UINT16_MAX) links.resize(UINT16_MAX);
  std::vector<TypedId> both;
  both.reserve(resources.size() + links.size());
  both.insert(both.end(), std::make_move_iterator(resources.begin()), std::make_move_iterator(resources.end()));
  both.insert(both.end(), std::make_move_iterator(links.begin()), std::make_move_iterator(links.end()));
  named = std::move(both);
  link_count = static_cast<std::uint16_t>(links.size());
}

std::string resource_region(const Hit& h) {
  return h.event_source == "iam.amazonaws.com" ? std::string() : std::string(h.region);
}

// finalize_findings compares a compact copy of the first three keys
// (severity, first time, principal) before calling this: keep them first,
// in this order.
bool finding_before(const Finding& a, const Finding& b) {
  if (a.level != b.level) return a.level > b.level;
  return std::tie(a.first_ms, a.principal, a.account, a.rule_id, a.last_ms) <
         std::tie(b.first_ms, b.principal, b.account, b.rule_id, b.last_ms);
}

Finding finding_for_rule(const Rule& rule, int index) {
  Finding f;
  f.rule = index;
  f.rule_id = rule.id;
  f.rule_name = rule.display_id();
  f.title = rule.title;
  f.kind = rule.kind_name();
  f.level = rule.level;
  f.tags = rule.tags;
  return f;
}

bool evidence_before(const Evidence& a, const Evidence& b) {
  return std::tie(a.time_ms, a.event_id, a.file, a.record) < std::tie(b.time_ms, b.event_id, b.file, b.record);
}

Evidence evidence_of(const Hit& h, const std::string& rule_name) {
  Evidence e;
  e.time_ms = h.time_ms;
  e.event_id = h.event_id;
  e.event_name = h.event_name;
  e.region = h.region;
  e.source_ip = h.source_ip;
  e.user_agent = h.user_agent;
  e.error_code = h.error_code;
  e.file = h.file;
  e.record = h.record;
  e.offset = h.offset;
  e.rule = rule_name;
  return e;
}

}  // namespace trailsweep
