// The speed limit for trailsweep: read every .gz file and inflate it with
// libdeflate on N threads, doing nothing with the output. The benchmark script
// puts trailsweep's time next to this one.
//
// --zlib inflates with zlib instead (the "zlib inflate only" row:
// what a reader built on zlib could reach at best). --isal inflates every
// file with trailsweep's own GzipMemberInflater on ISA-L (exits 2 in a build
// without it); --picked with the engine trailsweep's whole-file path picks
// for the file's size (ISA-L for large members, libdeflate for small ones).
//
// Usage: trailsweep_inflate_only [-j N] [--zlib | --isal | --picked] [FILE|FOLDER...]   (file names also from stdin)
// Prints: seconds, MB in, MB out.
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_inputs.hpp"
#include "trailsweep/gzip_member.hpp"

int main(int argc, char** argv) {
  const auto args = trailsweep::bench::parse_args(argc, argv, {"-j"});
  const auto jobs = static_cast<unsigned>(args.number("-j", std::thread::hardware_concurrency()));
  const bool use_zlib = args.has("--zlib");
  const bool use_isal = args.has("--isal");
  const bool use_picked = args.has("--picked");
  using Engine = trailsweep::GzipMemberInflater::Engine;
  const auto engines = trailsweep::GzipMemberInflater::engines();
  if (use_isal && std::find(engines.begin(), engines.end(), Engine::kIsal) == engines.end()) {
    std::fprintf(stderr, "trailsweep_inflate_only: built without ISA-L (libisal-dev)\n");
    return 2;
  }
  const std::vector<std::string>& files = args.files;
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> in_total{0}, out_total{0};
  auto start = std::chrono::steady_clock::now();
  auto work = [&] {
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    std::unique_ptr<trailsweep::GzipMemberInflater> member;  // trailsweep's own inflater
    if (use_isal) member = std::make_unique<trailsweep::GzipMemberInflater>(Engine::kIsal);
    if (use_picked) member = std::make_unique<trailsweep::GzipMemberInflater>();
    std::vector<char> in, out;
    for (std::size_t i; (i = next.fetch_add(1)) < files.size();) {
      const std::size_t isize = trailsweep::bench::read_gzip_file(files[i], in);
      if (isize == 0) continue;
      out.resize(isize);
      std::size_t got = 0;
      bool ok = false;
      if (use_zlib) {
        z_stream z{};
        if (inflateInit2(&z, 16 + MAX_WBITS) == Z_OK) {
          z.next_in = reinterpret_cast<Bytef*>(in.data());
          z.avail_in = static_cast<uInt>(in.size());
          z.next_out = reinterpret_cast<Bytef*>(out.data());
          z.avail_out = static_cast<uInt>(out.size());
          ok = inflate(&z, Z_FINISH) == Z_STREAM_END;
          got = z.total_out;
          inflateEnd(&z);
        }
      } else if (member) {
        ok = member->inflate({reinterpret_cast<const unsigned char*>(in.data()), in.size()}, out.data(), out.size());
        got = ok ? out.size() : 0;
      } else {
        ok = libdeflate_gzip_decompress(d, in.data(), in.size(), out.data(), out.size(), &got) == LIBDEFLATE_SUCCESS;
      }
      if (ok) {
        in_total += in.size();
        out_total += got;
      }
    }
    libdeflate_free_decompressor(d);
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.3f %.1f %.1f\n", secs, in_total / 1e6, out_total / 1e6);
  return 0;
}
