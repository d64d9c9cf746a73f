// Detector caps: memory stays bounded whatever the archive; what is evicted is
// chosen by severity and a fixed rank of the actor (never by arrival or
// time), so what is kept is complete, and what is dropped is counted.
#include "trailsweep/detector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>

#include <fmt/format.h>

#include "test_util.hpp"
#include "trailsweep/byte_source.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {
namespace {

using testing::ct_record;
using testing::rules_from;
using testing::run_trailsweep;

constexpr const char* kRules = R"(title: Noisy
name: noisy
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: DescribeInstances}
  condition: sel
level: low
---
title: Serious
name: serious
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: CreateUser}
  condition: sel
level: high
---
title: Signal
name: signal
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: RunInstances}
  condition: sel
level: low
---
title: Burst
name: burst
correlation:
  type: event_count
  rules: [signal]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {gte: 1}
level: medium
)";

std::string time_at(int minute) { return fmt::format("2025-11-02T10:{:02d}:00Z", minute); }

void feed(Detector& d, const std::vector<std::string>& records) { testing::scan_records(d, records); }

// Two workers' detectors over the two parts, sharing their eviction floor,
// merged and capped as a scan does.
std::unique_ptr<Detector> scanned_by_two_workers(const RuleSet& rules, const DetectorOptions& options,
                                                 const std::vector<std::string>& part_a,
                                                 const std::vector<std::string>& part_b) {
  Detector::SharedFloor floor;
  const auto evidence = std::make_shared<EvidenceBoard>();
  auto a = std::make_unique<Detector>(rules, options, evidence);
  Detector b(rules, options, evidence);
  a->share_eviction_floor(&floor);
  b.share_eviction_floor(&floor);
  if (!part_a.empty()) feed(*a, part_a);
  if (!part_b.empty()) feed(b, part_b);
  a->on_worker_done();
  b.on_worker_done();
  Detector* workers[] = {a.get(), &b};
  Detector::drop_outranked(workers, 2);
  a->share_eviction_floor(nullptr);  // before `floor` goes, as a scan does
  a->merge(std::move(b));
  a->apply_caps();
  return a;
}

std::vector<std::int64_t> minutes_of(const std::vector<Evidence>& evidence) {
  std::vector<std::int64_t> out;
  for (const Evidence& e : evidence) out.push_back((e.time_ms / 60000) % 60);
  return out;
}

// The user or session names of the actors that kept a finding.
std::set<std::string> kept_names(const std::vector<Finding>& findings) {
  std::set<std::string> kept;
  for (const auto& f : findings) kept.insert(f.principal.substr(f.principal.rfind('/') + 1));
  return kept;
}

// Per finding, the smallest max_distinct_values values are listed, sorted,
// whichever worker saw which event and in whatever order.
TEST(DetectorCaps, ListedValuesAreTheSmallestWhateverTheOrderAndWorker) {
  auto rules = rules_from(kRules);
  std::vector<std::string> records;
  for (int i = 0; i < 12; ++i) {
    std::string r = ct_record(time_at(i), "DescribeInstances", "dev");
    const std::string ip = fmt::format("203.0.113.{}", 40 - i * 3 % 37);
    r.replace(r.find("203.0.113.7"), 11, ip);
    records.push_back(r);
  }
  records.push_back(records[3]);  // a repeat adds nothing
  DetectorOptions options;
  options.max_distinct_values = 5;
  auto listed = [&](std::vector<std::string> part_a, std::vector<std::string> part_b) {
    Detector a(*rules, options), b(*rules, options);
    feed(a, part_a);
    if (!part_b.empty()) feed(b, part_b);
    a.merge(std::move(b));
    auto findings = a.take_single_event_findings();
    EXPECT_EQ(findings.size(), 1u);
    return findings.empty() ? std::vector<std::string>() : findings[0].source_ips.strings();
  };
  std::vector<std::string> want;
  for (const auto& r : records) want.push_back(r.substr(r.find("203.0.113."), r.find('"', r.find("203.0.113.")) - r.find("203.0.113.")));
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  want.resize(5);
  std::vector<std::string> reversed(records.rbegin(), records.rend());
  EXPECT_EQ(listed(records, {}), want);
  EXPECT_EQ(listed(reversed, {}), want);
  EXPECT_EQ(listed(std::vector<std::string>(records.begin(), records.begin() + 6),
                   std::vector<std::string>(records.begin() + 6, records.end())),
            want);
  EXPECT_EQ(listed(records, reversed), want) << "values both workers saw are listed once";
  EXPECT_EQ(listed(std::vector<std::string>(records.begin() + 6, records.end()),
                   std::vector<std::string>(records.begin(), records.begin() + 6)),
            want);
}

TEST(DetectorCaps, LowSeverityNoiseNeverEvictsASeriousFinding) {
  auto rules = rules_from(kRules);
  std::vector<std::string> records = {ct_record(time_at(0), "CreateUser", "intruder", "", "111122223333", "iam.amazonaws.com")};
  for (int i = 0; i < 10; ++i) records.push_back(ct_record(time_at(10 + i), "DescribeInstances", fmt::format("app{}", i)));
  DetectorOptions options;
  options.max_tracked_principals = 3;
  Detector d(*rules, options);
  feed(d, records);
  d.apply_caps();
  auto findings = d.take_single_event_findings();
  ASSERT_EQ(findings.size(), 3u);
  const std::set<std::string> kept = kept_names(findings);
  // The high finding, then two of the noisy actors: the same two whatever
  // the order.
  EXPECT_TRUE(kept.count("intruder"));
  Detector reversed(*rules, options);
  feed(reversed, std::vector<std::string>(records.rbegin(), records.rend()));
  reversed.apply_caps();
  EXPECT_EQ(kept_names(reversed.take_single_event_findings()), kept);
  EXPECT_EQ(d.evictions().principals, 8u);
  EXPECT_EQ(d.evictions().principal_events, 8u);
}

// An actor met again after the trims is either kept from its first event or
// dropped (below the floor) every time, and counted once however often.
TEST(DetectorCaps, ActorsBelowTheEvictionFloorAreCountedOnceAndKeptOnesMissNothing) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 10;  // trims past 10 + 2 + 64 actors
  Detector d(*rules, options);
  std::vector<std::string> records;
  for (int pass = 0; pass < 3; ++pass) {
    for (int i = 0; i < 100; ++i) {
      records.push_back(ct_record(fmt::format("2025-11-02T1{}:{:02d}:{:02d}Z", pass, i / 60, i % 60),
                                  "DescribeInstances", fmt::format("app{}", i)));
    }
  }
  records.push_back(ct_record("2025-11-02T09:00:00Z", "CreateUser", "intruder", "", "111122223333", "iam.amazonaws.com"));
  feed(d, records);
  d.apply_caps();
  auto findings = d.take_single_event_findings();
  ASSERT_EQ(findings.size(), 10u);
  EXPECT_TRUE(kept_names(findings).count("intruder"));
  for (const auto& f : findings) {
    if (f.principal.ends_with("/intruder")) continue;
    EXPECT_EQ(f.event_count, 3u) << f.principal;
    EXPECT_EQ(f.evidence.size(), 3u) << f.principal;
    EXPECT_EQ(format_rfc3339_ms(f.first_ms).substr(0, 13), "2025-11-02T10") << f.principal;
  }
  EXPECT_EQ(d.evictions().principals, 91u) << "100 apps, 9 kept: each dropped one counts once";
  EXPECT_EQ(d.evictions().principal_events, 91u * 3);
}

// Actors of one severity are kept or evicted by a key of their own (a hash
// of their names, then rule), never by arrival: the same ones are kept in any
// order and over any split.
TEST(DetectorCaps, TheSameActorsAreKeptInAnyOrderAndSplit) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 10;  // trims past 76 actors while feeding, then exactly at 10
  std::vector<std::string> records;
  for (int i = 0; i < 200; ++i) records.push_back(ct_record(time_at(5), "DescribeInstances", fmt::format("app{}", i)));
  auto kept = [&](const std::vector<std::string>& part_a, const std::vector<std::string>& part_b) {
    auto a = scanned_by_two_workers(*rules, options, part_a, part_b);
    if (part_a.size() + part_b.size() == records.size()) {
      EXPECT_EQ(a->evictions().principal_events, 190u);
    }
    return kept_names(a->take_single_event_findings());
  };
  const std::set<std::string> want = kept(records, {});
  EXPECT_EQ(want.size(), 10u);
  std::vector<std::string> reversed(records.rbegin(), records.rend()), odd, even;
  for (std::size_t i = 0; i < records.size(); ++i) (i % 2 ? odd : even).push_back(records[i]);
  EXPECT_EQ(kept(reversed, {}), want);
  EXPECT_EQ(kept({}, records), want);
  EXPECT_EQ(kept(odd, even), want);
  EXPECT_EQ(kept(even, reversed), want) << "an actor seen by both workers counts once";
}

// A worker sharing the floor drops the actors that fall below it whenever
// it publishes, not only at its trim (cap + slack): otherwise each of N
// workers held up to that many actors of a noisy rule, and memory grew with
// -j (172 MB at -j 2, 344 MB at -j 8 on the benchmark archive).
TEST(DetectorCaps, ASharingWorkerHoldsItsActorsAboveTheFloorAndThoseBuiltSince) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 40;  // publishes every 27 actors built, trims past 114 held
  std::vector<std::string> records;
  for (int i = 0; i < 110; ++i) records.push_back(ct_record(time_at(i % 60), "DescribeInstances", fmt::format("u{}", i)));
  Detector::SharedFloor floor;
  Detector a(*rules, options), b(*rules, options);
  a.share_eviction_floor(&floor);
  b.share_eviction_floor(&floor);
  feed(a, records);
  EXPECT_LE(a.actors_held(), 40u + 27u);
  EXPECT_GT(a.evictions().principals, 0u) << "dropped while scanning, not only at the end";
  a.on_worker_done();
  b.on_worker_done();
  a.merge(std::move(b));
  a.apply_caps();
  Detector alone(*rules, options);
  feed(alone, records);
  alone.apply_caps();
  EXPECT_EQ(kept_names(a.take_single_event_findings()), kept_names(alone.take_single_event_findings()));
  EXPECT_EQ(a.evictions().principals, 70u);
  EXPECT_EQ(alone.evictions().principals, 70u);
}

// A worker refuses the actors that all workers together already outrank,
// not only those below its own floor: with the floor shared, the second
// worker builds a fraction of the actors it builds alone, and the findings
// and counts are those of one detector over everything.
TEST(DetectorCaps, ASharedFloorSavesBuildingActorsAndChangesNothing) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 10;  // trims past 76 actors
  std::vector<std::string> part_a, part_b;
  for (int i = 0; i < 400; ++i) {
    part_a.push_back(ct_record(time_at(i % 60), "DescribeInstances", fmt::format("a{}", i)));
    part_b.push_back(ct_record(time_at(i % 60), "DescribeInstances", fmt::format("b{}", i)));
  }
  part_b.push_back(ct_record(time_at(7), "CreateUser", "intruder", "", "111122223333", "iam.amazonaws.com"));

  auto two_workers = [&](bool share) {
    Detector::SharedFloor floor;
    auto a = std::make_unique<Detector>(*rules, options);
    Detector b(*rules, options);
    if (share) {
      a->share_eviction_floor(&floor);
      b.share_eviction_floor(&floor);
    }
    feed(*a, part_a);
    feed(b, part_b);
    const std::uint64_t built_by_b = b.actors_built();
    a->share_eviction_floor(nullptr);
    a->merge(std::move(b));
    a->apply_caps();
    return std::make_pair(built_by_b, std::move(a));
  };
  auto [alone_built, alone] = two_workers(false);
  auto [shared_built, shared] = two_workers(true);
  EXPECT_GE(alone_built, 77u) << "alone, the second worker builds actors until its first trim";
  EXPECT_LT(shared_built, 40u) << "shared, the first worker's kept ranks bar most of them";

  std::vector<std::string> everything = part_a;
  everything.insert(everything.end(), part_b.begin(), part_b.end());
  Detector one(*rules, options);
  feed(one, everything);
  one.apply_caps();
  auto want = one.take_single_event_findings();
  EXPECT_TRUE(kept_names(want).count("intruder"));
  for (Detector* d : {alone.get(), shared.get()}) {
    auto got = d->take_single_event_findings();
    EXPECT_EQ(kept_names(got), kept_names(want));
    EXPECT_EQ(got.size(), want.size());
    EXPECT_EQ(d->evictions().principals, one.evictions().principals);
    EXPECT_EQ(d->evictions().principal_events, one.evictions().principal_events);
  }
}

// A worker done with its events applies the caps on its own thread, and
// drops what the floor shared with the others bars, so that the merge after
// the scan has less to fold in.
TEST(DetectorCaps, AWorkerDoneKeepsOnlyWhatItsCapAndTheSharedFloorAllow) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 10;  // trims past 76 actors
  auto actors = [](const char* prefix, int n) {
    std::vector<std::string> records;
    for (int i = 0; i < n; ++i) {
      records.push_back(ct_record(time_at(i % 60), "DescribeInstances", fmt::format("{}{}", prefix, i)));
    }
    return records;
  };
  Detector alone(*rules, options);
  feed(alone, actors("b", 60));  // under the trim threshold: all 60 held
  alone.on_worker_done();
  EXPECT_EQ(alone.take_single_event_findings().size(), 10u);
  EXPECT_EQ(alone.evictions().principals, 50u);

  Detector::SharedFloor floor;
  Detector a(*rules, options), b(*rules, options);
  a.share_eviction_floor(&floor);
  b.share_eviction_floor(&floor);
  feed(b, actors("b", 60));  // b holds its actors before a's floor is known
  feed(a, actors("a", 400));
  a.on_worker_done();  // publishes the 10 it keeps of 400
  b.on_worker_done();
  EXPECT_LT(b.take_single_event_findings().size(), 10u) << "b's actors below a's 10th best are dropped";
}

// Before the merge, each worker drops the actors that the cap's number of
// actors over all workers outrank (each worker's own floor trails the
// others'), and the merge then finds what one detector over everything keeps.
TEST(DetectorCaps, ActorsOutrankedOverAllWorkersAreDroppedBeforeTheMerge) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 10;  // trims past 76 actors: each worker below holds all of its 60
  auto actors = [](int from, int to) {
    std::vector<std::string> records;
    for (int i = from; i < to; ++i) records.push_back(ct_record(time_at(i % 60), "DescribeInstances", fmt::format("u{}", i)));
    return records;
  };
  Detector a(*rules, options), b(*rules, options);
  feed(a, actors(0, 60));
  feed(b, actors(30, 90));  // u30..u59 in both, two events each
  ASSERT_EQ(a.actors_held() + b.actors_held(), 120u);
  Detector* workers[] = {&a, &b};
  Detector::drop_outranked(workers, 2);
  // The 10 best of the 90, and again those of them both workers hold.
  EXPECT_GE(a.actors_held() + b.actors_held(), 10u);
  EXPECT_LE(a.actors_held() + b.actors_held(), 20u);
  a.merge(std::move(b));
  a.apply_caps();

  std::vector<std::string> everything = actors(0, 60), second = actors(30, 90);
  everything.insert(everything.end(), second.begin(), second.end());
  Detector one(*rules, options);
  feed(one, everything);
  one.apply_caps();
  auto events_by_name = [](const std::vector<Finding>& findings) {
    std::map<std::string, std::uint64_t> events;
    for (const auto& f : findings) events[f.principal] = f.event_count;
    return events;
  };
  const auto got = events_by_name(a.take_single_event_findings());
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got, events_by_name(one.take_single_event_findings()));
  std::uint64_t kept_events = 0;
  for (const auto& [name, events] : got) kept_events += events;
  EXPECT_EQ(a.evictions().principals, 80u);
  EXPECT_EQ(a.evictions().principal_events, 120u - kept_events) << "120 events in all, less those of the kept";
  EXPECT_EQ(a.evictions().principal_events, one.evictions().principal_events);
}

// What the pipeline does with any number of workers, over random splits:
// each worker shares the floor and is done, the outranked actors are
// dropped, the workers are merged and capped. Whatever the split and the
// cap, the findings and the counts are one detector's over everything.
TEST(DetectorCaps, AnySplitOverWorkersKeepsWhatOneDetectorKeeps) {
  auto rules = rules_from(kRules);
  std::mt19937 random(20261128);
  for (int round = 0; round < 40; ++round) {
    DetectorOptions options;
    options.max_tracked_principals = 1 + random() % 25;
    const std::size_t workers = 2 + random() % 4;
    const int users = 5 + static_cast<int>(random() % 120);
    std::vector<std::string> everything;
    std::vector<std::vector<std::string>> parts(workers);
    for (int i = 0, n = static_cast<int>(random() % 300); i < n; ++i) {
      const int user = static_cast<int>(random() % static_cast<unsigned>(users));
      const bool serious = random() % 17 == 0;
      std::string record = serious ? ct_record(time_at(i % 60), "CreateUser", fmt::format("u{}", user), "",
                                               "111122223333", "iam.amazonaws.com")
                                   : ct_record(time_at(i % 60), "DescribeInstances", fmt::format("u{}", user));
      parts[random() % workers].push_back(record);
      everything.push_back(std::move(record));
    }
    Detector::SharedFloor floor;
    std::vector<std::unique_ptr<Detector>> scanned;
    for (std::size_t w = 0; w < workers; ++w) {
      scanned.push_back(std::make_unique<Detector>(*rules, options));
      scanned.back()->share_eviction_floor(&floor);
    }
    for (std::size_t w = 0; w < workers; ++w) feed(*scanned[w], parts[w]);
    std::vector<Detector*> pointers;
    for (auto& d : scanned) {
      d->on_worker_done();
      pointers.push_back(d.get());
    }
    Detector::drop_outranked(pointers, static_cast<unsigned>(workers));
    for (auto& d : scanned) d->share_eviction_floor(nullptr);
    for (std::size_t w = 1; w < workers; ++w) scanned[0]->merge(std::move(*scanned[w]));
    scanned[0]->apply_caps();
    Detector one(*rules, options);
    feed(one, everything);
    one.apply_caps();
    auto events_by_actor = [](const std::vector<Finding>& findings) {
      std::map<std::string, std::uint64_t> events;
      for (const auto& f : findings) events[f.rule_name + " " + f.principal] = f.event_count;
      return events;
    };
    SCOPED_TRACE(fmt::format("round {}: cap {}, {} workers, {} records", round, options.max_tracked_principals,
                             workers, everything.size()));
    EXPECT_EQ(events_by_actor(scanned[0]->take_single_event_findings()),
              events_by_actor(one.take_single_event_findings()));
    EXPECT_EQ(scanned[0]->evictions().principals, one.evictions().principals);
    EXPECT_EQ(scanned[0]->evictions().principal_events, one.evictions().principal_events);
  }
}

// With many workers, each publishes after half its share of the cap: the
// floor forms once the workers together built about the cap, so none holds
// many more actors than its share before it does (publishing after a quarter
// of the cap each, at -j 16 over the bench archive: 306 MB peak RSS, now
// 194 MB).
TEST(DetectorCaps, ManyWorkersSharingTheFloorEachHoldAboutTheirShare) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 80;  // 8 workers: each publishes every 5 + 16 actors built
  constexpr std::size_t kWorkers = 8;
  Detector::SharedFloor floor;
  std::vector<std::unique_ptr<Detector>> workers;
  for (std::size_t w = 0; w < kWorkers; ++w) {
    workers.push_back(std::make_unique<Detector>(*rules, options));
    workers.back()->share_eviction_floor(&floor);
  }
  std::size_t most_held = 0;
  for (int i = 0; i < 150; ++i) {  // one record to each worker in turn, as if at once
    for (std::size_t w = 0; w < kWorkers; ++w) {
      feed(*workers[w], {ct_record(time_at(i % 60), "DescribeInstances", fmt::format("w{}-u{}", w, i))});
      most_held = std::max(most_held, workers[w]->actors_held());
    }
  }
  // The first workers to publish find no floor yet (their lists add up to
  // less than the cap) and drop what is below it at their next publish:
  // two publishes' worth, 2 x 21 + 1 (72 when each published after a
  // quarter of the cap, 36 actors).
  EXPECT_LE(most_held, 43u);
  EXPECT_GT(workers[0]->evictions().principals, 0u) << "the floor formed while scanning";
}

TEST(DetectorCaps, EvictedActorsAreReusedWithNothingLeftOver) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 10;  // trims past 76 actors: hundreds are evicted and their slots reused
  Detector d(*rules, options);
  // One to three events per actor: a reused slot may hold more evidence
  // (kept as spares) than its new actor ever adds.
  auto events_of = [](int i) { return 3 - i % 3; };
  std::vector<std::string> records;
  for (int i = 0; i < 300; ++i) {
    for (int k = 0; k < events_of(i); ++k) {
      const int second = i * 3 + k;
      records.push_back(ct_record(fmt::format("2025-11-02T{:02d}:{:02d}:{:02d}Z", 10 + second / 3600, second / 60 % 60,
                                              second % 60),
                                  "DescribeInstances", fmt::format("app{}", i)));
    }
  }
  feed(d, records);
  d.apply_caps();
  auto findings = d.take_single_event_findings();
  ASSERT_EQ(findings.size(), 10u);
  std::uint64_t kept_events = 0;
  for (const auto& f : findings) {
    const int i = std::stoi(f.principal.substr(f.principal.rfind("app") + 3));
    const auto events = static_cast<std::uint64_t>(events_of(i));
    kept_events += events;
    EXPECT_EQ(f.event_count, events) << f.principal;
    EXPECT_EQ(f.regions.strings(), std::vector<std::string>{"us-east-1"}) << f.principal;
    EXPECT_EQ(f.last_ms - f.first_ms, 1000 * static_cast<std::int64_t>(events - 1)) << f.principal;
    // Its own events, one second apart, and nothing an earlier actor of the slot left.
    ASSERT_EQ(f.evidence.size(), events) << f.principal;
    for (std::size_t k = 0; k < f.evidence.size(); ++k) {
      EXPECT_EQ(f.evidence[k].time_ms, f.first_ms + 1000 * static_cast<std::int64_t>(k)) << f.principal;
      EXPECT_EQ(f.evidence[k].event_name(), "DescribeInstances");
    }
  }
  Detector reversed(*rules, options);
  feed(reversed, std::vector<std::string>(records.rbegin(), records.rend()));
  reversed.apply_caps();
  EXPECT_EQ(kept_names(reversed.take_single_event_findings()), kept_names(findings));
  EXPECT_EQ(d.evictions().principals, 290u);
  EXPECT_EQ(d.evictions().principal_events, 600u - kept_events);
}

// Under the cap, each kept finding is the one an uncapped scan makes (every
// event counted, the earliest evidence, every value), and the kept set and
// the eviction counts are the same for any order and split over workers:
// a kept actor outranks everything any worker meets, so none ever drops it.
TEST(DetectorCaps, KeptFindingsAreWholeAndTheSameOverAnySplit) {
  auto rules = rules_from(kRules);
  std::vector<std::string> records;
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i < 150; ++i) {
      const int second = (i * 7 + k * 997) % 3600;  // each actor's events spread over the hour
      std::string r = ct_record(fmt::format("2025-11-02T10:{:02d}:{:02d}Z", second / 60, second % 60),
                                "DescribeInstances", fmt::format("app{}", i));
      r.replace(r.find("203.0.113.7"), 11, fmt::format("198.51.100.{}", k + 1));
      records.push_back(r);
    }
  }
  struct Whole {
    std::uint64_t count;
    std::int64_t first_ms, last_ms;
    std::vector<EventId> event_ids;
    std::vector<std::string> source_ips;
    bool operator==(const Whole&) const = default;
  };
  auto wholes = [](std::vector<Finding> findings) {
    std::map<std::string, Whole> out;
    for (auto& f : findings) {
      out[f.principal] = {f.event_count, f.first_ms, f.last_ms, f.event_ids, f.source_ips.strings()};
    }
    return out;
  };
  DetectorOptions uncapped_options;
  uncapped_options.max_tracked_principals = 0;
  Detector uncapped(*rules, uncapped_options);
  feed(uncapped, records);
  const auto all = wholes(uncapped.take_single_event_findings());
  ASSERT_EQ(all.size(), 150u);

  DetectorOptions options;
  options.max_tracked_principals = 10;  // each worker trims many times
  auto capped = [&](const std::vector<std::string>& part_a, const std::vector<std::string>& part_b) {
    auto a = scanned_by_two_workers(*rules, options, part_a, part_b);
    EXPECT_EQ(a->evictions().principals, 140u);
    EXPECT_EQ(a->evictions().principal_events, 560u);
    return wholes(a->take_single_event_findings());
  };
  const auto kept = capped(records, {});
  ASSERT_EQ(kept.size(), 10u);
  for (const auto& [principal, whole] : kept) {
    ASSERT_TRUE(all.count(principal));
    EXPECT_TRUE(whole == all.at(principal)) << principal << ": " << whole.count << " events kept of " << all.at(principal).count;
  }
  std::vector<std::string> reversed(records.rbegin(), records.rend()), odd, even, first_half, second_half;
  for (std::size_t i = 0; i < records.size(); ++i) {
    (i % 2 ? odd : even).push_back(records[i]);
    (i < records.size() / 2 ? first_half : second_half).push_back(records[i]);
  }
  EXPECT_TRUE(capped(reversed, {}) == kept);
  EXPECT_TRUE(capped(odd, even) == kept);
  EXPECT_TRUE(capped(second_half, first_half) == kept);
}

TEST(DetectorCaps, EvidenceIsTheEarliestWhicheverWorkerHeldIt) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_evidence = 5;
  std::vector<std::string> records;
  for (int i = 0; i < 16; ++i) records.push_back(ct_record(time_at((i * 7) % 16), "DescribeInstances", "dev"));
  // Workers of one scan share a board; detectors made apart merge their lists.
  auto evidence_minutes = [&](const std::vector<std::string>& part_a, const std::vector<std::string>& part_b,
                              bool shared_board) {
    const auto board = std::make_shared<EvidenceBoard>();
    Detector a(*rules, options, board), b(*rules, options, shared_board ? board : nullptr);
    if (!part_a.empty()) feed(a, part_a);
    if (!part_b.empty()) feed(b, part_b);
    a.merge(std::move(b));
    auto findings = a.take_single_event_findings();
    std::vector<std::int64_t> minutes;
    if (findings.size() != 1u) return minutes;
    EXPECT_EQ(findings[0].event_count, 16u);
    EXPECT_EQ(findings[0].evidence_omitted, 11u);
    for (const auto& e : findings[0].evidence) minutes.push_back((e.time_ms / 60000) % 60);
    return minutes;
  };
  const std::vector<std::int64_t> want = {0, 1, 2, 3, 4};
  std::vector<std::string> odd, even;
  for (std::size_t i = 0; i < records.size(); ++i) (i % 2 ? odd : even).push_back(records[i]);
  // The three earliest in one worker's own list (too few to share), the
  // rest on the board from the other.
  std::vector<std::string> earliest_three, rest;
  for (std::size_t i = 0; i < records.size(); ++i) ((i * 7) % 16 < 3 ? earliest_three : rest).push_back(records[i]);
  for (bool shared : {true, false}) {
    EXPECT_EQ(evidence_minutes(records, {}, shared), want);
    EXPECT_EQ(evidence_minutes({}, records, shared), want);
    EXPECT_EQ(evidence_minutes(odd, even, shared), want);
    EXPECT_EQ(evidence_minutes(even, odd, shared), want);
    EXPECT_EQ(evidence_minutes(earliest_three, rest, shared), want);
    EXPECT_EQ(evidence_minutes(rest, earliest_three, shared), want);
  }
}

// One detector alone (a -j 1 scan) keeps every actor's evidence in lists of
// its own: an entry on a board nobody else reads would be pure cost.
TEST(DetectorEvidence, ADetectorAloneKeepsItsEvidenceOffTheBoard) {
  auto rules = rules_from(kRules);
  std::vector<std::string> records;
  for (int call = 0; call < 30; ++call) records.push_back(ct_record(time_at(call), "DescribeInstances", "long-session"));
  const auto board = std::make_shared<EvidenceBoard>();
  Detector alone(*rules, DetectorOptions{}, board);
  feed(alone, records);
  EXPECT_EQ(board->entries(), 0u);
  const std::vector<Finding> findings = alone.take_single_event_findings();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].evidence.size(), 20u);
  EXPECT_EQ(findings[0].evidence_omitted, 10u);
}

// Long-lived sessions whose calls every worker sees (one JSON-lines export
// read in batches by all of them): the workers hold one list per session
// between them, not one each, and the findings are one detector's.
TEST(DetectorEvidence, WorkersSharingABoardHoldOneListPerActor) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_evidence = 5;
  constexpr int kSessions = 30, kCalls = 24, kWorkers = 4;
  std::vector<std::string> records;
  for (int call = 0; call < kCalls; ++call) {
    for (int s = 0; s < kSessions; ++s) {
      records.push_back(ct_record(time_at(call), "DescribeInstances", fmt::format("session-{}", s)));
    }
  }
  const auto board = std::make_shared<EvidenceBoard>();
  Detector::SharedFloor floor;
  std::vector<std::unique_ptr<Detector>> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.push_back(std::make_unique<Detector>(*rules, options, board));
    workers.back()->share_eviction_floor(&floor);
  }
  // A batch of ten records to each worker in turn, as a stream is split.
  for (std::size_t at = 0; at < records.size(); at += 10) {
    const std::vector<std::string> batch(records.begin() + static_cast<std::ptrdiff_t>(at),
                                         records.begin() + static_cast<std::ptrdiff_t>(std::min(at + 10, records.size())));
    feed(*workers[(at / 10) % kWorkers], batch);
  }
  EXPECT_EQ(board->entries(), static_cast<std::size_t>(kSessions));
  EXPECT_EQ(board->records_held(), static_cast<std::size_t>(kSessions) * options.max_evidence);
  for (auto& w : workers) w->share_eviction_floor(nullptr);
  for (int w = 1; w < kWorkers; ++w) workers[0]->merge(std::move(*workers[static_cast<std::size_t>(w)]));
  workers[0]->apply_caps();
  std::vector<Finding> merged = workers[0]->take_single_event_findings();
  Detector alone(*rules, options);
  feed(alone, records);
  std::vector<Finding> single = alone.take_single_event_findings();
  ASSERT_EQ(merged.size(), static_cast<std::size_t>(kSessions));
  ASSERT_EQ(single.size(), merged.size());
  auto by_principal = [](const Finding& a, const Finding& b) { return a.principal < b.principal; };
  std::sort(merged.begin(), merged.end(), by_principal);
  std::sort(single.begin(), single.end(), by_principal);
  for (std::size_t i = 0; i < merged.size(); ++i) {
    EXPECT_EQ(merged[i].principal, single[i].principal);
    EXPECT_EQ(merged[i].event_count, static_cast<std::uint64_t>(kCalls));
    EXPECT_EQ(merged[i].evidence_omitted, single[i].evidence_omitted);
    EXPECT_EQ(merged[i].event_ids, single[i].event_ids) << merged[i].principal;
    EXPECT_EQ(minutes_of(merged[i].evidence), std::vector<std::int64_t>({0, 1, 2, 3, 4}));
  }
  EXPECT_EQ(board->entries(), 0u) << "taken findings let their entries go";
}

// Kept evidence holds its texts as shared blocks: an actor's records repeat
// its source IP and user agent, and they share one block even when hundreds
// of actors interleave (too many for the detector's table of recent texts).
TEST(DetectorEvidence, AnActorsRepeatedTextsShareOneBlockAmongInterleavedActors) {
  auto rules = rules_from(kRules);
  std::vector<std::string> records;
  constexpr int kActors = 400, kCalls = 4;
  for (int call = 0; call < kCalls; ++call) {
    for (int i = 0; i < kActors; ++i) {
      std::string r = ct_record(time_at(call), "DescribeInstances", fmt::format("app{}", i));
      r.replace(r.find("203.0.113.7"), 11, fmt::format("10.0.{}.{}", i / 256, i % 256));
      r.replace(r.find("Boto3/1.40.61"), 13, fmt::format("Boto3/1.40.61 md/Botocore#1.40.61 app#{}", i));
      records.push_back(r);
    }
  }
  Detector d(*rules);
  feed(d, records);
  auto findings = d.take_single_event_findings();
  ASSERT_EQ(findings.size(), static_cast<std::size_t>(kActors));
  for (const auto& f : findings) {
    ASSERT_EQ(f.evidence.size(), static_cast<std::size_t>(kCalls)) << f.principal;
    const std::string app = f.principal.substr(f.principal.rfind("/app") + 4);
    const int i = std::stoi(app);
    const Evidence& first = f.evidence.front();
    EXPECT_EQ(first.source_ip, fmt::format("10.0.{}.{}", i / 256, i % 256));
    EXPECT_EQ(first.user_agent, "Boto3/1.40.61 md/Botocore#1.40.61 app#" + app);
    for (const auto& e : f.evidence) {
      EXPECT_TRUE(e.source_ip.same_block(first.source_ip)) << f.principal;
      EXPECT_TRUE(e.user_agent.same_block(first.user_agent)) << f.principal;
      EXPECT_TRUE(e.call.same_block(first.call)) << f.principal << ": one row for the call's three texts";
      EXPECT_TRUE(e.rule.same_block(first.rule)) << "one block per finding for its rule";
    }
    EXPECT_EQ(f.event_ids.front(), first.event_id);
    EXPECT_EQ(first.event_name(), "DescribeInstances");
    EXPECT_EQ(first.region(), "us-east-1");
    EXPECT_EQ(first.error_code(), "");
  }
}

TEST(DetectorCaps, ThousandsOfActorsOverTwoWorkersAddUp) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 0;
  Detector a(*rules, options), b(*rules, options);
  std::vector<std::string> ra, rb;
  for (int i = 0; i < 5000; ++i) {  // enough that findings are built on several threads
    const std::string user = fmt::format("user{}", i);
    ra.push_back(ct_record(time_at(i % 60), "DescribeInstances", user));
    rb.push_back(ct_record(time_at(i % 60), "DescribeInstances", user));
    if (i % 3 == 0) rb.push_back(ct_record(time_at(i % 60), "CreateUser", user, "", "111122223333", "iam.amazonaws.com"));
  }
  feed(a, ra);
  feed(b, rb);
  a.merge(std::move(b));
  a.apply_caps();
  auto findings = a.take_single_event_findings();
  ASSERT_EQ(findings.size(), 6667u);
  std::size_t noisy = 0;
  for (const auto& f : findings) {
    if (f.rule_name == "noisy") {
      ++noisy;
      EXPECT_EQ(f.event_count, 2u) << f.principal;
    } else {
      EXPECT_EQ(f.event_count, 1u) << f.principal;
    }
  }
  EXPECT_EQ(noisy, 5000u);
  std::set<std::string> principals;
  for (const auto& f : findings) principals.insert(f.rule_name + " " + f.principal);
  EXPECT_EQ(principals.size(), 6667u) << "each actor once";
  EXPECT_EQ(a.evictions().principals, 0u);
}

// finalize_findings appends the correlated findings: with room asked for,
// 20,000 single-event findings are not moved into a bigger vector for them.
TEST(DetectorCaps, FindingsComeWithTheRoomAskedForAfterThem) {
  auto rules = rules_from(kRules);
  Detector d(*rules);
  std::vector<std::string> records;
  for (int i = 0; i < 3000; ++i) records.push_back(ct_record(time_at(i % 60), "DescribeInstances", fmt::format("u{}", i)));
  feed(d, records);
  d.apply_caps();
  auto findings = d.take_single_event_findings(2, 5);
  ASSERT_EQ(findings.size(), 3000u);
  EXPECT_GE(findings.capacity(), 3005u);
  const Finding* before = findings.data();
  for (int i = 0; i < 5; ++i) findings.emplace_back();
  EXPECT_EQ(findings.data(), before) << "appending moved the findings";
}

TEST(DetectorCaps, CorrelationHitsKeepTheNewestWhicheverWorkerHeldThem) {
  auto rules = rules_from(kRules);
  std::vector<std::string> records;
  for (int i = 0; i < 40; ++i) records.push_back(ct_record(time_at(i), "RunInstances", fmt::format("u{}", i % 7)));
  DetectorOptions options;
  options.max_correlation_hits = 10;
  Detector one(*rules, options);
  feed(one, records);
  one.apply_caps();
  // Two workers, records dealt alternately, merged.
  Detector a(*rules, options), b(*rules, options);
  std::vector<std::string> ra, rb;
  for (std::size_t i = 0; i < records.size(); ++i) (i % 2 ? rb : ra).push_back(records[i]);
  feed(a, ra);
  feed(b, rb);
  a.merge(std::move(b));
  a.apply_caps();
  auto times = [](const HitStore& hits) {
    std::vector<std::int64_t> t;
    hits.for_each([&](const Hit& h) { t.push_back(h.time_ms); });
    std::sort(t.begin(), t.end());
    return t;
  };
  auto kept = times(one.correlation_hits());
  ASSERT_EQ(kept.size(), 10u);
  EXPECT_EQ(kept, times(a.correlation_hits()));
  EXPECT_EQ(kept.front(), kept.back() - 9 * 60000) << "the ten newest minutes";
  EXPECT_EQ(one.evictions().correlation_hits, 30u);
  EXPECT_EQ(a.evictions().correlation_hits, 30u);
  for (Detector* d : {&one, &a}) {
    const std::vector<EvictedRule> by_rule = d->evicted_by_rule();
    ASSERT_EQ(by_rule.size(), 1u);
    EXPECT_EQ(by_rule[0].rule, "signal");
    EXPECT_EQ(by_rule[0].correlation_hits, 30u);
    EXPECT_EQ(by_rule[0].principal_events, 0u);
  }
}

// The summary says which rules a cap gave way to, most evicted first, with
// counts that add up to the totals and are the same over any split.
TEST(DetectorCaps, EvictionsAreCountedByRuleTheSameOverAnySplit) {
  auto rules = rules_from(kRules);
  std::vector<std::string> records;
  for (int i = 0; i < 120; ++i) records.push_back(ct_record(time_at(i % 60), "DescribeInstances", fmt::format("app{}", i % 90)));
  for (int i = 0; i < 30; ++i) records.push_back(ct_record(time_at(i), "RunInstances", fmt::format("u{}", i)));
  records.push_back(ct_record(time_at(0), "CreateUser", "intruder", "", "111122223333", "iam.amazonaws.com"));
  DetectorOptions options;
  options.max_tracked_principals = 10;
  options.max_correlation_hits = 5;
  std::vector<std::string> odd, even;
  for (std::size_t i = 0; i < records.size(); ++i) (i % 2 ? odd : even).push_back(records[i]);
  auto one = scanned_by_two_workers(*rules, options, records, {});
  auto split = scanned_by_two_workers(*rules, options, odd, even);
  const std::vector<EvictedRule> want = one->evicted_by_rule();
  // noisy and signal both build single-event actors (90 + 30 of them, 10
  // kept, the high one among them); signal's hits also feed Burst.
  ASSERT_EQ(want.size(), 2u);
  EXPECT_EQ(want[0].rule, "noisy");
  EXPECT_EQ(want[0].title, "Noisy");
  EXPECT_EQ(want[1].rule, "signal");
  EXPECT_EQ(want[1].correlation_hits, 25u);
  EXPECT_EQ(want[0].correlation_hits, 0u) << "noisy feeds no correlation";
  EXPECT_EQ(want[0].principal_events + want[1].principal_events, one->evictions().principal_events);
  EXPECT_GT(want[0].principal_events, want[1].principal_events);
  const std::vector<EvictedRule> got = split->evicted_by_rule();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].rule, want[i].rule);
    EXPECT_EQ(got[i].principal_events, want[i].principal_events) << want[i].rule;
    EXPECT_EQ(got[i].correlation_hits, want[i].correlation_hits) << want[i].rule;
  }
}

TEST(DetectorHits, InterleavedActorsShareTheirTextsAcrossKeptHits) {
  // Role sessions calling in turn: 400 actors are more than RecentTexts'
  // slots, and a million kept hits each with its own copy of the principal's
  // ARN was ~110 bytes a hit more (TextTable). An actor's calls of one kind
  // share one row of texts; a call that differs (an error) gets its own.
  auto rules = rules_from(kRules);
  constexpr int kActors = 400;
  std::vector<std::string> records;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kActors; ++i) {
      const int second = round * kActors + i;
      std::string r = ct_record(fmt::format("2025-11-02T08:{:02d}:{:02d}Z", second / 60, second % 60), "RunInstances",
                                fmt::format("ci-runner-{:03}", i));
      if (round == 2) {
        r.insert(r.rfind('}'), R"(,"errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized")");
      }
      records.push_back(r);
    }
  }
  Detector d(*rules);
  feed(d, records);
  std::map<std::string, std::vector<Hit>> by_actor;
  d.correlation_hits().for_each([&](const Hit& h) { by_actor[std::string(h.principal())].push_back(h); });
  ASSERT_EQ(by_actor.size(), static_cast<std::size_t>(kActors));
  const Hit& any = by_actor.begin()->second.front();
  for (const auto& [arn, hits] : by_actor) {
    ASSERT_EQ(hits.size(), 3U) << arn;
    for (const Hit& h : hits) EXPECT_TRUE(h.identity.same_block(hits[0].identity)) << arn;
    // What Burst groups by, captured once for the actor's hits, failed or not.
    ASSERT_EQ(hits[0].captured().size(), 1U) << arn;
    EXPECT_EQ(hits[0].captured()[0], arn);
    EXPECT_TRUE(hits[0].has_captured(0)) << arn;
    for (const Hit& h : hits) EXPECT_TRUE(h.values.same_block(hits[0].values)) << arn;
    if (arn != any.principal()) {
      EXPECT_FALSE(hits[0].values.same_block(any.values)) << arn;
    }
    std::vector<const Hit*> plain, failed;
    for (const Hit& h : hits) (h.error_code().empty() ? plain : failed).push_back(&h);
    ASSERT_EQ(failed.size(), 1U) << arn;
    // Calls of one kind share a row across actors; another error is another kind.
    EXPECT_TRUE(plain[0]->call.same_block(plain[1]->call)) << arn;
    EXPECT_TRUE(plain[0]->call.same_block(any.call)) << arn;
    EXPECT_FALSE(failed[0]->call.same_block(plain[0]->call)) << arn;
    EXPECT_TRUE(plain[0]->user_agent_text.same_block(any.user_agent_text)) << arn;
  }
  // Handed over for correlation, the hits keep their texts, each read back as written.
  const HitStore taken = d.take_correlation_hits();
  EXPECT_EQ(taken.size(), 3U * kActors);
  EXPECT_TRUE(d.correlation_hits().empty());
  taken.for_each([](const Hit& h) {
    const std::string_view arn = h.principal();
    ASSERT_EQ(arn.rfind("arn:aws:iam::111122223333:user/ci-runner-", 0), 0U);
    EXPECT_EQ(h.account(), "111122223333");
    EXPECT_EQ(h.event_name(), "RunInstances");
    EXPECT_EQ(h.region(), "us-east-1");
    EXPECT_EQ(h.source_ip(), "203.0.113.7");
    EXPECT_EQ(h.user_agent(), "Boto3/1.40.61");
    EXPECT_EQ(h.access_key_id(), "AKIAEXAMPLE");
    EXPECT_EQ(h.session_issuer(), "");
    EXPECT_TRUE(h.error_code().empty() || h.error_code() == "Client.UnauthorizedOperation") << h.error_code();
  });
}

TEST(DetectorCaps, UncappedKeepsEverything) {
  auto rules = rules_from(kRules);
  std::vector<std::string> records;
  for (int i = 0; i < 20; ++i) records.push_back(ct_record(time_at(i), "RunInstances", fmt::format("u{}", i)));
  DetectorOptions options;
  options.max_correlation_hits = 0;
  options.max_tracked_principals = 0;
  Detector d(*rules, options);
  feed(d, records);
  d.apply_caps();
  EXPECT_EQ(d.correlation_hits().size(), 20u);
  EXPECT_EQ(d.evictions().correlation_hits, 0u);
}

// A cap raised far beyond what a scan builds costs nothing up front: the
// actors reserved at the first one are bounded (a reserve sized by the cap
// would ask for terabytes here and throw).
TEST(DetectorCaps, AHugeCapReservesNoMoreThanAUsualOne) {
  auto rules = rules_from(kRules);
  DetectorOptions options;
  options.max_tracked_principals = 1'000'000'000'000;
  Detector d(*rules, options);
  feed(d, {ct_record(time_at(0), "DescribeInstances", "dev"), ct_record(time_at(1), "DescribeInstances", "ops")});
  d.apply_caps();
  EXPECT_EQ(d.take_single_event_findings().size(), 2u);
  EXPECT_EQ(d.evictions().principals, 0u);
}

// The whole report, evictions included, is the same at any -j when the cap
// evicts while the workers scan (each sees far more actors than it keeps).
TEST(DetectorCaps, CliReportUnderTheCapIsTheSameForAnyNumberOfThreads) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "noisy.yml", kRules);
  for (int file = 0; file < 6; ++file) {
    std::string document = "{\"Records\":[";
    for (int i = 0; i < 100; ++i) {
      const int actor = (file * 37 + i * 11) % 240;  // every actor in two or three files
      document += (i ? "," : "") + ct_record(fmt::format("2025-11-02T1{}:{:02d}:{:02d}Z", file, i / 2, i % 60),
                                             "DescribeInstances", fmt::format("app{}", actor));
    }
    document += "]}";
    testing::write_file(dir.path() / "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02" /
                            fmt::format("111122223333_CloudTrail_us-east-1_20251102T1{}00Z_file{}.json.gz", file, file),
                        testing::gzip_bytes(document));
  }
  const std::string args = "scan --deterministic --format json --fail-on never --max-tracked-principals 10 --rules '" +
                           (dir.path() / "noisy.yml").string() + "' '" + (dir.path() / "AWSLogs").string() + "' -j ";
  auto one = run_trailsweep(args + "1");
  EXPECT_EQ(one.exit_code, 3) << one.err;
  EXPECT_NE(one.out.find("\"principal_events\": "), std::string::npos) << one.out.substr(0, 500);
  EXPECT_EQ(one.out.find("\"principals\": 0,"), std::string::npos) << "the cap must evict here";
  for (const char* j : {"2", "3"}) {
    auto many = run_trailsweep(args + j);
    EXPECT_TRUE(one.out == many.out) << "-j " << j;
    EXPECT_EQ(many.exit_code, 3);
  }
}

TEST(DetectorCaps, CliReportsEvictionsAndExitsThree) {
  auto r = run_trailsweep("scan testdata/archive --format json --fail-on never --max-correlation-hits 50");
  EXPECT_EQ(r.exit_code, 3) << "findings may be missing: the exit status says so\n" << r.err;
  EXPECT_NE(r.out.find("\"evicted\": {\n      \"principals\": 0,\n      \"principal_events\": 0,\n      "
                       "\"correlation_hits\": 360,\n      \"by_rule\": [\n        {\n          "
                       "\"rule\": \"ioc_cm_boto3_user_agent\",\n          \"title\": \"Campaign API Calls Made With Boto3\",\n          "
                       "\"principal_events\": 0,\n          "
                       "\"correlation_hits\": 127\n        },"),
            std::string::npos)
      << r.out.substr(r.out.size() - 900);
  EXPECT_NE(r.err.find("memory caps reached"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("evicted by rule: Campaign API Calls Made With Boto3 (ioc_cm_boto3_user_agent) 127 hit(s); "),
            std::string::npos)
      << r.err;
  // The reports without a summary object say it where they are read.
  auto sarif = run_trailsweep("scan testdata/archive --format sarif --fail-on never --max-correlation-hits 50");
  EXPECT_EQ(sarif.exit_code, 3);
  EXPECT_NE(sarif.out.find("\"toolExecutionNotifications\": [\n            {\n              \"level\": \"warning\",\n"
                           "              \"message\": {\n                \"text\": \"memory caps reached: 0 actor(s) with "
                           "0 matching event(s) evicted"),
            std::string::npos)
      << sarif.out.substr(0, 3000);
  EXPECT_NE(sarif.out.find("\"text\": \"evicted by rule: Campaign API Calls Made With Boto3 (ioc_cm_boto3_user_agent) "
                           "127 hit(s); "),
            std::string::npos);
  auto html = run_trailsweep("scan testdata/archive --format html --fail-on never --max-correlation-hits 50");
  EXPECT_EQ(html.exit_code, 3);
  EXPECT_NE(html.out.find("<p class=\"notice\">memory caps reached: 0 actor(s) with 0 matching event(s) evicted"),
            std::string::npos);
  EXPECT_NE(html.out.find("<br>evicted by rule: Campaign API Calls Made With Boto3 (ioc_cm_boto3_user_agent) 127 hit(s)"),
            std::string::npos);
  // The text report too: "No findings." must not read as a clean archive.
  auto text = run_trailsweep("scan testdata/archive --no-summary --fail-on never --max-correlation-hits 50");
  EXPECT_EQ(text.exit_code, 3);
  EXPECT_EQ(text.out.rfind("Note: memory caps reached: 0 actor(s) with 0 matching event(s) evicted", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("\nNote: evicted by rule: Campaign API Calls Made With Boto3 (ioc_cm_boto3_user_agent) "
                          "127 hit(s); "),
            std::string::npos)
      << text.out;
  auto full = run_trailsweep("scan testdata/archive --format json --fail-on never");
  EXPECT_EQ(full.exit_code, 0) << full.err;
  EXPECT_NE(full.out.find("\"correlation_hits\": 0,\n      \"by_rule\": []"), std::string::npos);
  EXPECT_EQ(full.err.find("evicted by rule"), std::string::npos) << full.err;
  EXPECT_EQ(run_trailsweep("scan testdata/archive --format html --fail-on never").out.find("class=\"notice\""),
            std::string::npos)
      << "no notice when nothing was evicted";
}

}  // namespace
}  // namespace trailsweep
