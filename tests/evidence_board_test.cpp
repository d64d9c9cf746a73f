// EvidenceBoard: one evidence list per actor for all of a scan's workers,
// found by the actor's whole key, keeping the earliest records any holder
// added.
#include "trailsweep/evidence_board.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace trailsweep {
namespace {

constexpr std::int64_t kNov2 = 1762077600000;  // 2025-11-02T10:00:00Z

// The fields an evidence record keeps, as CloudTrail writes them.
struct Call {
  std::int64_t time_ms;
  std::string event_id;
  std::string file =
      "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02/"
      "111122223333_CloudTrail_us-east-1_20251102T1005Z_Xq3kY0cVbJ8wR2tL.json.gz";
  std::int64_t record = 0;
};

void add(EvidenceBoard::Ref& ref, const Call& call, std::size_t cap, RecentTexts& recent) {
  Event ev;
  ev.time_ms = call.time_ms;
  ev.event_id = call.event_id;
  ev.event_name = "AssumeRole";
  ev.aws_region = "us-east-1";
  ev.source_ip = "198.51.100.23";
  ev.user_agent =
      "aws-cli/2.31.18 md/awscrt#0.28.1 ua/2.1 os/linux#6.8.0 md/arch#x86_64 lang/python#3.13.7";
  ev.pos.file = call.file;
  ev.pos.record = call.record;
  ev.pos.offset = 1024 * call.record;
  ref.add(ev, cap, recent);
}

std::string uuid(int n) { return fmt::format("6f2c{:04x}-5d1e-4c3b-9a8f-0b1c2d3e4f5a", n); }

Call call_at(int minute, int n) { return {kNov2 + minute * 60000, uuid(n), Call{}.file, n}; }

std::vector<std::int64_t> minutes(const std::vector<Evidence>& evidence) {
  std::vector<std::int64_t> out;
  for (const Evidence& e : evidence) out.push_back((e.time_ms - kNov2) / 60000);
  return out;
}

const SharedText kSession =
    SharedText::joined("111122223333", "arn:aws:sts::111122223333:assumed-role/ci-deploy/gh-8812");
constexpr std::uint32_t kAccountSize = 12;

TEST(EvidenceBoard, OneEntryPerActorWhileAnyoneHoldsIt) {
  EvidenceBoard board;
  EvidenceBoard::Ref a = board.acquire(42, 3, kSession, kAccountSize);
  // Another worker's actor: its own block with the same names.
  const SharedText copy = SharedText::joined(
      "111122223333", "arn:aws:sts::111122223333:assumed-role/ci-deploy/gh-8812");
  EvidenceBoard::Ref b = board.acquire(42, 3, copy, kAccountSize);
  EXPECT_TRUE(a.same_entry(b));
  EXPECT_EQ(board.entries(), 1u);
  a.reset();
  EXPECT_EQ(board.entries(), 1u) << "b still holds it";
  b.reset();
  EXPECT_EQ(board.entries(), 0u);
}

// A hash names where to look, never who an actor is: actors that collide
// keep their own lists, so none prunes another's records.
TEST(EvidenceBoard, TheWholeKeyDecidesNotTheHash) {
  EvidenceBoard board;
  const std::uint64_t hash = 0x5bd1e9955bd1e995ull;
  EvidenceBoard::Ref session = board.acquire(hash, 3, kSession, kAccountSize);
  EvidenceBoard::Ref other_rule = board.acquire(hash, 4, kSession, kAccountSize);
  EvidenceBoard::Ref other_principal = board.acquire(
      hash, 3, SharedText::joined("111122223333", "arn:aws:iam::111122223333:user/ci-deploy"),
      kAccountSize);
  // The same bytes split elsewhere: account "11112222333", principal "3arn:...".
  EvidenceBoard::Ref other_split = board.acquire(hash, 3, kSession, kAccountSize - 1);
  EXPECT_FALSE(session.same_entry(other_rule));
  EXPECT_FALSE(session.same_entry(other_principal));
  EXPECT_FALSE(session.same_entry(other_split));
  EXPECT_EQ(board.entries(), 4u);
  RecentTexts recent;
  for (int i = 0; i < 3; ++i) add(session, call_at(i, i), 3, recent);
  add(other_principal, call_at(30, 100), 3, recent);
  EXPECT_EQ(minutes(other_principal.take()), std::vector<std::int64_t>({30}));
  EXPECT_EQ(minutes(session.take()), std::vector<std::int64_t>({0, 1, 2}));
  EXPECT_EQ(other_rule.size(), 0u);
  EXPECT_EQ(other_split.size(), 0u);
}

// Two workers add an actor's records in turn, each later than most of the
// other's: the list holds the `cap` earliest of all, once.
TEST(EvidenceBoard, KeepsTheEarliestThatAnyHolderAdded) {
  EvidenceBoard board;
  EvidenceBoard::Ref a = board.acquire(7, 1, kSession, kAccountSize);
  EvidenceBoard::Ref b = board.acquire(7, 1, kSession, kAccountSize);
  RecentTexts recent_a, recent_b;
  for (int i = 0; i < 40; ++i) {
    const int minute = (i * 17) % 40;
    add(i % 2 ? a : b, call_at(minute, i), 5, i % 2 ? recent_a : recent_b);
  }
  EXPECT_EQ(board.records_held(), 5u);
  EXPECT_EQ(minutes(a.take()), std::vector<std::int64_t>({0, 1, 2, 3, 4}));
  EXPECT_EQ(b.size(), 0u) << "one list: taken for both";
}

// A full list turns a later record away before the lock, but one at the
// time of its last is still decided in full (the event id breaks the tie).
TEST(EvidenceBoard, ARecordAtAFullListsLastTimeIsStillWeighed) {
  EvidenceBoard board;
  EvidenceBoard::Ref ref = board.acquire(9, 1, kSession, kAccountSize);
  RecentTexts recent;
  add(ref, {kNov2, uuid(0x10)}, 2, recent);
  add(ref, {kNov2 + 60000, uuid(0xff)}, 2, recent);
  add(ref, {kNov2 + 120000, uuid(0x01)}, 2, recent);  // later: turned away
  add(ref, {kNov2 + 60000, uuid(0x02)}, 2, recent);   // same time, smaller id: kept
  const std::vector<Evidence> kept = ref.take();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].event_id, EventId(uuid(0x10)));
  EXPECT_EQ(kept[1].event_id, EventId(uuid(0x02)));
}

// A released entry's room is reused for the next actor, and nothing of the
// old actor's evidence or limit comes with it.
TEST(EvidenceBoard, AnEntryMadeAgainStartsEmpty) {
  EvidenceBoard board;
  RecentTexts recent;
  {
    EvidenceBoard::Ref ref = board.acquire(11, 2, kSession, kAccountSize);
    for (int i = 0; i < 4; ++i) add(ref, call_at(i, i), 2, recent);
  }
  EXPECT_EQ(board.entries(), 0u);
  EXPECT_EQ(board.records_held(), 0u);
  EvidenceBoard::Ref again = board.acquire(11, 2, kSession, kAccountSize);
  EXPECT_EQ(again.size(), 0u);
  add(again, call_at(50, 60), 2, recent);  // later than the old list's last: kept now
  EXPECT_EQ(minutes(again.take()), std::vector<std::int64_t>({50}));
}

// Dropping an entry from the middle of a run of colliding slots leaves the
// ones after it findable (no duplicate entry made for a held actor).
TEST(EvidenceBoard, EntriesStayFindableAfterOthersInTheirRunGo) {
  EvidenceBoard board;
  std::vector<SharedText> names;
  std::vector<EvidenceBoard::Ref> held;
  for (int i = 0; i < 12; ++i) {
    names.push_back(
        SharedText::joined("111122223333", fmt::format("arn:aws:iam::111122223333:user/u{}", i)));
    held.push_back(
        board.acquire(0x0100000000000000ull + static_cast<std::uint64_t>(i), 1, names.back(), 12));
  }
  ASSERT_EQ(board.entries(), 12u);
  for (int i : {3, 0, 7, 11}) held[static_cast<std::size_t>(i)].reset();
  EXPECT_EQ(board.entries(), 8u);
  for (int i = 0; i < 12; ++i) {
    if (held[static_cast<std::size_t>(i)].empty()) continue;
    EvidenceBoard::Ref again = board.acquire(0x0100000000000000ull + static_cast<std::uint64_t>(i),
                                             1, names[static_cast<std::size_t>(i)], 12);
    EXPECT_TRUE(again.same_entry(held[static_cast<std::size_t>(i)])) << i;
  }
  EXPECT_EQ(board.entries(), 8u);
}

// Detectors that did not share a board (tests, one detector merged into
// another) still combine to the earliest `cap`.
TEST(EvidenceBoard, ListsOfTwoBoardsMergeToTheEarliest) {
  EvidenceBoard one, two;
  EvidenceBoard::Ref a = one.acquire(5, 1, kSession, kAccountSize);
  EvidenceBoard::Ref b = two.acquire(5, 1, kSession, kAccountSize);
  RecentTexts recent;
  for (int i = 0; i < 10; ++i) add(i % 3 ? a : b, call_at(10 - i, i), 4, recent);
  std::vector<Evidence> scratch;
  a.merge_from(b, 4, scratch);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(minutes(a.take()), std::vector<std::int64_t>({1, 2, 3, 4}));
}

// Workers on threads of their own, all adding to one actor and making and
// dropping others: the kept records are the earliest (ThreadSanitizer runs
// this in the tsan preset).
TEST(EvidenceBoard, ThreadsAddingToOneActorKeepTheEarliest) {
  EvidenceBoard board;
  constexpr int kThreads = 4, kCalls = 2000;
  EvidenceBoard::Ref keeper = board.acquire(77, 1, kSession, kAccountSize);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&board, t] {
      RecentTexts recent;
      EvidenceBoard::Ref ref = board.acquire(77, 1, kSession, kAccountSize);
      for (int i = 0; i < kCalls; ++i) {
        const int n = i * kThreads + t;
        add(ref, {kNov2 + static_cast<std::int64_t>(kCalls * kThreads - n) * 1000, uuid(n)}, 20,
            recent);
        const SharedText other = SharedText::joined(
            "444455556666", fmt::format("arn:aws:iam::444455556666:user/t{}", n));
        EvidenceBoard::Ref passing =
            board.acquire(static_cast<std::uint64_t>(n) * 0x9e3779b97f4a7c15ull, 1, other, 12);
        add(passing, {kNov2, uuid(n)}, 20, recent);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(board.entries(), 1u);
  const std::vector<Evidence> kept = keeper.take();
  ASSERT_EQ(kept.size(), 20u);
  for (std::size_t i = 0; i < kept.size(); ++i)
    EXPECT_EQ(kept[i].time_ms, kNov2 + static_cast<std::int64_t>(i + 1) * 1000);
}

}  // namespace
}  // namespace trailsweep
