#include "trailsweep/gzip_member.hpp"

#include <libdeflate.h>

#include <array>
#include <cstdint>
#include <limits>

#if defined(TRAILSWEEP_HAVE_ISAL)
#include <isa-l/igzip_lib.h>
#endif

namespace trailsweep {

namespace {

#if defined(TRAILSWEEP_HAVE_ISAL)
constexpr std::array kEngines = {GzipMemberInflater::Engine::kIsal, GzipMemberInflater::Engine::kLibdeflate};
#else
constexpr std::array kEngines = {GzipMemberInflater::Engine::kLibdeflate};
#endif

}  // namespace

struct GzipMemberInflater::State {
  libdeflate_decompressor* libdeflate = nullptr;
#if defined(TRAILSWEEP_HAVE_ISAL)
  inflate_state isal;  // ~40 KB of tables: one per thread, reused file to file
#endif
  ~State() {
    if (libdeflate) libdeflate_free_decompressor(libdeflate);
  }
};

std::span<const GzipMemberInflater::Engine> GzipMemberInflater::engines() { return kEngines; }

GzipMemberInflater::Engine GzipMemberInflater::engine_for(std::size_t size) {
  return size >= kIsalFromBytes ? kEngines.front() : Engine::kLibdeflate;
}

GzipMemberInflater::GzipMemberInflater() : state_(std::make_unique<State>()) {
  state_->libdeflate = libdeflate_alloc_decompressor();
}

GzipMemberInflater::GzipMemberInflater(Engine engine) : fixed_engine_(engine), state_(std::make_unique<State>()) {
  if (engine == Engine::kLibdeflate) state_->libdeflate = libdeflate_alloc_decompressor();
}

GzipMemberInflater::~GzipMemberInflater() = default;

bool GzipMemberInflater::inflate(std::span<const unsigned char> in, char* out, std::size_t size) {
  // Headers the engines judge differently from zlib go to the streaming
  // path, so that a file reads the same whichever engine the build has.
  if (in.size() < 4 || !isal_reads_flags_like_zlib(in[3])) return false;
  [[maybe_unused]] const Engine engine = fixed_engine_.value_or(engine_for(size));
#if defined(TRAILSWEEP_HAVE_ISAL)
  if (engine == Engine::kIsal) {
    // ISA-L counts in 32 bits; larger members take the streaming path.
    constexpr std::size_t kMax = std::numeric_limits<std::uint32_t>::max();
    if (in.size() > kMax || size > kMax) return false;
    inflate_state& st = state_->isal;
    isal_inflate_init(&st);
    st.crc_flag = ISAL_GZIP;  // parse the header, verify CRC-32 and length
    st.next_in = const_cast<std::uint8_t*>(in.data());
    st.avail_in = static_cast<std::uint32_t>(in.size());
    st.next_out = reinterpret_cast<std::uint8_t*>(out);
    st.avail_out = static_cast<std::uint32_t>(size);
    // Input left over means a second member or trailing bytes.
    return isal_inflate_stateless(&st) == ISAL_DECOMP_OK && st.avail_in == 0 && st.total_out == size;
  }
#endif
  if (!state_->libdeflate) return false;
  std::size_t in_used = 0, out_used = 0;
  const auto rc = libdeflate_gzip_decompress_ex(state_->libdeflate, in.data(), in.size(), out, size, &in_used,
                                                &out_used);
  return rc == LIBDEFLATE_SUCCESS && in_used == in.size() && out_used == size;
}

}  // namespace trailsweep
