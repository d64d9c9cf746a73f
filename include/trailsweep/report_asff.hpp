#pragma once
// AWS Security Finding Format (ASFF, SchemaVersion 2018-10-08): a JSON array
// ready for `aws securityhub batch-import-findings --findings file://out.json`
// (at most 100 findings per call). ProductArn uses the importing account and
// region from the ReportContext (placeholders 000000000000 / us-east-1 unless
// --asff-account / --asff-region are given).
#include <string>
#include <vector>

#include "trailsweep/reporter.hpp"

namespace trailsweep {

/// With `flush`, written as rendered (see ReportFlush); a long report on up
/// to `threads` threads, the caller's included (0: all cores), as
/// render_json_report.
std::string render_asff_report(const std::vector<Finding>& findings, const ReportContext& ctx,
                               const ReportFlush& flush = {}, unsigned threads = 0);

}  // namespace trailsweep
