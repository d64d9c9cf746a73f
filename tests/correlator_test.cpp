// Correlation rules: window edges, order independence, grouping, chaining.
#include "trailsweep/correlator.hpp"

#include <gtest/gtest.h>

#include <random>

#include "test_util.hpp"
#include "trailsweep/time_util.hpp"
#include <fmt/format.h>

namespace trailsweep {
namespace {

using testing::ct_record;

const std::string kBase = R"(title: Cluster created
name: cluster_created
detection:
  selection: {eventSource: ecs.amazonaws.com, eventName: CreateCluster}
  condition: selection
level: low
---
title: Service created
name: service_created
detection:
  selection: {eventSource: ecs.amazonaws.com, eventName: CreateService}
  condition: selection
level: low
---
title: Task definition registered
name: taskdef_registered
detection:
  selection: {eventSource: ecs.amazonaws.com, eventName: RegisterTaskDefinition}
  condition: selection
level: low
)";

// kBase plus an event_count correlation: N CreateCluster calls by one ARN in 10 minutes.
std::string burst_rules(int gte, const std::string& extra = "") {
  return kBase + fmt::format(R"(---
title: Cluster burst
name: cluster_burst
correlation:
  type: event_count
  rules: [cluster_created]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {{gte: {}}}
{}level: high
)", gte, extra);
}

std::string cluster(const std::string& time, const std::string& user, const std::string& name = "c",
                    const std::string& account = "111122223333") {
  return ct_record(time, "CreateCluster", user, R"("requestParameters":{"clusterName":")" + name + "\"}",
                   account, "ecs.amazonaws.com");
}
std::string ecs(const std::string& time, const std::string& event, const std::string& user) {
  return ct_record(time, event, user, "", "111122223333", "ecs.amazonaws.com");
}

std::vector<std::string> names_of(const testing::Evaluation& e) {
  std::vector<std::string> out;
  for (const auto& f : e.findings) out.push_back(f.rule_name + "@" + f.principal.substr(f.principal.rfind('/') + 1));
  return out;
}

// An episode holds every event of the windows that fired in it, also those
// that left the window before its last firing (the 09:00 call below).
TEST(Correlator, AnEpisodeKeepsTheEventsOfEveryWindowThatFiredInIt) {
  auto rules = testing::rules_from(burst_rules(2));
  auto e = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "mallory"),
                                      cluster("2025-11-02T09:05:00Z", "mallory"),
                                      cluster("2025-11-02T09:12:00Z", "mallory"),
                                      cluster("2025-11-02T09:14:00Z", "mallory")});
  ASSERT_EQ(names_of(e), (std::vector<std::string>{"cluster_burst@mallory"}));
  EXPECT_EQ(e.findings[0].event_count, 4u);
  EXPECT_EQ(e.findings[0].evidence.size(), 4u);
  EXPECT_EQ(format_rfc3339_ms(e.findings[0].first_ms), "2025-11-02T09:00:00Z");
  EXPECT_EQ(format_rfc3339_ms(e.findings[0].last_ms), "2025-11-02T09:14:00Z");
}

TEST(Correlator, EventCountWindowIncludesItsEdge) {
  auto rules = testing::rules_from(burst_rules(3));
  // Three events exactly 10 minutes apart at the ends: inside.
  auto inside = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "mallory"),
                                           cluster("2025-11-02T09:05:00Z", "mallory"),
                                           cluster("2025-11-02T09:10:00Z", "mallory")});
  ASSERT_EQ(names_of(inside), (std::vector<std::string>{"cluster_burst@mallory"}));
  EXPECT_EQ(inside.findings[0].event_count, 3u);
  EXPECT_EQ(inside.findings[0].detectable_ms, *parse_rfc3339_ms("2025-11-02T09:10:00Z"));
  EXPECT_EQ(inside.findings[0].group, (std::vector<std::pair<std::string, std::string>>{
                                          {"userIdentity.arn", "arn:aws:iam::111122223333:user/mallory"}}));
  // One second more and the first event has left the window.
  auto outside = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "mallory"),
                                            cluster("2025-11-02T09:05:00Z", "mallory"),
                                            cluster("2025-11-02T09:10:01Z", "mallory")});
  EXPECT_TRUE(outside.findings.empty());
}

TEST(Correlator, ResultDoesNotDependOnInputOrder) {
  auto rules = testing::rules_from(burst_rules(3));
  std::vector<std::string> records;
  for (int i = 0; i < 12; ++i) {
    records.push_back(cluster(fmt::format("2025-11-02T09:{:02}:00Z", i * 4), i % 3 ? "mallory" : "alice",
                              fmt::format("c{}", i)));
  }
  auto reference = testing::evaluate(*rules, records);
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(records.begin(), records.end(), rng);
    auto shuffled = testing::evaluate(*rules, records);
    ASSERT_EQ(shuffled.findings.size(), reference.findings.size());
    for (std::size_t i = 0; i < reference.findings.size(); ++i) {
      EXPECT_EQ(shuffled.findings[i].event_ids, reference.findings[i].event_ids);
      EXPECT_EQ(shuffled.findings[i].first_ms, reference.findings[i].first_ms);
    }
  }
}

TEST(Correlator, GroupByKeepsActorsApartAndSkipsMissingFields) {
  auto rules = testing::rules_from(kBase + R"(---
title: Cluster burst
name: cluster_burst
correlation:
  type: event_count
  rules: [cluster_created]
  group-by: [userIdentity.arn, requestParameters.clusterName]
  timespan: 1h
  condition: {gte: 2}
level: high
)");
  auto e = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "mallory", "x"),
                                      cluster("2025-11-02T09:01:00Z", "alice", "x"),
                                      ecs("2025-11-02T09:02:00Z", "CreateCluster", "mallory"),
                                      ecs("2025-11-02T09:03:00Z", "CreateCluster", "mallory")});
  EXPECT_TRUE(e.findings.empty());  // 1 per (actor, name); the two without a name are not grouped
  EXPECT_EQ(e.correlation.ungrouped_hits, 2u);
}

TEST(Correlator, ValueCountCountsDistinctValues) {
  auto rules = testing::rules_from(kBase + R"(---
title: Many clusters
name: many_clusters
correlation:
  type: value_count
  rules: [cluster_created]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {field: requestParameters.clusterName, gte: 3}
level: high
)");
  auto same = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "m", "a"), cluster("2025-11-02T09:01:00Z", "m", "a"),
                                         cluster("2025-11-02T09:02:00Z", "m", "b"), cluster("2025-11-02T09:03:00Z", "m", "b")});
  EXPECT_TRUE(same.findings.empty());
  auto distinct = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "m", "a"), cluster("2025-11-02T09:01:00Z", "m", "b"),
                                             cluster("2025-11-02T09:02:00Z", "m", "c")});
  EXPECT_EQ(names_of(distinct), (std::vector<std::string>{"many_clusters@m"}));
}

TEST(Correlator, TemporalCountsDistinctRulesAndOrderedNeedsOrder) {
  auto rules = testing::rules_from(kBase + R"(---
title: Two of three ECS steps
name: ecs_two_of_three
correlation:
  type: temporal
  rules: [cluster_created, taskdef_registered, service_created]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {gte: 2}
level: high
---
title: ECS steps in order
name: ecs_in_order
correlation:
  type: temporal_ordered
  rules: [cluster_created, taskdef_registered, service_created]
  group-by: [userIdentity.arn]
  timespan: 1h
level: critical
)");
  auto ordered = testing::evaluate(*rules, {ecs("2025-11-02T09:00:00Z", "CreateCluster", "m"),
                                            ecs("2025-11-02T09:01:00Z", "RegisterTaskDefinition", "m"),
                                            ecs("2025-11-02T09:02:00Z", "CreateService", "m")});
  EXPECT_EQ(names_of(ordered), (std::vector<std::string>{"ecs_in_order@m", "ecs_two_of_three@m"}));
  ASSERT_EQ(ordered.findings[0].stages.size(), 3u);
  EXPECT_EQ(ordered.findings[0].stages[1].name, "taskdef_registered");
  auto reversed = testing::evaluate(*rules, {ecs("2025-11-02T09:00:00Z", "CreateService", "m"),
                                             ecs("2025-11-02T09:01:00Z", "RegisterTaskDefinition", "m"),
                                             ecs("2025-11-02T09:02:00Z", "CreateCluster", "m")});
  EXPECT_EQ(names_of(reversed), (std::vector<std::string>{"ecs_two_of_three@m"}));
  auto one_rule_many_times = testing::evaluate(*rules, {ecs("2025-11-02T09:00:00Z", "CreateCluster", "m"),
                                                        ecs("2025-11-02T09:01:00Z", "CreateCluster", "m")});
  EXPECT_TRUE(one_rule_many_times.findings.empty());
}

TEST(Correlator, ChainedCorrelationUsesTheReferencedEpisodes) {
  auto rules = testing::rules_from(kBase + R"(---
title: Cluster burst
name: cluster_burst
correlation:
  type: event_count
  rules: [cluster_created]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 3}
---
title: Burst then service
name: burst_then_service
correlation:
  type: temporal_ordered
  rules: [cluster_burst, service_created]
  group-by: [userIdentity.arn]
  timespan: 1h
level: critical
)");
  auto e = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "m"), cluster("2025-11-02T09:01:00Z", "m"),
                                      cluster("2025-11-02T09:02:00Z", "m"), ecs("2025-11-02T09:30:00Z", "CreateService", "m")});
  ASSERT_EQ(names_of(e), (std::vector<std::string>{"burst_then_service@m"}));  // the burst itself is not reported
  EXPECT_EQ(e.findings[0].event_count, 4u);
  ASSERT_EQ(e.findings[0].stages.size(), 2u);
  EXPECT_EQ(e.findings[0].stages[0].count, 3u);
  auto too_few = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "m"), cluster("2025-11-02T09:01:00Z", "m"),
                                            ecs("2025-11-02T09:30:00Z", "CreateService", "m")});
  EXPECT_TRUE(too_few.findings.empty());
}

TEST(Correlator, AliasesMapDifferentFieldsToOneGroup) {
  auto rules = testing::rules_from(kBase + R"(---
title: Cluster then service on it
name: cluster_then_service
correlation:
  type: temporal_ordered
  rules: [cluster_created, service_created]
  group-by: [cluster]
  timespan: 1h
  aliases:
    cluster:
      cluster_created: requestParameters.clusterName
      service_created: requestParameters.cluster
level: high
)");
  auto svc = ct_record("2025-11-02T09:05:00Z", "CreateService", "other",
                       R"("requestParameters":{"cluster":"k1","serviceName":"k1"})", "111122223333", "ecs.amazonaws.com");
  auto e = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "m", "k1"), svc});
  ASSERT_EQ(e.findings.size(), 1u);
  EXPECT_EQ(e.findings[0].group, (std::vector<std::pair<std::string, std::string>>{{"cluster", "k1"}}));
}

TEST(Correlator, RedeliveredEventIdCountsOnce) {
  auto rules = testing::rules_from(burst_rules(3));
  auto a = cluster("2025-11-02T09:00:00Z", "m");
  auto b = cluster("2025-11-02T09:01:00Z", "m");
  auto e = testing::evaluate(*rules, {a, b, a, b});
  EXPECT_TRUE(e.findings.empty());
  EXPECT_EQ(e.correlation.duplicate_hits, 2u);
}

TEST(Correlator, GenerateTrueKeepsReferencedRulesReporting) {
  auto rules = testing::rules_from(burst_rules(2, "  generate: true\n"));
  auto e = testing::evaluate(*rules, {cluster("2025-11-02T09:00:00Z", "m"), cluster("2025-11-02T09:01:00Z", "m")});
  EXPECT_EQ(names_of(e), (std::vector<std::string>{"cluster_burst@m", "cluster_created@m"}));
}

}  // namespace
}  // namespace trailsweep

namespace trailsweep {
namespace {

// Found by fuzz_correlation: with two different records sharing an eventID, the
// one kept depended on input order, so reversing the input changed findings.
TEST(Correlator, FuzzOrderDependenceConflictingEventIdsResolveByContent) {
  auto rules = testing::rules_from(burst_rules(2));
  auto with_id = [](std::string rec, const std::string& id) {
    auto p = rec.find("\"eventID\":\"") + 11;
    rec.replace(p, rec.find('"', p) - p, id);
    return rec;
  };
  std::vector<std::string> records = {with_id(cluster("2025-11-02T09:00:00Z", "mallory"), "same-id"),
                                      with_id(cluster("2025-11-02T09:00:00Z", "alice"), "same-id"),
                                      cluster("2025-11-02T09:01:00Z", "mallory")};
  auto forward = testing::evaluate(*rules, records);
  std::reverse(records.begin(), records.end());
  auto backward = testing::evaluate(*rules, records);
  EXPECT_EQ(names_of(forward), names_of(backward));
  EXPECT_EQ(forward.correlation.duplicate_hits, 1u);
}

}  // namespace
}  // namespace trailsweep
