// How fast the record reader skims CloudTrail files already in memory: the
// part of a scan between inflate and the rules. Inflates the files first
// (up to --mb MB of JSON), then times RecordParser::parse_native_document
// over all of them, best of --rounds, on one thread. A steadier number than
// a whole scan for work on the reader itself.
//
// --index-only times just the bitmap index (JsonStructure) over each file;
// --kernel portable|avx2|avx512 picks its SIMD kernel (default: the best this
// CPU runs), for both modes.
//
// Usage: trailsweep_skim_only [--mb N] [--rounds N] [--index-only] [--kernel K] [FILE|FOLDER...]  (names also from stdin)
// Prints: best seconds, records, ns/record, MB/s of JSON.
#include <libdeflate.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_inputs.hpp"
#include "trailsweep/json_structure.hpp"
#include "trailsweep/record_parser.hpp"

int main(int argc, char** argv) {
  const auto args = trailsweep::bench::parse_args(argc, argv, {"--mb", "--rounds", "--kernel"});
  const auto max_mb = static_cast<std::size_t>(args.number("--mb", 300));
  const auto rounds = static_cast<int>(args.number("--rounds", 5));
  const bool index_only = args.has("--index-only");
  using Kernel = trailsweep::JsonStructure::Kernel;
  Kernel kernel = Kernel::kBest;
  if (auto it = args.options.find("--kernel"); it != args.options.end()) {
    const std::string& name = it->second;
    kernel = name == "portable" ? Kernel::kPortable
             : name == "avx2"   ? Kernel::kAvx2
             : name == "avx512" ? Kernel::kAvx512
                                : Kernel::kBest;
    if (kernel == Kernel::kBest || !trailsweep::JsonStructure::available(kernel)) {
      std::fprintf(stderr, "--kernel %s: not a kernel this CPU runs (portable, avx2, avx512)\n", name.c_str());
      return 2;
    }
  }
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::vector<std::string> texts;
  std::size_t total = 0;
  std::vector<char> in;
  for (const auto& name : args.files) {
    if (total >= max_mb * 1000000) break;
    const std::size_t isize = trailsweep::bench::read_gzip_file(name, in);
    if (isize == 0) continue;
    std::string out(isize + trailsweep::kRecordPadding, '\0');
    std::size_t got = 0;
    if (libdeflate_gzip_decompress(d, in.data(), in.size(), out.data(), isize, &got) != LIBDEFLATE_SUCCESS) continue;
    total += got;
    texts.push_back(std::move(out));
  }
  libdeflate_free_decompressor(d);

  trailsweep::RecordParser parser(kernel);
  trailsweep::Event event;
  trailsweep::JsonStructure index;
  double best = 1e30;
  std::int64_t records = 0, failed = 0;
  for (int r = 0; r < rounds; ++r) {
    records = 0;
    failed = 0;
    auto start = std::chrono::steady_clock::now();
    for (const auto& t : texts) {
      std::string_view text(t.data(), t.size() - trailsweep::kRecordPadding);
      if (index_only) {
        index.index(text, kernel);
        records += index.ends_outside_string();
        continue;
      }
      auto result = parser.parse_native_document(
          text,
          [&](std::int64_t, const trailsweep::ParseOutcome& o, trailsweep::Event&) {
            ++records;
            failed += !o.ok;
          },
          &event);
      if (!result.complete) ++failed;
    }
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf("%.3f s, %lld records (%lld not ok), %.0f ns/record, %.0f MB/s\n", best,
              static_cast<long long>(records), static_cast<long long>(failed), best * 1e9 / double(records),
              double(total) / 1e6 / best);
  return 0;
}
