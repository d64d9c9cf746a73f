#include "trailsweep/reporter.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "trailsweep/json_writer.hpp"
#include "trailsweep/ordered_render.hpp"
#include "trailsweep/time_util.hpp"
#include "trailsweep/word_load.hpp"

namespace trailsweep {

Mitre mitre_from_tags(const std::vector<std::string>& tags) {
  // Once per finding of every report: the tags are read in place and only
  // what is kept is copied (a copy of each tag's rest was most of its time).
  Mitre m;
  auto add = [](std::vector<std::string>& into, std::string_view value) {
    if (std::find(into.begin(), into.end(), value) == into.end()) into.emplace_back(value);
  };
  for (const std::string& tag : tags) {
    if (!tag.starts_with("attack.")) continue;
    const std::string_view rest = std::string_view(tag).substr(7);
    const bool technique = rest.size() >= 5 && (rest[0] == 't' || rest[0] == 'T') &&
                           std::isdigit(static_cast<unsigned char>(rest[1]));
    if (technique) {
      if (rest[0] == 'T') {
        add(m.techniques, rest);
      } else {
        std::string upper(rest);
        upper[0] = 'T';
        add(m.techniques, upper);
      }
    } else if (rest.size() > 1 && !(rest[0] == 'g' && std::isdigit(static_cast<unsigned char>(rest[1]))) &&
               !(rest[0] == 's' && std::isdigit(static_cast<unsigned char>(rest[1])))) {
      add(m.tactics, rest);
    }
  }
  return m;
}

namespace {
void string_array(JsonWriter& w, std::string_view key, const std::vector<std::string>& values) {
  w.key(key).begin_array();
  for (const auto& v : values) w.value(v);
  w.end_array();
}
}  // namespace

void write_finding_json(JsonWriter& w, const Finding& f) {
  TimeText time;
  w.begin_object();
  w.field("rule_id", f.rule_id);
  w.field("rule_name", f.rule_name);
  w.field("title", f.title);
  w.field("severity", level_name(f.level));
  w.field("kind", f.kind);
  w.field("fingerprint", finding_fingerprint(f));
  w.field("account", f.account);
  w.field("principal", f.principal);
  w.field("access_key_id", f.access_key_id);
  w.field("session_issuer", f.session_issuer);
  w.field("first_seen", format_rfc3339_ms(f.first_ms, time));
  w.field("last_seen", format_rfc3339_ms(f.last_ms, time));
  w.field("detectable_at", format_rfc3339_ms(f.detectable_ms, time));
  w.field("event_count", static_cast<std::uint64_t>(f.event_count));
  string_array(w, "regions", f.regions);
  string_array(w, "source_ips", f.source_ips);
  string_array(w, "user_agents", f.user_agents);
  w.key("group").begin_object();
  for (const auto& [k, v] : f.group) w.field(k, v);
  w.end_object();
  w.key("stages").begin_array();
  for (const auto& s : f.stages) {
    w.begin_object();
    w.field("rule_id", s.rule_id);
    w.field("name", s.name);
    w.field("title", s.title);
    w.field("count", static_cast<std::uint64_t>(s.count));
    w.field("first_seen", format_rfc3339_ms(s.first_ms, time));
    w.field("last_seen", format_rfc3339_ms(s.last_ms, time));
    w.end_object();
  }
  w.end_array();
  string_array(w, "event_ids", f.event_ids);
  w.key("evidence").begin_array();
  for (const auto& e : f.evidence) {
    w.begin_object();
    w.field("time", format_rfc3339_ms(e.time_ms, time));
    w.field("event_id", e.event_id);
    w.field("event_name", e.event_name);
    w.field("rule", e.rule);
    if (e.stage >= 0 && static_cast<std::size_t>(e.stage) < f.stages.size()) {
      w.field("stage", f.stages[static_cast<std::size_t>(e.stage)].name);
    }
    w.field("region", e.region);
    w.field("source_ip", e.source_ip);
    w.field("user_agent", e.user_agent);
    if (!e.error_code.empty()) w.field("error_code", e.error_code);
    w.field("file", e.file);
    w.field("record", e.record);
    if (e.offset >= 0) w.field("offset", e.offset);
    w.end_object();
  }
  w.end_array();
  w.field("evidence_omitted", static_cast<std::uint64_t>(f.evidence_omitted));
  w.key("resources").begin_array();
  for (const auto& r : f.resources) {
    w.begin_object();
    w.field("type", r.type);
    w.field("id", r.id);
    if (!r.region.empty()) w.field("region", r.region);
    w.end_object();
  }
  w.end_array();
  w.key("resource_counts").begin_object();
  for (std::size_t i = 0; i < f.resources.size();) {
    std::size_t j = i;
    while (j < f.resources.size() && f.resources[j].type == f.resources[i].type) ++j;
    w.field(f.resources[i].type, static_cast<std::uint64_t>(j - i));
    i = j;
  }
  w.end_object();
  string_array(w, "iocs", f.iocs);
  w.field("confidence", f.iocs.empty() ? "medium" : "high");
  Mitre m = mitre_from_tags(f.tags);
  w.key("mitre").begin_object();
  string_array(w, "tactics", m.tactics);
  string_array(w, "techniques", m.techniques);
  w.end_object();
  string_array(w, "tags", f.tags);
  string_array(w, "remediation", f.remediation);
  w.end_object();
}


std::string render_json_report(const std::vector<Finding>& findings, const RunSummary& summary,
                               const ReportFlush& flush, unsigned threads) {
  std::string out;
  JsonWriter w(out, 2);
  w.begin_object();
  w.key("findings").begin_array();
  render_in_order(findings, out, flush, threads, [](std::string& text, const Finding& f, std::size_t index) {
    JsonWriter element = JsonWriter::resume_in_array(text, 2, 2, index == 0);
    write_finding_json(element, f);
  });
  if (!findings.empty()) w.note_elements_added();
  w.end_array();
  w.key("summary");
  write_summary_json(w, summary);
  w.end_object();
  out += '\n';
  return out;
}

std::string render_jsonl_report(const std::vector<Finding>& findings, const RunSummary& summary,
                                const ReportFlush& flush, unsigned threads) {
  std::string out;
  render_in_order(findings, out, flush, threads, [](std::string& text, const Finding& f, std::size_t) {
    JsonWriter w(text);
    write_finding_json(w, f);
    text += '\n';
  });
  JsonWriter w(out);
  w.begin_object().key("summary");
  write_summary_json(w, summary);
  w.end_object();
  out += '\n';
  return out;
}

std::string finding_fingerprint(const Finding& f) {
  // FNV-1a 64 over what identifies a finding, not over run-specific data.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  mix(f.rule_id.empty() ? f.rule_name : f.rule_id);
  mix(f.account);
  mix(f.principal);
  mix(format_rfc3339_ms(f.first_ms));
  return fmt::format("{:016x}", h);
}

int severity_id(Level l) { return static_cast<int>(l) + 1; }

namespace {

// Whether a byte needs sanitize_for_terminal's attention: a C0 control
// (ESC among them), DEL, or 0xC2, which may start a C1 control.
bool terminal_special(unsigned char c) { return c < 0x20 || c == 0x7f || c == 0xc2; }

// Nonzero when one of the eight bytes of `w` is terminal_special.
std::uint64_t terminal_special_word(std::uint64_t w) {
  return bytes_below(w, 0x20) | bytes_equal(w, 0x7f) | bytes_equal(w, 0xc2);
}

}  // namespace

std::string sanitize_for_terminal(std::string_view text) {
  // Runs of ordinary bytes are found eight at a time and copied whole: the
  // text report of 20,000 findings sanitizes ~20 strings each, and a loop
  // appending byte by byte was 40% of writing it.
  const char* p = text.data();
  const std::size_t n = text.size();
  std::string out;
  out.reserve(n);
  std::size_t i = 0;
  while (i < n) {
    std::size_t run = i;
    while (run + 8 <= n && terminal_special_word(load_word(p + run)) == 0) run += 8;
    while (run < n && !terminal_special(static_cast<unsigned char>(p[run]))) ++run;
    out.append(p + i, run - i);
    i = run;
    if (i == n) break;
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == 0x1b) {
      // Drop the whole escape sequence: CSI runs to a final byte in 0x40..0x7e,
      // OSC to BEL or ESC '\'; any other escape is two bytes.
      std::size_t j = i + 1;
      if (j < n && p[j] == '[') {
        ++j;
        while (j < n && !(p[j] >= 0x40 && p[j] <= 0x7e)) ++j;
      } else if (j < n && p[j] == ']') {
        ++j;
        while (j < n && p[j] != '\a' && p[j] != 0x1b) ++j;
        if (j + 1 < n && p[j] == 0x1b && p[j + 1] == '\\') ++j;
      }
      i = j + 1;  // past the final byte
    } else if (c == 0xc2) {
      const bool c1 = i + 1 < n && static_cast<unsigned char>(p[i + 1]) >= 0x80 && static_cast<unsigned char>(p[i + 1]) <= 0x9f;
      if (!c1) out += static_cast<char>(c);
      i += c1 ? 2 : 1;  // C1 control characters (8-bit CSI and friends) are dropped
    } else {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    }
  }
  return out;
}

std::string render_text_report(const std::vector<Finding>& findings, bool color, const ReportFlush& flush,
                               const std::vector<std::string>& notes) {
  auto paint = [&](std::string_view code, const std::string& s) {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  };
  auto level_color = [](Level l) {
    switch (l) {
      case Level::kCritical:
        return "1;31";
      case Level::kHigh:
        return "31";
      case Level::kMedium:
        return "33";
      default:
        return "36";
    }
  };
  std::string out;
  // Read before the findings, or "No findings." could pass for a clean
  // archive when the caps evicted hits (the summary is on stderr, often
  // unseen with -o or --no-summary).
  for (const std::string& note : notes) out += paint("33", "Note: ") + note + "\n";
  if (!notes.empty()) out += "\n";
  if (findings.empty()) return out + "No findings.\n";
  out += fmt::format("{} finding{}\n\n", findings.size(), findings.size() == 1 ? "" : "s");
  for (const auto& f : findings) {
    maybe_flush(out, flush);
    std::string sev = fmt::format("[{}]", level_name(f.level));
    std::transform(sev.begin(), sev.end(), sev.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    out += fmt::format("{} {}\n", paint(level_color(f.level), sev), sanitize_for_terminal(f.title));
    out += fmt::format("  rule       {} ({})\n", sanitize_for_terminal(f.rule_name), f.kind);
    out += fmt::format("  account    {}\n", sanitize_for_terminal(f.account));
    out += fmt::format("  principal  {}\n", sanitize_for_terminal(f.principal));
    if (!f.access_key_id.empty()) out += fmt::format("  access key {}\n", sanitize_for_terminal(f.access_key_id));
    out += fmt::format("  seen       {} .. {} ({} events)\n", format_rfc3339_ms(f.first_ms),
                       format_rfc3339_ms(f.last_ms), f.event_count);
    if (!f.stages.empty()) {
      out += fmt::format("  detectable {} ({} of the stages below had happened)\n",
                         format_rfc3339_ms(f.detectable_ms),
                         std::count_if(f.stages.begin(), f.stages.end(),
                                       [&](const Stage& s) { return s.first_ms <= f.detectable_ms; }));
    }
    if (!f.regions.empty()) {
      std::string r;
      for (const auto& x : f.regions) r += (r.empty() ? "" : ", ") + sanitize_for_terminal(x);
      out += fmt::format("  regions    {}\n", r);
    }
    if (!f.source_ips.empty()) {
      std::string r;
      for (const auto& x : f.source_ips) r += (r.empty() ? "" : ", ") + sanitize_for_terminal(x);
      out += fmt::format("  source IPs {}\n", r);
    }
    if (!f.stages.empty()) {
      out += "  stages\n";
      for (const auto& s : f.stages) {
        out += fmt::format("    {}  {:>5}x  {}\n", format_rfc3339_ms(s.first_ms), s.count,
                           sanitize_for_terminal(s.title));
      }
    }
    if (!f.resources.empty()) {
      out += "  resources\n";
      for (std::size_t i = 0; i < f.resources.size();) {
        std::size_t j = i;
        while (j < f.resources.size() && f.resources[j].type == f.resources[i].type) ++j;
        std::string ids;
        for (std::size_t k = i; k < j && k < i + 3; ++k) ids += (k == i ? "" : ", ") + sanitize_for_terminal(f.resources[k].id);
        if (j - i > 3) ids += ", ...";
        out += fmt::format("    {:<24} {:>5}  {}\n", sanitize_for_terminal(f.resources[i].type), j - i, ids);
        i = j;
      }
    }
    if (!f.iocs.empty()) {
      out += "  IoCs\n";
      for (const auto& i : f.iocs) out += fmt::format("    {}\n", sanitize_for_terminal(i));
    }
    Mitre m = mitre_from_tags(f.tags);
    if (!m.techniques.empty() || !m.tactics.empty()) {
      std::string t;
      for (const auto& x : m.tactics) t += (t.empty() ? "" : ", ") + x;
      for (const auto& x : m.techniques) t += (t.empty() ? "" : ", ") + x;
      out += fmt::format("  MITRE      {}\n", t);
    }
    out += "  evidence\n";
    for (const auto& e : f.evidence) {
      out += fmt::format("    {}  {:<32} {:<14} {} (record {})\n", format_rfc3339_ms(e.time_ms),
                         sanitize_for_terminal(e.event_name), sanitize_for_terminal(e.region),
                         sanitize_for_terminal(e.file), e.record);
    }
    if (f.evidence_omitted) out += fmt::format("    ... and {} more\n", f.evidence_omitted);
    if (!f.remediation.empty()) {
      out += "  next steps\n";
      for (std::size_t i = 0; i < f.remediation.size(); ++i) {
        out += fmt::format("    {}. {}\n", i + 1, sanitize_for_terminal(f.remediation[i]));
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace trailsweep
