#pragma once
// HTML report: one self-contained page (inline CSS, JavaScript and SVG; no
// network load, enforced by a Content-Security-Policy meta tag) for a room of
// people during an incident: scope, findings by severity, a timeline chart per
// attack sequence (a lane per stage, a mark per evidence call coloured by
// region, the moment it became detectable), resources, IoCs, MITRE, next steps
// and a sortable, filterable evidence table. Every string from the logs is
// HTML-escaped. Deterministic like the other formats.
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/reporter.hpp"

namespace trailsweep {

/// Escapes & < > " ' for text and attribute contexts.
std::string html_escape(std::string_view text);

/// With `flush`, written as rendered (see ReportFlush); `threads` as for
/// render_json_report.
std::string render_html_report(const std::vector<Finding>& findings, const RunSummary& summary,
                               const ReportContext& ctx, const std::vector<std::string>& scanned_paths,
                               const ReportFlush& flush = {}, unsigned threads = 0);

}  // namespace trailsweep
