#pragma once
// SARIF 2.1.0 for code-scanning dashboards: one run, the rules that can report
// as tool.driver.rules, one result per finding located at the log file and
// record of its first evidence, with fingerprints stable across runs.
#include <string>
#include <vector>

#include "trailsweep/reporter.hpp"

namespace trailsweep {

/// With `flush`, written as rendered (see ReportFlush); `threads` as for
/// render_json_report.
std::string render_sarif_report(const std::vector<Finding>& findings, const RunSummary& summary,
                                const ReportContext& ctx, const ReportFlush& flush = {}, unsigned threads = 0);

}  // namespace trailsweep
