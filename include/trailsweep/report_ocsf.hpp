#pragma once
// OCSF Detection Finding (class_uid 2004) objects, one JSON object per line,
// for security data lakes (Security Lake, OCSF-native SIEMs).
#include <string>
#include <vector>

#include "trailsweep/reporter.hpp"

namespace trailsweep {

/// With `flush`, written as rendered (see ReportFlush); `threads` as for
/// render_json_report.
std::string render_ocsf_report(const std::vector<Finding>& findings, const ReportContext& ctx,
                               const ReportFlush& flush = {}, unsigned threads = 0);

}  // namespace trailsweep
