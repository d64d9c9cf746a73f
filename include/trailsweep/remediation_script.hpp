#pragma once
// RemediationScript: turns critical and high findings into a bash script of AWS
// CLI commands for a responder to review and run. Safe order per finding:
// credentials first (stop the actor), then the public backdoor, then compute
// (termination protection off before terminating; groups to zero before
// deleting; services to zero before deleting), then the actor's IAM users and
// roles. Grouped by region, commented, `set -euo pipefail`, and guarded: it
// exits at once until the user deletes the guard line. Every identifier comes
// from the logs (attacker-controlled), so all of them are shell-quoted.
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/finding.hpp"

namespace trailsweep {

/// Single-quotes `s` for bash; control characters are dropped.
std::string shell_quote(std::string_view s);

/// `generated_at` is the run timestamp (RFC 3339) printed in the header.
std::string render_remediation_script(const std::vector<Finding>& findings, const std::string& generated_at);

}  // namespace trailsweep
