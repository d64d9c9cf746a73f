// Fuzz target: raw file bytes -> Decoder -> RecordReader -> RecordParser, in
// small reads so that records and gzip members straddle buffer boundaries.
// Differential: the same bytes read as a split stream (batches of a size the
// input picks, parsed by two scanners in turn) must give the counts and the
// problem list of one scanner reading them alone; and so must a scanner whose
// record reader steps through every byte instead of using the bitmap index.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "trailsweep/byte_source.hpp"
#include "trailsweep/run_summary.hpp"
#include "trailsweep/scanner.hpp"

namespace {

struct CountingSink : trailsweep::EventSink {
  std::uint64_t events = 0;
  void on_event(const trailsweep::Event& ev) override {
    // Touch what sinks read, so sanitizers see any bad view.
    volatile std::size_t n = ev.event_name.size() + ev.principal.size() + ev.raw_json.size();
    (void)n;
    ++events;
  }
};

// Keeps the batches; they are parsed after the stream is read.
struct KeepingOutlet : trailsweep::BatchOutlet {
  std::size_t size;
  std::vector<trailsweep::RecordBatch> batches;
  explicit KeepingOutlet(std::size_t s) : size(s) {}
  std::size_t batch_bytes() const override { return size; }
  void hand_off(trailsweep::RecordBatch&& batch) override { batches.push_back(std::move(batch)); }
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  trailsweep::ScanOptions options;
  options.max_decompressed_bytes = 8u << 20;
  options.reader.max_record_bytes = 1u << 20;
  options.max_problems_per_file = 3;  // small, so the limit and its count line are exercised
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::size_t chunk = size ? 1 + data[0] % 61 : 1;

  trailsweep::Scanner alone(options);
  CountingSink alone_sink;
  trailsweep::RunSummary want;
  trailsweep::MemorySource source(bytes, chunk);
  alone.scan_source(source, "fuzz", alone_sink, want);

  trailsweep::ScanOptions stepping = options;
  stepping.reader.structure_index = false;
  trailsweep::Scanner stepper(stepping);
  CountingSink stepper_sink;
  trailsweep::RunSummary stepped;
  trailsweep::MemorySource once_more(bytes, chunk);
  stepper.scan_source(once_more, "fuzz", stepper_sink, stepped);
  check(stepper_sink.events == alone_sink.events && stepped.records == want.records);
  check(stepped.records_rejected == want.records_rejected && stepped.errors_total == want.errors_total);
  check(stepped.errors.size() == want.errors.size());
  for (std::size_t i = 0; i < stepped.errors.size(); ++i) {
    check(stepped.errors[i].to_string() == want.errors[i].to_string());
  }

  trailsweep::Scanner reader(options), helper(options);
  CountingSink reader_sink, helper_sink;
  trailsweep::RunSummary got;
  KeepingOutlet outlet(size > 1 ? 1 + data[1] % 200 : 1);
  trailsweep::MemorySource again(bytes, chunk);
  reader.scan_source(again, "fuzz", reader_sink, got, 0, &outlet, 0);
  for (std::size_t i = 0; i < outlet.batches.size(); ++i) {
    trailsweep::RunSummary part;
    (i % 2 ? helper : reader).scan_batch(outlet.batches[i], i % 2 ? helper_sink : reader_sink, part);
    got.merge(part);
  }
  trailsweep::OrderedProblems problems = std::move(reader.ordered_problems()[0]);
  problems.merge(std::move(helper.ordered_problems()[0]), options.max_problems_per_file);
  got.errors_total += problems.total;
  std::vector<trailsweep::Diagnostic> listed;
  std::move(problems).list_into(listed, std::move(got.errors), options.max_problems_per_file);

  check(reader_sink.events + helper_sink.events == alone_sink.events);
  check(got.records == want.records && got.records_rejected == want.records_rejected);
  check(got.insight_records == want.insight_records && got.digest_files == want.digest_files);
  check(got.files_read == want.files_read && got.files_failed == want.files_failed);
  check(got.bytes_uncompressed == want.bytes_uncompressed && got.errors_total == want.errors_total);
  check(listed.size() == want.errors.size());
  for (std::size_t i = 0; i < listed.size(); ++i) check(listed[i].to_string() == want.errors[i].to_string());
  return 0;
}
