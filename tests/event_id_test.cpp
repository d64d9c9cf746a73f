// EventId: a kept hit's eventID, 16 bytes for CloudTrail's UUIDs, and
// ordered, compared and printed exactly as the text it was read from.
#include "trailsweep/event_id.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace trailsweep {
namespace {

TEST(EventId, PrintsBackTheTextItWasReadFrom) {
  for (const std::string text : {"8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11", "00000000-0000-0000-0000-000000000000",
                                 "ffffffff-ffff-ffff-ffff-ffffffffffff",
                                 "8C1B2F5E-0E0F-4A8A-9B3B-2F6E8C1D0A11",  // upper case: kept as text
                                 "8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a1",   // one digit short
                                 "8c1b2f5e+0e0f-4a8a-9b3b-2f6e8c1d0a11",  // not a hyphen
                                 "e1", "",
                                 "8c1b2f5e-0e0f-4a8a-7e57-7e577e577e57"}) {  // the low half is the text mark
    const EventId id(text);
    EXPECT_EQ(id.str(), text);
    EXPECT_EQ(id.shared(), text);
    EXPECT_EQ(id.size(), text.size());
    EXPECT_EQ(id.empty(), text.empty());
    EXPECT_TRUE(id == text);
    EXPECT_TRUE(id == EventId(text));
  }
  EXPECT_TRUE(EventId().empty());
}

// Which texts are packed into 16 bytes: exactly the lowercase UUIDs (the
// hex digits read eight at a time must refuse every other byte, those just
// outside the ranges included). A packed id writes a new block for shared();
// one kept as text hands out its own.
TEST(EventId, PacksExactlyTheLowercaseUuids) {
  auto is_lowercase_uuid = [](const std::string& t) {
    if (t.size() != 36) return false;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const bool hyphen_place = i == 8 || i == 13 || i == 18 || i == 23;
      const char c = t[i];
      if (hyphen_place ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  };
  std::string bytes = "/09:@`afgAFG-z \x7f\x80\xff";
  bytes += '\0';
  std::mt19937 random(20251102);
  std::size_t packed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text = "0ef5df25-6c2f-482b-9dca-3e1b7c9d0a5f";
    for (char& c : text) {
      if (c != '-') c = "0123456789abcdef"[random() % 16];
    }
    for (int changes = static_cast<int>(random() % 3); changes > 0; --changes) {
      text[random() % text.size()] = bytes[random() % bytes.size()];
    }
    const EventId id(text);
    ASSERT_EQ(id.str(), text);
    const bool packs = !id.shared().same_block(id.shared());
    ASSERT_EQ(packs, is_lowercase_uuid(text)) << text;
    packed += packs;
  }
  EXPECT_GT(packed, 5000u);
  EXPECT_LT(packed, 19000u);
}

TEST(EventId, OrdersAsItsTextWhateverTheForm) {
  // What the report's order depends on: hits of one time sort by eventID.
  std::vector<std::string> texts = {"8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11", "8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a12",
                                    "8c1b2f5f-0000-0000-0000-000000000000", "0ef5df25-6c2f-482b-9dca-000000000000",
                                    "a0000000-0000-0000-0000-000000000000", "9fffffff-ffff-ffff-ffff-ffffffffffff",
                                    "8c1b2f5e-0e0f-4a8a-7e57-7e577e577e57", "8C1B2F5E-0E0F-4A8A-9B3B-2F6E8C1D0A11",
                                    "e1", "", "8c1b2f5e"};
  std::vector<EventId> ids(texts.begin(), texts.end());
  std::sort(texts.begin(), texts.end());
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> printed;
  for (const EventId& id : ids) printed.push_back(id.str());
  EXPECT_EQ(printed, texts);
  EXPECT_NE(EventId("8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11"), EventId("8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a12"));
  EXPECT_NE(EventId("8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11"), EventId("8C1B2F5E-0E0F-4A8A-9B3B-2F6E8C1D0A11"));
}

TEST(EventId, CopiesMovesAndSwapsKeepEachId) {
  const std::string uuid = "8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11", text = "a-hand-written-id";
  EventId a(uuid), b(text);
  a.swap(b);
  EXPECT_EQ(a.str(), text);
  EXPECT_EQ(b.str(), uuid);
  std::swap(a, b);
  EXPECT_EQ(a.str(), uuid);
  EXPECT_EQ(b.str(), text);
  EventId c = b;  // a text copy shares its block
  EXPECT_TRUE(c.shared().same_block(b.shared()));
  EventId d = std::move(a);
  EXPECT_EQ(d.str(), uuid);
  c = d;
  EXPECT_EQ(c.str(), uuid);
  d = b;
  EXPECT_EQ(d.str(), text);
  EXPECT_EQ(b.str(), text);
}

}  // namespace
}  // namespace trailsweep
