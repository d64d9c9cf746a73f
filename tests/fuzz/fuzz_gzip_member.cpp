// Fuzz target: gzip inflate, differential. The whole-file engines
// (GzipMemberInflater) must agree on any bytes: both refuse, or both accept
// with the same output (but for one known difference, below). The streaming
// Decoder's engines (ISA-L, zlib), read in small steps so that members and
// trailers straddle them, must agree too: both read to the end or both stop at
// a fault (except where ISA-L decodes an incomplete Huffman code set zlib
// refuses), and what one decoded is a prefix of what the other did (at a fault
// ISA-L may still hold back up to a window's worth; the wording of the fault
// differs). A member a whole-file engine accepts must be what the streaming
// engines read (zlib excepted where it refuses such a code set). The announced
// size is taken from the gzip trailer, as the scanner does, or (first byte
// odd) off by one from it, so that the size checks are exercised too. The
// scanner's inflater, picking an engine by that size, must give what the
// engine it picks gives alone. Seeds:
// gzip members of CloudTrail JSON, mutated.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/byte_source.hpp"
#include "trailsweep/decoder.hpp"
#include "trailsweep/gzip_member.hpp"

namespace {

// The announced size is bounded so that a trailer claiming gigabytes does not
// make the fuzzer allocate them.
constexpr std::uint32_t kMaxSize = 1u << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using trailsweep::GzipMemberInflater;
  if (size < 2) return 0;
  const bool off_by_one = data[0] & 1;
  const std::string_view gz(reinterpret_cast<const char*>(data + 1), size - 1);
  if (gz.size() < 4) return 0;
  const auto* t = reinterpret_cast<const unsigned char*>(gz.data()) + gz.size() - 4;
  std::uint32_t announced = t[0] | (t[1] << 8) | (t[2] << 16) | (static_cast<std::uint32_t>(t[3]) << 24);
  if (off_by_one) announced += 1;
  if (announced > kMaxSize) return 0;

  struct Whole {
    GzipMemberInflater::Engine engine;
    bool ok;
    std::string out;
  };
  std::vector<Whole> wholes;
  for (GzipMemberInflater::Engine engine : GzipMemberInflater::engines()) {
    GzipMemberInflater inflater(engine);
    Whole w{engine, false, std::string(announced, '\0')};
    w.ok = inflater.inflate({reinterpret_cast<const unsigned char*>(gz.data()), gz.size()}, w.out.data(), w.out.size());
    wholes.push_back(std::move(w));
  }

  // The scanner's inflater, which picks the engine by the announced size:
  // exactly what that engine alone gives.
  {
    GzipMemberInflater picking;
    std::string out(announced, '\0');
    const bool ok =
        picking.inflate({reinterpret_cast<const unsigned char*>(gz.data()), gz.size()}, out.data(), out.size());
    for (const Whole& w : wholes) {
      if (w.engine != GzipMemberInflater::engine_for(announced)) continue;
      if (ok != w.ok || (ok && out != w.out)) std::abort();  // the pick is not its engine
    }
  }

  const std::size_t chunk = 1 + data[0] % 97;
  struct Streamed {
    trailsweep::Decoder::Engine engine;
    bool failed;
    std::string error, out;
  };
  std::vector<Streamed> runs;
  for (trailsweep::Decoder::Engine engine : trailsweep::Decoder::engines()) {
    trailsweep::MemorySource source(gz, chunk);
    trailsweep::Decoder decoder(source, kMaxSize + 1, engine);
    Streamed r{engine, false, {}, {}};
    char buf[4096];
    while (std::size_t n = decoder.read(buf, sizeof buf)) r.out.append(buf, n);
    r.failed = decoder.failed();
    r.error = decoder.error();
    runs.push_back(std::move(r));
  }
  // The one known difference: ISA-L decodes with an incomplete Huffman code
  // set, which RFC 1951 does not allow and zlib and libdeflate refuse (zlib:
  // "invalid literal/lengths set", "invalid distances set", ...); the CRC-32
  // and length still hold it to the data the writer meant.
  const Streamed* zlib_run = nullptr;
  for (const Streamed& r : runs) {
    if (r.engine == trailsweep::Decoder::Engine::kZlib) zlib_run = &r;
  }
  const bool zlib_refused_code_set = zlib_run && zlib_run->failed && zlib_run->error.size() > 4 &&
                                     zlib_run->error.compare(zlib_run->error.size() - 4, 4, " set") == 0;

  // Whole-file engines: all refuse, or all accept the same bytes; else only
  // ISA-L accepts, over a code set zlib refuses.
  for (const Whole& w : wholes) {
    if (w.ok == wholes[0].ok && (!w.ok || w.out == wholes[0].out)) continue;
    bool isal_alone = true;
    for (const Whole& v : wholes) {
      if (v.ok != (v.engine == GzipMemberInflater::Engine::kIsal)) isal_alone = false;
    }
    if (!isal_alone || !zlib_refused_code_set) std::abort();  // the engines disagree
  }
  // A member a whole-file engine accepts is what the streaming engine of the
  // same library reads, and what zlib reads unless it refused the code set.
  for (const Whole& w : wholes) {
    if (!w.ok) continue;
    for (const Streamed& r : runs) {
      const bool same_library = (w.engine == GzipMemberInflater::Engine::kIsal) ==
                                (r.engine == trailsweep::Decoder::Engine::kIsal);
      if (!same_library && r.engine == trailsweep::Decoder::Engine::kZlib && zlib_refused_code_set) continue;
      if (r.failed || r.out != w.out) std::abort();  // not what the whole-file engine read
    }
  }

  // Streaming engines: both read to the end or both stop at a fault (but for
  // the code set), and what one decoded is a prefix of what the other did.
  if (runs.size() < 2) return 0;
  const Streamed& a = runs[0];
  const Streamed& b = runs[1];
  if (a.failed != b.failed && !zlib_refused_code_set) std::abort();  // one engine reads what the other refuses
  const std::string& shorter = a.out.size() < b.out.size() ? a.out : b.out;
  const std::string& longer = a.out.size() < b.out.size() ? b.out : a.out;
  if (longer.compare(0, shorter.size(), shorter) != 0) std::abort();  // the engines decoded different bytes
  if (!a.failed && !b.failed && a.out != b.out) std::abort();
  return 0;
}
