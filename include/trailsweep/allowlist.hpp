#pragma once
// Allowlist: known-good activity a team decided not to be alerted on (Terraform
// from CI creating clusters, a render farm's GPU groups), per rule. A hit of a
// detection rule on an event that an entry covers is dropped before counting
// and correlation, and counted per entry and rule so the summary shows what was
// suppressed: nothing disappears silently.
//
//   allow:
//     - name: terraform-ci                     # required; shown in the summary
//       reason: applies from GitHub Actions    # required: why this is fine
//       rules: [cm_ecs_create_cluster, cm_ec2_*]   # names/ids, wildcards; omitted: every rule
//       principal: "arn:aws:sts::*:assumed-role/terraform-ci/*"  # ARN or name, as `timeline`
//       user_agent: "*Terraform/*"
//       account: "111122223333"
//       source_ip: "198.51.100.*"
//       instance_type: "t3.*"                  # every instance type in the request must match
//       fields: {requestParameters.cluster: "build-*"}   # any other field
//       expires: 2026-12-31                    # events after this day are not suppressed
//
// Values are Sigma wildcards (`*`, `?`, case-insensitive); every given
// condition must hold. Only detection rules can be named: a correlation is
// silenced by allowing what it counts.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trailsweep/event.hpp"
#include "trailsweep/sigma_match.hpp"

namespace trailsweep {

class RecordFields;
class RuleSet;

struct AllowEntry {
  std::string name, reason, file;
  int line = 0;
  std::vector<int> rules;  ///< detection rule indexes; empty: all
  std::optional<Glob> principal, user_agent, account, source_ip, instance_type;
  std::vector<std::pair<std::string, Glob>> fields;
  std::optional<std::int64_t> expires_ms;  ///< last suppressed millisecond
  bool applies_to(int rule) const;
};

class Allowlist {
 public:
  /// Index of the first entry that covers `rule` on `ev` (bound to `fields`), or -1.
  int covering_entry(int rule, const Event& ev, RecordFields& fields) const;
  const std::vector<AllowEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  friend struct AllowlistLoader;
  std::vector<AllowEntry> entries_;
};

struct AllowlistLoad {
  std::shared_ptr<const Allowlist> allowlist;  ///< never null
  std::vector<std::string> errors;             ///< "file:line: reason"
};

/// Reads allowlist files; rule names are resolved against `rules`.
AllowlistLoad load_allowlists(const std::vector<std::string>& files, const RuleSet& rules);
AllowlistLoad load_allowlist_text(const std::string& text, const std::string& name, const RuleSet& rules);

}  // namespace trailsweep
