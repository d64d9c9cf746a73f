#pragma once
// CSV for spreadsheets (RFC 4180 quoting). Control bytes other than tab and
// newline are dropped; then cells that a spreadsheet would run as a formula
// (starting with = + - @ or tab) are prefixed with a single quote: names and
// user agents come from the attacker.
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/reporter.hpp"

namespace trailsweep {

/// One CSV cell, quoted when needed and neutralised against formula injection.
std::string csv_cell(std::string_view text);
/// csv_cell(text), appended to `out`.
void append_csv_cell(std::string& out, std::string_view text);

/// Appends one CSV row (cells through csv_cell, CRLF-terminated).
void append_csv_row(std::string& out, const std::vector<std::string>& cells);

/// With `flush`, written as rendered (see ReportFlush); `threads` as for
/// render_json_report.
std::string render_csv_report(const std::vector<Finding>& findings, const ReportFlush& flush = {},
                              unsigned threads = 0);

}  // namespace trailsweep
