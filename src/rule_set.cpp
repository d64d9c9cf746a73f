#include "trailsweep/rule_set.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <optional>
#include <set>

#include "trailsweep/event.hpp"
#include "trailsweep/record_fields.hpp"
#include "trailsweep/word_load.hpp"

namespace trailsweep {

namespace {

// Literal values a field must take for a condition to hold: exact values and
// prefixes. nullopt means "anything" (no usable literal).
struct Literals {
  std::set<std::string> exact, prefixes;
};
using Constraint = std::optional<Literals>;

Constraint merge_or(Constraint a, const Constraint& b) {
  if (!a || !b) return std::nullopt;
  a->exact.insert(b->exact.begin(), b->exact.end());
  a->prefixes.insert(b->prefixes.begin(), b->prefixes.end());
  return a;
}

Constraint pick_and(Constraint a, Constraint b) {
  if (!a) return b;
  if (!b) return a;
  return a->exact.size() + a->prefixes.size() <= b->exact.size() + b->prefixes.size() ? a : b;
}

Constraint selection_constraint(const Selection& sel, std::string_view field) {
  Constraint result;
  bool first = true;
  for (const auto& alternative : sel.alternatives) {
    Constraint alt;
    for (const FieldCheck& check : alternative) {
      if (check.path != field || check.negate || (check.all && check.values.size() > 1)) continue;
      Literals lits;
      bool usable = true;
      for (const ValuePattern& v : check.values) {
        if (v.kind != ValuePattern::Kind::kGlob) {
          usable = false;
          break;
        }
        if (auto lit = v.glob.as_literal()) {
          std::string s = *lit;
          std::transform(s.begin(), s.end(), s.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          lits.exact.insert(std::move(s));
        } else if (auto pre = v.glob.as_prefix()) {
          std::string s = *pre;
          std::transform(s.begin(), s.end(), s.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          lits.prefixes.insert(std::move(s));
        } else {
          usable = false;
          break;
        }
      }
      if (usable) alt = pick_and(alt, lits);
    }
    result = first ? alt : merge_or(result, alt);
    first = false;
    if (!result) return std::nullopt;
  }
  return result;
}

Constraint node_constraint(const ConditionNode& n, const Detection& d, std::string_view field) {
  switch (n.kind) {
    case ConditionNode::Kind::kSelection:
      return selection_constraint(d.selections[static_cast<std::size_t>(n.selections[0])], field);
    case ConditionNode::Kind::kNot:
      return std::nullopt;
    case ConditionNode::Kind::kAnd: {
      Constraint c;
      for (const auto& child : n.children) c = pick_and(c, node_constraint(child, d, field));
      return c;
    }
    case ConditionNode::Kind::kOr: {
      Constraint c = node_constraint(n.children[0], d, field);
      for (std::size_t i = 1; i < n.children.size() && c; ++i) {
        c = merge_or(c, node_constraint(n.children[i], d, field));
      }
      return c;
    }
    case ConditionNode::Kind::kOneOf: {
      Constraint c = selection_constraint(d.selections[static_cast<std::size_t>(n.selections[0])], field);
      for (std::size_t i = 1; i < n.selections.size() && c; ++i) {
        c = merge_or(c, selection_constraint(d.selections[static_cast<std::size_t>(n.selections[i])], field));
      }
      return c;
    }
    case ConditionNode::Kind::kAllOf: {
      Constraint c;
      for (int s : n.selections) {
        c = pick_and(c, selection_constraint(d.selections[static_cast<std::size_t>(s)], field));
      }
      return c;
    }
  }
  return std::nullopt;
}

// ASCII only, inline: std::tolower is a locale-aware library call per byte.
constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

void lower_into(std::string_view in, std::string& out) {
  out.resize(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = ascii_lower(in[i]);
}

// CloudTrail's userIdentity.type values (lower-cased), one bit each, so that
// a record's type is compared once, not once per rule that names types. Any
// value not listed is kOtherIdentityType: a rule that names such a value is
// tried on every record of such a type, and its own check decides. Types
// are classified alike in rules and records, from their bytes with ASCII
// case folded, so a type and the rule's are never told apart here.
constexpr std::array<std::string_view, 11> kIdentityTypes = {
    "root", "iamuser", "assumedrole", "federateduser", "awsaccount", "awsservice",
    "samluser", "webidentityuser", "directory", "unknown", "identitycenteruser"};
constexpr std::uint32_t kOtherIdentityType = std::uint32_t{1} << 31;

// A type's bytes, ASCII letters folded, as three words: the first eight, the
// next eight and the last eight (overlapping), which together hold every
// byte of a type up to 24 bytes long. Equal words and sizes: equal types.
struct TypeWords {
  std::uint64_t first = 0, middle = 0, last = 0;
  bool operator==(const TypeWords&) const = default;
};
constexpr std::size_t kMaxTypeWordsSize = 24;

// `n` bytes of `s` from `at`, folded, as a little-endian load gives them.
constexpr std::uint64_t folded_bytes(std::string_view s, std::size_t at, std::size_t n) {
  std::uint64_t w = 0;
  for (std::size_t k = 0; k < n; ++k) w |= std::uint64_t{static_cast<unsigned char>(ascii_lower(s[at + k]))} << (8 * k);
  return w;
}

constexpr TypeWords folded_words_bytewise(std::string_view s) {
  if (s.size() < 8) return {folded_bytes(s, 0, s.size()), 0, 0};
  return {folded_bytes(s, 0, 8), s.size() > 16 ? folded_bytes(s, 8, 8) : 0, folded_bytes(s, s.size() - 8, 8)};
}

// folded_words_bytewise(s), a word at a time.
TypeWords folded_words(std::string_view s) {
  if constexpr (std::endian::native != std::endian::little) {
    return folded_words_bytewise(s);
  } else {
    if (s.size() < 8) return {fold_ascii_word(load_prefix_word(s.data(), s.size())), 0, 0};
    return {fold_ascii_word(load_word(s.data())), s.size() > 16 ? fold_ascii_word(load_word(s.data() + 8)) : 0,
            fold_ascii_word(load_word(s.data() + s.size() - 8))};
  }
}

// Per length, the known types of that length (at most two: iamuser and
// unknown, awsaccount and awsservice) with their words, so that a record's
// type is compared as a few words with one or two, not as strings with eleven.
// Built at compile time: built at static initialisation, a rule set made then
// (another file's static) could have met an empty table.
struct KnownTypeOfSize {
  int index = -1;
  TypeWords words;
};
constexpr auto kKnownTypesBySize = [] {
  std::array<std::array<KnownTypeOfSize, 2>, kMaxTypeWordsSize + 1> table{};
  for (std::size_t i = 0; i < kIdentityTypes.size(); ++i) {
    auto& pair = table[kIdentityTypes[i].size()];
    pair[pair[0].index < 0 ? 0 : 1] = {static_cast<int>(i), folded_words_bytewise(kIdentityTypes[i])};
  }
  return table;
}();
static_assert(kIdentityTypes[static_cast<std::size_t>(kKnownTypesBySize[11][0].index)] == "assumedrole");

std::uint32_t identity_type_bit(std::string_view type) {
  if (type.size() > kMaxTypeWordsSize) return kOtherIdentityType;
  const TypeWords words = folded_words(type);
  for (const KnownTypeOfSize& known : kKnownTypesBySize[type.size()]) {
    if (known.index >= 0 && known.words == words) return std::uint32_t{1} << known.index;
  }
  return kOtherIdentityType;
}

}  // namespace

RuleSet::RuleSet(std::vector<Rule> rules, std::vector<int> correlation_order)
    : rules_(std::move(rules)), correlation_order_(std::move(correlation_order)) {
  const std::size_t n = rules_.size();
  capture_.resize(n);
  identity_types_.resize(n);
  prefilters_.resize(n);
  referenced_by_.resize(n);
  reports_.assign(n, true);
  for (std::size_t i = 0; i < n; ++i) {
    const Rule& r = rules_[i];
    if (!r.is_correlation) {
      ++detection_count_;
      prefilters_[i].guard = find_guard(r.detection);
      const Constraint types = node_constraint(r.detection.condition, r.detection, "userIdentity.type");
      if (types && types->prefixes.empty() && !types->exact.empty()) {
        identity_types_[i].assign(types->exact.begin(), types->exact.end());
        for (const std::string& type : identity_types_[i]) prefilters_[i].identity_types |= identity_type_bit(type);
      }
      Constraint names = node_constraint(r.detection.condition, r.detection, "eventName");
      int idx = static_cast<int>(i);
      if (names) {
        for (const auto& e : names->exact) by_name_[e].push_back(idx);
        for (const auto& p : names->prefixes) by_name_prefix_.emplace_back(p, idx);
      } else if (Constraint sources = node_constraint(r.detection.condition, r.detection, "eventSource")) {
        if (sources->prefixes.empty()) {
          for (const auto& e : sources->exact) by_source_[e].push_back(idx);
        } else {
          always_.push_back(idx);
        }
      } else {
        always_.push_back(idx);
      }
      continue;
    }
    const Correlation& c = r.correlation;
    for (int ref : c.rule_indices) {
      auto& refs = referenced_by_[static_cast<std::size_t>(ref)];
      refs.push_back(static_cast<int>(i));
      auto& fields = capture_[static_cast<std::size_t>(ref)];
      auto add = [&](const std::string& f) {
        if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
      };
      for (const auto& g : c.group_by) {
        auto alias = c.aliases.find(g);
        if (alias != c.aliases.end()) {
          auto it = alias->second.find(ref);
          if (it != alias->second.end()) add(it->second);
        } else {
          add(g);
        }
      }
      if (!c.condition.field.empty()) {
        auto alias = c.aliases.find(c.condition.field);
        if (alias != c.aliases.end()) {
          auto it = alias->second.find(ref);
          if (it != alias->second.end()) add(it->second);
        } else {
          add(c.condition.field);
        }
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const RuleExtras& x = rules_[i].extras;
    if (x.context || !x.ioc.empty() || !x.links.empty()) {
      reports_[i] = false;
      continue;
    }
    if (referenced_by_[i].empty()) continue;
    reports_[i] = std::any_of(referenced_by_[i].begin(), referenced_by_[i].end(), [&](int c) {
      return rules_[static_cast<std::size_t>(c)].correlation.generate;
    });
  }
}

// Where RuleSet::guard() finds its check: the selections the condition
// requires, then in those with a single alternative the cheapest check of a
// field the parser keeps (a plain literal before a pattern).
const FieldCheck* RuleSet::find_guard(const Detection& d) {
  std::vector<int> required;
  auto add_required = [&](const ConditionNode& n) {
    if (n.kind == ConditionNode::Kind::kSelection || n.kind == ConditionNode::Kind::kAllOf) {
      required.insert(required.end(), n.selections.begin(), n.selections.end());
    }
  };
  if (d.condition.kind == ConditionNode::Kind::kAnd) {
    for (const ConditionNode& child : d.condition.children) add_required(child);
  } else {
    add_required(d.condition);
  }
  const FieldCheck* best = nullptr;
  int best_score = 0;
  for (int s : required) {
    const Selection& sel = d.selections[static_cast<std::size_t>(s)];
    if (sel.alternatives.size() != 1) continue;
    for (std::size_t k = 0; k < sel.alternatives[0].size(); ++k) {
      const FieldCheck& check = sel.alternatives[0][k];
      if (check.fixed_field < 0 || check.path == "eventName" || check.path == "eventSource" ||
          check.path == "userIdentity.type") {
        continue;
      }
      const int score = check.literal_only() ? 2 : 1;
      if (score > best_score) {
        best = &check;
        best_score = score;
      }
    }
  }
  return best;
}

bool RuleSet::may_match(std::string_view event_source, std::string_view event_name) const {
  if (!always_.empty()) return true;
  thread_local std::string key;
  lower_into(event_name, key);
  if (by_name_.count(key)) return true;
  for (const auto& [prefix, idx] : by_name_prefix_) {
    if (key.compare(0, prefix.size(), prefix) == 0) return true;
  }
  lower_into(event_source, key);
  return by_source_.count(key) > 0;
}

void RuleSet::candidates(std::string_view event_source, std::string_view event_name, std::vector<int>* out) const {
  thread_local std::string key;
  out->clear();
  lower_into(event_name, key);
  if (auto it = by_name_.find(key); it != by_name_.end()) out->insert(out->end(), it->second.begin(), it->second.end());
  for (const auto& [prefix, idx] : by_name_prefix_) {
    if (key.compare(0, prefix.size(), prefix) == 0) out->push_back(idx);
  }
  lower_into(event_source, key);
  if (auto it = by_source_.find(key); it != by_source_.end()) out->insert(out->end(), it->second.begin(), it->second.end());
  out->insert(out->end(), always_.begin(), always_.end());
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

void RuleSet::match_candidates(const std::vector<int>& candidates, RecordFields& fields,
                               std::vector<int>* hits) const {
  static const int kIdentityType = RecordFields::fixed_field_id("userIdentity.type");
  // Each selection is evaluated at most once per rule (a condition may name
  // it twice); rules rarely have more than a few, so the memo is on the stack.
  constexpr std::size_t kStackSelections = 64;
  std::vector<signed char> spill;
  std::uint32_t type_bit = 0;  // the record's, classified when a candidate first needs it
  for (int idx : candidates) {
    const Prefilter& pre = prefilters_[static_cast<std::size_t>(idx)];
    if (pre.identity_types != 0) {
      if (type_bit == 0) type_bit = identity_type_bit(fields.fixed_value(kIdentityType));
      if ((pre.identity_types & type_bit) == 0) continue;
    }
    if (pre.guard && !pre.guard->matches(fields)) continue;
    const Detection& d = rules_[static_cast<std::size_t>(idx)].detection;
    signed char on_stack[kStackSelections];
    signed char* memo = on_stack;
    if (d.selections.size() > kStackSelections) {
      spill.assign(d.selections.size(), -1);
      memo = spill.data();
    } else {
      std::fill_n(on_stack, d.selections.size(), static_cast<signed char>(-1));
    }
    const bool hit = d.condition.evaluate([&](int s) {
      signed char& c = memo[static_cast<std::size_t>(s)];
      if (c < 0) c = d.selections[static_cast<std::size_t>(s)].matches(fields) ? 1 : 0;
      return c == 1;
    });
    if (hit) hits->push_back(idx);
  }
}

void RuleSet::match(const Event& ev, RecordFields& fields, std::vector<int>* hits) const {
  thread_local std::vector<int> found;
  candidates(ev.event_source, ev.event_name, &found);
  match_candidates(found, fields, hits);
}

void RuleSet::match_every_rule(RecordFields& fields, std::vector<int>* hits) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].is_correlation) continue;
    const Detection& d = rules_[i].detection;
    if (d.condition.evaluate([&](int s) { return d.selections[static_cast<std::size_t>(s)].matches(fields); })) {
      hits->push_back(static_cast<int>(i));
    }
  }
}

CandidateCache::Entry* CandidateCache::slot_for(std::uint64_t hash, std::string_view event_source,
                                                std::string_view event_name) {
  const std::size_t mask = entries_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    Entry& e = entries_[i];
    if (!e.used || (e.hash == hash && e.name == event_name && e.source == event_source)) return &e;
  }
}

namespace {

// The table index of a (name, source) pair: the size and first and last
// eight bytes of each, mixed. Not an identity (slot_for compares the names),
// so nothing is lost when two pairs share those; hashing every byte of both
// (two PrincipalSet::hash) was ~70 instructions a record.
std::uint64_t names_index_hash(std::string_view name, std::string_view source) {
  auto ends = [](std::string_view s) {
    if (s.size() < 8) return load_prefix_word(s.data(), s.size());
    return load_word(s.data()) ^ std::rotl(load_word(s.data() + s.size() - 8), 29);
  };
  std::uint64_t h = (ends(name) ^ (name.size() << 56)) * 0xbf58476d1ce4e5b9ull;
  h ^= (ends(source) ^ (source.size() << 48)) * 0x94d049bb133111ebull;
  h ^= h >> 31;
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 33);
}

}  // namespace

const std::vector<int>& CandidateCache::get(const RuleSet& rules, std::string_view event_source,
                                            std::string_view event_name) {
  const std::uint64_t hash = names_index_hash(event_name, event_source);
  if (!entries_.empty()) {
    Entry* e = slot_for(hash, event_source, event_name);
    if (e->used) return e->rules;
  }
  // At most half full. Past kMaxEntries (an attacker's endless names) it
  // starts over, so it stays bounded.
  if (2 * (used_ + 1) > entries_.size()) {
    std::vector<Entry> old;
    old.swap(entries_);
    if (used_ + 1 > kMaxEntries) {
      old.clear();
      used_ = 0;
    }
    std::size_t size = 64;
    while (size < 2 * (used_ + 1)) size *= 2;
    entries_.resize(size);
    for (Entry& moved : old) {
      if (moved.used) *slot_for(moved.hash, moved.source, moved.name) = std::move(moved);
    }
  }
  Entry* e = slot_for(hash, event_source, event_name);
  e->used = true;
  e->hash = hash;
  e->name.assign(event_name);
  e->source.assign(event_source);
  rules.candidates(event_source, event_name, &e->rules);
  ++used_;
  return e->rules;
}

int RuleSet::find(std::string_view name_or_id) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].name == name_or_id || rules_[i].id == name_or_id) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace trailsweep
