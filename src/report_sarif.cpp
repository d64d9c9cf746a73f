#include "trailsweep/report_sarif.hpp"

#include <array>
#include <map>

#include <fmt/format.h>

#include "trailsweep/json_writer.hpp"
#include "trailsweep/ordered_render.hpp"
#include "trailsweep/rule_set.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {

namespace {

const char* sarif_level(Level l) {
  switch (l) {
    case Level::kCritical:
    case Level::kHigh:
      return "error";
    case Level::kMedium:
      return "warning";
    default:
      return "note";
  }
}

// GitHub code scanning reads this property to rank alerts (0.0 - 10.0).
const char* security_severity(Level l) {
  switch (l) {
    case Level::kCritical:
      return "9.5";
    case Level::kHigh:
      return "8.0";
    case Level::kMedium:
      return "5.5";
    case Level::kLow:
      return "3.0";
    default:
      return "0.0";
  }
}

std::string rule_key(const Rule& r) { return r.id.empty() ? r.display_id() : r.id; }

}  // namespace

std::string render_sarif_report(const std::vector<Finding>& findings, const RunSummary& summary,
                                const ReportContext& ctx, const ReportFlush& flush, unsigned threads) {
  // Rules that can produce results, in rule-set order, plus any rule a finding names.
  std::vector<const Rule*> rules;
  std::map<std::string, std::size_t> index;
  if (ctx.rules) {
    for (std::size_t i = 0; i < ctx.rules->rules().size(); ++i) {
      if (!ctx.rules->reports_own_hits(static_cast<int>(i))) continue;
      const Rule& r = ctx.rules->rules()[i];
      if (index.emplace(rule_key(r), rules.size()).second) rules.push_back(&r);
    }
  }
  std::string out;
  JsonWriter w(out, 2);
  w.begin_object();
  w.field("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  w.field("version", "2.1.0");
  w.key("runs").begin_array().begin_object();
  w.key("tool").begin_object().key("driver").begin_object();
  w.field("name", "trailsweep");
  w.field("semanticVersion", ctx.version);
  w.field("informationUri", "https://github.com/trailsweep/trailsweep");
  w.key("rules").begin_array();
  for (const Rule* r : rules) {
    w.begin_object();
    w.field("id", rule_key(*r));
    w.field("name", r->display_id());
    w.key("shortDescription").begin_object().field("text", r->title).end_object();
    w.key("fullDescription").begin_object().field("text", r->description.empty() ? r->title : r->description).end_object();
    std::string help = r->description;
    if (!r->falsepositives.empty()) {
      help += "\n\nFalse positives:";
      for (const auto& fp : r->falsepositives) help += "\n- " + fp;
    }
    if (!r->references.empty()) {
      help += "\n\nReferences:";
      for (const auto& ref : r->references) help += "\n- " + ref;
    }
    w.key("help").begin_object().field("text", help.empty() ? r->title : help).end_object();
    w.key("defaultConfiguration").begin_object().field("level", sarif_level(r->level)).end_object();
    w.key("properties").begin_object();
    w.key("tags").begin_array();
    w.value("security");
    for (const auto& t : r->tags) w.value(t);
    w.end_array();
    w.field("security-severity", security_severity(r->level));
    w.field("trailsweep-level", level_name(r->level));
    w.field("trailsweep-kind", r->kind_name());
    w.end_object();
    w.end_object();
  }
  w.end_array();
  w.end_object().end_object();  // driver, tool
  w.key("invocations").begin_array().begin_object();
  w.field("executionSuccessful", true);
  w.field("endTimeUtc", format_rfc3339_ms(ctx.run_time_ms));
  const std::vector<std::string> evicted = eviction_lines(summary, /*for_terminal=*/false);
  if (summary.errors_total || !evicted.empty()) {
    w.key("toolExecutionNotifications").begin_array();
    auto warning = [&w](const std::string& text) {
      w.begin_object();
      w.field("level", "warning");
      w.key("message").begin_object().field("text", text).end_object();
      w.end_object();
    };
    for (const std::string& line : evicted) warning(line);
    for (const auto& e : summary.errors) warning(e.to_string());
    w.end_array();
  }
  w.end_object().end_array();
  w.key("results").begin_array();
  // Each result at the depth of runs[0].results.
  render_in_order(findings, out, flush, threads, [&index](std::string& text, const Finding& f, std::size_t at) {
    JsonWriter w = JsonWriter::resume_in_array(text, 2, 4, at == 0);
    w.begin_object();
    std::string key = f.rule_id.empty() ? f.rule_name : f.rule_id;
    w.field("ruleId", key);
    if (auto it = index.find(key); it != index.end()) w.field("ruleIndex", static_cast<std::uint64_t>(it->second));
    w.field("level", sarif_level(f.level));
    std::string stages;
    for (const auto& s : f.stages) stages += (stages.empty() ? "" : ", ") + s.name;
    std::string message = fmt::format("{}: {} in account {} ({} events, {} .. {})", f.title, f.principal,
                                      f.account, f.event_count, format_rfc3339_ms(f.first_ms),
                                      format_rfc3339_ms(f.last_ms));
    if (!stages.empty()) message += fmt::format("; stages: {}", stages);
    w.key("message").begin_object().field("text", message).end_object();
    w.key("locations").begin_array();
    if (!f.evidence.empty()) {
      const Evidence& e = f.evidence.front();
      w.begin_object();
      w.key("physicalLocation").begin_object();
      w.key("artifactLocation").begin_object().field("uri", e.file).end_object();
      w.end_object();
      w.key("logicalLocations").begin_array().begin_object();
      w.field("fullyQualifiedName", fmt::format("{}#record={}", e.file, e.record));
      w.field("kind", "object");
      w.end_object().end_array();
      w.key("message").begin_object().field("text", fmt::format("record {} ({} {})", e.record, e.event_name(), e.event_id)).end_object();
      w.end_object();
    }
    w.end_array();
    w.key("partialFingerprints").begin_object().field("trailsweepFinding/v1", finding_fingerprint(f)).end_object();
    w.key("properties").begin_object();
    w.field("severity", level_name(f.level));
    w.field("account", f.account);
    w.field("principal", f.principal);
    w.field("firstSeen", format_rfc3339_ms(f.first_ms));
    w.field("lastSeen", format_rfc3339_ms(f.last_ms));
    w.field("eventCount", static_cast<std::uint64_t>(f.event_count));
    w.key("eventIds").begin_array();
    std::array<char, 36> id_text;
    for (const EventId& id : f.event_ids) w.value(id.view(id_text));
    w.end_array();
    if (!f.evidence.empty()) {
      w.field("record", f.evidence.front().record);
      if (f.evidence.front().offset >= 0) w.field("decompressedOffset", f.evidence.front().offset);
    }
    w.end_object();
    w.end_object();
  });
  if (!findings.empty()) w.note_elements_added();
  w.end_array();
  w.end_object().end_array();  // run, runs
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace trailsweep
