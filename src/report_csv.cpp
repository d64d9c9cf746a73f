#include "trailsweep/report_csv.hpp"

#include <fmt/format.h>

#include "trailsweep/ordered_render.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {

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
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t')) {
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
    out += csv_cell(cells[i]);
  }
  out += "\r\n";
}

std::string render_csv_report(const std::vector<Finding>& findings, const ReportFlush& flush, unsigned threads) {
  std::string out =
      "severity,rule_name,title,account,principal,access_key_id,first_seen,last_seen,event_count,"
      "stages,regions,source_ips,user_agents,resources,iocs,techniques,fingerprint\r\n";
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
    return s;
  };
  render_in_order(findings, out, flush, threads, [&join](std::string& text, const Finding& f, std::size_t) {
    std::vector<std::string> stages, resources;
    for (const auto& s : f.stages) stages.push_back(fmt::format("{} ({})", s.name, s.count));
    for (std::size_t i = 0; i < f.resources.size();) {
      std::size_t j = i;
      while (j < f.resources.size() && f.resources[j].type == f.resources[i].type) ++j;
      resources.push_back(fmt::format("{}={}", f.resources[i].type, j - i));
      i = j;
    }
    std::vector<std::string> cells = {std::string(level_name(f.level)), f.rule_name, f.title, f.account, f.principal,
                                      f.access_key_id, format_rfc3339_ms(f.first_ms), format_rfc3339_ms(f.last_ms),
                                      fmt::format("{}", f.event_count), join(stages), join(f.regions),
                                      join(f.source_ips), join(f.user_agents), join(resources), join(f.iocs),
                                      join(mitre_from_tags(f.tags).techniques), finding_fingerprint(f)};
    append_csv_row(text, cells);
  });
  return out;
}

}  // namespace trailsweep
