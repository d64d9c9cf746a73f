#include "trailsweep/word_load.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace trailsweep
