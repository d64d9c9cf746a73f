#include "trailsweep/gzip_member.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "test_util.hpp"

namespace trailsweep {
namespace {

using Engine = GzipMemberInflater::Engine;

// A real CloudTrail object as AWS delivers it (one gzip member).
const std::filesystem::path kDelivered =
    std::filesystem::path(TRAILSWEEP_SOURCE_DIR) /
    "testdata/archive/AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/us-east-1/2025/11/02/"
    "444455556666_CloudTrail_us-east-1_20251102T0630Z_EPPOWDXZZLR7LKXG.json.gz";

std::uint32_t trailer_size(const std::string& gz) {
  const auto* b = reinterpret_cast<const unsigned char*>(gz.data()) + gz.size() - 4;
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

// Runs `inflate` with the given announced size; the text on success.
struct Outcome {
  bool ok = false;
  std::string text;
};
Outcome inflate_with(Engine engine, const std::string& gz, std::size_t size) {
  GzipMemberInflater inflater(engine);
  std::string out(size, '\0');
  Outcome o;
  o.ok = inflater.inflate({reinterpret_cast<const unsigned char*>(gz.data()), gz.size()}, out.data(), size);
  if (o.ok) o.text = std::move(out);
  return o;
}

}  // namespace

void PrintTo(Engine engine, std::ostream* os) { *os << (engine == Engine::kIsal ? "ISA-L" : "libdeflate"); }

namespace {

class GzipMember : public ::testing::TestWithParam<Engine> {};

TEST_P(GzipMember, InflatesADeliveredCloudTrailObjectExactly) {
  const std::string gz = testing::read_file(kDelivered);
  ASSERT_GT(gz.size(), 18u) << kDelivered;
  const std::string json = testing::gunzip(gz);  // through the streaming Decoder
  ASSERT_NE(json.find("\"Records\""), std::string::npos);
  const Outcome o = inflate_with(GetParam(), gz, trailer_size(gz));
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.text, json);
}

TEST_P(GzipMember, OneInflaterServesFileAfterFile) {
  GzipMemberInflater inflater(GetParam());
  // Small records and a whole delivered file, so that the engine's state is
  // reused across sizes.
  const std::vector<std::string> texts = {testing::iam_user_record("CreateUser"),
                                          testing::gunzip(testing::read_file(kDelivered)),
                                          testing::iam_user_record("CreateAccessKey")};
  for (int round = 0; round < 2; ++round) {
    for (const std::string& text : texts) {
      const std::string gz = testing::gzip_bytes(text);
      std::string out(text.size(), '\0');
      ASSERT_TRUE(inflater.inflate({reinterpret_cast<const unsigned char*>(gz.data()), gz.size()}, out.data(),
                                   out.size()));
      EXPECT_EQ(out, text);
    }
  }
}

// Each of these must go to the streaming path, which reads several members
// and names the damage: the one-call path may only take a clean single member.
TEST_P(GzipMember, RefusesAnythingButOneIntactMemberOfTheAnnouncedSize) {
  const std::string text = testing::iam_user_record("CreateUser");
  const std::string gz = testing::gzip_bytes(text);
  ASSERT_TRUE(inflate_with(GetParam(), gz, text.size()).ok);

  std::string bad_crc = gz;
  bad_crc[gz.size() - 8] ^= 0x01;
  EXPECT_FALSE(inflate_with(GetParam(), bad_crc, text.size()).ok) << "CRC-32 not checked";

  std::string bad_length = gz;
  bad_length[gz.size() - 4] ^= 0x01;
  EXPECT_FALSE(inflate_with(GetParam(), bad_length, text.size()).ok) << "trailer length not checked";

  // RFC 1952 reserves FLG bits 5-7; zlib refuses a header with one set, and
  // so must each engine (ISA-L 2.30 alone did not: fuzz_gzip_member). A
  // header CRC (FHCRC) goes to the streaming path too: the engines disagreed
  // on a wrong one, so none takes it.
  for (unsigned char bit : {0x20, 0x40, 0x80}) {
    std::string reserved = gz;
    reserved[3] = static_cast<char>(reserved[3] | bit);
    EXPECT_FALSE(inflate_with(GetParam(), reserved, text.size()).ok) << "reserved FLG bit " << int(bit);
  }
  std::string with_header_crc = gz;
  with_header_crc[3] = static_cast<char>(with_header_crc[3] | 0x02);
  const std::uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(with_header_crc.data()), 10) & 0xffff;
  with_header_crc.insert(10, std::string{static_cast<char>(crc & 0xff), static_cast<char>(crc >> 8)});
  EXPECT_EQ(testing::gunzip(with_header_crc), text) << "the streaming path reads it";
  EXPECT_FALSE(inflate_with(GetParam(), with_header_crc, text.size()).ok) << "FHCRC";

  EXPECT_FALSE(inflate_with(GetParam(), gz + testing::gzip_bytes(text), text.size()).ok) << "second member";
  EXPECT_FALSE(inflate_with(GetParam(), gz + std::string(2, '\0'), text.size()).ok) << "trailing bytes";
  EXPECT_FALSE(inflate_with(GetParam(), gz.substr(0, gz.size() / 2), text.size()).ok) << "truncated";
  EXPECT_FALSE(inflate_with(GetParam(), gz.substr(0, gz.size() - 4), text.size()).ok) << "no length";
  EXPECT_FALSE(inflate_with(GetParam(), gz, text.size() - 1).ok) << "announced size too small";
  EXPECT_FALSE(inflate_with(GetParam(), gz, text.size() + 1).ok) << "announced size too large";
  EXPECT_FALSE(inflate_with(GetParam(), text, text.size()).ok) << "not gzip";
  EXPECT_FALSE(inflate_with(GetParam(), std::string(), 0).ok) << "empty";
}

INSTANTIATE_TEST_SUITE_P(Engines, GzipMember, ::testing::ValuesIn(GzipMemberInflater::engines().begin(),
                                                                  GzipMemberInflater::engines().end()),
                         [](const ::testing::TestParamInfo<Engine>& info) {
                           return info.param == Engine::kIsal ? std::string("Isal") : std::string("Libdeflate");
                         });

// Where ISA-L was found, the scanner uses it for large members (below), and
// libdeflate is tested above as the engine of small members and of builds
// without ISA-L.
TEST(GzipMemberEngines, IsalFirstAndLibdeflateAlwaysThere) {
  const auto engines = GzipMemberInflater::engines();
  ASSERT_FALSE(engines.empty());
  EXPECT_EQ(engines.back(), Engine::kLibdeflate);
#if defined(TRAILSWEEP_HAVE_ISAL)
  EXPECT_EQ(engines.front(), Engine::kIsal);
#endif
}

// ISA-L's per-block tables cost a small member more than its faster
// decoding saves (tests/bench/README.md), so the scanner's inflater sends
// members below kIsalFromBytes to libdeflate and the rest to ISA-L.
TEST(GzipMemberEngines, SmallMembersGoToLibdeflateLargeOnesToTheFirstEngine) {
  constexpr std::size_t from = GzipMemberInflater::kIsalFromBytes;
  EXPECT_EQ(GzipMemberInflater::engine_for(0), Engine::kLibdeflate);
  EXPECT_EQ(GzipMemberInflater::engine_for(from - 1), Engine::kLibdeflate);
  EXPECT_EQ(GzipMemberInflater::engine_for(from), GzipMemberInflater::engines().front());
  EXPECT_EQ(GzipMemberInflater::engine_for(std::size_t{50} << 20), GzipMemberInflater::engines().front());
#if defined(TRAILSWEEP_HAVE_ISAL)
  EXPECT_EQ(GzipMemberInflater::engine_for(from), Engine::kIsal);
#endif
}

// The scanner's inflater, switching engines member by member on one state:
// each size inflates exactly, and damage is refused on either engine.
TEST(GzipMemberPicked, InflatesAndChecksSmallAndLargeMembersInTurn) {
  const std::string delivered = testing::gunzip(testing::read_file(kDelivered));
  std::string large;
  while (large.size() < 2 * GzipMemberInflater::kIsalFromBytes) large += delivered;
  const std::vector<std::string> texts = {testing::iam_user_record("CreateUser"), large, delivered,
                                          large.substr(0, GzipMemberInflater::kIsalFromBytes)};
  ASSERT_LT(delivered.size(), GzipMemberInflater::kIsalFromBytes);
  GzipMemberInflater inflater;
  for (int round = 0; round < 2; ++round) {
    for (const std::string& text : texts) {
      const std::string gz = testing::gzip_bytes(text);
      std::string out(text.size(), '\0');
      ASSERT_TRUE(inflater.inflate({reinterpret_cast<const unsigned char*>(gz.data()), gz.size()}, out.data(),
                                   out.size()))
          << text.size() << " bytes";
      EXPECT_EQ(out, text) << text.size() << " bytes";
      std::string bad_crc = gz;
      bad_crc[gz.size() - 8] ^= 0x01;
      EXPECT_FALSE(inflater.inflate({reinterpret_cast<const unsigned char*>(bad_crc.data()), bad_crc.size()},
                                    out.data(), out.size()))
          << "CRC-32 not checked at " << text.size() << " bytes";
    }
  }
}

}  // namespace
}  // namespace trailsweep
