#pragma once
// Reporters: render findings and the run summary. Machine formats first: the
// JSON document {"findings":[...],"summary":{...}} is the stable interface that
// pipelines parse (field names documented in the README); the text report is
// for a responder reading top-down. Pure functions of their inputs: the same
// findings give the same bytes.
#include <string>
#include <vector>

#include "trailsweep/finding.hpp"
#include "trailsweep/run_summary.hpp"

namespace trailsweep {

class JsonWriter;

struct Mitre {
  std::vector<std::string> tactics;     ///< "initial-access", ...
  std::vector<std::string> techniques;  ///< "T1078", "T1078.004", ...
};
/// Reads ATT&CK tactics and techniques from Sigma tags (attack.t1078, attack.persistence).
Mitre mitre_from_tags(const std::vector<std::string>& tags);

void write_finding_json(JsonWriter& w, const Finding& f);

/// {"findings":[...],"summary":{...}}, pretty-printed, newline-terminated.
std::string render_json_report(const std::vector<Finding>& findings, const RunSummary& summary);

/// The human report: findings by severity with stages, evidence and next steps.
std::string render_text_report(const std::vector<Finding>& findings, bool color);

/// Removes control characters and ANSI escapes from attacker-controlled text
/// before it reaches a terminal.
std::string sanitize_for_terminal(std::string_view text);

}  // namespace trailsweep
