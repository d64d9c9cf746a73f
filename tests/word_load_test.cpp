#include "trailsweep/word_load.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <string>

namespace trailsweep {
namespace {

// Every length and offset, with bytes that differ (and have the high bit
// set, where sign extension would show), against what memcpy gives.
TEST(LoadPrefixWord, IsWhatMemcpyIntoAZeroedWordGives) {
  std::string bytes;
  for (int i = 0; i < 24; ++i) bytes.push_back(static_cast<char>(0x81 + 7 * i));
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n < 8; ++n) {
      std::uint64_t expected = 0;
      std::memcpy(&expected, bytes.data() + offset, n);
      EXPECT_EQ(load_prefix_word(bytes.data() + offset, n), expected) << "offset " << offset << " n " << n;
    }
  }
}

// The bytes are read inside [p, p + n): a string that ends where its
// allocation ends is never read past (ASan checks this in the sanitizer build).
TEST(LoadPrefixWord, ReadsOnlyTheBytesAskedFor) {
  for (std::size_t n = 1; n < 8; ++n) {
    auto exact = std::make_unique<char[]>(n);
    for (std::size_t i = 0; i < n; ++i) exact[i] = static_cast<char>('a' + i);
    std::uint64_t expected = 0;
    std::memcpy(&expected, exact.get(), n);
    EXPECT_EQ(load_prefix_word(exact.get(), n), expected);
  }
}

// Each byte against a byte-wise reference (only 'A'-'Z' fold), at every
// place of every length up to three words: the pairs that differ by the case
// bit but are no letters ('@' '`', '[' '{', 0xC0 0xE0) must stay unequal.
TEST(EqualAsciiFolded, AgreesWithFoldingByteByByte) {
  auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; };
  const std::string base = "ec2.amazonaws.com/assumedrole";
  int equal = 0, checked = 0;
  for (std::size_t n = 1; n <= 24; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      for (int t = 0; t < 256; ++t) {
        const auto text_byte = static_cast<unsigned char>(t);
        for (unsigned char lowered_byte :
             {lower(text_byte), static_cast<unsigned char>(text_byte ^ 0x20), text_byte, static_cast<unsigned char>('a')}) {
          std::string text = base.substr(0, n), lowered = base.substr(0, n);
          text[at] = static_cast<char>(text_byte);
          lowered[at] = static_cast<char>(lowered_byte);
          const bool expected = lower(text_byte) == lowered_byte;
          ASSERT_EQ(equal_ascii_folded(text.data(), lowered.data(), n), expected)
              << "n " << n << " at " << at << " text byte " << t << " lowered byte " << int{lowered_byte};
          equal += expected;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(equal, checked / 4);
  EXPECT_TRUE(equal_ascii_folded("AssumedRole", "assumedrole", 11));
  EXPECT_FALSE(equal_ascii_folded("AssumedRolf", "assumedrole", 11));
  EXPECT_TRUE(equal_ascii_folded("", "", 0));
}

// The first matching byte from every start to every end of a text holding
// the byte at several places, in either case where folding asks for it.
// The word tests behind find_byte, JSON escaping and terminal sanitizing:
// whether a word holds such a byte, and where the first one is, must be
// exact for every pair of bytes in every two places (a borrow from one may
// flag bytes above it, which neither answer may see).
TEST(ByteFlags, WhetherAndWhereTheFirstIsAreExact) {
  const unsigned char samples[] = {0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x7e, 0x7f, 0x80, 0xc2, 0xff};
  for (unsigned char a : samples) {
    for (unsigned char b : samples) {
      for (int i = 0; i < 8; ++i) {
        for (int j = 0; j < 8; ++j) {
          unsigned char bytes[8];
          std::memset(bytes, 'a', 8);
          bytes[i] = a;
          bytes[j] = b;
          std::uint64_t w;
          std::memcpy(&w, bytes, 8);
          auto check = [&](std::uint64_t flags, auto&& is) {
            int first = -1;
            for (int k = 0; k < 8 && first < 0; ++k) {
              if (is(bytes[k])) first = k;
            }
            ASSERT_EQ(flags != 0, first >= 0) << int(a) << "@" << i << " " << int(b) << "@" << j;
            if (first >= 0) {
              EXPECT_EQ(std::countr_zero(flags) / 8, first) << int(a) << "@" << i << " " << int(b) << "@" << j;
            }
          };
          check(bytes_below(w, 0x20), [](unsigned char c) { return c < 0x20; });
          check(bytes_below(w, 0x80), [](unsigned char c) { return c < 0x80; });
          check(bytes_equal(w, 0x22), [](unsigned char c) { return c == 0x22; });
          check(bytes_equal(w, 0xc2), [](unsigned char c) { return c == 0xc2; });
          check(bytes_equal(w, 0x00), [](unsigned char c) { return c == 0x00; });
        }
      }
    }
  }
}

TEST(FindByte, IsTheFirstMatchInTheRange) {
  const std::string text = "arn:aws:sts::1:assumed-role/AWS:x\"q\"Z\xc1z";
  for (const auto& [byte, fold] : {std::pair<unsigned char, unsigned char>{'"', 0}, {':', 0}, {'z', 0x20}, {'z', 0},
                                   {'a', 0x20}, {0xe1, 0x20}, {'#', 0}}) {
    for (std::size_t from = 0; from <= text.size(); ++from) {
      for (std::size_t to = from; to <= text.size(); ++to) {
        std::size_t want = to;
        for (std::size_t i = from; i < to; ++i) {
          if (static_cast<unsigned char>(static_cast<unsigned char>(text[i]) | fold) == byte) {
            want = i;
            break;
          }
        }
        ASSERT_EQ(find_byte(text.data(), from, to, byte, fold), want)
            << "byte " << int{byte} << " fold " << int{fold} << " [" << from << "," << to << ")";
      }
    }
  }
}

}  // namespace
}  // namespace trailsweep
