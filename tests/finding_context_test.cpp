// FindingContext: what a sequence finding gains after correlation (IoCs,
// context evidence, resources an AWS service created for the actor) and which
// findings a fuller one replaces. Each test pins one boundary: same actor or
// not, inside the time slack or not.
#include "trailsweep/finding_context.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"
#include "trailsweep/detector.hpp"

namespace trailsweep {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kStart = 1'762'074'000'000;  // 2025-11-02T09:00:00Z

constexpr const char* kRules = R"(title: Miner image
name: miner_image
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: RegisterTaskDefinition, requestParameters.containerDefinitions.image|startswith: yenik65958/secret}
  condition: sel
level: informational
trailsweep:
  ioc: 'docker image yenik65958/secret'
---
title: Launch template
name: launch_template
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: CreateLaunchTemplate}
  condition: sel
level: informational
trailsweep:
  context: true
  resources:
    ec2_launch_template: requestParameters.CreateLaunchTemplateRequest.LaunchTemplateName
---
title: Auto Scaling launches
name: asg_launch
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: RunInstances}
  condition: sel
level: informational
trailsweep:
  links:
    autoscaling_group: responseElements.instancesSet.items.tagSet.items.value
  resources:
    ec2_instance: responseElements.instancesSet.items.instanceId
---
title: Full campaign
name: full
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: CreateCluster}
  condition: sel
level: critical
---
title: Partial campaign
name: partial
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: CreateCluster}
  condition: sel
level: high
trailsweep:
  superseded-by: [full]
)";

const std::string kAttacker = "arn:aws:iam::111122223333:user/ci-deployer";

// A sequence finding of the attacker from kStart to one hour later.
Finding sequence(const RuleSet& rules, const std::string& name, const std::string& principal = kAttacker,
                 std::int64_t first = kStart, std::int64_t last = kStart + kHour) {
  const int index = rules.find(name);
  Finding f = finding_for_rule(rules.rules()[static_cast<std::size_t>(index)], index);
  f.account = "111122223333";
  f.principal = principal;
  f.first_ms = first;
  f.last_ms = last;
  f.stages.push_back({});
  return f;
}

Hit hit(const RuleSet& rules, const std::string& name, std::int64_t time, const std::string& principal = kAttacker,
        const std::string& event_id = "") {
  Hit h;
  h.rule = rules.find(name);
  h.time_ms = time;
  h.set_texts({.region = "us-east-1", .account = "111122223333", .principal = principal});
  h.event_id = event_id.empty() ? name + std::to_string(time) : event_id;
  return h;
}

TEST(FindingContext, IocsAndContextCountOnlyForTheSameActorWithinTheSlack) {
  auto rules = testing::rules_from(kRules);
  ASSERT_TRUE(rules);
  std::vector<Finding> findings = {sequence(*rules, "full")};
  const ContextOptions options;  // one hour of slack
  Hit template_hit = hit(*rules, "launch_template", kStart + 10 * 60'000);
  template_hit.set_named({{"ec2_launch_template", "lt-miner"}}, {});
  std::vector<Hit> hits = {
      hit(*rules, "miner_image", kStart - options.slack_ms + 1),            // just inside, before
      template_hit,                                                         // inside
      hit(*rules, "miner_image", kStart + 2 * kHour + 1),                   // past the slack
      hit(*rules, "launch_template", kStart + 60'000, "arn:aws:iam::111122223333:user/alice"),  // someone else
  };
  add_context(*rules, hits, &findings, options);
  const Finding& f = findings[0];
  EXPECT_EQ(f.iocs, std::vector<std::string>{"docker image yenik65958/secret"});
  ASSERT_EQ(f.evidence.size(), 1u) << "context evidence: the attacker's template only";
  EXPECT_EQ(f.evidence[0].event_id, template_hit.event_id);
  EXPECT_EQ(f.event_count, 1u);
  ASSERT_EQ(f.resources.size(), 1u);
  EXPECT_EQ(f.resources[0].id, "lt-miner");

  // The miner image past the slack, or pushed by someone else, is no IoC of this actor.
  std::vector<Finding> apart = {sequence(*rules, "full")};
  add_context(*rules,
              {hit(*rules, "miner_image", kStart + 2 * kHour + 1),
               hit(*rules, "miner_image", kStart, "arn:aws:iam::111122223333:user/alice")},
              &apart, options);
  EXPECT_TRUE(apart[0].iocs.empty());

  // Findings that are not sequences get no context.
  Finding single = sequence(*rules, "full");
  single.stages.clear();
  std::vector<Finding> singles = {single};
  add_context(*rules, hits, &singles, options);
  EXPECT_TRUE(singles[0].iocs.empty());
  EXPECT_TRUE(singles[0].evidence.empty());
}

TEST(FindingContext, InstancesAServiceLaunchedForTheActorsGroupsBecomeItsResources) {
  auto rules = testing::rules_from(kRules);
  ASSERT_TRUE(rules);
  std::vector<Finding> findings = {sequence(*rules, "full")};
  findings[0].resources = {{"autoscaling_group", "SPOT-us-east-1-G1-7f3a", "us-east-1"}};
  const std::string service = "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling";
  Hit ours = hit(*rules, "asg_launch", kStart + 5 * 60'000, service);
  ours.set_named({{"ec2_instance", "i-0aaa"}}, {{"autoscaling_group", "SPOT-us-east-1-G1-7f3a"}});
  Hit theirs = hit(*rules, "asg_launch", kStart + 6 * 60'000, service);
  theirs.set_named({{"ec2_instance", "i-0bbb"}}, {{"autoscaling_group", "web-fleet"}});
  Hit before = hit(*rules, "asg_launch", kStart - 60'000, service);  // before the finding began
  before.set_named({{"ec2_instance", "i-0ccc"}}, {{"autoscaling_group", "SPOT-us-east-1-G1-7f3a"}});
  add_context(*rules, {before, ours, theirs}, &findings);
  std::vector<std::string> instances;
  for (const Resource& r : findings[0].resources) {
    if (r.type == "ec2_instance") instances.push_back(r.id);
  }
  EXPECT_EQ(instances, std::vector<std::string>{"i-0aaa"});
}

TEST(FindingContext, AFullerSequenceReplacesThePartialOneOfTheSameActorOnly) {
  auto rules = testing::rules_from(kRules);
  ASSERT_TRUE(rules);
  std::vector<Finding> findings = {
      sequence(*rules, "partial"),                                                   // replaced
      sequence(*rules, "full", kAttacker, kStart + 30 * 60'000, kStart + 3 * kHour),  // overlaps it
      sequence(*rules, "partial", "arn:aws:iam::111122223333:user/alice"),           // another actor
      sequence(*rules, "partial", kAttacker, kStart + 5 * kHour, kStart + 6 * kHour),  // later, apart
  };
  drop_superseded(*rules, &findings);
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].rule_name, "full");
  EXPECT_EQ(findings[1].principal, "arn:aws:iam::111122223333:user/alice");
  EXPECT_EQ(findings[2].first_ms, kStart + 5 * kHour);
}

// A low-severity rule that every analyst's console session matches.
constexpr const char* kListedInstances = R"(title: Listed instances
name: listed
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: DescribeInstances}
  condition: sel
level: low
---
)";

// The report's order (severity, first time, then principal, account, rule)
// for thousands of findings, many tied on severity and time, and each one's
// remediation written, whichever thread wrote it.
TEST(FindingContext, FinalizeOrdersThousandsOfTiedFindingsAndRemediatesEachOne) {
  auto rules = testing::rules_from(std::string(kListedInstances) + R"(title: Launched instances
name: launched
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: RunInstances}
  condition: sel
level: high
)");
  ASSERT_TRUE(rules);
  std::vector<std::string> records;
  for (int i = 0; i < 9000; ++i) {
    // Three times only, so most findings tie on severity and first time;
    // principals arrive in no sorted order.
    records.push_back(testing::ct_record(fmt::format("2025-11-02T10:00:0{}Z", i % 3),
                                         i % 10 == 0 ? "RunInstances" : "DescribeInstances",
                                         fmt::format("user{}", (i * 7919) % 9000)));
  }
  Detector detector(*rules);
  testing::scan_records(detector, records);
  Detector on_one_thread(*rules);
  testing::scan_records(on_one_thread, records);
  const std::vector<Finding> findings = finalize_findings(*rules, detector, 20);
  ASSERT_EQ(findings.size(), 9000u);
  EXPECT_EQ(findings.front().level, Level::kHigh);
  // Strictly ordered pair by pair (no two findings tie in the full order).
  for (std::size_t i = 1; i < findings.size(); ++i) {
    ASSERT_TRUE(finding_before(findings[i - 1], findings[i])) << "tie or disorder at " << i;
  }
  for (const Finding& f : findings) ASSERT_FALSE(f.remediation.empty()) << f.principal;

  // -j 1 is one thread: the same findings, and no helper thread for them
  // (taking the findings and remediating them both have helpers otherwise).
  const int before = testing::process_threads();
  if (before == 0 || std::thread::hardware_concurrency() < 2) return;  // needs /proc and two cores
  testing::ThreadCountWatch watch;
  const std::vector<Finding> alone = finalize_findings(*rules, on_one_thread, 20, nullptr, 1);
  EXPECT_EQ(watch.stop(), before + 1) << "finalize started a thread (the watcher is the one more)";
  ASSERT_EQ(alone.size(), findings.size());
  for (std::size_t i = 0; i < alone.size(); ++i) {
    ASSERT_EQ(alone[i].principal, findings[i].principal) << i;
    ASSERT_EQ(alone[i].remediation, findings[i].remediation) << i;
  }
}

// The merged workers' actors are freed while a large correlation runs (on a
// thread of their own, or before it at -j 1), and left for the detector's end
// when the correlation is small (freeing them would only make the report
// wait): nothing they brought is lost either way.
TEST(FindingContext, FinalizeFreesTheMergedWorkersActorsBesideALargeCorrelation) {
  auto rules = testing::rules_from(std::string(kListedInstances) + R"(title: Cluster created
name: cluster_created
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: ecs.amazonaws.com, eventName: CreateCluster}
  condition: sel
level: low
---
title: Cluster burst
name: cluster_burst
correlation:
  type: event_count
  rules: [cluster_created]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 3}
level: high
)");
  ASSERT_TRUE(rules);
  for (const bool large : {false, true}) {
    std::vector<std::string> records;
    for (int i = 0; i < 600; ++i) {
      records.push_back(testing::ct_record(fmt::format("2025-11-02T10:{:02}:00Z", i % 60), "DescribeInstances",
                                           fmt::format("analyst{}", i % 300)));
      if (i % 100 == 0) {
        records.push_back(testing::ct_record(fmt::format("2025-11-02T10:0{}:30Z", i / 100), "CreateCluster",
                                             "attacker", "", "111122223333", "ecs.amazonaws.com"));
      }
    }
    // A deploy pipeline's 200 sessions creating clusters all hour: as many
    // hits as a correlation needs to free them, with the bar lowered from
    // kReleaseRetiredAtHits (50,000 hits took 22 s under ASan).
    constexpr std::size_t kBar = 2000;
    for (std::size_t i = 0; large && i < kBar; ++i) {
      records.push_back(testing::ct_record(fmt::format("2025-11-02T11:{:02}:{:02}Z", i / 60 % 60, i % 60),
                                           "CreateCluster", fmt::format("deployer{}", i % 200), "", "111122223333",
                                           "ecs.amazonaws.com"));
    }
    const std::size_t half = records.size() / 2;
    const std::vector<std::string> first_half(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(half));
    const std::vector<std::string> second_half(records.begin() + static_cast<std::ptrdiff_t>(half), records.end());
    Detector alone(*rules);
    testing::scan_records(alone, records);
    const std::vector<Finding> reference = finalize_findings(*rules, alone, 20, nullptr, 1, kBar);
    ASSERT_EQ(reference.size(), large ? 501u : 301u);  // 300 analysts, the attacker's burst, 200 deployers'
    for (const unsigned threads : {0u, 1u}) {
      Detector merged(*rules), worker(*rules);
      testing::scan_records(merged, first_half);
      testing::scan_records(worker, second_half);
      merged.merge(std::move(worker));
      EXPECT_EQ(merged.retired_actor_lists(), 1u);  // the worker's
      const std::vector<Finding> findings = finalize_findings(*rules, merged, 20, nullptr, threads, kBar);
      // Its own list is retired once its findings are taken.
      EXPECT_EQ(merged.retired_actor_lists(), large ? 1u : 2u) << "threads " << threads << ", large " << large;
      ASSERT_EQ(findings.size(), reference.size());
      for (std::size_t i = 0; i < findings.size(); ++i) {
        EXPECT_EQ(findings[i].principal, reference[i].principal) << i;
        EXPECT_EQ(findings[i].event_count, reference[i].event_count) << i;
        EXPECT_EQ(findings[i].event_ids, reference[i].event_ids) << i;
      }
    }
  }
}

TEST(FindingContext, RemediationFollowsTheCredentialAndTheResources) {
  Finding key_user;
  key_user.principal = kAttacker;
  key_user.access_key_id = "AKIA3XAMPLEST0LENKEY";
  key_user.resources = {{"ec2_instance_protected", "i-1", "us-east-1"}, {"ec2_instance_protected", "i-2", "us-east-1"}};
  add_remediation(&key_user);
  ASSERT_GE(key_user.remediation.size(), 3u);
  EXPECT_NE(key_user.remediation[0].find("Deactivate the access key AKIA3XAMPLEST0LENKEY"), std::string::npos);
  EXPECT_NE(key_user.remediation[1].find("2 instances have termination protection"), std::string::npos);
  EXPECT_NE(key_user.remediation.back().find("Review everything else"), std::string::npos);

  // A role session: its temporary key cannot be deactivated, its sessions can be revoked.
  Finding session;
  session.principal = "arn:aws:sts::111122223333:assumed-role/app/i-0abc";
  session.access_key_id = "ASIAEXAMPLE";
  session.session_issuer = "arn:aws:iam::111122223333:role/app";
  add_remediation(&session);
  EXPECT_NE(session.remediation[0].find("Revoke active sessions of role arn:aws:iam::111122223333:role/app"),
            std::string::npos);
  EXPECT_EQ(session.remediation.size(), 2u);
}

}  // namespace
}  // namespace trailsweep
