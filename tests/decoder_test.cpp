#include "trailsweep/decoder.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace trailsweep {
namespace {

struct Decoded {
  std::string data;
  std::string error;
  std::uint64_t error_offset = 0;
  bool gzip = false;
};

Decoded decode(const std::string& input, std::size_t chunk = SIZE_MAX,
               std::uint64_t cap = UINT64_MAX) {
  MemorySource src(input, chunk);
  Decoder dec(src, cap);
  Decoded d;
  char buf[4096];
  while (std::size_t n = dec.read(buf, sizeof buf)) d.data.append(buf, n);
  d.error = dec.error();
  d.error_offset = dec.error_offset();
  d.gzip = dec.is_gzip();
  return d;
}

TEST(Decoder, PlainBytesPassThrough) {
  auto d = decode(R"({"Records":[]})", 3);
  EXPECT_FALSE(d.gzip);
  EXPECT_EQ(d.data, R"({"Records":[]})");
  EXPECT_EQ(d.error, "");
}

TEST(Decoder, RecognisesGzipByMagicBytes) {
  auto d = decode(testing::gzip_bytes("hello"));
  EXPECT_TRUE(d.gzip);
  EXPECT_EQ(d.data, "hello");
  EXPECT_EQ(d.error, "");
}

TEST(Decoder, ReadsConcatenatedMembersLikeZcat) {
  std::string two = testing::gzip_bytes("first,") + testing::gzip_bytes("second");
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, SIZE_MAX}) {
    auto d = decode(two, chunk);
    EXPECT_EQ(d.data, "first,second") << "chunk " << chunk;
    EXPECT_EQ(d.error, "");
  }
}

TEST(Decoder, IgnoresTrailingZeroPadding) {
  auto d = decode(testing::gzip_bytes("x") + std::string(16, '\0'));
  EXPECT_EQ(d.data, "x");
  EXPECT_EQ(d.error, "");
}

TEST(Decoder, TruncatedStreamKeepsWhatWasDecodedAndSaysWhere) {
  std::string payload(20000, 'a');
  for (std::size_t i = 0; i < payload.size(); i += 7) payload[i] = static_cast<char>('a' + i % 26);
  std::string z = testing::gzip_bytes(payload);
  std::string cut = z.substr(0, z.size() - 20);
  auto d = decode(cut);
  EXPECT_EQ(d.error, "gzip stream truncated (input ends inside a member)");
  EXPECT_EQ(d.error_offset, cut.size());
  EXPECT_GT(d.data.size(), 0u);
  EXPECT_EQ(d.data, payload.substr(0, d.data.size()));
}

TEST(Decoder, WrongTrailerChecksumIsReported) {
  std::string z = testing::gzip_bytes("some CloudTrail text");
  z[z.size() - 8] = static_cast<char>(z[z.size() - 8] ^ 0xFF);  // CRC32 field
  auto d = decode(z);
  EXPECT_EQ(d.error, "corrupt gzip data: incorrect data check");
  EXPECT_EQ(d.data, "some CloudTrail text");
}

TEST(Decoder, GarbageAfterMemberIsReportedAtItsOffset) {
  std::string z = testing::gzip_bytes("ok");
  auto d = decode(z + "junk");
  EXPECT_EQ(d.data, "ok");
  EXPECT_EQ(d.error, "data after the end of the gzip stream is not gzip");
  EXPECT_EQ(d.error_offset, z.size());
}

TEST(Decoder, SizeCapStopsABomb) {
  std::string bomb = testing::gzip_bytes(std::string(10 << 20, '\0'));
  ASSERT_LT(bomb.size(), 20000u);
  auto d = decode(bomb, SIZE_MAX, 1 << 20);
  EXPECT_EQ(d.data.size(), 1u << 20);
  EXPECT_EQ(d.error,
            "decompressed size exceeds the cap of 1048576 bytes (--max-decompressed-size); rest "
            "of file skipped");
}

TEST(Decoder, EmptyInputIsAnEmptyStream) {
  auto d = decode("");
  EXPECT_EQ(d.data, "");
  EXPECT_EQ(d.error, "");
}

}  // namespace
}  // namespace trailsweep
