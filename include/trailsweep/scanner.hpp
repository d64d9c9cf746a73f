#pragma once
// Scanner: reads one input file end to end (Source -> Decoder -> RecordReader ->
// RecordParser), applies the event filters and hands each accepted Event to an
// EventSink. Problems become located Diagnostics in the RunSummary and reading
// goes on with the next record or file. One per thread: it owns the parser and
// the reusable Event.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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
  /// Called once on the worker's own thread when it has no more events to
  /// give: what can be done there is off the serial end of the scan.
  virtual void on_worker_done() {}
};

struct ScanOptions {
  std::uint64_t max_decompressed_bytes = 4ull << 30;  ///< per file
  ReaderLimits reader;
  InputFilter filter;
  std::size_t max_problems_per_file = 20;  ///< more are counted, not listed
  /// Files up to this size (compressed, and decompressed per the gzip trailer)
  /// are read whole and inflated in one call (GzipMemberInflater); bigger ones, stdin and
  /// multi-member gzip stream through zlib.
  std::uint64_t whole_file_max_bytes = 64ull << 20;
  /// Parse every record in full (simdjson), so that a syntax error anywhere
  /// in it is reported; otherwise whole files are skimmed and values no rule
  /// reads are not checked.
  bool validate_json = false;
  /// Bytes of records per RecordBatch when a long stream is read by one
  /// worker and parsed by all (ScanPipeline).
  std::size_t batch_bytes = 1u << 20;
  /// Once set (Ctrl-C), a file read record by record is left where it is,
  /// not counted as read: one export of gigabytes would otherwise keep the
  /// scan going to its end.
  const std::atomic<bool>* stop = nullptr;
};

/// Records of a file read record by record (JSON lines, a top-level array, a
/// stream too long to read whole, stdin), read in order by the worker that
/// opened it and parsed by any worker: finding record boundaries (and
/// inflating) stays sequential, parsing and rules, most of the work, use
/// every core.
struct RecordBatch {
  std::size_t file = 0;  ///< index into the scan's file list
  std::string name;      ///< the file as messages name it
  std::string bytes;     ///< the records back to back, kRecordPadding after the last
  struct Item {
    std::size_t begin = 0, size = 0;  ///< in bytes
    std::int64_t offset = 0, index = 0;
    std::int64_t order = 0;  ///< its place among the stream's records and problems
  };
  std::vector<Item> records;
  /// Bytes of the file (as stored) read when this batch was handed out, for
  /// progress within one long file; 0 when the records come from memory.
  std::uint64_t file_bytes_read = 0;
};

/// Where a Scanner hands the batches of a long stream (see ScanPipeline).
class BatchOutlet {
 public:
  virtual ~BatchOutlet() = default;
  /// Bytes of records per batch.
  virtual std::size_t batch_bytes() const = 0;
  /// Takes a full batch: queues it for any worker or parses it at once.
  virtual void hand_off(RecordBatch&& batch) = 0;
};

/// A split stream's problems, found on several threads: each carries its
/// place in the stream, and only the first `limit` by place are kept (those
/// are the ones a sequential read lists; the rest are counted).
struct OrderedProblems {
  std::string file_name;
  std::vector<std::pair<std::int64_t, Diagnostic>> kept;
  std::uint64_t total = 0;
  void add(std::int64_t order, Diagnostic d, std::size_t limit);
  void merge(OrderedProblems&& other, std::size_t limit);
  /// Sorts `kept` by place and drops what is beyond `limit`.
  void trim(std::size_t limit);
  /// Appends the problems as one worker reading the stream alone lists them:
  /// the first `limit` by place, then `after` (what the reader put in its own
  /// summary: a decoder failure at the end), then a line counting the rest.
  void list_into(std::vector<Diagnostic>& out, std::vector<Diagnostic> after, std::size_t limit) &&;
};

class Scanner {
 public:
  explicit Scanner(ScanOptions options);
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  /// Reads `file` (a path or "-") into `sink`, counting into `summary`.
  /// With an `outlet`, a file read record by record goes out in batches
  /// (see RecordBatch); its problems then go to ordered_problems() under
  /// `file_index`, not to `summary`.
  void scan_file(const InputFile& file, EventSink& sink, RunSummary& summary, BatchOutlet* outlet = nullptr,
                 std::size_t file_index = 0);
  /// Reads from an already open source; `name` is used in messages. Records
  /// before `resume_at_record` were already delivered by the fast path and
  /// are skipped.
  void scan_source(ByteSource& source, const std::string& name, EventSink& sink,
                   RunSummary& summary, std::int64_t resume_at_record = 0, BatchOutlet* outlet = nullptr,
                   std::size_t file_index = 0);
  /// Parses a batch another worker (or this one) read, into `sink`.
  void scan_batch(const RecordBatch& batch, EventSink& sink, RunSummary& summary);
  /// Problems of split streams by file index (this scanner's share of them).
  std::map<std::size_t, OrderedProblems>& ordered_problems() { return ordered_problems_; }

  ~Scanner();

  /// Counts the principals of the events it delivers into `shared`, the set
  /// all workers of a scan share, instead of a set of its own (call before
  /// scanning).
  void count_principals_into(SharedPrincipalSet* shared) { principal_batch_.send_to(shared); }
  /// Hands the principals it still holds in its batch to the set: a worker
  /// calls it when done, before the scan counts them.
  void flush_principals();
  /// The distinct principals seen so far (of its own set, or the shared one).
  PrincipalSet::Count principal_count();

 private:
  bool accepted(const Event& ev) const;
  /// One record of a stream into event_: checked in full with
  /// --validate-json, else skimmed as the records of whole files are.
  ParseOutcome read_record(const RecordView& view) {
    return options_.validate_json ? parser_.parse(view, &event_) : parser_.skim(view, &event_);
  }
  /// Delivers one parsed event: filters, counts, principal, sink.
  void deliver(EventSink& sink, RunSummary& summary);
  /// What a record parsed in the middle of a file becomes: delivered, an
  /// Insights event counted, or `reject(offset, message)`ed (a digest object
  /// among events is rejected at `digest_offset`).
  template <typename Reject>
  void take_record(const ParseOutcome& outcome, std::int64_t digest_offset, EventSink& sink, RunSummary& summary,
                   Reject&& reject);
  /// The whole-file inflate + whole-document path. False when the file is not
  /// eligible (then nothing was read or counted).
  bool scan_whole_file(const InputFile& file, const std::string& name, EventSink& sink, RunSummary& summary,
                       BatchOutlet* outlet, std::size_t file_index);

  ScanOptions options_;
  /// options_.filter.selects_events(): without a filter, accepted() is not
  /// called for every record.
  bool filters_events_ = false;
  RecordParser parser_;
  Event event_;
  std::unique_ptr<SharedPrincipalSet> own_principals_ = std::make_unique<SharedPrincipalSet>();
  PrincipalBatch principal_batch_{own_principals_.get()};  // or to the scan's shared set
  std::map<std::size_t, OrderedProblems> ordered_problems_;
  struct Buffers;
  std::unique_ptr<Buffers> buffers_;
};

}  // namespace trailsweep
