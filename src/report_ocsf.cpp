#include "trailsweep/report_ocsf.hpp"

#include <array>

#include <fmt/format.h>

#include "trailsweep/json_writer.hpp"
#include "trailsweep/ordered_render.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {

namespace {

// ATT&CK tactic ids for the tactic names Sigma tags use.
const char* tactic_uid(std::string_view name) {
  static constexpr std::pair<std::string_view, const char*> kTactics[] = {
      {"reconnaissance", "TA0043"}, {"resource-development", "TA0042"}, {"initial-access", "TA0001"},
      {"execution", "TA0002"},      {"persistence", "TA0003"},          {"privilege-escalation", "TA0004"},
      {"defense-evasion", "TA0005"}, {"stealth", "TA0005"},              {"credential-access", "TA0006"},
      {"discovery", "TA0007"},      {"lateral-movement", "TA0008"},     {"collection", "TA0009"},
      {"command-and-control", "TA0011"}, {"exfiltration", "TA0010"},    {"impact", "TA0040"}};
  for (const auto& [n, id] : kTactics) {
    if (n == name) return id;
  }
  return "";
}

std::string title_case(std::string_view s) {
  std::string out;
  bool up = true;
  for (char c : s) {
    if (c == '-') {
      out += ' ';
      up = true;
    } else {
      out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      up = false;
    }
  }
  return out;
}

}  // namespace

std::string render_ocsf_report(const std::vector<Finding>& findings, const ReportContext& ctx,
                               const ReportFlush& flush, unsigned threads) {
  std::string out;
  render_in_order(findings, out, flush, threads, [&ctx](std::string& text, const Finding& f, std::size_t) {
    JsonWriter w(text);
    w.begin_object();
    w.field("class_uid", 2004);
    w.field("class_name", "Detection Finding");
    w.field("category_uid", 2);
    w.field("category_name", "Findings");
    w.field("activity_id", 1);
    w.field("activity_name", "Create");
    w.field("type_uid", 200401);
    w.field("type_name", "Detection Finding: Create");
    w.field("severity_id", severity_id(f.level));
    w.field("severity", title_case(level_name(f.level)));
    w.field("status_id", 1);
    w.field("status", "New");
    w.field("is_alert", f.level >= Level::kHigh);
    w.field("confidence_id", f.iocs.empty() ? 2 : 3);
    w.field("confidence", f.iocs.empty() ? "Medium" : "High");
    w.field("time", f.last_ms);
    w.field("start_time", f.first_ms);
    w.field("end_time", f.last_ms);
    w.field("count", static_cast<std::uint64_t>(f.event_count));
    w.field("message", fmt::format("{}: {} in account {}", f.title, f.principal, f.account));
    w.key("metadata").begin_object();
    w.field("version", "1.3.0");
    w.key("product").begin_object().field("name", "trailsweep").field("vendor_name", "trailsweep").field("version", ctx.version).end_object();
    w.field("logged_time", ctx.run_time_ms);
    w.end_object();
    w.key("finding_info").begin_object();
    w.field("uid", finding_fingerprint(f));
    w.field("title", f.title);
    w.field("desc", f.stages.empty() ? f.title : fmt::format("{} of the campaign's stages by one principal", f.stages.size()));
    w.key("types").begin_array().value(f.kind).end_array();
    w.field("first_seen_time", f.first_ms);
    w.field("last_seen_time", f.last_ms);
    w.key("analytic").begin_object().field("uid", f.rule_id).field("name", f.rule_name).field("type_id", 1).field("type", "Rule").end_object();
    w.key("related_events").begin_array();
    std::array<char, 36> id_text;
    for (const auto& e : f.evidence) {
      w.begin_object();
      w.field("uid", e.event_id.view(id_text));
      w.field("type", e.event_name());
      w.field("product_uid", "aws-cloudtrail");
      w.end_object();
    }
    w.end_array();
    w.end_object();
    Mitre m = mitre_from_tags(f.tags);
    w.key("attacks").begin_array();
    for (const auto& tactic : m.tactics) {
      w.begin_object();
      w.key("tactic").begin_object().field("name", title_case(tactic)).field("uid", tactic_uid(tactic)).end_object();
      w.key("technique").begin_object().field("uid", m.techniques.empty() ? "" : m.techniques.front()).end_object();
      w.end_object();
    }
    for (std::size_t i = m.tactics.empty() ? 0 : 1; i < m.techniques.size(); ++i) {
      w.begin_object();
      w.key("technique").begin_object().field("uid", m.techniques[i]).end_object();
      w.end_object();
    }
    w.end_array();
    w.key("actor").begin_object().key("user").begin_object();
    w.field("uid", f.principal);
    w.field("name", f.principal.substr(f.principal.rfind('/') == std::string::npos ? 0 : f.principal.rfind('/') + 1));
    if (!f.access_key_id.empty()) w.field("credential_uid", f.access_key_id);
    w.key("account").begin_object().field("uid", f.account).field("type", "AWS Account").field("type_id", 10).end_object();
    w.end_object().end_object();
    w.key("cloud").begin_object();
    w.field("provider", "AWS");
    if (!f.regions.empty()) w.field("region", f.regions.front());
    w.key("account").begin_object().field("uid", f.account).field("type", "AWS Account").field("type_id", 10).end_object();
    w.end_object();
    w.key("resources").begin_array();
    for (const auto& r : f.resources) {
      w.begin_object();
      w.field("uid", r.id);
      w.field("type", r.type);
      if (!r.region.empty()) w.field("region", r.region);
      w.key("cloud_partition").value("aws");
      w.end_object();
    }
    w.end_array();
    w.key("remediation").begin_object();
    std::string steps;
    for (const auto& s : f.remediation) steps += (steps.empty() ? "" : " ") + s;
    w.field("desc", steps);
    w.end_object();
    w.end_object();
    text += '\n';
  });
  return out;
}

}  // namespace trailsweep
