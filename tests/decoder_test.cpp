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

Decoded decode(const std::string& input, std::size_t chunk = SIZE_MAX, std::uint64_t cap = UINT64_MAX,
               Decoder::Engine engine = Decoder::engines().front()) {
  MemorySource src(input, chunk);
  Decoder dec(src, cap, engine);
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

// Logs recompressed with another tool, or saved by Windows PowerShell as
// UTF-16, are named once for what they are, with what to do, instead of a
// JSON error for every line of binary; read a byte at a time, as a pipe may
// hand them over. What merely starts like one of them is JSON as before.
TEST(Decoder, OtherCompressorsAndUtf16AreNamedNotParsed) {
  const std::pair<std::string, std::string> cases[] = {
      {std::string("\x28\xb5\x2f\xfd\x24\x05", 6), "zstd-compressed, not gzip: decompress it first (zstd -dc"},
      {std::string("\xfd" "7zXZ\x00\x00", 7), "xz-compressed, not gzip: decompress it first (xz -dc"},
      {std::string("BZh91AY&SY"), "bzip2-compressed, not gzip: decompress it first (bzip2 -dc"},
      {std::string("\x04\x22\x4d\x18\x64\x40"), "lz4-compressed, not gzip"},
      {std::string("PK\x03\x04\x14\x00"), "a zip archive: unzip it"},
      {std::string("PAR1\x15\x04"), "a Parquet file, not JSON"},
      {std::string("\xff\xfe{\x00\"\x00", 6), "UTF-16 text, not UTF-8 JSON: convert it first (iconv"},
      {std::string("\xfe\xff\x00{\x00\"", 6), "UTF-16 text, not UTF-8 JSON"},
  };
  for (const auto& [input, message] : cases) {
    auto d = decode(input + std::string(100, 'x'), 1);
    EXPECT_EQ(d.error.substr(0, message.size()), message) << d.error;
    EXPECT_TRUE(d.error.ends_with("; not read")) << d.error;
    EXPECT_EQ(d.error_offset, 0u);
    EXPECT_EQ(d.data, "");
  }
  for (const std::string plain : {"BZh", "BZhx{}", "\xef\xbb\xbf{\"Records\":[]}", "PK", "\xff"}) {
    auto d = decode(plain, 1);
    EXPECT_EQ(d.error, "") << plain;
    EXPECT_EQ(d.data, plain);
  }
}

// The gzip tests run with every engine the build has: a stream must read the
// same with ISA-L as with zlib, errors and their offsets included.
class DecoderEngine : public ::testing::TestWithParam<Decoder::Engine> {
 protected:
  Decoded decode_gzip(const std::string& input, std::size_t chunk = SIZE_MAX, std::uint64_t cap = UINT64_MAX) {
    return decode(input, chunk, cap, GetParam());
  }
};

std::string engine_name(const ::testing::TestParamInfo<Decoder::Engine>& info) {
  return info.param == Decoder::Engine::kIsal ? "Isal" : "Zlib";
}

INSTANTIATE_TEST_SUITE_P(Engines, DecoderEngine,
                         ::testing::ValuesIn(Decoder::engines().begin(), Decoder::engines().end()), engine_name);

std::string varied_payload(std::size_t size) {
  std::string payload(size, 'a');
  for (std::size_t i = 0; i < payload.size(); i += 7) payload[i] = static_cast<char>('a' + i % 26);
  return payload;
}

// Letters a fixed generator picks: deflate cannot shrink it much, so a
// corrupted stretch lands in the middle of the compressed data.
std::string random_letters(std::size_t size) {
  std::string s(size, 'a');
  std::uint32_t x = 12345;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>('a' + (x >> 16) % 26);
  }
  return s;
}

TEST_P(DecoderEngine, RecognisesGzipByMagicBytes) {
  auto d = decode_gzip(testing::gzip_bytes("hello"));
  EXPECT_TRUE(d.gzip);
  EXPECT_EQ(d.data, "hello");
  EXPECT_EQ(d.error, "");
}

TEST_P(DecoderEngine, ReadsConcatenatedMembersLikeZcat) {
  const std::string big = varied_payload(300000);  // several output reads, and member ends inside an input chunk
  std::string three = testing::gzip_bytes("first,") + testing::gzip_bytes(big) + testing::gzip_bytes("third");
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, std::size_t{4099}, SIZE_MAX}) {
    auto d = decode_gzip(three, chunk);
    EXPECT_TRUE(d.data == "first," + big + "third") << "chunk " << chunk << ": " << d.data.size() << " bytes";
    EXPECT_EQ(d.error, "");
  }
}

// gzip's optional header fields, by hand: FEXTRA, FNAME and FCOMMENT.
std::string gzip_with_optional_fields(const std::string& payload) {
  const std::string plain = testing::gzip_bytes(payload);
  std::string out = plain.substr(0, 10);
  out[3] = static_cast<char>(0x04 | 0x08 | 0x10);
  out += std::string("\x05\x00" "ab\x01" "cd", 7);  // XLEN 5, then five bytes
  out += std::string("CloudTrail_export.jsonl") + '\0' + std::string("made by hand") + '\0';
  return out + plain.substr(10);
}

TEST_P(DecoderEngine, OptionalHeaderFieldsSplitAcrossReads) {
  // ISA-L 2.30 reads uninitialised state when such a field spans two of its
  // calls (valgrind; fuzz_gzip_member saw its output change from run to
  // run): the Decoder hands it a member only once the whole header is in.
  const std::string payload = varied_payload(50000);
  const std::string gz = gzip_with_optional_fields(payload);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{17}, SIZE_MAX}) {
    auto d = decode_gzip(gz + gz, chunk);
    EXPECT_EQ(d.error, "") << "chunk " << chunk;
    EXPECT_TRUE(d.data == payload + payload) << "chunk " << chunk << ": " << d.data.size() << " bytes";
  }
}

TEST_P(DecoderEngine, IgnoresTrailingZeroPadding) {
  auto d = decode_gzip(testing::gzip_bytes("x") + std::string(16, '\0'));
  EXPECT_EQ(d.data, "x");
  EXPECT_EQ(d.error, "");
}

TEST_P(DecoderEngine, TruncatedStreamKeepsWhatWasDecodedAndSaysWhere) {
  const std::string payload = varied_payload(20000);
  std::string z = testing::gzip_bytes(payload);
  std::string cut = z.substr(0, z.size() - 20);
  for (std::size_t chunk : {std::size_t{3}, SIZE_MAX}) {
    auto d = decode_gzip(cut, chunk);
    EXPECT_EQ(d.error, "gzip stream truncated (input ends inside a member)");
    EXPECT_EQ(d.error_offset, cut.size());
    EXPECT_GT(d.data.size(), 0u);
    EXPECT_TRUE(d.data == payload.substr(0, d.data.size())) << "decoded bytes differ from the payload";
  }
}

TEST_P(DecoderEngine, WrongTrailerChecksumIsReported) {
  std::string z = testing::gzip_bytes("some CloudTrail text");
  z[z.size() - 8] = static_cast<char>(z[z.size() - 8] ^ 0xFF);  // CRC32 field
  for (std::size_t chunk : {std::size_t{1}, SIZE_MAX}) {  // one byte a read: the trailer spans eight reads
    auto d = decode_gzip(z, chunk);
    EXPECT_EQ(d.error, "corrupt gzip data: incorrect data check");
    EXPECT_EQ(d.error_offset, z.size() - 4);  // the end of the CRC-32 field, as zlib says
    EXPECT_EQ(d.data, "some CloudTrail text");
  }
}

TEST_P(DecoderEngine, WrongTrailerLengthIsReported) {
  std::string z = testing::gzip_bytes("some CloudTrail text");
  z[z.size() - 4] = static_cast<char>(z[z.size() - 4] ^ 0x01);  // ISIZE field
  for (std::size_t chunk : {std::size_t{1}, SIZE_MAX}) {
    auto d = decode_gzip(z, chunk);
    EXPECT_EQ(d.error, "corrupt gzip data: incorrect length check");
    EXPECT_EQ(d.error_offset, z.size());
  }
}

TEST_P(DecoderEngine, CorruptDeflateDataIsReportedAndWhatCameBeforeIsKept) {
  const std::string payload = random_letters(200000);
  std::string z = testing::gzip_bytes(payload);
  ASSERT_GT(z.size(), 100000u);
  const std::size_t damage = z.size() / 2;
  for (std::size_t at = damage; at < damage + 64; ++at) z[at] = static_cast<char>(z[at] ^ 0x5A);
  auto d = decode_gzip(z, 1000);
  EXPECT_EQ(d.error.rfind("corrupt gzip data: ", 0), 0u) << d.error;
  EXPECT_GE(d.error_offset, damage);
  EXPECT_LT(d.error_offset, z.size());
  // What came before the damage is kept: the data compresses evenly, so the
  // first 40% precede it (bytes decoded after it, before the engine sees
  // the damage, may be wrong, as with any deflate stream).
  const std::size_t intact = payload.size() * 2 / 5;
  ASSERT_GT(d.data.size(), intact);
  EXPECT_TRUE(d.data.compare(0, intact, payload, 0, intact) == 0) << "bytes before the damage differ";
}

TEST_P(DecoderEngine, HeaderFlagsZlibRefusesAreRefusedWithEitherEngine) {
  // A reserved FLG bit (ISA-L 2.30 ignores them): read by zlib whichever
  // engine is chosen, so the file reads the same with either.
  std::string z = testing::gzip_bytes("ok");
  z[3] = static_cast<char>(z[3] | 0x20);
  auto d = decode_gzip(z);
  EXPECT_EQ(d.error, "corrupt gzip data: unknown header flags set");
  EXPECT_EQ(d.data, "");
  // And a second member with it, after a good first one.
  auto two = decode_gzip(testing::gzip_bytes("first") + z);
  EXPECT_EQ(two.data, "first");
  EXPECT_EQ(two.error, "corrupt gzip data: unknown header flags set");
}

TEST_P(DecoderEngine, GarbageAfterMemberIsReportedAtItsOffset) {
  std::string z = testing::gzip_bytes("ok");
  auto d = decode_gzip(z + "junk");
  EXPECT_EQ(d.data, "ok");
  EXPECT_EQ(d.error, "data after the end of the gzip stream is not gzip");
  EXPECT_EQ(d.error_offset, z.size());
}

TEST_P(DecoderEngine, SizeCapStopsABomb) {
  std::string bomb = testing::gzip_bytes(std::string(10 << 20, '\0'));
  ASSERT_LT(bomb.size(), 20000u);
  auto d = decode_gzip(bomb, SIZE_MAX, 1 << 20);
  EXPECT_EQ(d.data.size(), 1u << 20);
  EXPECT_EQ(d.error,
            "decompressed size exceeds the cap of 1048576 bytes (--max-decompressed-size); rest "
            "of file skipped");
}

TEST_P(DecoderEngine, FuzzInvalidCodeSetInSmallReadsFailsCleanly) {
  // fuzz_gzip_member: a member with an invalid distance code set, read 22
  // bytes at a time. ISA-L accepts the code set (zlib refuses it) and, at
  // the fault that follows, left its input pointer outside the bytes it was
  // given; the position computed from it ran off the buffer.
  const std::string input = testing::read_file(std::string(TRAILSWEEP_SOURCE_DIR) +
                                               "/tests/fuzz/regressions/gzip_member-isal-stream-lost-position.bin");
  ASSERT_GT(input.size(), 100u);
  const std::string gz = input.substr(1);  // the target's first byte picks the read size: 1 + 0x15 % 97
  for (std::size_t chunk : {std::size_t{22}, std::size_t{1}, SIZE_MAX}) {
    auto d = decode_gzip(gz, chunk);
    EXPECT_EQ(d.error.rfind("corrupt gzip data: ", 0), 0u) << "chunk " << chunk << ": " << d.error;
    EXPECT_LE(d.error_offset, gz.size());
  }
}

TEST(Decoder, IsalReadsAnIncompleteCodeSetThatZlibRefuses) {
  // fuzz_gzip_member: a member whose literal/length code is incomplete, with
  // a trailer that matches what decoding it anyway gives. zlib refuses it
  // (RFC 1951 allows only complete codes); ISA-L decodes it, and the CRC-32
  // and length hold it to what the writer meant. The one difference the
  // fuzz target allows between the streaming engines; this pins it, so an
  // ISA-L that changes it is noticed.
  const std::string input = testing::read_file(std::string(TRAILSWEEP_SOURCE_DIR) +
                                               "/tests/fuzz/regressions/gzip_member-isal-incomplete-code-set.bin");
  const std::string gz = input.substr(1);
  EXPECT_EQ(decode(gz, SIZE_MAX, UINT64_MAX, Decoder::Engine::kZlib).error,
            "corrupt gzip data: invalid literal/lengths set");
#if defined(TRAILSWEEP_HAVE_ISAL)
  const Decoded isal = decode(gz, SIZE_MAX, UINT64_MAX, Decoder::Engine::kIsal);
  EXPECT_EQ(isal.error, "");
  EXPECT_EQ(isal.data, "");
#endif
}

TEST(Decoder, StreamsWithIsalWhenTheBuildHasIt) {
  // An invalid block type: each engine words it its own way, which shows
  // which one read the stream.
  std::string z = testing::gzip_bytes("some CloudTrail text");
  z[10] = static_cast<char>(z[10] | 0x06);  // BTYPE 11, reserved
#if defined(TRAILSWEEP_HAVE_ISAL)
  ASSERT_EQ(Decoder::engines().front(), Decoder::Engine::kIsal);
  EXPECT_EQ(decode(z).error, "corrupt gzip data: invalid deflate block");
#endif
  EXPECT_EQ(decode(z, SIZE_MAX, UINT64_MAX, Decoder::Engine::kZlib).error, "corrupt gzip data: invalid block type");
}

TEST(Decoder, EmptyInputIsAnEmptyStream) {
  auto d = decode("");
  EXPECT_EQ(d.data, "");
  EXPECT_EQ(d.error, "");
}

}  // namespace
}  // namespace trailsweep
