// Fuzz target: a rule and a record, separated by a line "---RECORD---": the
// rule is loaded and evaluated on the record. Differential: the rules the
// scan's path finds (the eventName/eventSource index, the identity-type
// filter, each rule's guard check) must be exactly those whose condition
// holds when every rule is evaluated in full; any difference is a detection
// lost or invented, and aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "trailsweep/detector.hpp"
#include "trailsweep/finding_context.hpp"
#include "trailsweep/record_fields.hpp"
#include "trailsweep/record_parser.hpp"
#include "trailsweep/rule_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string input(reinterpret_cast<const char*>(data), size);
  auto sep = input.find("\n---RECORD---\n");
  if (sep == std::string::npos) return 0;
  auto loaded = trailsweep::load_rules_from_string(input.substr(0, sep), "fuzz.yml");
  std::string record = input.substr(sep + 14);
  std::string buf = record + std::string(trailsweep::kRecordPadding, '\0');
  trailsweep::RecordView view;
  view.json = std::string_view(buf.data(), record.size());
  view.padded_capacity = buf.size();
  trailsweep::RecordParser parser;
  trailsweep::Event ev;
  if (!parser.parse(view, &ev).ok) return 0;
  const trailsweep::RuleSet& rules = *loaded.rules;
  trailsweep::RecordFields fields;
  fields.bind(ev);
  std::vector<int> found;
  rules.match(ev, fields, &found);
  std::sort(found.begin(), found.end());
  std::vector<int> every;
  rules.match_every_rule(fields, &every);
  if (found != every) std::abort();
  trailsweep::Detector detector(rules);
  detector.on_event(ev);
  auto findings = trailsweep::finalize_findings(rules, detector, 5);
  return 0;
}
