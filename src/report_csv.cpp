#include "trailsweep/report_csv.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "trailsweep/ordered_render.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {

namespace {
// What a spreadsheet runs as a formula when a cell starts with it.
bool formula_start(char c) { return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t'; }
}  // namespace

std::string csv_cell(std::string_view text) {
  std::string s;
  s.reserve(text.size() + 1);
  for (char c : text) {
    // Other control characters have no place in a cell.
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f) continue;
    s += c;
  }
  // Judged on what the spreadsheet will read: a control byte in front of
  // '=' is dropped above, and left "\x01=HYPERLINK(...)" a formula.
  if (!s.empty() && formula_start(s[0])) {
    s.insert(s.begin(), '\'');
  }
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  q += '"';
  return q;
}

void append_csv_row(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    append_csv_cell(out, cells[i]);
  }
  out += "\r\n";
}

void append_csv_cell(std::string& out, std::string_view text) {
  // Nearly every cell needs no change: those are copied without a string
  // of their own.
  const bool plain = (text.empty() || !formula_start(text[0])) &&
                     std::none_of(text.begin(), text.end(), [](char c) {
                       const auto u = static_cast<unsigned char>(c);
                       return u < 0x20 || u == 0x7f || c == ',' || c == '"';
                     });
  if (plain) {
    out += text;
  } else {
    out += csv_cell(text);
  }
}

namespace {

// One finding's row, its cells appended in place (a vector of 17 strings
// per finding, joined lists among them, was most of writing the report).
void append_finding_row(std::string& out, const Finding& f) {
  std::string joined;
  TimeText time;
  bool first = true;
  auto cell = [&](std::string_view value) {
    if (!first) out += ',';
    first = false;
    append_csv_cell(out, value);
  };
  auto list = [&](const auto& values) {
    join_into(joined, values, "; ");
    cell(joined);
  };
  cell(level_name(f.level));
  cell(f.rule_name);
  cell(f.title);
  cell(f.account);
  cell(f.principal);
  cell(f.access_key_id);
  cell(format_rfc3339_ms(f.first_ms, time));
  cell(format_rfc3339_ms(f.last_ms, time));
  cell(std::to_string(f.event_count));
  joined.clear();
  for (const auto& s : f.stages) {
    if (!joined.empty()) joined += "; ";
    fmt::format_to(std::back_inserter(joined), "{} ({})", s.name, s.count);
  }
  cell(joined);
  list(f.regions);
  list(f.source_ips);
  list(f.user_agents);
  joined.clear();
  for_each_resource_type(f.resources, [&joined](std::span<const Resource> run) {
    if (!joined.empty()) joined += "; ";
    fmt::format_to(std::back_inserter(joined), "{}={}", run.front().type, run.size());
  });
  cell(joined);
  list(f.iocs);
  list(mitre_from_tags(f.tags).techniques);
  cell(finding_fingerprint(f));
  out += "\r\n";
}

}  // namespace

std::string render_csv_report(const std::vector<Finding>& findings, const ReportFlush& flush, unsigned threads) {
  std::string out =
      "severity,rule_name,title,account,principal,access_key_id,first_seen,last_seen,event_count,"
      "stages,regions,source_ips,user_agents,resources,iocs,techniques,fingerprint\r\n";
  render_in_order(findings, out, flush, threads,
                  [](std::string& text, const Finding& f, std::size_t) { append_finding_row(text, f); });
  return out;
}

}  // namespace trailsweep
