#include "trailsweep/report_html.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "trailsweep/ordered_render.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters have no business in a page; keep tabs and newlines.
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
          out += fmt::format("&#x{:x};", static_cast<unsigned>(static_cast<unsigned char>(c)) + 0x2400);
        } else {
          out += c;
        }
    }
  }
  return out;
}

namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:16px 28px}header h1{margin:0 0 4px;font-size:20px}
header .scope{color:#c6cbd6;font-size:13px}main{padding:16px 28px;max-width:1400px}
.counts span{display:inline-block;margin-right:14px}.notice{border-left:4px solid #c77c02;padding:6px 10px;background:#fff7e6}.sev{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;font-size:12px;text-transform:uppercase}
.critical{background:#a4161a}.high{background:#d9480f}.medium{background:#e0a000}.low{background:#1971c2}.informational{background:#6c757d}
section.finding{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin:18px 0;padding:14px 20px}
section.finding h2{font-size:17px;margin:4px 0 8px}dl{display:grid;grid-template-columns:140px 1fr;gap:2px 12px;margin:0 0 10px}
dt{color:#5c6370}dd{margin:0;word-break:break-all}h3{font-size:14px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #e3e6eb;vertical-align:top}
th{cursor:pointer;background:#eef0f4;position:sticky;top:0}td.ua{max-width:340px;word-break:break-all}
input.filter{margin:4px 0 6px;padding:4px 8px;width:320px;border:1px solid #c9ced8;border-radius:4px}
svg.timeline{width:100%;height:auto;background:#fbfbfc;border:1px solid #e3e6eb;border-radius:6px}
svg text{font:11px system-ui,sans-serif;fill:#39404d}.legend span{margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}ol{margin:4px 0 0 18px;padding:0}
)";

constexpr const char* kScript = R"(
document.querySelectorAll('table.evidence').forEach(function(t){
  var body=t.tBodies[0];
  t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
    var rows=Array.prototype.slice.call(body.rows),asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
    rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent;return asc?x.localeCompare(y):y.localeCompare(x);});
    rows.forEach(function(r){body.appendChild(r);});});});
  var f=t.previousElementSibling;
  if(f&&f.classList.contains('filter')){f.addEventListener('input',function(){var q=f.value.toLowerCase();
    Array.prototype.forEach.call(body.rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});});}
});
)";

// Region colours, assigned in sorted order so the same data gives the same page.
const char* kPalette[] = {"#1971c2", "#2f9e44", "#e8590c", "#9c36b5", "#0c8599", "#c2255c", "#5c940d", "#f08c00"};

// The colour of a region: every region of the report has one (see
// render_html_report); read on several threads, so never inserted.
// Transparent: evidence holds its region as a SharedText, looked up as a view.
using RegionColours = std::map<std::string, const char*, std::less<>>;

const char* colour(const RegionColours& colour_of, std::string_view region) {
  auto it = colour_of.find(region);
  return it == colour_of.end() ? kPalette[0] : it->second;
}

std::string timeline_svg(const Finding& f, const RegionColours& colour_of) {
  const int width = 1100, lane_h = 34, left = 390, right = 40, top = 24;
  const int height = top + lane_h * static_cast<int>(f.stages.size()) + 30;
  std::int64_t t0 = f.first_ms, t1 = std::max(f.last_ms, f.first_ms + 1000);
  auto x_of = [&](std::int64_t t) {
    return left + static_cast<double>(t - t0) * (width - left - right) / static_cast<double>(t1 - t0);
  };
  std::string s = fmt::format(
      "<svg class=\"timeline\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"timeline of {}\">\n", width, height,
      html_escape(f.rule_name));
  s += fmt::format("<text x=\"{}\" y=\"14\">{}</text><text x=\"{}\" y=\"14\" text-anchor=\"end\">{}</text>\n", left,
                   format_rfc3339_ms(t0), width - right, format_rfc3339_ms(t1));
  for (std::size_t i = 0; i < f.stages.size(); ++i) {
    const Stage& st = f.stages[i];
    int y = top + lane_h * static_cast<int>(i);
    s += fmt::format("<g class=\"lane\"><rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>", y, width,
                     lane_h, i % 2 ? "#ffffff" : "#f3f5f8");
    s += fmt::format("<text x=\"8\" y=\"{}\">{}</text>", y + 21, html_escape(st.title));
    s += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#adb5bd\" stroke-width=\"6\" "
                     "stroke-linecap=\"round\"/>",
                     x_of(st.first_ms), y + 17, x_of(st.last_ms), y + 17);
    if (st.count > 1) {
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\">&#215;{}</text>", std::min(x_of(st.last_ms) + 8, width - 40.0),
                       y + 21, st.count);
    }
    s += "</g>\n";
  }
  for (const Evidence& e : f.evidence) {
    if (e.stage < 0 || static_cast<std::size_t>(e.stage) >= f.stages.size()) continue;
    int y = top + lane_h * e.stage + 17;
    s += fmt::format("<circle class=\"mark\" cx=\"{:.1f}\" cy=\"{}\" r=\"5\" fill=\"{}\"><title>{} {} {}</title></circle>\n",
                     x_of(e.time_ms), y, colour(colour_of, e.region()), format_rfc3339_ms(e.time_ms),
                     html_escape(e.event_name()), html_escape(e.region()));
  }
  double xd = x_of(f.detectable_ms);
  s += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#a4161a\" stroke-dasharray=\"4 3\"/>"
                   "<text x=\"{:.1f}\" y=\"{}\" fill=\"#a4161a\">detectable {}</text>\n",
                   xd, top - 4, xd, height - 18, std::min(xd + 4, width - 220.0), height - 6,
                   format_rfc3339_ms(f.detectable_ms));
  s += "</svg>\n";
  return s;
}

}  // namespace

std::string render_html_report(const std::vector<Finding>& findings, const RunSummary& summary,
                               const ReportContext& ctx, const std::vector<std::string>& scanned_paths,
                               const ReportFlush& flush, unsigned threads) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  // Nothing may be fetched: the page must open offline and cannot leak.
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>trailsweep report</title>\n<style>";
  h += kStyle;
  h += "</style></head><body>\n<header><h1>trailsweep: CloudTrail attack sequences</h1><div class=\"scope\">";
  std::string paths;
  for (const auto& p : scanned_paths) paths += (paths.empty() ? "" : ", ") + p;
  h += fmt::format("Scanned {} &middot; ", html_escape(paths));
  if (summary.first_event_ms <= summary.last_event_ms) {
    h += fmt::format("data from {} to {} &middot; ", format_rfc3339_ms(summary.first_event_ms),
                     format_rfc3339_ms(summary.last_event_ms));
  }
  h += fmt::format("{} files, {} records, {} principals, {} input problems &middot; report time {}</div></header>\n<main>\n",
                   summary.files_read, summary.records, summary.principals, summary.errors_total,
                   format_rfc3339_ms(ctx.run_time_ms));
  static constexpr const char* kLevels[] = {"informational", "low", "medium", "high", "critical"};
  h += "<p class=\"counts\">";
  for (int l = 4; l >= 0; --l) {
    h += fmt::format("<span><b class=\"sev {0}\">{0}</b> {1}</span>", kLevels[l], summary.findings_by_level[l]);
  }
  h += "</p>\n";
  const std::vector<std::string> evicted = eviction_lines(summary, /*for_terminal=*/false);
  if (!evicted.empty()) {
    // Findings may be missing: said where the findings are read, not only
    // on the terminal that ran the scan.
    h += "<p class=\"notice\">";
    for (std::size_t i = 0; i < evicted.size(); ++i) h += (i ? "<br>" : "") + html_escape(evicted[i]);
    h += "</p>\n";
  }
  if (findings.empty()) h += "<p>No findings.</p>\n";

  RegionColours colour_of;
  {
    std::vector<std::string> regions;
    for (const auto& f : findings) {
      for (const auto& e : f.evidence) regions.emplace_back(e.region());
      regions.insert(regions.end(), f.regions.begin(), f.regions.end());
    }
    std::sort(regions.begin(), regions.end());
    regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
    for (std::size_t i = 0; i < regions.size(); ++i) colour_of[regions[i]] = kPalette[i % std::size(kPalette)];
  }

  // Inside, `h` is the text of the chunk of findings it is rendered in.
  render_in_order(findings, h, flush, threads, [&colour_of](std::string& h, const Finding& f, std::size_t n) {
    std::string sev(level_name(f.level));
    h += fmt::format("<section class=\"finding\" id=\"f{}\">\n<h2><span class=\"sev {}\">{}</span> {}</h2>\n<dl>", n, sev,
                     sev, html_escape(f.title));
    auto row = [&](const char* k, const std::string& v) {
      if (!v.empty()) h += fmt::format("<dt>{}</dt><dd>{}</dd>", k, html_escape(v));
    };
    row("rule", f.rule_name + " (" + f.kind + ")");
    row("account", f.account);
    row("principal", f.principal);
    row("access key", f.access_key_id);
    row("session issuer", f.session_issuer);
    row("seen", fmt::format("{} .. {} ({} events)", format_rfc3339_ms(f.first_ms), format_rfc3339_ms(f.last_ms),
                            f.event_count));
    if (!f.stages.empty()) row("detectable at", format_rfc3339_ms(f.detectable_ms));
    std::string joined;
    join_into(joined, f.regions, ", ");
    row("regions", joined);
    join_into(joined, f.source_ips, ", ");
    row("source IPs", joined);
    join_into(joined, f.user_agents, " | ");
    row("user agents", joined);
    h += "</dl>\n";
    if (!f.stages.empty()) {
      h += "<h3>Timeline</h3>\n" + timeline_svg(f, colour_of);
      h += "<div class=\"legend\">";
      for (const auto& r : f.regions) {
        h += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", colour(colour_of, r), html_escape(r));
      }
      h += "</div>\n";
    }
    if (!f.resources.empty()) {
      h += "<h3>Resources</h3>\n<table class=\"resources\"><thead><tr><th>type</th><th>count</th><th>ids</th></tr></thead><tbody>\n";
      for_each_resource_type(f.resources, [&h](std::span<const Resource> run) {
        std::string ids;
        for (std::size_t k = 0; k < run.size() && k < 50; ++k) ids += (k == 0 ? "" : ", ") + html_escape(run[k].id);
        if (run.size() > 50) ids += fmt::format(", &hellip; {} more", run.size() - 50);
        h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", html_escape(run.front().type), run.size(), ids);
      });
      h += "</tbody></table>\n";
    }
    if (!f.iocs.empty()) {
      h += "<h3>Indicators of compromise</h3><ul>";
      for (const auto& i : f.iocs) h += "<li>" + html_escape(i) + "</li>";
      h += "</ul>\n";
    }
    Mitre m = mitre_from_tags(f.tags);
    if (!m.tactics.empty() || !m.techniques.empty()) {
      std::string t;
      for (const auto& x : m.tactics) t += (t.empty() ? "" : ", ") + x;
      for (const auto& x : m.techniques) t += (t.empty() ? "" : ", ") + x;
      h += "<h3>MITRE ATT&amp;CK</h3><p>" + html_escape(t) + "</p>\n";
    }
    if (!f.remediation.empty()) {
      h += "<h3>Next steps</h3><ol>";
      for (const auto& r : f.remediation) h += "<li>" + html_escape(r) + "</li>";
      h += "</ol>\n";
    }
    h += fmt::format("<h3>Evidence ({} shown{})</h3>\n", f.evidence.size(),
                     f.evidence_omitted ? fmt::format(", {} more not kept", f.evidence_omitted) : std::string());
    h += "<input class=\"filter\" type=\"search\" placeholder=\"filter rows\" aria-label=\"filter evidence\">\n";
    h += "<table class=\"evidence\"><thead><tr><th>time</th><th>region</th><th>event</th><th>stage / rule</th>"
         "<th>source IP</th><th>user agent</th><th>file (record)</th></tr></thead><tbody>\n";
    for (const auto& e : f.evidence) {
      std::string stage = e.stage >= 0 && static_cast<std::size_t>(e.stage) < f.stages.size()
                              ? f.stages[static_cast<std::size_t>(e.stage)].name
                              : std::string(e.rule);
      h += fmt::format("<tr class=\"ev\"><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td class=\"ua\">{}</td>"
                       "<td>{} ({})</td></tr>\n",
                       format_rfc3339_ms(e.time_ms), html_escape(e.region()), html_escape(e.event_name()),
                       e.error_code().empty() ? "" : " [" + html_escape(e.error_code()) + "]", html_escape(stage),
                       html_escape(e.source_ip), html_escape(e.user_agent), html_escape(e.file), e.record);
    }
    h += "</tbody></table>\n</section>\n";
  });
  h += "</main>\n<script>";
  h += kScript;
  h += "</script>\n</body></html>\n";
  return h;
}

}  // namespace trailsweep
