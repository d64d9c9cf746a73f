// Finding order and hit order: what makes reports the same whatever the file
// order or the number of workers.
#include "trailsweep/finding.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace trailsweep {
namespace {

TEST(Finding, ReportsListTheMostSevereFirstThenTheEarliest) {
  auto finding = [](Level level, std::int64_t first, const std::string& principal) {
    Finding f;
    f.level = level;
    f.first_ms = first;
    f.last_ms = first + 10;
    f.principal = principal;
    f.account = "111122223333";
    return f;
  };
  std::vector<Finding> findings = {finding(Level::kLow, 1, "a"), finding(Level::kCritical, 50, "b"),
                                   finding(Level::kHigh, 5, "c"), finding(Level::kCritical, 20, "d"),
                                   finding(Level::kHigh, 5, "a")};
  std::sort(findings.begin(), findings.end(), finding_before);
  std::vector<std::string> order;
  for (const auto& f : findings) order.push_back(f.principal);
  EXPECT_EQ(order, (std::vector<std::string>{"d", "b", "a", "c", "a"}));
}

TEST(Finding, HitsWithOneEventIdOrderByContentNotByWhereTheyWereRead) {
  // A redelivered record (same eventID in two files): whichever file a
  // worker read first, the same one sorts first.
  Hit a, b;
  a.time_ms = b.time_ms = 1000;
  a.event_id = b.event_id = "8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11";
  a.set_texts({.source_ip = "198.51.100.20"});
  b.set_texts({.source_ip = "203.0.113.77"});
  a.file = "z-late-file.json.gz";
  b.file = "a-early-file.json.gz";
  EXPECT_TRUE(hit_before(a, b));
  EXPECT_FALSE(hit_before(b, a));
  // Identical content: then, and only then, the position decides.
  b.set_texts({.source_ip = "198.51.100.20"});
  EXPECT_TRUE(hit_before(b, a));
  // Texts in a fixed order, account and principal first, whatever the row's layout.
  Hit c = a, d = a;
  c.set_texts({.event_name = "TerminateInstances", .account = "111122223333"});
  d.set_texts({.event_name = "RunInstances", .account = "444455556666"});
  EXPECT_TRUE(hit_before(c, d));
  c.set_texts({.event_name = "RunInstances", .region = "us-east-1", .user_agent = "aws-cli/2.31.18"});
  d.set_texts({.event_name = "RunInstances", .region = "eu-west-1", .user_agent = "Boto3/1.40.61"});
  EXPECT_TRUE(hit_before(d, c));
  // The event name alone.
  c.set_texts({.event_name = "RunInstances", .region = "us-east-1"});
  d.set_texts({.event_name = "TerminateInstances", .region = "us-east-1"});
  EXPECT_TRUE(hit_before(c, d));
  EXPECT_FALSE(hit_before(d, c));
  // The last text compared, alone: a dry run's error sorts after the same call without one.
  c.set_texts({.event_name = "RunInstances", .region = "us-east-1"});
  d.set_texts({.event_name = "RunInstances", .region = "us-east-1", .error_code = "Client.DryRunOperation"});
  EXPECT_TRUE(hit_before(c, d));
  EXPECT_FALSE(hit_before(d, c));
  // Time decides before anything else.
  a.time_ms = 999;
  EXPECT_TRUE(hit_before(a, b));
}

TEST(Finding, EvidenceCarriesTheHitsPlaceAndRule) {
  Hit h;
  h.time_ms = 1762074737000;
  h.event_id = "e1";
  h.set_texts({.event_name = "RunInstances",
               .region = "us-east-1",
               .source_ip = "203.0.113.77",
               .user_agent = "Boto3/1.40.61",
               .error_code = "Client.DryRunOperation"});
  h.file = "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02/f.json.gz";
  h.record = 12;
  h.offset = 3400;
  const Evidence e = evidence_of(h, "cm_ec2_dryrun_recon");
  EXPECT_EQ(e.time_ms, h.time_ms);
  EXPECT_EQ(e.event_id, "e1");
  EXPECT_EQ(e.event_name(), "RunInstances");
  EXPECT_EQ(e.region(), "us-east-1");
  EXPECT_EQ(e.source_ip, "203.0.113.77");
  EXPECT_EQ(e.user_agent, "Boto3/1.40.61");
  EXPECT_EQ(e.error_code(), "Client.DryRunOperation");
  EXPECT_TRUE(e.call.same_block(h.call)) << "the hit's row, not a copy";
  EXPECT_TRUE(e.source_ip.same_block(h.source_ip_text));
  EXPECT_EQ(e.file, h.file);
  EXPECT_EQ(e.record, 12);
  EXPECT_EQ(e.offset, 3400);
  EXPECT_EQ(e.rule, "cm_ec2_dryrun_recon");
}

TEST(Finding, AHitKeepsItsResourcesAndLinksApartSortedAndOnce) {
  // Auto Scaling's RunInstances for a group: the instances it launched are
  // resources, the group it launched them for is the link to the actor.
  Hit h;
  h.set_named({{"ec2_instance", "i-0bbb2222"}, {"ec2_instance", "i-0aaa1111"}, {"ec2_instance", "i-0bbb2222"}},
              {{"autoscaling_group", "SPOT-us-east-1-G1-7f3a"}, {"autoscaling_group", "SPOT-us-east-1-G1-7f3a"}});
  std::vector<std::string> resources, links;
  for (const TypedId& r : h.resources()) resources.push_back(fmt::format("{}:{}", r.type, r.id));
  for (const TypedId& l : h.links()) links.push_back(fmt::format("{}:{}", l.type, l.id));
  EXPECT_EQ(resources, (std::vector<std::string>{"ec2_instance:i-0aaa1111", "ec2_instance:i-0bbb2222"}));
  EXPECT_EQ(links, (std::vector<std::string>{"autoscaling_group:SPOT-us-east-1-G1-7f3a"}));
  // The same pair as a link and as a resource are different hits.
  Hit as_resource, as_link;
  as_resource.set_named({{"autoscaling_group", "web-fleet"}}, {});
  as_link.set_named({}, {{"autoscaling_group", "web-fleet"}});
  EXPECT_EQ(as_resource.resources().size(), 1U);
  EXPECT_TRUE(as_resource.links().empty());
  EXPECT_TRUE(hit_before(as_resource, as_link) || hit_before(as_link, as_resource));
}

TEST(Finding, AHitTellsAMissingCapturedValueFromAnEmptyOne) {
  // errorCode "" and no errorCode group differently: one is a value.
  Hit h;
  const std::vector<SharedText> values = {"111122223333", "", ""};
  h.set_values(values, 0b011, {}, {});
  EXPECT_TRUE(h.has_captured(0));
  EXPECT_TRUE(h.has_captured(1));
  EXPECT_FALSE(h.has_captured(2));
  EXPECT_EQ(h.captured()[0], "111122223333");
  const Hit copy = h;  // copies hold their own block
  h.set_named({{"ec2_instance", "i-0aaa1111"}}, {});
  EXPECT_EQ(copy.captured().size(), 3U);
  EXPECT_TRUE(copy.resources().empty());
  EXPECT_EQ(h.captured()[0], "111122223333");  // set_named keeps them
  EXPECT_EQ(h.resources().size(), 1U);
  // Past the 16 flags a value is present when it is not "".
  Hit wide;
  std::vector<SharedText> many(18);
  many[17] = "us-east-1";
  wide.set_values(many, ~std::uint64_t{0}, {}, {});
  EXPECT_TRUE(wide.has_captured(15));
  EXPECT_FALSE(wide.has_captured(16));
  EXPECT_TRUE(wide.has_captured(17));
}

}  // namespace
}  // namespace trailsweep
