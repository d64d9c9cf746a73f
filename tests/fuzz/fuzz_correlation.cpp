// Fuzz target: the shipped campaign rules fed a stream of records (JSON lines)
// in whatever order the fuzzer makes up; correlation must not crash and must
// give the same findings when the stream is reversed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

std::vector<std::string> run(const std::vector<std::string>& lines) {
  trailsweep::RecordParser parser;
  trailsweep::Detector detector(campaign_rules());
  trailsweep::Event ev;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string buf = lines[i] + std::string(trailsweep::kRecordPadding, '\0');
    trailsweep::RecordView view;
    view.json = std::string_view(buf.data(), lines[i].size());
    view.padded_capacity = buf.size();
    view.index = static_cast<std::int64_t>(i);
    if (!parser.parse(view, &ev).ok) continue;
    ev.pos.file = "fuzz";
    detector.on_event(ev);
  }
  std::vector<std::string> out;
  for (const auto& f : trailsweep::finalize_findings(campaign_rules(), detector, 0)) {
    out.push_back(f.rule_name + "|" + f.principal + "|" + std::to_string(f.event_count));
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
  return 0;
}
