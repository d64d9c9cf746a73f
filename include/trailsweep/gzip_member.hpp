#pragma once
// GzipMemberInflater: inflates a gzip file held whole in memory in one call,
// for the scanner's whole-file path (CloudTrail delivers one gzip member per
// object, at most tens of MB). Two engines, both checking the member's CRC-32
// and length: ISA-L's igzip (Debian libisal-dev) and libdeflate. Neither is
// the faster for every file: ISA-L decodes a long member faster (inflate
// alone over files of 700 records, tests/bench: 15% on the project's AMD
// EPYC, 4-12% on Intel Xeons), but builds bigger tables for each deflate
// block, which a small member does not pay back (1.07x-1.8x libdeflate's time
// over files of 1 to 80 records, an Intel Xeon, 2026-11-29). So a member is
// inflated by ISA-L from kIsalFromBytes on, by libdeflate below that, and by
// libdeflate alone in a build without ISA-L.
// Anything but exactly one valid member of exactly the announced size is
// refused, and the caller then takes the streaming path, which reads several
// members and locates damage.
// One per thread; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace trailsweep {

/// Whether a gzip header's FLG byte (its fourth) leaves ISA-L 2.30 judging
/// the member as zlib does. Not so for RFC 1952's reserved bits, which
/// ISA-L ignores, nor for FHCRC, a header CRC one engine does not check
/// (fuzz_gzip_member found both); neither appears in files CloudTrail or
/// gzip write. Members with them are read by zlib.
constexpr bool isal_reads_flags_like_zlib(unsigned char flg) {
  constexpr unsigned char kFhcrc = 0x02, kReserved = 0xE0;
  return (flg & (kFhcrc | kReserved)) == 0;
}

/// A 32-bit field of a gzip trailer (CRC-32, then ISIZE), little-endian.
constexpr std::uint32_t gzip_trailer_field(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

class GzipMemberInflater {
 public:
  enum class Engine { kIsal, kLibdeflate };
  /// The engines this build has, ISA-L first where it has it.
  static std::span<const Engine> engines();
  /// The inflated size from which ISA-L beats libdeflate (see above): between
  /// files of 80 records (~80 KB) and of 100 on the Xeon.
  static constexpr std::size_t kIsalFromBytes = 96 * 1024;
  /// The engine a size-picking inflater uses for a member of `size` inflated bytes.
  static Engine engine_for(std::size_t size);

  /// Picks the engine for each member by its size (engine_for).
  GzipMemberInflater();
  /// Always inflates with `engine` (tests, benchmarks).
  explicit GzipMemberInflater(Engine engine);
  ~GzipMemberInflater();
  GzipMemberInflater(const GzipMemberInflater&) = delete;  // owns the engine's state
  GzipMemberInflater& operator=(const GzipMemberInflater&) = delete;

  /// Inflates `in` into out[0, size): true only when `in` is one gzip member,
  /// nothing after it, that is intact (CRC-32 and length) and inflates to
  /// exactly `size` bytes. On false, out's contents are unspecified.
  bool inflate(std::span<const unsigned char> in, char* out, std::size_t size);

 private:
  struct State;
  std::optional<Engine> fixed_engine_;  // none: picked per member by engine_for()
  std::unique_ptr<State> state_;
};

}  // namespace trailsweep
