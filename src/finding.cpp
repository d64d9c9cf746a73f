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

void Hit::set_texts(const HitTexts& t) {
  std::string encoded;
  IdentityRow::encode({t.account, t.principal, t.access_key_id, t.session_issuer}, encoded);
  identity = encoded.empty() ? IdentityRow() : IdentityRow(SharedText(encoded));
  CallRow::encode({t.event_name, t.region, t.error_code}, encoded);
  call = encoded.empty() ? CallRow() : CallRow(SharedText(encoded));
  source_ip_text = t.source_ip;
  user_agent_text = t.user_agent;
}

namespace {

// Sorts, drops repeats, and returns what is left (the front of `list`).
std::span<TypedId> sorted_once(std::span<TypedId> list) {
  std::sort(list.begin(), list.end());
  return list.first(static_cast<std::size_t>(std::unique(list.begin(), list.end()) - list.begin()));
}

}  // namespace

HitValues::HitValues(std::span<const SharedText> captured, std::span<TypedId> resources, std::span<TypedId> links) {
  build(captured, sorted_once(resources), sorted_once(links));
}

HitValues::HitValues(const HitValues& other) { build(other.captured(), other.resources(), other.links()); }

void HitValues::build(std::span<const SharedText> captured, std::span<const TypedId> resources,
                      std::span<const TypedId> links) {
  if (captured.empty() && resources.empty() && links.empty()) return;
  if (captured.size() > UINT32_MAX || resources.size() > UINT32_MAX || links.size() > UINT32_MAX) {
    throw std::length_error("HitValues: over 4 billion values");
  }
  void* memory = ::operator new(sizeof(Block) + captured.size() * sizeof(SharedText) +
                                (resources.size() + links.size()) * sizeof(TypedId));
  block_ = new (memory) Block{static_cast<std::uint32_t>(captured.size()), static_cast<std::uint32_t>(resources.size()),
                              static_cast<std::uint32_t>(links.size()), 0};
  SharedText* text = first_captured();
  for (const SharedText& value : captured) new (text++) SharedText(value);
  TypedId* named = first_named();
  for (const TypedId& r : resources) new (named++) TypedId(r);
  for (const TypedId& l : links) new (named++) TypedId(l);
}

HitValues::~HitValues() {
  if (!block_) return;
  for (SharedText& value : std::span<SharedText>(first_captured(), block_->captured)) value.~SharedText();
  for (TypedId& named : std::span<TypedId>(first_named(), block_->resources + block_->links)) named.~TypedId();
  block_->~Block();
  ::operator delete(block_);
}

std::strong_ordering operator<=>(const HitValues& a, const HitValues& b) {
  auto compare = [](auto x, auto y) {
    return std::lexicographical_compare_three_way(x.begin(), x.end(), y.begin(), y.end());
  };
  if (auto c = compare(a.captured(), b.captured()); c != 0) return c;
  if (auto c = compare(a.resources(), b.resources()); c != 0) return c;
  return compare(a.links(), b.links());
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
  e.event_name = h.event_name();
  e.region = h.region();
  e.source_ip = h.source_ip();
  e.user_agent = h.user_agent();
  e.error_code = h.error_code();
  e.file = h.file;
  e.record = h.record;
  e.offset = h.offset;
  e.rule = rule_name;
  return e;
}

}  // namespace trailsweep
