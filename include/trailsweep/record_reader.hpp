#pragma once
// RecordReader: finds the CloudTrail records in a decompressed byte stream
// without parsing them, so that only one record at a time needs to be held.
// Accepted shapes, detected from the bytes:
//   {"Records":[{...},{...}]}           native S3 delivery (one or many per stream)
//   [{...},{...}]                       a top-level array of records
//   {...}\n{...}\n                      JSON lines, each a record or a Records wrapper
//   2025-11-02T10:00:00.000Z {...}\n    a CloudWatch Logs export: a time before each record
//   {"Events":[...]}, {"logEvents":[...]}  lookup-events output, a CloudWatch Logs
//                                       subscription: elements wrap records (RecordParser)
// Records are handed out in place, inside a buffer with simdjson padding after
// them, so the parser never copies them. A problem (truncation, a record that is
// not an object, an oversized record, a broken JSON line) becomes a Diagnostic
// and reading resumes at the next record where the structure allows it.
// One per file; not thread-safe.
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "trailsweep/decoder.hpp"
#include "trailsweep/json_structure.hpp"

namespace trailsweep {

/// Readable bytes guaranteed after every record (simdjson needs 64).
inline constexpr std::size_t kRecordPadding = 64;

struct ReaderLimits {
  std::size_t max_record_bytes = 16u << 20;  ///< CloudTrail caps records at 256 KB
  int max_depth = 256;
  /// Finds where an ordinary record ends with a bitmap index of the buffer
  /// instead of stepping through its strings and brackets; the same records
  /// and problems either way (tests and fuzzers compare the two).
  bool structure_index = true;
};

/// A record in place. `json` stays valid until the next call to next();
/// at least `padded_capacity - json.size()` readable bytes follow it.
struct RecordView {
  std::string_view json;
  std::size_t padded_capacity = 0;
  std::int64_t offset = 0;  ///< decompressed byte offset of the opening brace
  std::int64_t index = 0;   ///< 0-based record index within the stream
};

/// A problem found while splitting; `record` is -1 when no record is involved.
struct ReaderProblem {
  std::int64_t offset = -1;
  std::int64_t record = -1;
  std::string message;
  bool at_end = false;  ///< the stream ended inside this structure
};

class RecordReader {
 public:
  RecordReader(Decoder& in, ReaderLimits limits = {});
  RecordReader(const RecordReader&) = delete;  // owns the window buffer
  RecordReader& operator=(const RecordReader&) = delete;

  /// Finds the next record. False at the end of the stream.
  bool next(RecordView* out);

  /// Problems found so far, in stream order; the caller drains it.
  std::vector<ReaderProblem>& problems() { return problems_; }
  /// Records counted so far (including skipped ones).
  std::int64_t records_seen() const { return record_index_; }
  /// Record arrays ([...] or "Records":[...]) opened so far, empty ones included.
  std::int64_t record_arrays_seen() const { return record_arrays_; }

 private:
  bool refill();
  /// The '}' closing the record whose '{' is at buffer index `open`, when
  /// the record is ordinary (in the buffer, no backslash outside its
  /// strings, no newline where one would end a JSON line, shallow enough, not
  /// a {"Records":[...]} wrapper); else npos, and the byte-by-byte state
  /// machine reads it.
  std::size_t ordinary_record_end(std::size_t open);
  /// Hands out the record buf_[open, close] (its index: open_record_index_)
  /// and moves past it; true.
  bool hand_out(std::size_t open, std::size_t close, RecordView* out);
  void problem(std::int64_t offset, std::int64_t record, std::string message);
  /// Takes byte `c` (buffer index `i`) of what may be the RFC 3339 time that
  /// a CloudWatch Logs export writes before each event ("2025-11-02T10:00:00.000Z
  /// {...}"): after the time and a space comes the record; anything else at
  /// the top level is reported and the line skipped.
  void line_prefix(char c, std::size_t i);
  void reset_structure();
  void check_depth();

  Decoder& in_;
  ReaderLimits limits_;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0;         // usable bytes (padding excluded)
  std::size_t len_ = 0;         // valid bytes in buf_
  std::size_t pos_ = 0;         // scan position
  std::int64_t base_ = 0;       // stream offset of buf_[0]
  bool eof_ = false;
  bool at_stream_start_ = true;

  // Structure of the JSON seen so far.
  int depth_ = 0;
  bool in_string_ = false, escaped_ = false;
  int records_depth_ = -1;           // depth of the array whose elements are records
  std::int64_t record_start_ = -1;   // buffer index of the open record's '{'
  bool record_skipped_ = false;      // open record is too large or too deep: drop it
  bool top_is_candidate_ = false;    // top-level object that is itself a record
  bool top_had_newline_ = false;
  bool lines_mode_ = false;          // compact values one per line: a newline ends a record
  std::int64_t key_start_ = -1;      // buffer index of a depth-1 key's opening quote
  bool records_key_pending_ = false; // just read the key "Records"
  bool scalar_element_ = false;      // inside a non-object element of a records array
  bool skipping_garbage_ = false;    // resyncing to the next line after junk at top level
  std::array<char, 35> prefix_{};    // a line's time prefix so far (prefix_len_ bytes)
  std::size_t prefix_len_ = 0;
  std::int64_t prefix_offset_ = 0;
  std::int64_t record_index_ = 0;
  std::int64_t record_arrays_ = 0;
  std::int64_t open_record_index_ = -1;
  std::vector<ReaderProblem> problems_;
  // The bitmap index of buf_[index_from_, len_), valid until the buffer
  // changes; index_from_ stood outside any string (a record's '{'), and so
  // does index_clean_to_, just after the last record it found.
  JsonStructure index_;
  std::size_t index_from_ = 0, index_clean_to_ = 0;
  bool index_valid_ = false;
  // The '}' the index found for a record it left to the state machine; npos
  // once the buffer moved or none is pending.
  std::size_t unconfirmed_close_ = JsonStructure::npos;
};

}  // namespace trailsweep
