// The speed limit for trailsweep: read every .gz file and inflate it with
// libdeflate on N threads, doing nothing with the output. The benchmark script
// puts trailsweep's time next to this one.
//
// --zlib inflates with zlib instead (the "zlib inflate only" row:
// what a reader built on zlib could reach at best).
//
// Usage: trailsweep_inflate_only [-j N] [--zlib] [FILE...]   (file names also from stdin)
// Prints: seconds, MB in, MB out.
#include <libdeflate.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  unsigned jobs = std::thread::hardware_concurrency();
  bool use_zlib = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--zlib") == 0) {
      use_zlib = true;
    } else if (std::strcmp(argv[i], "-j") == 0 && i + 1 < argc) {
      jobs = static_cast<unsigned>(std::atoi(argv[++i]));
    } else {
      files.emplace_back(argv[i]);
    }
  }
  if (files.empty()) {
    for (std::string line; std::getline(std::cin, line);) files.push_back(line);
  }
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> in_total{0}, out_total{0};
  auto start = std::chrono::steady_clock::now();
  auto work = [&] {
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    std::vector<char> in, out;
    for (std::size_t i; (i = next.fetch_add(1)) < files.size();) {
      std::ifstream f(files[i], std::ios::binary | std::ios::ate);
      in.resize(static_cast<std::size_t>(f.tellg()));
      f.seekg(0);
      f.read(in.data(), static_cast<std::streamsize>(in.size()));
      if (in.size() < 18) continue;
      const auto* b = reinterpret_cast<const unsigned char*>(in.data());
      std::size_t isize = b[in.size() - 4] | (b[in.size() - 3] << 8) | (b[in.size() - 2] << 16) |
                          (static_cast<std::size_t>(b[in.size() - 1]) << 24);
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
