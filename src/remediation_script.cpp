#include "trailsweep/remediation_script.hpp"

#include <map>
#include <set>

#include <fmt/format.h>

namespace trailsweep {

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

namespace {

// Comments must not let a newline in attacker text start a command.
std::string comment_text(std::string_view s) {
  std::string out;
  for (char c : s) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return out;
}

// "arn:aws:ecs:us-east-1:111:cluster/name" -> "name"; "service/cluster/name" -> {cluster, name}.
std::string after_last_slash(const std::string& s) {
  auto p = s.rfind('/');
  return p == std::string::npos ? s : s.substr(p + 1);
}

std::string user_of(const std::string& principal_arn) {
  auto p = principal_arn.find(":user/");
  return p == std::string::npos ? "" : after_last_slash(principal_arn);
}

}  // namespace

std::string render_remediation_script(const std::vector<Finding>& findings, const std::string& generated_at) {
  std::string out;
  out += "#!/usr/bin/env bash\n";
  out += "# trailsweep remediation plan, generated " + generated_at + ".\n";
  out += "# REVIEW EVERY COMMAND BEFORE RUNNING IT. Identifiers come from CloudTrail and were chosen by the\n";
  out += "# attacker; they are quoted, but check that each resource really is the attacker's.\n";
  out += "# Order per finding: credentials, public backdoor, compute, IAM. Commands are grouped by region.\n";
  out += "set -euo pipefail\n\n";
  out += "echo 'trailsweep: review this script, then delete the guard line to run it' >&2; exit 1  # GUARD: delete this line to run\n\n";
  std::size_t n = 0;
  for (const Finding& f : findings) {
    if (f.level < Level::kHigh) continue;
    ++n;
    out += fmt::format("# ==== Finding {}: [{}] {}\n", n, level_name(f.level), comment_text(f.title));
    out += fmt::format("#      account {}, principal {}\n", comment_text(f.account), comment_text(f.principal));
    std::map<std::string, std::map<std::string, std::vector<std::string>>> by_region;  // region -> type -> ids
    for (const auto& r : f.resources) by_region[r.region][r.type].push_back(r.id);

    out += "\n# -- 1. Stop the credential\n";
    std::string user = user_of(f.principal);
    if (!user.empty() && f.access_key_id.rfind("AKIA", 0) == 0) {
      out += fmt::format("aws iam update-access-key --user-name {} --access-key-id {} --status Inactive\n",
                         shell_quote(user), shell_quote(f.access_key_id));
    } else if (!f.session_issuer.empty()) {
      out += fmt::format("# Role session: revoke its sessions (IAM console: Roles > {} > Revoke active sessions)\n",
                         comment_text(after_last_slash(f.session_issuer)));
    } else {
      out += "# No long-term key recorded for this principal; rotate its credentials by hand.\n";
    }
    for (const auto& region_entry : by_region) {
      const std::string& region = region_entry.first;  // (clang 14 cannot capture structured bindings)
      const auto& types = region_entry.second;
      std::string reg = region.empty() ? "" : " --region " + shell_quote(region);
      auto ids = [&](const char* type) -> const std::vector<std::string>& {
        static const std::vector<std::string> kNone;
        auto it = types.find(type);
        return it == types.end() ? kNone : it->second;
      };
      bool any_compute = !ids("lambda_function").empty() || !ids("ec2_instance").empty() ||
                         !ids("ec2_instance_protected").empty() || !ids("autoscaling_group").empty() ||
                         !ids("ecs_cluster").empty() || !ids("ecs_service").empty();
      if (!any_compute) continue;
      out += fmt::format("\n# ---- region {}\n", region.empty() ? "(global)" : comment_text(region));
      if (!ids("lambda_function").empty()) {
        out += "# -- 2. Public Lambda backdoor: remove the URL and the public permissions\n";
        for (const auto& fn : ids("lambda_function")) {
          out += fmt::format("aws lambda delete-function-url-config{} --function-name {} || true\n", reg, shell_quote(fn));
          for (const auto& sid : ids("lambda_permission")) {
            out += fmt::format("aws lambda remove-permission{} --function-name {} --statement-id {} || true\n", reg,
                               shell_quote(fn), shell_quote(sid));
          }
        }
      }
      const auto& protected_ids = ids("ec2_instance_protected");
      std::set<std::string> instances(ids("ec2_instance").begin(), ids("ec2_instance").end());
      instances.insert(protected_ids.begin(), protected_ids.end());
      if (!ids("autoscaling_group").empty()) {
        out += "# -- 3. Auto Scaling groups: scale to zero so nothing relaunches, then delete\n";
        for (const auto& g : ids("autoscaling_group")) {
          out += fmt::format(
              "aws autoscaling update-auto-scaling-group{} --auto-scaling-group-name {} --min-size 0 --max-size 0 "
              "--desired-capacity 0\n",
              reg, shell_quote(g));
        }
      }
      if (!instances.empty()) {
        out += "# -- 4. Instances: turn termination protection off, then terminate\n";
        for (const auto& i : protected_ids) {
          out += fmt::format("aws ec2 modify-instance-attribute{} --instance-id {} --no-disable-api-termination\n", reg,
                             shell_quote(i));
        }
        std::string list;
        for (const auto& i : instances) {
          list += ' ';
          list += shell_quote(i);
        }
        out += fmt::format("aws ec2 terminate-instances{} --instance-ids{}\n", reg, list);
      }
      if (!ids("autoscaling_group").empty() || !ids("ec2_launch_template").empty()) {
        for (const auto& g : ids("autoscaling_group")) {
          out += fmt::format("aws autoscaling delete-auto-scaling-group{} --auto-scaling-group-name {} --force-delete\n",
                             reg, shell_quote(g));
        }
        for (const auto& lt : ids("ec2_launch_template")) {
          out += fmt::format("aws ec2 delete-launch-template{} --launch-template-id {}\n", reg, shell_quote(lt));
        }
      }
      if (!ids("ecs_service").empty() || !ids("ecs_cluster").empty()) {
        out += "# -- 5. ECS: services to zero, delete them, deregister task definitions, delete clusters\n";
        for (const auto& arn : ids("ecs_service")) {
          // arn:aws:ecs:<region>:<account>:service/<cluster>/<service>
          auto svc = after_last_slash(arn);
          auto rest = arn.substr(0, arn.rfind('/'));
          auto cluster = after_last_slash(rest);
          out += fmt::format("aws ecs update-service{} --cluster {} --service {} --desired-count 0\n", reg,
                             shell_quote(cluster), shell_quote(svc));
          out += fmt::format("aws ecs delete-service{} --cluster {} --service {} --force\n", reg, shell_quote(cluster),
                             shell_quote(svc));
        }
        for (const auto& td : ids("ecs_task_definition")) {
          out += fmt::format("aws ecs deregister-task-definition{} --task-definition {}\n", reg, shell_quote(td));
        }
        for (const auto& c : ids("ecs_cluster")) {
          out += fmt::format("aws ecs delete-cluster{} --cluster {}\n", reg, shell_quote(c));
        }
      }
    }
    auto global = by_region.find("");
    if (global != by_region.end()) {
      const auto& types = global->second;
      auto users = types.find("iam_user");
      if (users != types.end()) {
        out += "\n# -- 6. IAM users the actor created: keys, login profile and policies first\n";
        for (const auto& u : users->second) {
          auto keys = types.find("iam_access_key");
          if (keys != types.end()) {
            for (const auto& k : keys->second) {
              out += fmt::format("aws iam delete-access-key --user-name {} --access-key-id {} || true\n", shell_quote(u),
                                 shell_quote(k));
            }
          }
          out += fmt::format("aws iam delete-login-profile --user-name {} || true\n", shell_quote(u));
          out += fmt::format(
              "for p in $(aws iam list-attached-user-policies --user-name {} --query 'AttachedPolicies[].PolicyArn' "
              "--output text); do aws iam detach-user-policy --user-name {} --policy-arn \"$p\"; done\n",
              shell_quote(u), shell_quote(u));
          out += fmt::format("aws iam delete-user --user-name {}\n", shell_quote(u));
        }
      }
      auto roles = types.find("iam_role");
      if (roles != types.end()) {
        out += "\n# -- 7. IAM roles the actor created or changed: review, then delete (left commented on purpose)\n";
        for (const auto& r : roles->second) {
          out += fmt::format("# aws iam delete-role --role-name {}   # detach its policies first\n", shell_quote(r));
        }
      }
    }
    out += "\n";
  }
  if (n == 0) out += "# No critical or high findings: nothing to do.\n";
  return out;
}

}  // namespace trailsweep
