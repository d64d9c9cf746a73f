#pragma once
// What parse_yaml reads, YamlWriter must write back so that it reads the same:
// `search --explain` shows, and then loads, a rule composed from a user's
// --sigma nodes. Shared by fuzz_yaml_round_trip and the unit tests.
#include <cstddef>
#include <optional>
#include <string>

#include "trailsweep/yaml_document.hpp"

namespace trailsweep::testing {

// Whether two trees have the same kinds and scalar text in the same order,
// and each scalar the same number to the rules (5 is one, '5' is not; a plain
// `ion:` may come back quoted, which changes nothing a rule reads). Gives up
// (nullopt) after `budget` nodes: aliases can stand for billions.
inline std::optional<bool> same_yaml(const YamlNode& a, const YamlNode& b, std::size_t& budget) {
  if (budget == 0) return std::nullopt;
  --budget;
  if (a.is_null() != b.is_null() || a.is_scalar() != b.is_scalar() || a.is_map() != b.is_map() ||
      a.is_sequence() != b.is_sequence()) {
    return false;
  }
  if (a.is_scalar()) return a.scalar() == b.scalar() && a.plain_number() == b.plain_number();
  if (a.size() != b.size()) return false;
  if (a.is_sequence()) {
    const auto x = a.items(), y = b.items();
    for (std::size_t i = 0; i < x.size(); ++i) {
      const auto same = same_yaml(x[i], y[i], budget);
      if (!same || !*same) return same;
    }
  } else if (a.is_map()) {
    const auto x = a.members(), y = b.members();
    for (std::size_t i = 0; i < x.size(); ++i) {
      for (const auto& [p, q] : {std::pair{x[i].first, y[i].first}, std::pair{x[i].second, y[i].second}}) {
        const auto same = same_yaml(p, q, budget);
        if (!same || !*same) return same;
      }
    }
  }
  return true;
}

struct RoundTrip {
  bool written = false;  ///< false: the writer refused (problem says why)
  std::string text, problem;
  std::optional<bool> same;  ///< nullopt: too many nodes to compare
};

// Writes `doc` and reads the text back.
inline RoundTrip round_trip(const YamlNode& doc) {
  RoundTrip r;
  YamlWriter w;
  w.node(doc);
  std::optional<std::string> text = w.finish();
  if (!text) {
    r.problem = w.problem();
    return r;
  }
  r.written = true;
  r.text = std::move(*text);
  YamlParse back = parse_yaml(r.text);
  if (back.error || back.documents.size() != 1) {
    r.problem = back.error ? back.error->message : "not one document";
    r.same = false;
    return r;
  }
  std::size_t budget = 1'000'000;
  r.same = same_yaml(doc, back.documents[0], budget);
  return r;
}

}  // namespace trailsweep::testing
