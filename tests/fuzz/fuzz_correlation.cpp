// Fuzz target: the shipped campaign rules fed a stream of records (JSON lines)
// in whatever order the fuzzer makes up; correlation must not crash and must
// give the same findings when the stream is reversed. Under a tiny actor cap,
// the single-event findings kept (and their counts and times) must be the
// same for one worker reading in order and two workers splitting the
// reversed stream, and so must the eviction counts, in all and by rule.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "trailsweep/detector.hpp"
#include "trailsweep/finding_context.hpp"
#include "trailsweep/record_parser.hpp"
#include "trailsweep/rule_loader.hpp"

namespace {
const trailsweep::RuleSet& campaign_rules() {
  static auto loaded = trailsweep::load_rules({TRAILSWEEP_SOURCE_DIR "/rules"});
  return *loaded.rules;
}

// Feeds lines[i] to detectors[i % detectors.size()].
void feed(const std::vector<std::string>& lines, const std::vector<trailsweep::Detector*>& detectors) {
  trailsweep::RecordParser parser;
  trailsweep::Event ev;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string buf = lines[i] + std::string(trailsweep::kRecordPadding, '\0');
    trailsweep::RecordView view;
    view.json = std::string_view(buf.data(), lines[i].size());
    view.padded_capacity = buf.size();
    view.index = static_cast<std::int64_t>(i);
    if (!parser.parse(view, &ev).ok) continue;
    ev.pos.file = "fuzz";
    detectors[i % detectors.size()]->on_event(ev);
  }
}

std::vector<std::string> run(const std::vector<std::string>& lines) {
  trailsweep::Detector detector(campaign_rules());
  feed(lines, {&detector});
  std::vector<std::string> out;
  for (const auto& f : trailsweep::finalize_findings(campaign_rules(), detector, 0)) {
    out.push_back(f.rule_name + "|" + f.principal + "|" + std::to_string(f.event_count));
  }
  return out;
}

// Single-event findings under a cap of two actors, over `workers` detectors
// sharing their eviction floor, each done on its own and then merged, as a
// scan does; sorted, with the eviction counts last.
std::vector<std::string> run_capped(const std::vector<std::string>& lines, std::size_t workers) {
  trailsweep::DetectorOptions options;
  options.max_tracked_principals = 2;
  trailsweep::Detector::SharedFloor floor;
  std::vector<std::unique_ptr<trailsweep::Detector>> detectors;
  std::vector<trailsweep::Detector*> raw;
  for (std::size_t w = 0; w < workers; ++w) {
    detectors.push_back(std::make_unique<trailsweep::Detector>(campaign_rules(), options));
    detectors.back()->share_eviction_floor(&floor);
    raw.push_back(detectors.back().get());
  }
  feed(lines, raw);
  for (auto* d : raw) d->on_worker_done();
  for (auto* d : raw) d->share_eviction_floor(nullptr);
  for (std::size_t w = 1; w < workers; ++w) detectors[0]->merge(std::move(*detectors[w]));
  detectors[0]->apply_caps();
  std::vector<std::string> out;
  for (const auto& f : detectors[0]->take_single_event_findings()) {
    out.push_back(f.rule_name + "|" + f.account + "|" + f.principal + "|" + std::to_string(f.event_count) + "|" +
                  std::to_string(f.first_ms) + "|" + std::to_string(f.last_ms));
  }
  std::sort(out.begin(), out.end());
  const trailsweep::Evictions evicted = detectors[0]->evictions();
  out.push_back(std::to_string(evicted.principals) + " dropped, " + std::to_string(evicted.principal_events) + " events");
  for (const trailsweep::EvictedRule& r : detectors[0]->evicted_by_rule()) {
    out.push_back(r.rule + " evicted " + std::to_string(r.principal_events) + " events, " +
                  std::to_string(r.correlation_hits) + " hits");
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return 0;
  std::vector<std::string> lines;
  std::string input(reinterpret_cast<const char*>(data), size);
  for (std::size_t start = 0; start < input.size();) {
    auto nl = input.find('\n', start);
    if (nl == std::string::npos) nl = input.size();
    lines.push_back(input.substr(start, nl - start));
    start = nl + 1;
  }
  auto forward = run(lines);
  std::vector<std::string> reversed(lines.rbegin(), lines.rend());
  // Records at equal times with equal eventIDs may legitimately resolve either
  // way; the set of findings must still match.
  auto backward = run(reversed);
  if (forward.size() != backward.size()) {
    for (const auto& f : forward) fprintf(stderr, "fwd %s\n", f.c_str());
    for (const auto& f : backward) fprintf(stderr, "bwd %s\n", f.c_str());
    std::abort();
  }
  const auto one_worker = run_capped(lines, 1);
  const auto two_workers = run_capped(reversed, 2);
  if (one_worker != two_workers) {
    for (const auto& f : one_worker) fprintf(stderr, "one %s\n", f.c_str());
    for (const auto& f : two_workers) fprintf(stderr, "two %s\n", f.c_str());
    std::abort();
  }
  return 0;
}
