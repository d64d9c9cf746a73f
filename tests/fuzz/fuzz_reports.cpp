// Fuzz target: every report format over a finding whose strings are any
// bytes. Nearly every string of a finding comes from the logs, which the
// attacker wrote (user agents, names, ARNs of roles they created), and a
// report is read on a terminal, in a spreadsheet, in a browser or by a
// parser. Beyond not crashing:
// - text: no control byte but newlines, no DEL, no C1 control; in colour,
//   each escape is one of the report's own colour codes;
// - JSON, JSON lines, SARIF, OCSF, ASFF: valid JSON, the principal intact
//   where it is valid UTF-8;
// - CSV: every row has the header's 17 cells, and none starts with what a
//   spreadsheet would run as a formula;
// - HTML: no element from the data (the page's own one <script> only).
// The input is the finding's strings, separated by NUL bytes; the first
// byte picks the level and which lists are filled.
#include <simdjson.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/report_asff.hpp"
#include "trailsweep/report_csv.hpp"
#include "trailsweep/report_html.hpp"
#include "trailsweep/report_ocsf.hpp"
#include "trailsweep/report_sarif.hpp"
#include "trailsweep/reporter.hpp"

namespace {

using trailsweep::Finding;

Finding finding_from(std::string_view data, std::uint8_t pick) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (parts.size() < 17) {
    const std::size_t end = data.find('\0', start);
    parts.emplace_back(data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  parts.resize(17);
  Finding f;
  f.level = static_cast<trailsweep::Level>(pick % 5);
  f.rule_id = "r1";
  f.rule_name = parts[0];
  f.title = parts[1];
  f.kind = "detection";
  f.account = parts[2];
  f.principal = parts[3];
  f.access_key_id = parts[4];
  f.session_issuer = parts[5];
  f.first_ms = 1'762'041'600'000;
  f.last_ms = f.first_ms + 1000;
  f.detectable_ms = f.first_ms;
  f.event_count = 3;
  f.regions = {parts[6]};
  f.source_ips = {parts[7]};
  f.user_agents = {parts[8]};
  if (pick & 8) {
    trailsweep::Evidence e;
    e.time_ms = f.first_ms;
    e.event_id = parts[9];
    e.set_call(parts[10], parts[6], "");
    e.source_ip = parts[7];
    e.user_agent = parts[8];
    e.file = parts[11];
    e.rule = "r1";
    e.stage = (pick & 16) ? 0 : -1;
    f.evidence.push_back(e);
    f.event_ids.push_back(e.event_id);
  }
  if (pick & 16) {
    f.stages.push_back({"r1", parts[12], parts[12], 2, f.first_ms, f.last_ms});
  }
  if (pick & 32) f.resources = {{parts[13], parts[14], parts[6]}};
  if (pick & 64) f.iocs = {parts[15]};
  f.tags = {"attack.t1078", parts[16]};
  f.remediation = {parts[16]};
  return f;
}

bool valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

void check_json(const std::string& text, const std::string& principal, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS) std::abort();  // not JSON
  if (pointer.empty() || !valid_utf8(principal)) return;
  std::string_view got;
  if (doc.at_pointer(pointer).get(got) != simdjson::SUCCESS || got != principal) std::abort();  // changed
}

void check_lines(const std::string& text, const std::string& principal, std::string_view pointer) {
  std::size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) std::abort();  // every line ends
    check_json(text.substr(start, end - start), principal, first ? pointer : "");
    first = false;
    start = end + 1;
  }
}

void check_text(const std::string& text, bool colour) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b && colour) {
      // One of the report's SGR codes: ESC [ digits and ';' m
      std::size_t j = i + 1;
      if (j >= text.size() || text[j] != '[') std::abort();
      ++j;
      while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == ';')) ++j;
      if (j >= text.size() || text[j] != 'm') std::abort();
      i = j;
      continue;
    }
    if ((c < 0x20 && c != '\n') || c == 0x7f) std::abort();  // a control byte reached the terminal
    if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) std::abort();  // a C1 control
    }
  }
}

// RFC 4180 rows; each cell must not start as a formula.
void check_csv(const std::string& text) {
  std::size_t i = text.find("\r\n");
  if (i == std::string::npos) std::abort();
  i += 2;
  while (i < text.size()) {
    std::size_t cells = 0;
    for (;;) {
      const char first = i < text.size() ? text[i] : '\0';
      if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r') {
        std::abort();  // a spreadsheet would run it
      }
      if (first == '"') {
        ++i;
        if (i < text.size() && (text[i] == '=' || text[i] == '+' || text[i] == '-' || text[i] == '@' ||
                                text[i] == '\t' || text[i] == '\r')) {
          std::abort();  // quoted, a formula still
        }
        for (;;) {
          if (i >= text.size()) std::abort();  // unterminated quote
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          ++i;
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '"' && text[i] != '\n') ++i;
        if (i < text.size() && (text[i] == '"' || text[i] == '\n')) std::abort();  // unquoted quote or newline
      }
      ++cells;
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (text.compare(i, 2, "\r\n") != 0) std::abort();  // a row ends in CRLF
      i += 2;
      break;
    }
    if (cells != 17) std::abort();
  }
}

void check_html(const std::string& page) {
  std::size_t elements = 0;
  for (std::size_t at = page.find('<'); at != std::string::npos; at = page.find('<', at + 1)) {
    std::string tag = page.substr(at + 1, 7);
    for (char& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    elements += tag.rfind("script", 0) == 0;
  }
  if (elements != 1) std::abort();  // a <script> from the data
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 8192) return 0;
  const std::uint8_t pick = data[0];
  const Finding f = finding_from(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), pick);
  const std::vector<Finding> findings = {f};
  trailsweep::RunSummary summary;
  trailsweep::ReportContext ctx;
  constexpr unsigned kOneThread = 1;

  check_text(trailsweep::render_text_report(findings, false, {}, {}, kOneThread), false);
  check_text(trailsweep::render_text_report(findings, true, {}, {}, kOneThread), true);
  check_json(trailsweep::render_json_report(findings, summary, {}, kOneThread), f.principal, "/findings/0/principal");
  check_lines(trailsweep::render_jsonl_report(findings, summary, {}, kOneThread), f.principal, "/principal");
  check_json(trailsweep::render_sarif_report(findings, summary, ctx, {}, kOneThread), f.principal,
             "/runs/0/results/0/properties/principal");
  check_lines(trailsweep::render_ocsf_report(findings, ctx, {}, kOneThread), f.principal, "/actor/user/uid");
  check_json(trailsweep::render_asff_report(findings, ctx, {}, kOneThread), f.principal,
             "/0/ProductFields/trailsweep~1principal");
  check_csv(trailsweep::render_csv_report(findings, {}, kOneThread));
  check_html(trailsweep::render_html_report(findings, summary, ctx, {"AWSLogs/"}, {}, kOneThread));
  return 0;
}
