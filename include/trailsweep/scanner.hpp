#pragma once
// Scanner: reads one input file end to end (Source -> Decoder -> RecordReader ->
// RecordParser), applies the event filters and hands each accepted Event to an
// EventSink. Problems become located Diagnostics in the RunSummary and reading
// goes on with the next record or file. One per thread: it owns the parser and
// the reusable Event.
#include <cstdint>
#include <string>
#include <unordered_set>

#include "trailsweep/event.hpp"
#include "trailsweep/input_walker.hpp"
#include "trailsweep/record_parser.hpp"
#include "trailsweep/record_reader.hpp"
#include "trailsweep/run_summary.hpp"

namespace trailsweep {

class ByteSource;

/// Receives events; `ev` and its views are valid only during the call.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(const Event& ev) = 0;
};

struct ScanOptions {
  std::uint64_t max_decompressed_bytes = 4ull << 30;  ///< per file
  ReaderLimits reader;
  InputFilter filter;
  std::size_t max_problems_per_file = 20;  ///< more are counted, not listed
};

class Scanner {
 public:
  explicit Scanner(ScanOptions options);
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  /// Reads `file` (a path or "-") into `sink`, counting into `summary`.
  void scan_file(const InputFile& file, EventSink& sink, RunSummary& summary);
  /// Reads from an already open source; `name` is used in messages.
  void scan_source(ByteSource& source, const std::string& name, EventSink& sink,
                   RunSummary& summary);

  /// Distinct principal keys seen by this scanner.
  const std::unordered_set<std::string>& principals() const { return principals_; }

 private:
  bool accepted(const Event& ev) const;

  ScanOptions options_;
  RecordParser parser_;
  Event event_;
  std::unordered_set<std::string> principals_;
};

}  // namespace trailsweep
