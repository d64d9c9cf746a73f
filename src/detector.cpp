#include "trailsweep/detector.hpp"

#include <algorithm>

namespace trailsweep {

Detector::Detector(const RuleSet& rules, DetectorOptions options)
    : rules_(rules), options_(options) {}

Hit Detector::make_hit(int rule, const Event& ev) {
  Hit h;
  h.rule = rule;
  h.time_ms = ev.time_ms;
  h.event_id = ev.event_id;
  h.event_name = ev.event_name;
  h.event_source = ev.event_source;
  h.region = ev.aws_region;
  h.source_ip = ev.source_ip;
  h.user_agent = ev.user_agent;
  h.error_code = ev.error_code;
  h.account = ev.account;
  h.principal = ev.principal;
  h.access_key_id = ev.identity.access_key_id;
  h.session_issuer = ev.identity.session_issuer_arn;
  h.service_call = ev.is_service_call();
  h.file = ev.pos.file;
  h.record = ev.pos.record;
  h.offset = ev.pos.offset;
  const auto& fields = rules_.capture_fields(rule);
  h.captured.reserve(fields.size());
  for (const auto& f : fields) {
    bool found = false;
    std::string value;
    fields_.any(f, [&](const FieldValue& v) {
      if (v.kind == FieldValue::Kind::kNull) return false;
      value.assign(v.text);
      found = true;
      return true;
    });
    h.captured.push_back(std::move(value));
    h.has_captured.push_back(found);
  }
  const RuleExtras& extras = rules_.rules()[static_cast<std::size_t>(rule)].extras;
  auto collect = [&](const std::vector<std::pair<std::string, std::string>>& spec,
                     std::vector<std::pair<std::string, std::string>>* into) {
    for (const auto& [type, path] : spec) {
      fields_.any(path, [&](const FieldValue& v) {
        if (v.kind != FieldValue::Kind::kNull && !v.text.empty()) into->emplace_back(type, std::string(v.text));
        return false;
      });
    }
    std::sort(into->begin(), into->end());
    into->erase(std::unique(into->begin(), into->end()), into->end());
  };
  collect(extras.resources, &h.resources);
  collect(extras.links, &h.links);
  return h;
}

void Detector::add_to(Aggregate& agg, Hit hit) const {
  ++agg.count;
  agg.first_ms = std::min(agg.first_ms, hit.time_ms);
  agg.last_ms = std::max(agg.last_ms, hit.time_ms);
  auto add_capped = [&](std::set<std::string>& s, const std::string& v) {
    if (!v.empty() && (s.size() < options_.max_distinct_values || s.count(v))) s.insert(v);
  };
  add_capped(agg.regions, hit.region);
  add_capped(agg.source_ips, hit.source_ip);
  add_capped(agg.user_agents, hit.user_agent);
  add_capped(agg.access_keys, hit.access_key_id);
  add_capped(agg.session_issuers, hit.session_issuer);
  for (const auto& [type, id] : hit.resources) {
    if (agg.resources.size() < options_.max_resources) agg.resources.insert({type, id, hit.event_source == "iam.amazonaws.com" ? "" : hit.region});
  }
  std::size_t cap = options_.max_evidence == 0 ? SIZE_MAX : options_.max_evidence;
  if (agg.earliest.size() < cap) {
    agg.earliest.insert(std::upper_bound(agg.earliest.begin(), agg.earliest.end(), hit, hit_before),
                        std::move(hit));
  } else if (hit_before(hit, agg.earliest.back())) {
    agg.earliest.pop_back();
    agg.earliest.insert(std::upper_bound(agg.earliest.begin(), agg.earliest.end(), hit, hit_before),
                        std::move(hit));
  }
}

void Detector::on_event(const Event& ev) {
  matched_.clear();
  fields_.bind(ev);
  rules_.match(ev, fields_, &matched_);
  if (!fields_.error().empty()) ++field_errors_;
  for (int rule : matched_) {
    ++hits_total_;
    bool feeds_correlation = rules_.keeps_hits(rule);
    if (feeds_correlation) hits_.push_back(make_hit(rule, ev));
    if (rules_.reports_own_hits(rule)) {
      Hit h = feeds_correlation ? hits_.back() : make_hit(rule, ev);
      add_to(aggregates_[{rule, ev.account, ev.principal}], std::move(h));
    }
  }
}

void Detector::merge(Detector&& other) {
  hits_.insert(hits_.end(), std::make_move_iterator(other.hits_.begin()),
               std::make_move_iterator(other.hits_.end()));
  hits_total_ += other.hits_total_;
  field_errors_ += other.field_errors_;
  for (auto& [key, agg] : other.aggregates_) {
    Aggregate& mine = aggregates_[key];
    std::uint64_t count = mine.count + agg.count;
    for (Hit& h : agg.earliest) add_to(mine, std::move(h));
    mine.count = count;
    mine.first_ms = std::min(mine.first_ms, agg.first_ms);
    mine.last_ms = std::max(mine.last_ms, agg.last_ms);
    auto merge_set = [&](std::set<std::string>& into, const std::set<std::string>& from) {
      for (const auto& v : from) {
        if (into.size() >= options_.max_distinct_values) break;
        into.insert(v);
      }
    };
    merge_set(mine.regions, agg.regions);
    merge_set(mine.source_ips, agg.source_ips);
    merge_set(mine.user_agents, agg.user_agents);
    merge_set(mine.access_keys, agg.access_keys);
    merge_set(mine.session_issuers, agg.session_issuers);
    for (const auto& r : agg.resources) {
      if (mine.resources.size() < options_.max_resources) mine.resources.insert(r);
    }
  }
}

std::vector<Finding> Detector::single_event_findings() const {
  std::vector<Finding> out;
  for (const auto& [key, agg] : aggregates_) {
    const auto& [rule_index, account, principal] = key;
    const Rule& rule = rules_.rules()[static_cast<std::size_t>(rule_index)];
    Finding f;
    f.rule = rule_index;
    f.rule_id = rule.id;
    f.rule_name = rule.display_id();
    f.title = rule.title;
    f.kind = rule.kind_name();
    f.level = rule.level;
    f.tags = rule.tags;
    f.account = account;
    f.principal = principal;
    if (!agg.access_keys.empty()) f.access_key_id = *agg.access_keys.begin();
    if (!agg.session_issuers.empty()) f.session_issuer = *agg.session_issuers.begin();
    f.first_ms = agg.first_ms;
    f.last_ms = agg.last_ms;
    f.detectable_ms = agg.first_ms;
    f.event_count = agg.count;
    f.regions.assign(agg.regions.begin(), agg.regions.end());
    f.source_ips.assign(agg.source_ips.begin(), agg.source_ips.end());
    f.user_agents.assign(agg.user_agents.begin(), agg.user_agents.end());
    for (const Hit& h : agg.earliest) {
      f.evidence.push_back(evidence_of(h, rule.display_id()));
      if (!h.event_id.empty()) f.event_ids.push_back(h.event_id);
    }
    f.evidence_omitted = agg.count - agg.earliest.size();
    f.resources.assign(agg.resources.begin(), agg.resources.end());
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace trailsweep
