#include "trailsweep/shared_text.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trailsweep {
namespace {

TEST(SharedText, ReadsAndComparesAsTheStringItHolds) {
  const SharedText empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.view(), "");
  EXPECT_NE(empty.data(), nullptr) << "readers memcpy from it, as from an empty std::string";
  EXPECT_EQ(SharedText(""), empty);
  const SharedText ua("Boto3/1.40.61 md/Botocore#1.40.61 ua/2.0 os/linux#5.15.0-1084-aws");
  EXPECT_EQ(ua.size(), 65u);
  EXPECT_EQ(ua, std::string_view("Boto3/1.40.61 md/Botocore#1.40.61 ua/2.0 os/linux#5.15.0-1084-aws"));
  EXPECT_EQ(ua, SharedText(std::string("Boto3/1.40.61 md/Botocore#1.40.61 ua/2.0 os/linux#5.15.0-1084-aws")));
  EXPECT_LT(SharedText("a"), SharedText("b"));
  EXPECT_LT(empty, SharedText("a"));
  EXPECT_EQ(fmt::format("[{}]", SharedText("x.json.gz")), "[x.json.gz]");
}

TEST(SharedText, CopiesShareOneBlockThatOutlivesTheOriginal) {
  SharedText copy;
  {
    const SharedText original(std::string(200, 'u'));
    copy = original;
    EXPECT_TRUE(copy.same_block(original));
    EXPECT_EQ(copy.data(), original.data());
  }
  EXPECT_EQ(copy.view(), std::string(200, 'u'));
  EXPECT_FALSE(SharedText("same").same_block(SharedText("same"))) << "made apart, two blocks";
}

TEST(SharedText, AssignmentsAndMovesKeepEveryCopyValid) {
  SharedText a(std::string(100, 'a'));
  SharedText b = a;
  b = b;  // self-assignment keeps the block
  EXPECT_TRUE(b.same_block(a));
  SharedText moved = std::move(a);
  EXPECT_TRUE(a.empty()) << "a moved-from text is empty, not dangling";  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(moved.same_block(b));
  b = SharedText("other");
  EXPECT_EQ(moved.view(), std::string(100, 'a'));
  moved = std::move(b);
  EXPECT_EQ(moved, "other");
  moved.swap(a);
  EXPECT_TRUE(moved.empty());
  EXPECT_EQ(a, "other");
}

TEST(RecentTexts, HandsOutTheSameBlockForAStringSeenLately) {
  RecentTexts recent;
  const std::string file = "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02/111122223333_CloudTrail_us-east-1_"
                           "20251102T0705Z_VFLG10HSGC8RWK3D.json.gz";
  const SharedText first = recent.get(file);
  const SharedText again = recent.get(std::string(file));  // another buffer, the same text
  EXPECT_TRUE(again.same_block(first));
  EXPECT_EQ(again, std::string_view(file));
  // A different text never comes back as an earlier one, whatever slot it takes.
  for (int i = 0; i < 1000; ++i) {
    const std::string other = "agent-" + std::to_string(i);
    EXPECT_EQ(recent.get(other), std::string_view(other));
  }
  EXPECT_TRUE(recent.get("").empty());
}

// The slot is chosen from a few of a text's words, not all of its bytes:
// texts met together that differ only inside (browser versions in a console
// user agent, the random part of S3 keys, an address's last digits) must
// still land apart, or they take turns in one slot and share nothing.
TEST(RecentTexts, TextsThatDifferOnlyInsideMostlyKeepSlotsOfTheirOwn) {
  std::vector<std::string> texts;
  for (int i = 0; i < 8; ++i) {
    texts.push_back(fmt::format("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                                "Chrome/1{}0.0.0.0 Safari/537.36",
                                i));
    texts.push_back(fmt::format("AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02/111122223333_CloudTrail_"
                                "us-east-1_20251102T0705Z_VFLG10HSGC8RW{}3D.json.gz",
                                i));
    texts.push_back(fmt::format("203.0.113.{}", 10 + i));
  }
  RecentTexts recent;
  std::vector<SharedText> first;
  for (const auto& t : texts) first.push_back(recent.get(t));
  std::size_t kept = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const SharedText again = recent.get(texts[i]);
    EXPECT_EQ(again, std::string_view(texts[i]));
    kept += again.same_block(first[i]);
  }
  EXPECT_GE(kept, 20u) << "of 24 texts met in turn, " << kept << " kept their block";
}

TEST(TextTable, HandsOutOneBlockPerTextWhileAnythingHoldsIt) {
  // 30,000 role sessions calling in turn: RecentTexts' slots would have
  // forgotten the first session's ARN long before it calls again.
  TextTable table;
  auto arn = [](int session) { return fmt::format("arn:aws:sts::111122223333:assumed-role/app-role/s{:06d}", session); };
  std::vector<SharedText> held;
  for (int round = 0; round < 2; ++round) {
    for (int session = 0; session < 30'000; ++session) held.push_back(table.get(arn(session)));
  }
  for (int session = 0; session < 30'000; ++session) {
    EXPECT_TRUE(held[static_cast<std::size_t>(session)].same_block(held[static_cast<std::size_t>(30'000 + session)]));
  }
  EXPECT_EQ(table.size(), 30'000U);
  EXPECT_TRUE(table.get("").empty());

  // Once the hits that held them are gone, their texts go at the table's
  // next growth; the ones still held keep their block.
  const SharedText kept = held[7];
  held.clear();
  for (int n = 0; n < 100'000; ++n) {
    held.push_back(table.get(fmt::format("198.51.{}.{}", n / 256, n % 256)));
    if (held.size() > 1'000) held.erase(held.begin(), held.begin() + 500);
  }
  EXPECT_LT(table.size(), 20'000U);  // not the 130,000 texts it was ever given
  EXPECT_TRUE(table.get(arn(7)).same_block(kept));
  EXPECT_EQ(table.get(std::string(held.back().view())).view(), held.back().view());
  EXPECT_TRUE(table.get(std::string(held.back().view())).same_block(held.back()));

  table.clear();
  EXPECT_EQ(table.size(), 0U);
  EXPECT_EQ(kept.view(), arn(7));  // a copy outlives the table
}

}  // namespace
}  // namespace trailsweep

namespace trailsweep {
namespace {

TEST(SharedText, JoinedHoldsBothPartsInOneBlock) {
  const SharedText names = SharedText::joined("111122223333", "arn:aws:iam::111122223333:user/ci-deploy");
  EXPECT_EQ(names, "111122223333arn:aws:iam::111122223333:user/ci-deploy");
  EXPECT_EQ(SharedText::joined("", "arn:aws:iam::111122223333:root"), "arn:aws:iam::111122223333:root");
  EXPECT_EQ(SharedText::joined("111122223333", ""), "111122223333");
  EXPECT_TRUE(SharedText::joined("", "").empty());
}

// A row reads back each text as it went in, empty ones included, and a
// TextTable hands out one block for equal rows.
TEST(TextRow, ReadsBackEachTextAndInternsAsOneText) {
  using Identity = TextRow<4>;
  std::string encoded;
  Identity::encode({"111122223333", "arn:aws:sts::111122223333:assumed-role/ci-deploy/gh-8812", "ASIAZUQZNONIDC000042",
                    "arn:aws:iam::111122223333:role/ci-deploy"},
                   encoded);
  TextTable table;
  const Identity session(table.get(encoded));
  EXPECT_EQ(session[0], "111122223333");
  EXPECT_EQ(session[1], "arn:aws:sts::111122223333:assumed-role/ci-deploy/gh-8812");
  EXPECT_EQ(session[2], "ASIAZUQZNONIDC000042");
  EXPECT_EQ(session[3], "arn:aws:iam::111122223333:role/ci-deploy");
  Identity::encode({"111122223333", "arn:aws:iam::111122223333:user/alice", "", ""}, encoded);
  const Identity user(table.get(encoded));
  EXPECT_EQ(user[1], "arn:aws:iam::111122223333:user/alice");
  EXPECT_EQ(user[2], "");
  EXPECT_EQ(user[3], "");
  // The same texts split otherwise are another row.
  Identity::encode({"11112222333", "3arn:aws:iam::111122223333:user/alice", "", ""}, encoded);
  const Identity shifted(table.get(encoded));
  EXPECT_FALSE(shifted.same_block(user));
  EXPECT_EQ(shifted[0], "11112222333");
  Identity::encode({"111122223333", "arn:aws:iam::111122223333:user/alice", "", ""}, encoded);
  EXPECT_TRUE(Identity(table.get(encoded)).same_block(user));
  Identity::encode({"", "", "", ""}, encoded);
  EXPECT_TRUE(encoded.empty()) << "an empty row is no block";
  const Identity none;
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(none[k], "");
    // As SharedText's view(): readers hand the bytes to memcpy, which must
    // not get a null pointer even for none (UBSan reports it).
    EXPECT_NE(none[k].data(), nullptr);
  }
}

// A row built on its own (a hand-built record) reads the same as an
// interned one and holds a block of its own; an all-empty one holds none.
TEST(TextRow, OfBuildsARowOfItsOwn) {
  using Call = TextRow<3>;
  const Call launch = Call::of({"RunInstances", "us-east-1", "Client.DryRunOperation"});
  EXPECT_EQ(launch[0], "RunInstances");
  EXPECT_EQ(launch[1], "us-east-1");
  EXPECT_EQ(launch[2], "Client.DryRunOperation");
  const Call again = Call::of({"RunInstances", "us-east-1", "Client.DryRunOperation"});
  EXPECT_FALSE(again.same_block(launch));
  EXPECT_EQ(again[2], launch[2]);
  EXPECT_EQ(Call::of({"GetServiceQuota", "us-east-1", ""})[2], "");
  const Call none = Call::of({"", "", ""});
  EXPECT_TRUE(none.same_block(Call())) << "an empty row is no block";
  EXPECT_NE(none[1].data(), nullptr);
}

}  // namespace
}  // namespace trailsweep
