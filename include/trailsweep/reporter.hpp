#pragma once
// Reporters: render findings and the run summary. Machine formats first: the
// JSON document {"findings":[...],"summary":{...}} is the stable interface that
// pipelines parse (field names documented in the README); the text report is
// for a responder reading top-down. Pure functions of their inputs: the same
// findings give the same bytes.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/finding.hpp"
#include "trailsweep/run_summary.hpp"

namespace trailsweep {

/// Takes the report text rendered so far and writes it out; the renderer then
/// clears it. With one, a report of 100,000 findings is written in ~1 MB steps
/// instead of being held whole. Without one, the whole report is returned.
using ReportFlush = std::function<void(const std::string&)>;
constexpr std::size_t kReportFlushBytes = 1 << 20;

/// Hands `out` to `flush` (and clears it) once it has grown past kReportFlushBytes.
inline void maybe_flush(std::string& out, const ReportFlush& flush) {
  if (flush && out.size() >= kReportFlushBytes) {
    flush(out);
    out.clear();
  }
}

/// `values` (strings, or a ValueSet) joined by `separator` into `joined`
/// (cleared first, its buffer reused); a separator only once something is
/// there, as the reports have always written them.
template <typename Values>
void join_into(std::string& joined, const Values& values, std::string_view separator) {
  joined.clear();
  for (const auto& value : values) {
    if (!joined.empty()) joined += separator;
    joined += value;
  }
}

class JsonWriter;
class RuleSet;

/// What every format may need besides the findings.
struct ReportContext {
  const RuleSet* rules = nullptr;  ///< rule metadata (SARIF tool.driver.rules)
  std::int64_t run_time_ms = 0;    ///< the run's one timestamp (--deterministic / SOURCE_DATE_EPOCH fix it)
  std::string version = "0.1.0";
  std::string asff_account = "000000000000";  ///< Security Hub account that imports (placeholder)
  std::string asff_region = "us-east-1";      ///< Security Hub region that imports (placeholder)
  bool color = false;
};

/// A stable identifier of a finding: the same finding in another run of the
/// same data gets the same value (hex, 16 digits).
std::string finding_fingerprint(const Finding& f);

/// "critical" -> 5 ... "informational" -> 1, as OCSF severity_id counts.
int severity_id(Level l);

struct Mitre {
  std::vector<std::string> tactics;     ///< "initial-access", ...
  std::vector<std::string> techniques;  ///< "T1078", "T1078.004", ...
};
/// Reads ATT&CK tactics and techniques from Sigma tags (attack.t1078, attack.persistence).
Mitre mitre_from_tags(const std::vector<std::string>& tags);

void write_finding_json(JsonWriter& w, const Finding& f);

/// {"findings":[...],"summary":{...}}, pretty-printed, newline-terminated.
/// A long report is rendered on up to `threads` threads, the caller's
/// included (0: all cores), the caller also writing finished parts in order.
std::string render_json_report(const std::vector<Finding>& findings, const RunSummary& summary,
                               const ReportFlush& flush = {}, unsigned threads = 0);

/// The human report: findings by severity with stages, evidence and next steps,
/// after the `notes` (each a line: what the memory caps evicted, see
/// eviction_lines), which say that findings may be missing. `threads` as for
/// render_json_report.
std::string render_text_report(const std::vector<Finding>& findings, bool color, const ReportFlush& flush = {},
                               const std::vector<std::string>& notes = {}, unsigned threads = 0);

/// One finding per line, then {"summary":{...}}. `threads` as for render_json_report.
std::string render_jsonl_report(const std::vector<Finding>& findings, const RunSummary& summary,
                                const ReportFlush& flush = {}, unsigned threads = 0);

/// Removes control characters and ANSI escapes from attacker-controlled text
/// before it reaches a terminal.
std::string sanitize_for_terminal(std::string_view text);
/// sanitize_for_terminal(text), appended to `out`.
void append_for_terminal(std::string& out, std::string_view text);

}  // namespace trailsweep
