#include "trailsweep/correlator.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>
#include <span>
#include <string_view>

#include "trailsweep/group_table.hpp"

namespace trailsweep {

namespace {

constexpr std::size_t kNotCaptured = static_cast<std::size_t>(-1);

// A hit's place in the sorted hits: four bytes, as a million are kept.
using HitId = std::uint32_t;

// An input of one correlation: a detection hit, or an episode of a referenced
// correlation (with all the hits behind it). A stage that matches routine
// calls brings a million, so an Item is 16 bytes and allocates nothing: a
// hit's rule is read from the hit, an episode's rule and hit ids are in the
// item list's words. (With a vector of hit ids and a string of its own it was
// 80 bytes and two allocations; 24 with the rule and hit count in it.) All of
// a correlation's items are in one array, sorted by group, not in a vector
// per group (each grown by doubling).
struct Item {
  static constexpr std::uint32_t kEpisode = 0x80000000u;
  std::int64_t time_ms = 0;
  std::uint32_t group_and_kind = 0;  // the group's number; kEpisode set for an episode
  std::uint32_t at = 0;              // a hit: its id; an episode: where it starts in ItemList::episode_words
  bool is_episode() const { return (group_and_kind & kEpisode) != 0; }
  std::uint32_t group() const { return group_and_kind & ~kEpisode; }
};
static_assert(sizeof(Item) <= 16, "a stage that matches routine calls brings a million items");

// One correlation's items, and what an item's 16 bytes leave out.
struct ItemList {
  const std::vector<const Hit*>* hits = nullptr;  // by id, in hit_before order
  std::vector<Item> items;
  // Each episode's rule, its hit count and its hit ids, end to end.
  std::vector<std::uint32_t> episode_words;

  void add_hit(std::int64_t time_ms, std::uint32_t group, HitId hit) {
    check_group(group);
    items.push_back({time_ms, group, hit});
  }
  void add_episode(std::int64_t time_ms, std::uint32_t group, int rule, std::span<const HitId> hit_ids) {
    check_group(group);
    if (episode_words.size() + hit_ids.size() + 2 > UINT32_MAX) {
      throw std::length_error("correlation: over 4 billion hit ids");
    }
    items.push_back({time_ms, group | Item::kEpisode, static_cast<std::uint32_t>(episode_words.size())});
    episode_words.push_back(static_cast<std::uint32_t>(rule));
    episode_words.push_back(static_cast<std::uint32_t>(hit_ids.size()));
    episode_words.insert(episode_words.end(), hit_ids.begin(), hit_ids.end());
  }
  int rule_of(const Item& item) const {
    return item.is_episode() ? static_cast<int>(episode_words[item.at]) : (*hits)[item.at]->rule;
  }
  std::span<const HitId> hit_ids_of(const Item& item) const {
    if (!item.is_episode()) return {&item.at, 1};
    return {episode_words.data() + item.at + 2, episode_words[item.at + 1]};
  }

 private:
  static void check_group(std::uint32_t group) {
    if ((group & Item::kEpisode) != 0) throw std::length_error("correlation: over 2 billion groups");
  }
};

struct Episode {
  std::int64_t detect_ms = 0, last_fire_ms = 0;
  // The group's items in it, as ranges [first, last] of their indexes, in
  // order and apart. Each firing adds its whole window, and a window is a
  // range that only moves forward, so it extends the last range or opens one
  // after it. (A set took the whole window at every firing: 20,000
  // GetServiceQuota calls of one quota dashboard in a day took 18 s.)
  std::vector<std::pair<std::size_t, std::size_t>> item_ranges;
  void add_window(std::size_t first, std::size_t last) {
    if (!item_ranges.empty() && first <= item_ranges.back().second + 1) {
      item_ranges.back().second = std::max(item_ranges.back().second, last);
    } else {
      item_ranges.emplace_back(first, last);
    }
  }
};

struct Match {
  std::uint32_t group = 0;  // its values: GroupTable of its correlation
  std::int64_t detect_ms = 0;
  std::vector<HitId> hit_ids;  // sorted, unique
  // Referenced rule -> its hits; only for a correlation that reports (a
  // stage that only feeds the campaign would hold every hit twice).
  std::map<int, std::vector<HitId>> hits_by_rule;
};

}  // namespace

CorrelationResult correlate(const RuleSet& rules, HitStore store, const CorrelatorOptions& options) {
  CorrelationResult result;
  result.episodes.assign(rules.rules().size(), 0);
  // Pointers are sorted, not the hits: up to a million of them, ~180 bytes each.
  std::vector<const Hit*> sorted = store.pointers();
  std::sort(sorted.begin(), sorted.end(), [](const Hit* a, const Hit* b) { return hit_before(*a, *b); });
  // CloudTrail may deliver a record twice: one eventID counts once per rule.
  // Found by sorting positions (a set node per hit was the correlation's
  // largest allocation); the first in hit_before order is kept.
  {
    std::vector<std::size_t> by_id;
    by_id.reserve(sorted.size());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (!sorted[i]->event_id.empty()) by_id.push_back(i);
    }
    std::sort(by_id.begin(), by_id.end(), [&](std::size_t a, std::size_t b) {
      if (sorted[a]->rule != sorted[b]->rule) return sorted[a]->rule < sorted[b]->rule;
      if (sorted[a]->event_id != sorted[b]->event_id) return sorted[a]->event_id < sorted[b]->event_id;
      return a < b;
    });
    std::vector<bool> duplicate(sorted.size(), false);
    for (std::size_t k = 1; k < by_id.size(); ++k) {
      const Hit& a = *sorted[by_id[k - 1]];
      const Hit& b = *sorted[by_id[k]];
      if (a.rule == b.rule && a.event_id == b.event_id) duplicate[by_id[k]] = true;
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (duplicate[i]) {
        ++result.duplicate_hits;
        continue;
      }
      sorted[kept++] = sorted[i];
    }
    sorted.resize(kept);
  }
  // hits[i]: the i-th hit in that order.
  struct {
    const std::vector<const Hit*>* order;
    const Hit& operator[](std::size_t i) const { return *(*order)[i]; }
    std::size_t size() const { return order->size(); }
  } const hits{&sorted};
  if (hits.size() > UINT32_MAX) throw std::length_error("correlation: over 4 billion hits");
  std::vector<std::vector<HitId>> hits_of_rule(rules.rules().size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    hits_of_rule[static_cast<std::size_t>(hits[i].rule)].push_back(static_cast<HitId>(i));
  }

  // A rule's ids go once the last correlation that reads them has its items
  // (4 MB for a stage that matches a million calls, held beside them).
  std::vector<int> last_reader(rules.rules().size(), -1);
  for (int ci : rules.correlation_order()) {
    for (int ref : rules.rules()[static_cast<std::size_t>(ci)].correlation.rule_indices) {
      last_reader[static_cast<std::size_t>(ref)] = ci;
    }
  }

  std::vector<std::vector<Match>> matches(rules.rules().size());
  std::vector<GroupTable> groups_of;  // by rule index: what its matches' group numbers stand for
  groups_of.reserve(rules.rules().size());
  for (const Rule& r : rules.rules()) groups_of.emplace_back(r.is_correlation ? r.correlation.group_by.size() : 0);
  for (int ci : rules.correlation_order()) {
    const Rule& rule = rules.rules()[static_cast<std::size_t>(ci)];
    const Correlation& c = rule.correlation;

    // Field name, in referenced rule `ref`'s terms, for a group-by or counted field.
    auto field_for = [&](const std::string& name, int ref) -> std::string {
      auto alias = c.aliases.find(name);
      if (alias != c.aliases.end()) {
        auto it = alias->second.find(ref);
        if (it != alias->second.end()) return it->second;
      }
      return name;
    };

    // Where a referenced detection rule's hits keep the counted field.
    std::vector<std::size_t> value_slots(rules.rules().size(), kNotCaptured);
    auto value_of = [&](const Item& item) -> const SharedText* {
      if (item.is_episode()) return nullptr;  // an episode brings no value
      const Hit& h = hits[item.at];
      const std::size_t slot = value_slots[static_cast<std::size_t>(h.rule)];
      return slot != kNotCaptured && h.has_captured(slot) ? &h.captured()[slot] : nullptr;
    };
    // Collect the items, each with its group's number.
    GroupTable& groups = groups_of[static_cast<std::size_t>(ci)];
    std::vector<const SharedText*> values;  // of one item, in c.group_by's order
    ItemList list;
    list.hits = &sorted;
    {
      std::size_t expected = 0;
      for (int ref : c.rule_indices) {
        const auto r = static_cast<std::size_t>(ref);
        expected += rules.rules()[r].is_correlation ? matches[r].size() : hits_of_rule[r].size();
      }
      list.items.reserve(expected);
    }
    for (int ref : c.rule_indices) {
      const Rule& ref_rule = rules.rules()[static_cast<std::size_t>(ref)];
      if (!ref_rule.is_correlation) {
        const auto& capture = rules.capture_fields(ref);
        // Where each field sits among the hits' captured values, found once
        // per referenced rule, not per hit: a stage that matches routine
        // calls (quota dashboards polling GetServiceQuota) brings a million.
        auto slot_of = [&](const std::string& field) {
          auto it = std::find(capture.begin(), capture.end(), field);
          return it == capture.end() ? kNotCaptured : static_cast<std::size_t>(it - capture.begin());
        };
        std::vector<std::size_t> group_slots;
        for (const auto& g : c.group_by) group_slots.push_back(slot_of(field_for(g, ref)));
        const std::size_t value_slot = c.condition.field.empty() ? kNotCaptured
                                                                 : slot_of(field_for(c.condition.field, ref));
        value_slots[static_cast<std::size_t>(ref)] = value_slot;
        auto has = [](const Hit& h, std::size_t k) { return k != kNotCaptured && h.has_captured(k); };
        for (const HitId hid : hits_of_rule[static_cast<std::size_t>(ref)]) {
          const Hit& h = hits[hid];
          values.clear();
          for (std::size_t k : group_slots) {
            if (!has(h, k)) break;
            values.push_back(&h.captured()[k]);
          }
          if (values.size() != group_slots.size()) {
            ++result.ungrouped_hits;
            continue;
          }
          list.add_hit(h.time_ms, groups.number_of(values).first, hid);
        }
      } else {
        // Where each group-by field sits among the referenced correlation's own.
        const std::vector<std::string>& ref_fields = ref_rule.correlation.group_by;
        std::vector<std::size_t> ref_slots;
        for (const auto& g : c.group_by) {
          const auto it = std::find(ref_fields.begin(), ref_fields.end(), field_for(g, ref));
          ref_slots.push_back(it == ref_fields.end() ? kNotCaptured
                                                     : static_cast<std::size_t>(it - ref_fields.begin()));
        }
        if (std::find(ref_slots.begin(), ref_slots.end(), kNotCaptured) != ref_slots.end()) continue;
        const GroupTable& ref_groups = groups_of[static_cast<std::size_t>(ref)];
        for (const Match& m : matches[static_cast<std::size_t>(ref)]) {
          const std::span<const SharedText> theirs = ref_groups.of(m.group);
          values.clear();
          for (std::size_t k : ref_slots) values.push_back(&theirs[k]);
          list.add_episode(m.detect_ms, groups.number_of(values).first, ref, m.hit_ids);
        }
      }
    }

    // The lookup's work is done; its memory goes before the matches' comes.
    groups.stop_adding();
    for (int ref : c.rule_indices) {
      if (last_reader[static_cast<std::size_t>(ref)] == ci) {
        std::vector<HitId>().swap(hits_of_rule[static_cast<std::size_t>(ref)]);
      }
    }
    // Items that compare equal here are equal in all they carry (a rule
    // listed twice brings its hits twice), so no order among them shows.
    std::sort(list.items.begin(), list.items.end(), [&list](const Item& a, const Item& b) {
      if (a.group() != b.group()) return a.group() < b.group();
      if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
      const int rule_a = list.rule_of(a), rule_b = list.rule_of(b);
      if (rule_a != rule_b) return rule_a < rule_b;
      const auto x = list.hit_ids_of(a), y = list.hit_ids_of(b);
      return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end());
    });
    const std::vector<Item>& items = list.items;

    const std::size_t n_refs = c.rule_indices.size();
    const bool reports = rules.reports_own_hits(ci);
    for (std::size_t begin = 0, end = 0; begin < items.size(); begin = end) {
      end = begin + 1;
      while (end < items.size() && items[end].group() == items[begin].group()) ++end;
      const std::uint32_t group = items[begin].group();
      const std::span<const Item> group_items(items.data() + begin, end - begin);
      std::deque<std::size_t> window;
      std::map<int, std::size_t> rule_counts;
      std::map<std::string_view, std::size_t> value_counts;
      std::vector<Episode> episodes;
      bool open = false;
      auto remove = [&](std::size_t id) {
        const Item& it = group_items[id];
        const int rule_of_it = list.rule_of(it);
        if (--rule_counts[rule_of_it] == 0) rule_counts.erase(rule_of_it);
        const SharedText* value = value_of(it);
        if (value && --value_counts[value->view()] == 0) value_counts.erase(value->view());
      };
      for (std::size_t id = 0; id < group_items.size(); ++id) {
        const Item& item = group_items[id];
        window.push_back(id);
        ++rule_counts[list.rule_of(item)];
        if (const SharedText* value = value_of(item)) ++value_counts[value->view()];
        while (!window.empty() && group_items[window.front()].time_ms < item.time_ms - c.timespan_ms) {
          remove(window.front());
          window.pop_front();
        }
        bool holds = false;
        switch (c.type) {
          case CorrelationType::kEventCount:
            holds = c.condition.holds(static_cast<double>(window.size()));
            break;
          case CorrelationType::kValueCount:
            holds = c.condition.holds(static_cast<double>(value_counts.size()));
            break;
          case CorrelationType::kTemporal:
            holds = c.has_condition ? c.condition.holds(static_cast<double>(rule_counts.size()))
                                    : rule_counts.size() == n_refs;
            break;
          case CorrelationType::kTemporalOrdered: {
            std::size_t k = 0;
            for (std::size_t w = window.front(); k < n_refs && w <= window.back(); ++w) {
              if (list.rule_of(group_items[w]) == c.rule_indices[k]) ++k;  // stops once all are seen in order
            }
            holds = c.has_condition ? c.condition.holds(static_cast<double>(k)) : k == n_refs;
            break;
          }
        }
        if (!holds) continue;
        if (!open || item.time_ms - episodes.back().last_fire_ms > c.timespan_ms) {
          episodes.push_back({item.time_ms, item.time_ms, {}});
          open = true;
        }
        episodes.back().last_fire_ms = item.time_ms;
        episodes.back().add_window(window.front(), window.back());  // the window is a range of ids
      }
      for (const Episode& e : episodes) {
        Match m;
        m.group = group;
        m.detect_ms = e.detect_ms;
        // Sized first: a stage's episodes hold every hit, and grown by
        // doubling they held up to twice that.
        std::size_t n_ids = 0;
        for (const auto& [first, last] : e.item_ranges) {
          for (std::size_t id = first; id <= last; ++id) n_ids += list.hit_ids_of(group_items[id]).size();
        }
        m.hit_ids.reserve(n_ids);
        for (const auto& [first, last] : e.item_ranges) {
          for (std::size_t id = first; id <= last; ++id) {
            const Item& it = group_items[id];
            const auto ids = list.hit_ids_of(it);
            m.hit_ids.insert(m.hit_ids.end(), ids.begin(), ids.end());
            if (reports) {
              auto& per_rule = m.hits_by_rule[list.rule_of(it)];
              per_rule.insert(per_rule.end(), ids.begin(), ids.end());
            }
          }
        }
        std::sort(m.hit_ids.begin(), m.hit_ids.end());
        m.hit_ids.erase(std::unique(m.hit_ids.begin(), m.hit_ids.end()), m.hit_ids.end());
        for (auto& [r, ids] : m.hits_by_rule) {
          std::sort(ids.begin(), ids.end());
          ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        }
        matches[static_cast<std::size_t>(ci)].push_back(std::move(m));
      }
    }
    std::sort(matches[static_cast<std::size_t>(ci)].begin(), matches[static_cast<std::size_t>(ci)].end(),
              [&groups](const Match& a, const Match& b) {
                if (a.detect_ms != b.detect_ms) return a.detect_ms < b.detect_ms;
                const auto x = groups.of(a.group), y = groups.of(b.group);
                return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end(),
                                                    [](const SharedText& p, const SharedText& q) {
                                                      return p.view() < q.view();
                                                    });
              });

    result.episodes[static_cast<std::size_t>(ci)] = matches[static_cast<std::size_t>(ci)].size();
    if (!reports) continue;
    for (const Match& m : matches[static_cast<std::size_t>(ci)]) {
      Finding f = finding_for_rule(rule, ci);
      const std::span<const SharedText> group_values = groups.of(m.group);
      for (std::size_t k = 0; k < group_values.size(); ++k) {
        f.group.emplace_back(c.group_by[k], group_values[k].view());
      }
      f.detectable_ms = m.detect_ms;
      // One event can match several rules of a stage (a 999-instance group is
      // both "huge" and part of a flood): count events, not hits.
      auto distinct_events = [&](const std::vector<HitId>& ids) {
        std::set<EventId> seen;
        std::size_t without_id = 0;
        for (const HitId id : ids) {
          if (hits[id].event_id.empty()) {
            ++without_id;
          } else {
            seen.emplace(hits[id].event_id);
          }
        }
        return seen.size() + without_id;
      };
      f.event_count = distinct_events(m.hit_ids);
      const Hit& first = hits[m.hit_ids.front()];
      f.first_ms = first.time_ms;
      f.last_ms = hits[m.hit_ids.back()].time_ms;
      // The actor is the first non-service caller among the contributors.
      const Hit* actor = &first;
      for (const HitId id : m.hit_ids) {
        if (!hits[id].service_call) {
          actor = &hits[id];
          break;
        }
      }
      f.account = actor->account();
      f.principal = actor->principal();
      f.access_key_id = actor->access_key_id();
      f.session_issuer = actor->session_issuer();
      std::set<std::string> regions, ips, uas;
      for (const HitId id : m.hit_ids) {
        const Hit& h = hits[id];
        if (regions.size() < options.max_distinct_values && !h.region().empty()) regions.emplace(h.region());
        if (h.service_call) continue;
        if (ips.size() < options.max_distinct_values && !h.source_ip().empty()) ips.emplace(h.source_ip());
        if (uas.size() < options.max_distinct_values && !h.user_agent().empty()) uas.emplace(h.user_agent());
      }
      // The first values met, each under the cap already: listed in full.
      for (const auto& r : regions) f.regions.add(r, SIZE_MAX);
      for (const auto& ip : ips) f.source_ips.add(ip, SIZE_MAX);
      for (const auto& ua : uas) f.user_agents.add(ua, SIZE_MAX);
      std::vector<const std::vector<HitId>*> per_stage;
      for (int ref : c.rule_indices) {
        auto it = m.hits_by_rule.find(ref);
        if (it == m.hits_by_rule.end() || it->second.empty()) continue;
        per_stage.push_back(&it->second);
        const Rule& rr = rules.rules()[static_cast<std::size_t>(ref)];
        Stage s;
        s.rule_id = rr.id;
        s.name = rr.display_id();
        s.title = rr.title;
        s.count = distinct_events(it->second);
        s.first_ms = hits[it->second.front()].time_ms;
        s.last_ms = hits[it->second.back()].time_ms;
        f.stages.push_back(std::move(s));
      }
      // Evidence: take from every stage in turn, earliest first, so a flood
      // cannot crowd the other stages out; one row per event.
      std::size_t cap = options.max_evidence == 0 ? SIZE_MAX : options.max_evidence;
      std::set<EventId> shown_events;
      std::vector<HitId> chosen;
      std::map<HitId, int> stage_of;  // hit -> index in f.stages
      std::vector<std::size_t> cursor(per_stage.size(), 0);
      for (bool progress = true; progress && chosen.size() < cap;) {
        progress = false;
        for (std::size_t s = 0; s < per_stage.size() && chosen.size() < cap; ++s) {
          const auto& ids = *per_stage[s];
          while (cursor[s] < ids.size()) {
            const HitId id = ids[cursor[s]++];
            const EventId& eid = hits[id].event_id;
            if (!eid.empty() && !shown_events.emplace(eid).second) continue;
            chosen.push_back(id);
            stage_of[id] = static_cast<int>(s);
            progress = true;
            break;
          }
        }
      }
      std::sort(chosen.begin(), chosen.end());
      for (const HitId id : chosen) {
        const Hit& h = hits[id];
        f.evidence.push_back(evidence_of(h, rules.rules()[static_cast<std::size_t>(h.rule)].display_id()));
        f.evidence.back().stage = stage_of[id];
        if (!h.event_id.empty()) f.event_ids.push_back(f.evidence.back().event_id);
      }
      f.evidence_omitted = f.event_count - f.evidence.size();
      std::set<Resource> resources;
      for (const HitId id : m.hit_ids) {
        for (const TypedId& named : hits[id].resources()) {
          if (resources.size() < options.max_resources) {
            resources.insert({std::string(named.type), std::string(named.id), resource_region(hits[id])});
          }
        }
      }
      f.resources.assign(resources.begin(), resources.end());
      result.findings.push_back(std::move(f));
    }
  }
  result.hits = std::move(sorted);
  result.hit_store = std::move(store);  // the pointers stay valid: chunks do not move
  return result;
}

}  // namespace trailsweep
