#include "trailsweep/reporter.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>

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
template <typename Values>  // of std::string or SharedText, or a ValueSet
void string_array(JsonWriter& w, std::string_view key, const Values& values) {
  w.key(key).begin_array();
  for (const auto& v : values) w.value(std::string_view(v));
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
  std::array<char, 36> id_text;
  w.key("event_ids").begin_array();
  for (const EventId& id : f.event_ids) w.value(id.view(id_text));
  w.end_array();
  w.key("evidence").begin_array();
  for (const auto& e : f.evidence) {
    w.begin_object();
    w.field("time", format_rfc3339_ms(e.time_ms, time));
    w.field("event_id", e.event_id.view(id_text));
    w.field("event_name", e.event_name());
    w.field("rule", e.rule);
    if (e.stage >= 0 && static_cast<std::size_t>(e.stage) < f.stages.size()) {
      w.field("stage", f.stages[static_cast<std::size_t>(e.stage)].name);
    }
    w.field("region", e.region());
    w.field("source_ip", e.source_ip);
    w.field("user_agent", e.user_agent);
    if (!e.error_code().empty()) w.field("error_code", e.error_code());
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
  for_each_resource_type(f.resources, [&w](std::span<const Resource> run) {
    w.field(run.front().type, static_cast<std::uint64_t>(run.size()));
  });
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

void append_for_terminal(std::string& out, std::string_view text) {
  // Runs of ordinary bytes are found eight at a time and copied whole: the
  // text report of 20,000 findings sanitizes ~20 strings each, and a loop
  // appending byte by byte was 40% of writing it.
  const char* p = text.data();
  const std::size_t n = text.size();
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
      const unsigned next = i + 1 < n ? static_cast<unsigned char>(p[i + 1]) : 0;
      if (next >= 0x80 && next <= 0x9f) {
        i += 2;  // C1 control characters (8-bit CSI and friends) are dropped
      } else if (next >= 0xa0 && next <= 0xbf) {
        out.append(p + i, 2);  // U+00A0..U+00BF
        i += 2;
      } else {
        // Not UTF-8. Kept as it was, it met the byte after a dropped pair:
        // "\xc2\xc2\x9b\x9b" came out as "\xc2\x9b", CSI (fuzz_reports).
        out += "\\xc2";
        ++i;
      }
    } else {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
      ++i;
    }
  }
}

std::string sanitize_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_for_terminal(out, text);
  return out;
}

namespace {

// `text` left-aligned in `width` columns, as fmt's "{:<N}" pads it: by
// bytes for ASCII, which is nearly every event name and region, by fmt's
// own width count for the rest.
void append_padded(std::string& out, std::string_view text, std::size_t width) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {
    fmt::format_to(std::back_inserter(out), "{:<{}}", text, width);
    return;
  }
  out += text;
  if (text.size() < width) out.append(width - text.size(), ' ');
}

// `label` and `values`, each made safe for a terminal, joined by ", "; no
// line when there are none.
void append_list_line(std::string& out, std::string_view label, const ValueSet& values) {
  if (values.empty()) return;
  out += label;
  bool first = true;
  for (std::string_view value : values) {
    if (!first) out += ", ";
    first = false;
    append_for_terminal(out, value);
  }
  out += '\n';
}

const char* level_color(Level l) {
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
}

// One finding's block of the text report. Appended in place, piece by
// piece: each line formatted into a string of its own, around strings
// sanitized into strings of their own, was most of the report's time.
void append_finding_text(std::string& out, const Finding& f, bool color) {
  auto line = std::back_inserter(out);
  TimeText time, time2;
  // Whatever a scratch string holds is made safe for a terminal first.
  std::string scratch;
  if (color) fmt::format_to(line, "\x1b[{}m", level_color(f.level));
  out += '[';
  for (char c : level_name(f.level)) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out += ']';
  if (color) out += "\x1b[0m";
  out += ' ';
  append_for_terminal(out, f.title);
  out += "\n  rule       ";
  append_for_terminal(out, f.rule_name);
  fmt::format_to(line, " ({})\n  account    ", f.kind);
  append_for_terminal(out, f.account);
  out += "\n  principal  ";
  append_for_terminal(out, f.principal);
  out += '\n';
  if (!f.access_key_id.empty()) {
    out += "  access key ";
    append_for_terminal(out, f.access_key_id);
    out += '\n';
  }
  fmt::format_to(line, "  seen       {} .. {} ({} events)\n", format_rfc3339_ms(f.first_ms, time),
                 format_rfc3339_ms(f.last_ms, time2), f.event_count);
  if (!f.stages.empty()) {
    fmt::format_to(line, "  detectable {} ({} of the stages below had happened)\n",
                   format_rfc3339_ms(f.detectable_ms, time),
                   std::count_if(f.stages.begin(), f.stages.end(),
                                 [&](const Stage& s) { return s.first_ms <= f.detectable_ms; }));
  }
  append_list_line(out, "  regions    ", f.regions);
  append_list_line(out, "  source IPs ", f.source_ips);
  if (!f.stages.empty()) {
    out += "  stages\n";
    for (const auto& s : f.stages) {
      fmt::format_to(line, "    {}  {:>5}x  ", format_rfc3339_ms(s.first_ms, time), s.count);
      append_for_terminal(out, s.title);
      out += '\n';
    }
  }
  if (!f.resources.empty()) {
    out += "  resources\n";
    for_each_resource_type(f.resources, [&](std::span<const Resource> run) {
      out += "    ";
      scratch.clear();
      append_for_terminal(scratch, run.front().type);
      append_padded(out, scratch, 24);
      fmt::format_to(line, " {:>5}  ", run.size());
      for (std::size_t k = 0; k < run.size() && k < 3; ++k) {
        if (k) out += ", ";
        append_for_terminal(out, run[k].id);
      }
      if (run.size() > 3) out += ", ...";
      out += '\n';
    });
  }
  if (!f.iocs.empty()) {
    out += "  IoCs\n";
    for (const auto& ioc : f.iocs) {
      out += "    ";
      append_for_terminal(out, ioc);
      out += '\n';
    }
  }
  const Mitre m = mitre_from_tags(f.tags);
  if (!m.techniques.empty() || !m.tactics.empty()) {
    out += "  MITRE      ";
    bool first = true;
    // From the rule's tags: a rule file downloaded with others is text from elsewhere too.
    for (const auto* list : {&m.tactics, &m.techniques}) {
      for (const auto& x : *list) {
        if (!first) out += ", ";
        append_for_terminal(out, x);
        first = false;
      }
    }
    out += '\n';
  }
  out += "  evidence\n";
  for (const auto& e : f.evidence) {
    out += "    ";
    out += format_rfc3339_ms(e.time_ms, time);
    out += "  ";
    scratch.clear();
    append_for_terminal(scratch, e.event_name());
    append_padded(out, scratch, 32);
    out += ' ';
    scratch.clear();
    append_for_terminal(scratch, e.region());
    append_padded(out, scratch, 14);
    out += ' ';
    append_for_terminal(out, e.file);
    fmt::format_to(line, " (record {})\n", e.record);
  }
  if (f.evidence_omitted) fmt::format_to(line, "    ... and {} more\n", f.evidence_omitted);
  if (!f.remediation.empty()) {
    out += "  next steps\n";
    for (std::size_t i = 0; i < f.remediation.size(); ++i) {
      fmt::format_to(line, "    {}. ", i + 1);
      append_for_terminal(out, f.remediation[i]);
      out += '\n';
    }
  }
  out += '\n';
}

}  // namespace

std::string render_text_report(const std::vector<Finding>& findings, bool color, const ReportFlush& flush,
                               const std::vector<std::string>& notes, unsigned threads) {
  std::string out;
  // Read before the findings, or "No findings." could pass for a clean
  // archive when the caps evicted hits (the summary is on stderr, often
  // unseen with -o or --no-summary).
  for (const std::string& note : notes) out += (color ? "\x1b[33mNote: \x1b[0m" : "Note: ") + note + "\n";
  if (!notes.empty()) out += "\n";
  if (findings.empty()) return out + "No findings.\n";
  out += fmt::format("{} finding{}\n\n", findings.size(), findings.size() == 1 ? "" : "s");
  render_in_order(findings, out, flush, threads,
                  [color](std::string& text, const Finding& f, std::size_t) { append_finding_text(text, f, color); });
  return out;
}

}  // namespace trailsweep
