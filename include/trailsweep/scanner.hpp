#pragma once
// Scanner: reads one input file end to end (Source -> Decoder -> RecordReader ->
// RecordParser), applies the event filters and hands each accepted Event to an
// EventSink. Problems become located Diagnostics in the RunSummary and reading
// goes on with the next record or file. One per thread: it owns the parser and
// the reusable Event.
#include <cstdint>
#include <string>
#include <memory>

#include "trailsweep/event.hpp"
#include "trailsweep/input_walker.hpp"
#include "trailsweep/principal_set.hpp"
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
  /// Files up to this size (compressed, and decompressed per the gzip trailer)
  /// are read whole and inflated with libdeflate; bigger ones, stdin and
  /// multi-member gzip stream through zlib.
  std::uint64_t whole_file_max_bytes = 64ull << 20;
  /// Parse every record in full (simdjson), so that a syntax error anywhere
  /// in it is reported; otherwise whole files are skimmed and values no rule
  /// reads are not checked.
  bool validate_json = false;
};

class Scanner {
 public:
  explicit Scanner(ScanOptions options);
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  /// Reads `file` (a path or "-") into `sink`, counting into `summary`.
  void scan_file(const InputFile& file, EventSink& sink, RunSummary& summary);
  /// Reads from an already open source; `name` is used in messages. Records
  /// before `resume_at_record` were already delivered by the fast path and
  /// are skipped.
  void scan_source(ByteSource& source, const std::string& name, EventSink& sink,
                   RunSummary& summary, std::int64_t resume_at_record = 0);

  ~Scanner();

  /// The distinct principals seen (hashes: a million cost 16 MB, not the strings).
  PrincipalSet take_principals();

 private:
  bool accepted(const Event& ev) const;
  /// Delivers one parsed event: filters, counts, principal, sink.
  void deliver(EventSink& sink, RunSummary& summary);
  /// The libdeflate + whole-document path. False when the file is not
  /// eligible (then nothing was read or counted).
  bool scan_whole_file(const InputFile& file, const std::string& name, EventSink& sink, RunSummary& summary);

  ScanOptions options_;
  RecordParser parser_;
  Event event_;
  PrincipalSet principals_;
  struct Buffers;
  std::unique_ptr<Buffers> buffers_;
};

}  // namespace trailsweep
