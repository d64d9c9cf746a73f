#pragma once
// Correlator: runs the correlation rules over the hits of all files at once,
// in eventTime order, so results never depend on file order, directory walk
// order or threads. Windows slide over eventTime per group-by key; a window
// whose condition holds opens an episode, later hits extend it while the
// condition keeps holding within the timespan, and each episode becomes one
// finding. Correlations run in dependency order: an episode of a referenced
// correlation is an input event of the one that references it.
#include <cstdint>
#include <vector>

#include "trailsweep/finding.hpp"
#include "trailsweep/hit_store.hpp"
#include "trailsweep/rule_set.hpp"

namespace trailsweep {

struct CorrelatorOptions {
  std::size_t max_evidence = 20;  ///< per finding; 0 keeps all
  std::size_t max_distinct_values = 50;
  std::size_t max_resources = 10000;
};

struct CorrelationResult {
  std::vector<Finding> findings;          ///< of correlations that report themselves
  std::uint64_t duplicate_hits = 0;       ///< same rule and eventID seen twice (redelivery)
  std::uint64_t ungrouped_hits = 0;       ///< hits lacking a group-by field
  HitStore hit_store;                     ///< owns the hits below
  std::vector<const Hit*> hits;           ///< all hits, sorted (hit_before) and de-duplicated
  /// Episodes per rule index (0 for detection rules), also of correlations that
  /// only feed others and never report: what `rules test` checks.
  std::vector<std::size_t> episodes;
};

/// `hits` may arrive in any order; the result keeps them.
CorrelationResult correlate(const RuleSet& rules, HitStore hits, const CorrelatorOptions& options = {});

}  // namespace trailsweep
