// Fuzz target, differential: a whole native document through the fast path
// (JsonStructure bitmaps + skim) must give, for every record it hands out,
// exactly what the full simdjson parser gives for that record's bytes, and
// rules must read the same top-level fields either way. Any difference aborts,
// except that nested values the fast path jumps over are not validated.
// Then the same document through the fast path with every other bitmap
// kernel the CPU runs (portable, AVX2, AVX-512) must give the same records,
// errors included, and stop at the same place.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "parsed_fields.hpp"
#include "trailsweep/record_parser.hpp"

namespace {

// Every record's fields_of, and where the walk stopped, with one kernel.
std::string walk_with(trailsweep::RecordParser& parser, std::string_view text) {
  trailsweep::Event ev;
  std::string out;
  const auto result = parser.parse_native_document(
      text, [&](std::int64_t i, const trailsweep::ParseOutcome& o, trailsweep::Event& e) {
        out += std::to_string(i) + "=" + fields_of(o, e) + "\n";
      },
      &ev);
  out += "done " + std::to_string(result.records_done) + (result.complete ? " complete" : " stopped");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using Kernel = trailsweep::JsonStructure::Kernel;
  static trailsweep::RecordParser fast, full;
  static trailsweep::RecordParser portable(Kernel::kPortable), avx2(Kernel::kAvx2), avx512(Kernel::kAvx512);
  std::string buf(reinterpret_cast<const char*>(data), size);
  append_text_like_padding(buf);
  const std::string_view text(buf.data(), size);
  {
    const std::string best = walk_with(fast, text);
    for (auto [kernel, parser] : {std::pair{Kernel::kPortable, &portable}, std::pair{Kernel::kAvx2, &avx2},
                                  std::pair{Kernel::kAvx512, &avx512}}) {
      if (!trailsweep::JsonStructure::available(kernel)) continue;
      const std::string other = walk_with(*parser, text);
      if (other != best) {
        std::fprintf(stderr, "kernel %d:\n%s\nbest kernel:\n%s\n", static_cast<int>(kernel), other.c_str(), best.c_str());
        std::abort();
      }
    }
  }
  trailsweep::Event ev, reference;
  fast.parse_native_document(
      std::string_view(buf.data(), size),
      [&](std::int64_t, const trailsweep::ParseOutcome& o, trailsweep::Event& e) {
        const std::string got = fields_of(o, e);
        if (!o.ok) return;  // an error needs no record bytes to compare against
        // The record's own bytes, padded, through the full parser.
        std::string record(e.raw_json);
        record.append(trailsweep::kRecordPadding, '\0');
        trailsweep::RecordView view;
        view.json = std::string_view(record.data(), e.raw_json.size());
        view.padded_capacity = record.size();
        const trailsweep::ParseOutcome checked = full.parse(view, &reference);
        // By design the fast path does not read, so does not validate, the
        // values it jumps over (requestParameters, ...); a syntax error in
        // there is the one difference allowed.
        if (!checked.ok && checked.error.rfind("invalid JSON", 0) == 0) return;
        const std::string want = fields_of(checked, reference);
        if (got != want) {
          std::fprintf(stderr, "fast path: %s\nfull parse: %s\n", got.c_str(), want.c_str());
          std::abort();
        }
      },
      &ev);
  return 0;
}
