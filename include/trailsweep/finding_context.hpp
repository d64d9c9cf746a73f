#pragma once
// FindingContext: the last step before reporting. It adds to each finding
// what the correlation alone does not carry:
//   - context and IoC hits of the same account and principal around the
//     finding's time span (launch templates, a known miner image, the Boto3
//     user agent): resources, evidence and matched IoCs; IoCs raise
//     confidence but no finding depends on them;
//   - link hits: calls an AWS service made for the actor (Auto Scaling
//     launching instances for the actor's groups) become the actor's resources;
//   - superseded findings are dropped (the partial campaign when the full one
//     fired for the same actor);
//   - remediation steps for the resources found.
// Pure function of its inputs; deterministic.
#include <cstdint>
#include <span>
#include <vector>

#include "trailsweep/correlator.hpp"
#include "trailsweep/detector.hpp"
#include "trailsweep/finding.hpp"
#include "trailsweep/rule_set.hpp"

namespace trailsweep {

struct ContextOptions {
  std::int64_t slack_ms = 3'600'000;  ///< how far outside a finding's span context still counts
  std::size_t max_evidence = 20;      ///< 0 keeps all
  std::size_t max_resources = 10000;
};

/// `hits` are the sorted hits returned by correlate().
void add_context(const RuleSet& rules, std::span<const Hit* const> hits, std::vector<Finding>* findings,
                 const ContextOptions& options = {});
/// The same over hits held in a vector (sorted by hit_before).
void add_context(const RuleSet& rules, const std::vector<Hit>& hits, std::vector<Finding>* findings,
                 const ContextOptions& options = {});

/// Removes findings whose rule is superseded by another finding's rule for the
/// same account and principal with an overlapping time span.
void drop_superseded(const RuleSet& rules, std::vector<Finding>* findings);

/// Fills `f.remediation` from the resources and the actor's credentials.
void add_remediation(Finding* f);

/// A correlation of at least this many hits frees the actors of the workers
/// merged into the detector beside it (Detector::release_retired): a million
/// hits make the correlation the scan's peak. Below it the correlation's
/// working set (~30 bytes a hit) sets no peak, and a correlation over in a
/// moment would only wait for the frees (~5-10 ms after the 2 GB archive).
inline constexpr std::size_t kReleaseRetiredAtHits = 50'000;

/// After the scan: correlate the detector's hits, add context, drop superseded
/// findings, add remediation, and sort (finding_before). `stats` may be null.
/// Uses up to `threads` threads (0: all cores). `release_retired_at_hits`:
/// see kReleaseRetiredAtHits (tests lower it rather than correlate 50,000 hits).
std::vector<Finding> finalize_findings(const RuleSet& rules, Detector& detector, std::size_t max_evidence,
                                       CorrelationResult* stats = nullptr, unsigned threads = 0,
                                       std::size_t release_retired_at_hits = kReleaseRetiredAtHits);

}  // namespace trailsweep
