#include "trailsweep/finding_context.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "trailsweep/parallel_stretches.hpp"

namespace trailsweep {

namespace {

void add_resources(Finding* f, const Hit& h, std::size_t cap) {
  for (const TypedId& named : h.resources()) {
    Resource r{std::string(named.type), std::string(named.id), resource_region(h)};
    auto it = std::lower_bound(f->resources.begin(), f->resources.end(), r);
    if (it != f->resources.end() && *it == r) continue;
    if (f->resources.size() >= cap) return;
    f->resources.insert(it, std::move(r));
  }
}

void add_evidence(Finding* f, const Hit& h, const std::string& rule_name, std::size_t cap) {
  std::array<char, 36> buffer;
  const std::string_view id = h.event_id.view(buffer);
  for (const auto& e : f->evidence) {
    if (e.event_id == id) return;
  }
  ++f->event_count;  // context events (templates, functions) belong to the finding too
  if (cap != 0 && f->evidence.size() >= cap) {
    ++f->evidence_omitted;
    return;
  }
  Evidence e = evidence_of(h, rule_name);
  auto it = std::upper_bound(f->evidence.begin(), f->evidence.end(), e, [](const Evidence& a, const Evidence& b) {
    return std::tie(a.time_ms, a.event_id, a.rule) < std::tie(b.time_ms, b.event_id, b.rule);
  });
  const auto kept = f->evidence.insert(it, std::move(e));
  if (!kept->event_id.empty()) f->event_ids.push_back(kept->event_id);
}

std::size_t count_of(const Finding& f, std::string_view type) {
  return static_cast<std::size_t>(std::count_if(f.resources.begin(), f.resources.end(),
                                                 [&](const Resource& r) { return r.type == type; }));
}

}  // namespace

void add_context(const RuleSet& rules, const std::vector<Hit>& hits, std::vector<Finding>* findings,
                 const ContextOptions& options) {
  std::vector<const Hit*> pointers;
  pointers.reserve(hits.size());
  for (const Hit& h : hits) pointers.push_back(&h);
  add_context(rules, pointers, findings, options);
}

void add_context(const RuleSet& rules, std::span<const Hit* const> hits, std::vector<Finding>* findings,
                 const ContextOptions& options) {
  for (Finding& f : *findings) {
    if (f.stages.empty()) continue;  // only sequences carry context
    const std::int64_t from = f.first_ms - options.slack_ms, to = f.last_ms + options.slack_ms;
    // Same actor: context, IoCs, and the stage rules' own hits outside the window.
    for (const Hit* hit : hits) {
      const Hit& h = *hit;
      if (h.time_ms < from || h.time_ms > to) continue;
      if (h.account() != f.account || h.principal() != f.principal) continue;
      const Rule& r = rules.rules()[static_cast<std::size_t>(h.rule)];
      if (!r.extras.context && r.extras.ioc.empty()) continue;
      if (!r.extras.ioc.empty() &&
          std::find(f.iocs.begin(), f.iocs.end(), r.extras.ioc) == f.iocs.end()) {
        f.iocs.push_back(r.extras.ioc);
      }
      add_resources(&f, h, options.max_resources);
      if (r.extras.context) add_evidence(&f, h, r.display_id(), options.max_evidence);
    }
    // Linked service calls: values that name one of the actor's resources.
    for (const Hit* hit : hits) {
      const Hit& h = *hit;
      if (h.links().empty() || h.account() != f.account || h.time_ms < f.first_ms || h.time_ms > to) continue;
      const auto links = h.links();
      bool linked = std::any_of(links.begin(), links.end(), [&](const TypedId& link) {
        return std::binary_search(f.resources.begin(), f.resources.end(),
                                  Resource{std::string(link.type), std::string(link.id), ""},
                                  [](const Resource& a, const Resource& b) {
                                    return std::tie(a.type, a.id) < std::tie(b.type, b.id);
                                  });
      });
      if (linked) add_resources(&f, h, options.max_resources);
    }
    std::sort(f.iocs.begin(), f.iocs.end());
  }
}

void drop_superseded(const RuleSet& rules, std::vector<Finding>* findings) {
  std::vector<bool> drop(findings->size(), false);
  for (std::size_t i = 0; i < findings->size(); ++i) {
    const Finding& f = (*findings)[i];
    if (f.rule < 0) continue;
    const auto& by = rules.rules()[static_cast<std::size_t>(f.rule)].extras.superseded_by;
    if (by.empty()) continue;
    for (const Finding& g : *findings) {
      if (&g == &f || g.account != f.account || g.principal != f.principal) continue;
      if (std::find(by.begin(), by.end(), g.rule_name) == by.end()) continue;
      if (g.first_ms <= f.last_ms && f.first_ms <= g.last_ms) drop[i] = true;
    }
  }
  // Usually nothing is superseded; then no finding moves.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < findings->size(); ++i) {
    if (drop[i]) continue;
    if (kept != i) (*findings)[kept] = std::move((*findings)[i]);
    ++kept;
  }
  findings->erase(findings->begin() + static_cast<std::ptrdiff_t>(kept), findings->end());
}

void add_remediation(Finding* f) {
  auto& r = f->remediation;
  r.clear();
  if (!f->access_key_id.empty() && f->access_key_id.rfind("AKIA", 0) == 0) {
    r.push_back(fmt::format("Deactivate the access key {} that made these calls (aws iam update-access-key "
                            "--status Inactive), then rotate every credential of {}.",
                            f->access_key_id, f->principal));
  } else if (!f->session_issuer.empty()) {
    r.push_back(fmt::format("Revoke active sessions of role {} (IAM console: Revoke active sessions) and "
                            "find how its credentials were obtained.",
                            f->session_issuer));
  }
  if (count_of(*f, "lambda_function_url") || count_of(*f, "lambda_function")) {
    r.push_back("Delete the public Lambda function URLs (aws lambda delete-function-url-config) and remove "
                "permissions granted to principal * (aws lambda remove-permission).");
  }
  if (std::size_t n = count_of(*f, "ec2_instance_protected")) {
    r.push_back(fmt::format("{} instances have termination protection: disable it (aws ec2 modify-instance-attribute "
                            "--no-disable-api-termination) before terminating them.",
                            n));
  }
  if (std::size_t n = count_of(*f, "autoscaling_group")) {
    r.push_back(fmt::format("Set the {} Auto Scaling groups to 0 (update-auto-scaling-group --min-size 0 --max-size 0 "
                            "--desired-capacity 0), delete them, then delete their launch templates.",
                            n));
  }
  if (count_of(*f, "ec2_instance")) {
    r.push_back("Terminate the instances launched for the actor (after removing termination protection).");
  }
  if (count_of(*f, "ecs_service") || count_of(*f, "ecs_cluster")) {
    r.push_back("Scale the ECS services to 0 and delete them, deregister the task definitions, then delete the "
                "clusters.");
  }
  if (count_of(*f, "iam_user") || count_of(*f, "iam_access_key")) {
    r.push_back("Delete the IAM users created by the actor: their access keys, login profile and attached "
                "policies first, then the user.");
  }
  if (count_of(*f, "iam_role")) {
    r.push_back("Review the IAM roles the actor created or changed and delete those with no legitimate owner.");
  }
  r.push_back("Review everything else this principal did in the archive, in every region, before and after "
              "this span.");
}

std::vector<Finding> finalize_findings(const RuleSet& rules, Detector& detector, std::size_t max_evidence,
                                       CorrelationResult* stats, unsigned threads_allowed,
                                       std::size_t release_retired_at_hits) {
  CorrelatorOptions copts;
  copts.max_evidence = max_evidence;
  HitStore hits = detector.take_correlation_hits();
  // The merged workers' actor vectors (8 MB each at the default cap, and the
  // buffers their freed actors kept) are freed beside a large correlation,
  // which runs on one thread, instead of with the detector or before the
  // correlation (2-5 ms waited for). With a million kept hits and all rules
  // the correlation was the scan's peak: 282 -> 274 MB at -j 2 (f6939f1).
  std::jthread release;  // joins also when the correlation throws
  if (hits.size() >= release_retired_at_hits && detector.retired_actor_lists() != 0) {
    if (threads_allowed != 1) {
      release = std::jthread([&detector] { detector.release_retired(); });
    } else {
      detector.release_retired();
    }
  }
  CorrelationResult correlated = correlate(rules, std::move(hits), copts);
  if (release.joinable()) release.join();
  // Context goes only to sequences, which are all correlated: added now,
  // the hits (~0.1 KB each, up to a million) are freed before the actors
  // become findings instead of beside them (a million kept hits and SigmaHQ's
  // AssumeRole actors with all rules, -j 2: peak RSS 312 -> 289-294 MB). A caller
  // that asks for the correlation result keeps them.
  ContextOptions xopts;
  xopts.max_evidence = max_evidence;
  add_context(rules, correlated.hits, &correlated.findings, xopts);
  if (!stats) {
    correlated.hits = {};
    correlated.hit_store = HitStore();
  }
  // 20,000 findings of a noisy rule moved to a bigger vector for the few
  // correlated ones were ~18 ms of fresh pages and moves (-j 2).
  std::vector<Finding> findings = detector.take_single_event_findings(threads_allowed, correlated.findings.size());
  for (auto& f : correlated.findings) findings.push_back(std::move(f));
  drop_superseded(rules, &findings);
  // Tens of thousands of findings (a noisy rule over many principals): this
  // runs on one thread after the scan, so the remediation texts are written
  // on the threads allowed, each thread its own stretch.
  constexpr std::size_t kMinPerThread = 4096;
  const Stretches stretches{findings.size(), stretch_count(findings.size(), kMinPerThread, threads_allowed)};
  run_stretches(stretches.count, [&](std::size_t s) {
    for (std::size_t i = stretches.begin(s); i < stretches.end(s); ++i) add_remediation(&findings[i]);
  });
  // A Finding is large: sort their positions, then move each once, in
  // place (sorting the findings themselves moved tens of thousands of them
  // ~log n times; moving them into a new vector faulted in ~10 MB of fresh
  // pages). The order's first three keys sit in a compact copy: most
  // comparisons end there without reaching into the findings, and ties on
  // the first time (common: eventTime has whole seconds) compare the
  // principals' bytes without loading the finding around them.
  struct SortKey {
    Level level;
    std::int64_t first_ms;
    std::string_view principal;
    std::size_t index;
  };
  std::vector<SortKey> order;
  order.reserve(findings.size());
  for (std::size_t i = 0; i < findings.size(); ++i) {
    order.push_back({findings[i].level, findings[i].first_ms, findings[i].principal, i});
  }
  std::sort(order.begin(), order.end(), [&](const SortKey& a, const SortKey& b) {
    if (a.level != b.level) return a.level > b.level;  // as finding_before
    if (a.first_ms != b.first_ms) return a.first_ms < b.first_ms;
    if (a.principal != b.principal) return a.principal < b.principal;
    if (finding_before(findings[a.index], findings[b.index])) return true;
    if (finding_before(findings[b.index], findings[a.index])) return false;
    return a.index < b.index;
  });
  // order[k].index is the finding that belongs at k: follow each cycle once.
  std::vector<bool> placed(findings.size(), false);
  for (std::size_t start = 0; start < findings.size(); ++start) {
    if (placed[start] || order[start].index == start) continue;
    Finding held = std::move(findings[start]);
    std::size_t at = start;
    for (;;) {
      placed[at] = true;
      const std::size_t from = order[at].index;
      if (from == start) {
        findings[at] = std::move(held);
        break;
      }
      findings[at] = std::move(findings[from]);
      at = from;
    }
  }
  if (stats) {
    correlated.findings.clear();
    *stats = std::move(correlated);
  }
  return findings;
}

}  // namespace trailsweep
