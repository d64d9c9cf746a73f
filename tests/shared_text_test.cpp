#include "trailsweep/shared_text.hpp"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace trailsweep
