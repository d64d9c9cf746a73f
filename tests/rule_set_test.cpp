// RuleSet: the index that decides which rules an event meets. A rule the
// index leaves out is a detection lost without a trace, so the index is
// checked against evaluating every rule on every record.
#include "trailsweep/rule_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "test_util.hpp"
#include "trailsweep/input_walker.hpp"
#include "trailsweep/record_fields.hpp"
#include "trailsweep/rule_loader.hpp"
#include "trailsweep/scanner.hpp"

namespace trailsweep {
namespace {

using testing::ct_record;

// One rule per way a condition can (or cannot) name its eventName or
// eventSource, with the case of the rule's literal unlike the record's.
constexpr const char* kIndexRules = R"(title: Exact name, other case
name: exact
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: createuser}
  condition: sel
level: low
---
title: Names or-ed over selections
name: one_of
logsource: {product: aws, service: cloudtrail}
detection:
  sel_a: {eventName: RunInstances}
  sel_b: {eventName: CreateLaunchTemplate}
  condition: 1 of sel_*
level: low
---
title: A list mixing an exact name and a prefix
name: list
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: [DeleteTrail, 'StopLog*']}
  condition: sel
level: low
---
title: Prefix
name: prefix
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName|startswith: Describe}
  condition: sel
level: low
---
title: Source only, other case
name: source
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: IAM.amazonaws.com}
  condition: sel
level: low
---
title: Negated name
name: negated
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: ec2.amazonaws.com}
  quiet: {eventName: DescribeInstances}
  condition: not quiet and not sel
level: low
---
title: Name by contains
name: contains
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName|contains: Instance}
  condition: sel
level: low
---
title: Inner wildcard
name: inner_wildcard
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: 'Run*Instances'}
  condition: sel
level: low
---
title: Name or a field
name: name_or_field
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: GetCallerIdentity}
  other: {errorCode: AccessDenied}
  condition: sel or other
level: low
---
title: Name and a field
name: name_and_field
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: CreateAccessKey}
  user: {userIdentity.type: IAMUser}
  condition: sel and user
level: low
---
title: Keywords
name: keywords
logsource: {product: aws, service: cloudtrail}
detection:
  keywords: [yenik65958]
  condition: keywords
level: low
)";

// The rules that match, found two ways: through the index (what a scan
// does) and by evaluating every detection rule's condition directly.
class IndexAgainstEveryRule : public EventSink {
 public:
  explicit IndexAgainstEveryRule(const RuleSet& rules) : rules_(rules) {}
  void on_event(const Event& ev) override {
    fields_.bind(ev);
    std::vector<int> indexed;
    rules_.match(ev, fields_, &indexed);
    std::vector<int> direct;
    rules_.match_every_rule(fields_, &direct);
    std::sort(indexed.begin(), indexed.end());
    EXPECT_EQ(indexed, direct) << ev.event_source << " " << ev.event_name << " in " << ev.pos.file << " record "
                               << ev.pos.record;
    for (int i : direct) ++hits_by_rule[rules_.rules()[static_cast<std::size_t>(i)].display_id()];
    std::vector<int> candidates;
    rules_.candidates(ev.event_source, ev.event_name, &candidates);
    candidates_total += candidates.size();
    EXPECT_EQ(rules_.may_match(ev.event_source, ev.event_name), !candidates.empty()) << ev.event_name;
    ++events;
  }
  std::map<std::string, int> hits_by_rule;
  std::size_t candidates_total = 0, events = 0;

 private:
  const RuleSet& rules_;
  RecordFields fields_;
};

TEST(RuleSet, TheIndexOffersEveryRuleThatMatchesWhateverTheCase) {
  auto rules = testing::rules_from(kIndexRules);
  ASSERT_TRUE(rules);
  IndexAgainstEveryRule check(*rules);
  std::vector<std::string> records;
  for (const char* name : {"CreateUser", "CREATEUSER", "RunInstances", "runinstances", "CreateLaunchTemplate",
                           "DeleteTrail", "StopLogging", "DescribeInstances", "describeinstances",
                           "DescribeInstanceStatus", "GetCallerIdentity", "CreateAccessKey", "ListBuckets",
                           "RunScheduledInstances"}) {
    records.push_back(ct_record("2025-11-02T10:00:00Z", name, "alice"));
  }
  records.push_back(ct_record("2025-11-02T10:00:01Z", "ListRoles", "alice", "", "111122223333", "iam.amazonaws.com"));
  records.push_back(ct_record("2025-11-02T10:00:02Z", "ListRoles", "alice", R"("errorCode":"AccessDenied")"));
  records.push_back(ct_record("2025-11-02T10:00:03Z", "RegisterTaskDefinition", "alice",
                              R"("requestParameters":{"containerDefinitions":[{"image":"yenik65958/secret:user"}]})",
                              "111122223333", "ecs.amazonaws.com"));
  testing::scan_records(check, records);
  EXPECT_EQ(check.events, records.size());
  // Every rule matched something, so no comparison above was vacuous.
  const std::map<std::string, int> want = {
      {"exact", 2},    {"one_of", 3},          {"list", 2},          {"prefix", 3},
      {"source", 1},   {"negated", 2},         {"contains", 6},      {"inner_wildcard", 3},
      {"name_or_field", 2}, {"name_and_field", 1}, {"keywords", 1}};
  EXPECT_EQ(check.hits_by_rule, want);
}

// The bundled rules and SigmaHQ's over every real record in testdata
// (Stratus Red Team detonations, the campaign archive, the scenarios).
TEST(RuleSet, OnRealRecordsTheIndexMissesNoMatchOfTheShippedOrSigmaRules) {
  const std::string root = TRAILSWEEP_SOURCE_DIR;
  RuleLoadResult loaded = load_rules({root + "/rules", root + "/testdata/sigma-rules"});
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const RuleSet& rules = *loaded.rules;
  IndexAgainstEveryRule check(rules);
  WalkResult walk = walk_inputs({root + "/testdata/stratus", root + "/testdata/archive", root + "/testdata/scenarios"},
                                InputFilter{});
  ASSERT_GT(walk.files.size(), 100u);
  Scanner scanner(ScanOptions{});
  for (const InputFile& file : walk.files) {
    RunSummary summary;
    scanner.scan_file(file, check, summary);
  }
  EXPECT_GT(check.events, 2000u);
  EXPECT_GE(check.hits_by_rule.size(), 30u) << "too few rules matched for the comparison to mean much";
  // The index is selective: most records meet a handful of rules, not all.
  EXPECT_LT(check.candidates_total / check.events, rules.detection_count() / 4);
}

// The per-worker memo of rule candidates answers as the index does, whatever
// the case of the name, stays bounded under endless distinct names, and
// tells apart names its index hash does not.
TEST(CandidateCache, AnswersAsTheIndexAndStaysBounded) {
  auto rules = testing::rules_from(kIndexRules);
  ASSERT_TRUE(rules);
  CandidateCache cache;
  auto direct = [&](std::string_view source, std::string_view name) {
    std::vector<int> out;
    rules->candidates(source, name, &out);
    return out;
  };
  for (int round = 0; round < 2; ++round) {
    for (auto [source, name] : {std::pair{"ec2.amazonaws.com", "DescribeInstances"},
                                {"ec2.amazonaws.com", "describeinstances"}, {"iam.amazonaws.com", "CreateUser"},
                                {"ec2.amazonaws.com", "RunInstances"}, {"s3.amazonaws.com", "GetObject"}}) {
      EXPECT_EQ(cache.get(*rules, source, name), direct(source, name)) << name;
    }
    for (int i = 0; i < 5000; ++i) {
      const std::string name = "Describe" + std::to_string(i);
      ASSERT_EQ(cache.get(*rules, "ec2.amazonaws.com", name), direct("ec2.amazonaws.com", name)) << name;
      ASSERT_LE(cache.size(), CandidateCache::kMaxEntries);
    }
  }
  // Names alike in size and in their first and last eight bytes share a
  // slot's index (the memo hashes no more of them) and are still told apart.
  for (const char* name : {"CreateLaunchTemplate", "CreateLaXXXXTemplate", "CreateLaunchTemplate"}) {
    EXPECT_EQ(cache.get(*rules, "ec2.amazonaws.com", name), direct("ec2.amazonaws.com", name)) << name;
  }
  EXPECT_NE(direct("ec2.amazonaws.com", "CreateLaunchTemplate"), direct("ec2.amazonaws.com", "CreateLaXXXXTemplate"));
  // DescribeInstances: the prefix rule and the five that no literal indexes.
  std::set<std::string> names;
  for (int i : direct("ec2.amazonaws.com", "DescribeInstances")) {
    names.insert(rules->rules()[static_cast<std::size_t>(i)].name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"prefix", "negated", "contains", "inner_wildcard", "name_or_field",
                                          "keywords"}));
}

// Rules that name no eventName but need a userIdentity.type are skipped for
// other types without being evaluated; that skip must never lose a match
// (types compare ignoring case, like the rule's own check) and must not be
// derived from a negated or an or-ed selection.
TEST(RuleSet, RulesNeedingAnIdentityTypeAreSkippedForOtherTypesOnly) {
  auto rules = testing::rules_from(R"(title: Root use
name: root_use
logsource: {product: aws, service: cloudtrail}
detection:
  selection_usertype: {userIdentity.type: Root}
  selection_eventtype: {eventType: AwsServiceEvent}
  condition: selection_usertype and not selection_eventtype
level: high
---
title: Lower-case in the rule
name: lower_case
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {userIdentity.type: iamuser}
  condition: sel
level: low
---
title: Not root
name: not_root
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {userIdentity.type: Root}
  condition: not sel
level: low
---
title: Root or a name
name: root_or_name
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {userIdentity.type: Root}
  other: {userAgent: Boto3/1.40.61}
  condition: sel or other
level: low
)");
  ASSERT_TRUE(rules);
  EXPECT_EQ(rules->required_identity_types(rules->find("root_use")), std::vector<std::string>{"root"});
  EXPECT_EQ(rules->required_identity_types(rules->find("lower_case")), std::vector<std::string>{"iamuser"});
  EXPECT_TRUE(rules->required_identity_types(rules->find("not_root")).empty());
  EXPECT_TRUE(rules->required_identity_types(rules->find("root_or_name")).empty());

  std::string root = ct_record("2025-11-02T10:00:00Z", "ListBuckets", "root");
  root.replace(root.find("\"IAMUser\""), 9, "\"Root\"");
  const std::string iam_user = ct_record("2025-11-02T10:00:01Z", "ListBuckets", "alice");
  auto names = [&](const std::string& record) {
    std::set<std::string> out;
    for (const Finding& f : testing::evaluate(*rules, {record}).findings) out.insert(f.rule_name);
    return out;
  };
  EXPECT_EQ(names(root), (std::set<std::string>{"root_use", "root_or_name"}));
  EXPECT_EQ(names(iam_user), (std::set<std::string>{"lower_case", "not_root", "root_or_name"}));
}

// The type filter compares a record's type with the types CloudTrail writes
// as bits, all other values falling on one bit: a rule naming a type AWS
// adds later, or a record carrying one, must still decide as the rule's own
// check does (a type filter that skipped the rule would lose its match).
TEST(RuleSet, TheIdentityTypeFilterDecidesAsTheRulesOwnCheckForAnyType) {
  auto type_rule = [](const std::string& name, const std::string& types) {
    return "title: " + name + "\nname: " + name + "\nlogsource: {product: aws, service: cloudtrail}\n" +
           "detection:\n  sel: {userIdentity.type: " + types + "}\n  condition: sel\nlevel: low\n";
  };
  auto rules = testing::rules_from(type_rule("assumed", "AssumedRole") + "---\n" +
                                   type_rule("new_or_root", "[Root, AgentCoreIdentity]") + "---\n" +
                                   type_rule("center", "IdentityCenterUser") + "---\n" +
                                   // an unlisted type one byte from a listed one
                                   type_rule("near_center", "IdentityCexterUser"));
  ASSERT_TRUE(rules);
  auto names = [&](const std::string& type) {
    std::string record = ct_record("2025-11-02T10:00:00Z", "ListBuckets", "alice");
    record.replace(record.find("\"IAMUser\""), 9, "\"" + type + "\"");
    std::set<std::string> out;
    for (const Finding& f : testing::evaluate(*rules, {record}).findings) out.insert(f.rule_name);
    return out;
  };
  using Names = std::set<std::string>;
  EXPECT_EQ(names("AssumedRole"), Names{"assumed"});
  EXPECT_EQ(names("ASSUMEDROLE"), Names{"assumed"});
  EXPECT_EQ(names("Root"), Names{"new_or_root"});
  EXPECT_EQ(names("AgentCoreIdentity"), Names{"new_or_root"});
  EXPECT_EQ(names("agentcoreidentity"), Names{"new_or_root"});
  EXPECT_EQ(names("IdentityCenterUser"), Names{"center"});
  EXPECT_EQ(names("identityCENTERuser"), Names{"center"});
  // Unlisted types that are not the rule's, and listed ones of other rules.
  EXPECT_EQ(names("AgentCore"), Names{});
  EXPECT_EQ(names("AssumedRoles"), Names{});
  EXPECT_EQ(names("AssumedRolf"), Names{});
  EXPECT_EQ(names("IdentityCexterUser"), Names{"near_center"});  // a byte only the middle word holds
  EXPECT_EQ(names("IAMUser"), Names{});
  EXPECT_EQ(names("AWSService"), Names{});
  EXPECT_EQ(names(""), Names{});
}

// A rule is skipped when a check it needs fails (RuleSet::guard). Such a
// check may only come from a selection the condition requires with a single
// alternative: taken from an or-ed, negated or `1 of` selection, or from a
// list of maps, it would drop the matches the other branch makes, which the
// comparison with evaluating every rule would show.
TEST(RuleSet, ARuleIsSkippedOnlyByACheckEveryMatchPasses) {
  auto rules = testing::rules_from(R"(title: User agent
name: user_agent
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {userAgent: TruffleHog}
  condition: sel
level: medium
---
title: Pattern and not a literal
name: and_not
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {sourceIPAddress|startswith: '203.0.113.'}
  filter: {userAgent: TruffleHog}
  condition: sel and not filter
level: low
---
title: Or
name: either
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {userAgent: TruffleHog}
  other: {sourceIPAddress: 203.0.113.9}
  condition: sel or other
level: low
---
title: Not
name: negated
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {userAgent: TruffleHog}
  condition: not sel
level: low
---
title: A list of maps
name: alternatives
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    - {userAgent: TruffleHog}
    - {sourceIPAddress: 203.0.113.9}
  condition: sel
level: low
---
title: One of
name: one_of
logsource: {product: aws, service: cloudtrail}
detection:
  sel_agent: {userAgent: TruffleHog}
  sel_address: {sourceIPAddress: 203.0.113.9}
  condition: 1 of sel_*
level: low
---
title: All of
name: all_of
logsource: {product: aws, service: cloudtrail}
detection:
  sel_agent: {userAgent: TruffleHog}
  sel_address: {sourceIPAddress: 203.0.113.9}
  condition: all of sel_*
level: low
---
title: Decided by the index and the type filter
name: indexed
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: ListBuckets, userIdentity.type: IAMUser}
  condition: sel
level: low
)");
  ASSERT_TRUE(rules);
  auto guard_path = [&](const char* name) {
    const FieldCheck* check = rules->guard(rules->find(name));
    return check ? check->path : std::string("(none)");
  };
  EXPECT_EQ(guard_path("user_agent"), "userAgent");
  EXPECT_EQ(guard_path("and_not"), "sourceIPAddress");
  EXPECT_EQ(guard_path("either"), "(none)");
  EXPECT_EQ(guard_path("negated"), "(none)");
  EXPECT_EQ(guard_path("alternatives"), "(none)");
  EXPECT_EQ(guard_path("one_of"), "(none)");
  EXPECT_NE(guard_path("all_of"), "(none)");
  EXPECT_EQ(guard_path("indexed"), "(none)");

  auto with = [](std::string record, const std::string& from, const std::string& to) {
    record.replace(record.find(from), from.size(), to);
    return record;
  };
  const std::string agent = R"("userAgent":"Boto3/1.40.61")", address = R"("sourceIPAddress":"203.0.113.7")";
  const std::string plain = ct_record("2025-11-02T10:00:00Z", "ListBuckets", "alice");
  const std::string truffle = with(plain, agent, R"("userAgent":"TruffleHog")");
  const std::string lower_case = with(plain, agent, R"("userAgent":"trufflehog")");
  const std::string other_address = with(plain, address, R"("sourceIPAddress":"203.0.113.9")");
  const std::string both = with(truffle, address, R"("sourceIPAddress":"203.0.113.9")");
  IndexAgainstEveryRule check(*rules);
  testing::scan_records(check, {plain, truffle, lower_case, other_address, both});
  const std::map<std::string, int> want = {{"user_agent", 3}, {"and_not", 2}, {"either", 4},   {"negated", 2},
                                           {"alternatives", 4}, {"one_of", 4}, {"all_of", 1}, {"indexed", 5}};
  EXPECT_EQ(check.hits_by_rule, want);
}

}  // namespace
}  // namespace trailsweep
