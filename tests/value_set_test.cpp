// ValueSet: the smallest `cap` distinct values of a field an actor's
// events carried, whatever order they came in, packed in one string.
#include "trailsweep/value_set.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace trailsweep {
namespace {

// Values as CloudTrail writes them: addresses, a service's name for itself,
// user agents of every length (two joined run past 255 bytes, a length
// that takes more than one byte to write).
const std::string kCli =
    "aws-cli/2.31.18 md/awscrt#0.28.1 ua/2.1 os/linux#6.8.0-1017-aws md/arch#x86_64 lang/python#3.13.7 "
    "md/pyimpl#CPython m/E,b,W cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 "
    "md/prompt#off md/command#ec2.run-instances";
const std::string kBoto =
    "Boto3/1.40.61 md/Botocore#1.40.61 ua/2.0 os/linux#5.15.0-1084-aws md/arch#x86_64 lang/python#3.12.3 "
    "md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.40.61 Resource";
const std::string kConsole = "AWS Internal";

std::vector<std::string> reference(const std::vector<std::string>& values, std::size_t cap) {
  std::set<std::string> all;
  for (const auto& v : values) {
    if (!v.empty()) all.insert(v);
  }
  std::vector<std::string> out(all.begin(), all.end());
  if (out.size() > cap) out.resize(cap);
  return out;
}

TEST(ValueSet, KeepsTheSmallestDistinctValuesWhateverTheOrder) {
  std::vector<std::string> ips;
  for (int i = 0; i < 40; ++i) ips.push_back(fmt::format("203.0.113.{}", (i * 37) % 200));
  ips.push_back("198.51.100.7");
  ips.push_back("203.0.113.0");  // again
  ips.push_back("");              // a record without an address adds none
  std::mt19937 shuffle(20251102);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(ips.begin(), ips.end(), shuffle);
    ValueSet set;
    for (const auto& ip : ips) set.add(ip, 10);
    ASSERT_EQ(set.size(), 10u);
    EXPECT_EQ(set.front(), "198.51.100.7");
    EXPECT_EQ(set.strings(), reference(ips, 10)) << "round " << round;
  }
}

TEST(ValueSet, ReadsBackInOrderAndMovesWhole) {
  // What a finding lists: the set is moved into it from its actor.
  ValueSet regions{"us-west-2", "eu-west-1", "us-east-1", "eu-west-1", ""};
  EXPECT_EQ(regions.size(), 3U);
  std::vector<std::string> read;
  for (std::string_view region : regions) read.emplace_back(region);
  EXPECT_EQ(read, (std::vector<std::string>{"eu-west-1", "us-east-1", "us-west-2"}));
  EXPECT_EQ(std::distance(regions.begin(), regions.end()), 3);
  EXPECT_EQ(regions, (ValueSet{"us-east-1", "us-west-2", "eu-west-1"}));
  EXPECT_NE(regions, (ValueSet{"us-east-1", "us-west-2"}));

  ValueSet agents{kCli, kConsole};
  ValueSet moved = std::move(agents);
  EXPECT_EQ(moved.strings(), (std::vector<std::string>{kConsole, kCli}));
  EXPECT_TRUE(agents.empty());  // NOLINT(bugprone-use-after-move): a moved-from set is empty, and usable
  EXPECT_EQ(agents.begin(), agents.end());
  agents.add("Boto3/1.40.61", 2);
  EXPECT_EQ(agents.strings(), (std::vector<std::string>{"Boto3/1.40.61"}));
  // Moved onto a set that held values: only the moved ones remain, and the
  // set goes on as one built by add() would (its largest is known).
  moved = std::move(regions);
  EXPECT_EQ(moved.strings(), (std::vector<std::string>{"eu-west-1", "us-east-1", "us-west-2"}));
  moved.add("ap-south-1", 3);
  EXPECT_EQ(moved.strings(), (std::vector<std::string>{"ap-south-1", "eu-west-1", "us-east-1"}));
  EXPECT_TRUE(regions.empty());  // NOLINT(bugprone-use-after-move)
  regions.add("sa-east-1", 1);
  EXPECT_EQ(regions.front(), "sa-east-1");
}

TEST(ValueSet, AFullSetTurnsAwayLargerValuesAndASmallerOnePushesOutTheLargest) {
  ValueSet set;
  set.add("us-west-2", 3);
  set.add("eu-west-1", 3);
  set.add("us-east-1", 3);
  set.add("us-east-2", 3);  // beyond the largest of a full set
  set.add("us-west-2", 3);
  EXPECT_EQ(set.size(), 3u);
  set.add("ap-south-1", 3);  // us-west-2 goes; us-east-1 is the largest now
  set.add("us-east-2", 3);   // still beyond it
  set.add("eu-central-1", 3);  // us-east-1 goes
  set.add("eu-north-1", 3);    // between eu-central-1 and eu-west-1: eu-west-1 goes
  EXPECT_EQ(set.strings(), (std::vector<std::string>{"ap-south-1", "eu-central-1", "eu-north-1"}));
}

TEST(ValueSet, LongValuesKeepTheirBytes) {
  const std::string at_limit(254, 'a'), past_limit(255, 'b'), long_one = kCli + kCli;
  ASSERT_GT(long_one.size(), 255u);
  ValueSet set;
  for (const std::string& v : {kCli, kBoto, kConsole, at_limit, past_limit, long_one, kCli}) set.add(v, 50);
  EXPECT_EQ(set.front(), kConsole);
  EXPECT_EQ(set.strings(), reference({kCli, kBoto, kConsole, at_limit, past_limit, long_one}, 50));
  // A long value that goes where a short one was, and the other way.
  ValueSet capped;
  for (const std::string& v : {kConsole, kCli, kBoto}) capped.add(v, 2);
  EXPECT_EQ(capped.strings(), (std::vector<std::string>{kConsole, kBoto}));
}

TEST(ValueSet, NothingIsKeptWithoutRoom) {
  ValueSet set;
  set.add("10.0.0.1", 0);
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.front(), "");
  set.add("10.0.0.1", 1);
  set.clear();
  EXPECT_TRUE(set.empty());
  EXPECT_TRUE(set.strings().empty());
  EXPECT_EQ(set.begin(), set.end());
}

TEST(ValueSet, MergeKeepsWhatAddingEveryValueWould) {
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    const std::size_t cap = 1 + random() % 8;
    std::vector<std::string> mine, theirs;
    const auto address = [&] { return fmt::format("10.1.{}.{}", random() % 3, random() % 9); };
    for (std::size_t i = random() % 12; i > 0; --i) mine.push_back(address());
    for (std::size_t i = random() % 12; i > 0; --i) theirs.push_back(address());
    if (round % 10 == 0) theirs.push_back(kCli);  // a long one among them
    ValueSet a, b;
    for (const auto& v : mine) a.add(v, cap);
    for (const auto& v : theirs) b.add(v, cap);
    std::string scratch = "left over from an earlier merge";
    a.merge(b, cap, scratch);
    EXPECT_TRUE(b.empty());
    std::vector<std::string> both = mine;
    both.insert(both.end(), theirs.begin(), theirs.end());
    const std::vector<std::string> expected = reference(both, cap);
    EXPECT_EQ(a.size(), expected.size());
    // The merged set goes on as one built by add() would: its largest is known.
    a.add("10.0.0.0", cap);
    a.add("10.9.9.9", cap);
    both.push_back("10.0.0.0");
    both.push_back("10.9.9.9");
    EXPECT_EQ(a.strings(), reference(both, cap)) << "round " << round;
  }
}

TEST(ValueSet, AddsInAnyOrderAsTheReferenceDoes) {
  std::mt19937 random(11);
  for (int round = 0; round < 300; ++round) {
    const std::size_t cap = 1 + random() % 6;
    std::vector<std::string> values;
    ValueSet set;
    for (std::size_t i = random() % 30; i > 0; --i) {
      values.push_back(random() % 7 == 0 ? kBoto.substr(0, random() % kBoto.size())
                                         : fmt::format("192.0.2.{}", random() % 20));
      set.add(values.back(), cap);
      ASSERT_EQ(set.front(), reference(values, cap).empty() ? "" : reference(values, cap).front());
    }
    EXPECT_EQ(set.strings(), reference(values, cap)) << "round " << round;
  }
}

}  // namespace
}  // namespace trailsweep
