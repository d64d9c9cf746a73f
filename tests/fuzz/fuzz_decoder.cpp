// Fuzz target: raw file bytes -> Decoder -> RecordReader -> RecordParser, in
// small reads so that records and gzip members straddle buffer boundaries.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "trailsweep/byte_source.hpp"
#include "trailsweep/run_summary.hpp"
#include "trailsweep/scanner.hpp"

namespace {
struct NullSink : trailsweep::EventSink {
  void on_event(const trailsweep::Event& ev) override {
    // Touch what sinks read, so sanitizers see any bad view.
    volatile std::size_t n = ev.event_name.size() + ev.principal.size() + ev.raw_json.size();
    (void)n;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  trailsweep::ScanOptions options;
  options.max_decompressed_bytes = 8u << 20;
  options.reader.max_record_bytes = 1u << 20;
  trailsweep::Scanner scanner(options);
  NullSink sink;
  trailsweep::RunSummary summary;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::size_t chunk = size ? 1 + data[0] % 61 : 1;
  trailsweep::MemorySource source(bytes, chunk);
  scanner.scan_source(source, "fuzz", sink, summary);
  return 0;
}
