#include "trailsweep/report_asff.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "trailsweep/json_writer.hpp"
#include "trailsweep/ordered_render.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {

namespace {

// ASFF "namespace/category" types from ATT&CK tactics.
std::vector<std::string> asff_types(const Finding& f) {
  static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"initial-access", "TTPs/Initial Access"}, {"execution", "TTPs/Execution"},
      {"persistence", "TTPs/Persistence"}, {"privilege-escalation", "TTPs/Privilege Escalation"},
      {"defense-evasion", "TTPs/Defense Evasion"}, {"stealth", "TTPs/Defense Evasion"},
      {"credential-access", "TTPs/Credential Access"}, {"discovery", "TTPs/Discovery"},
      {"lateral-movement", "TTPs/Lateral Movement"}, {"collection", "TTPs/Collection"},
      {"command-and-control", "TTPs/Command and Control"}, {"impact", "Effects/Resource Consumption"}};
  std::vector<std::string> out;
  for (const auto& tactic : mitre_from_tags(f.tags).tactics) {
    for (const auto& [name, type] : kMap) {
      if (name == tactic && std::find(out.begin(), out.end(), type) == out.end()) out.emplace_back(type);
    }
  }
  if (out.empty()) out.emplace_back("Unusual Behaviors/User");
  return out;
}

std::string asff_resource_type(const std::string& type) {
  if (type == "iam_user") return "AwsIamUser";
  if (type == "iam_role") return "AwsIamRole";
  if (type == "iam_access_key") return "AwsIamAccessKey";
  if (type == "ec2_instance" || type == "ec2_instance_protected") return "AwsEc2Instance";
  if (type == "ec2_launch_template") return "AwsEc2LaunchTemplate";
  if (type == "autoscaling_group") return "AwsAutoScalingAutoScalingGroup";
  if (type == "ecs_cluster") return "AwsEcsCluster";
  if (type == "ecs_service") return "AwsEcsService";
  if (type == "ecs_task_definition") return "AwsEcsTaskDefinition";
  if (type == "lambda_function") return "AwsLambdaFunction";
  return "Other";
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace

std::string render_asff_report(const std::vector<Finding>& findings, const ReportContext& ctx,
                               const ReportFlush& flush, unsigned threads) {
  std::string out;
  JsonWriter w(out, 2);
  w.begin_array();
  const std::string product_arn = fmt::format("arn:aws:securityhub:{}:{}:product/{}/default", ctx.asff_region,
                                              ctx.asff_account, ctx.asff_account);
  const std::string now = format_rfc3339_ms(ctx.run_time_ms);
  render_in_order(findings, out, flush, threads,
                  [&ctx, &product_arn, &now](std::string& text, const Finding& f, std::size_t index) {
    JsonWriter w = JsonWriter::resume_in_array(text, 2, 1, index == 0);
    w.begin_object();
    w.field("SchemaVersion", "2018-10-08");
    w.field("Id", fmt::format("trailsweep/{}", finding_fingerprint(f)));
    w.field("ProductArn", product_arn);
    w.field("ProductName", "trailsweep");
    w.field("CompanyName", "trailsweep");
    w.field("GeneratorId", fmt::format("trailsweep/{}", f.rule_name));
    w.field("AwsAccountId", f.account.empty() ? ctx.asff_account : f.account);
    w.key("Types").begin_array();
    for (const auto& t : asff_types(f)) w.value(t);
    w.end_array();
    w.field("FirstObservedAt", format_rfc3339_ms(f.first_ms));
    w.field("LastObservedAt", format_rfc3339_ms(f.last_ms));
    w.field("CreatedAt", now);
    w.field("UpdatedAt", now);
    w.key("Severity").begin_object().field("Label", upper(level_name(f.level))).end_object();
    w.field("Confidence", f.iocs.empty() ? 60 : 90);
    w.field("Title", f.title.substr(0, 256));
    std::string desc = fmt::format("{} by {} in account {}: {} events from {} to {}.", f.title, f.principal, f.account,
                                   f.event_count, format_rfc3339_ms(f.first_ms), format_rfc3339_ms(f.last_ms));
    if (!f.stages.empty()) {
      desc += " Stages:";
      for (const auto& s : f.stages) desc += fmt::format(" {} ({}x);", s.name, s.count);
    }
    w.field("Description", desc.substr(0, 1024));
    if (!f.remediation.empty()) {
      w.key("Remediation").begin_object().key("Recommendation").begin_object();
      w.field("Text", f.remediation.front().substr(0, 512));
      w.end_object().end_object();
    }
    w.key("ProductFields").begin_object();
    w.field("trailsweep/rule_id", f.rule_id);
    w.field("trailsweep/principal", f.principal);
    w.field("trailsweep/event_count", fmt::format("{}", f.event_count));
    if (!f.access_key_id.empty()) w.field("trailsweep/access_key_id", f.access_key_id);
    w.end_object();
    // ASFF allows at most 32 resources; the principal first, then what it created.
    w.key("Resources").begin_array();
    w.begin_object();
    w.field("Type", f.principal.find(":user/") != std::string::npos ? "AwsIamUser" : "Other");
    w.field("Id", f.principal);
    w.field("Partition", "aws");
    w.field("Region", f.regions.empty() ? ctx.asff_region : f.regions.front());
    w.end_object();
    std::size_t n = 1;
    for (const auto& r : f.resources) {
      if (n++ >= 32) break;
      w.begin_object();
      w.field("Type", asff_resource_type(r.type));
      w.field("Id", r.id);
      w.field("Partition", "aws");
      w.field("Region", r.region.empty() ? (f.regions.empty() ? ctx.asff_region : f.regions.front()) : r.region);
      w.end_object();
    }
    w.end_array();
    w.field("RecordState", "ACTIVE");
    w.key("Workflow").begin_object().field("Status", "NEW").end_object();
    w.end_object();
  });
  if (!findings.empty()) w.note_elements_added();
  w.end_array();
  out += '\n';
  return out;
}

}  // namespace trailsweep
