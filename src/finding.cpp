#include "trailsweep/finding.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <new>
#include <stdexcept>
#include <tuple>

namespace trailsweep {

namespace {

// hit_before's order of texts: account, principal, event name, region,
// source IP, user agent, error code (the rows keep them in another).
std::strong_ordering compare_texts(const Hit& a, const Hit& b) {
  if (!a.identity.same_block(b.identity)) {
    if (const auto c = a.account() <=> b.account(); c != 0) return c;
    if (const auto c = a.principal() <=> b.principal(); c != 0) return c;
  }
  const bool same_call = a.call.same_block(b.call);
  if (!same_call) {
    if (const auto c = a.event_name() <=> b.event_name(); c != 0) return c;
    if (const auto c = a.region() <=> b.region(); c != 0) return c;
  }
  if (const auto c = a.source_ip_text <=> b.source_ip_text; c != 0) return c;
  if (const auto c = a.user_agent_text <=> b.user_agent_text; c != 0) return c;
  return same_call ? std::strong_ordering::equal : a.error_code() <=> b.error_code();
}

}  // namespace

// Content before position: when two records share an eventID (a redelivery,
// or a forged duplicate), the one kept must not depend on which file or line
// came first. Found by fuzz_correlation.
bool hit_before(const Hit& a, const Hit& b) {
  if (const auto c = std::tie(a.time_ms, a.event_id, a.rule) <=> std::tie(b.time_ms, b.event_id, b.rule); c != 0) {
    return c < 0;
  }
  if (const auto c = compare_texts(a, b); c != 0) return c < 0;
  return std::tie(a.values, a.captured_mask, a.file, a.record) < std::tie(b.values, b.captured_mask, b.file, b.record);
}

void Evidence::set_call(std::string_view event_name, std::string_view region, std::string_view error_code) {
  call = Hit::CallRow::of({event_name, region, error_code});
}

void Hit::set_texts(const HitTexts& t) {
  identity = IdentityRow::of({t.account, t.principal, t.access_key_id, t.session_issuer});
  call = CallRow::of({t.event_name, t.region, t.error_code});
  source_ip_text = t.source_ip;
  user_agent_text = t.user_agent;
}

void Hit::set_values(std::span<const SharedText> captured, std::uint64_t present, std::span<TypedId> resources,
                     std::span<TypedId> links) {
  values = HitValues(captured, resources, links);
  captured_mask = static_cast<std::uint16_t>(present);
}

void Hit::set_named(std::vector<TypedId> resources, std::vector<TypedId> links) {
  values = HitValues(captured(), resources, links);
}

std::string resource_region(const Hit& h) {
  return h.global_service ? std::string() : std::string(h.region());
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
  e.call = h.call;  // the hit's row, shared
  e.source_ip = h.source_ip_text;
  e.user_agent = h.user_agent_text;
  e.file = h.file;
  e.record = h.record;
  e.offset = h.offset;
  e.rule = rule_name;
  return e;
}

}  // namespace trailsweep
