#pragma once
// RecordParser: CloudTrail records -> Events, two ways.
//  - parse(): one record's JSON with simdjson's DOM parser, which validates all
//    of it (--validate-json, and any record the fast paths find unusual).
//  - skim(): one record (from a stream: JSON lines, a file too big to hold)
//    read the way parse_native_document reads each of its records.
//  - parse_native_document(): a whole {"Records":[...]} file in memory. It walks
//    each record's top-level fields and its userIdentity with a JsonStructure
//    bitmap index and jumps over everything else (requestParameters,
//    responseElements, ...) without reading it; rules that need those parse
//    the record lazily (RecordFields). This is what makes a scan run near the
//    speed of decompression. Anything out of the ordinary in a record (a
//    non-string where a string belongs, an escaped key, an odd scalar) sends
//    that record through parse(), so both ways give the same Event or error.
// Both read a record that another service wrapped as the record inside: an
// EventBridge event's "detail" (for "... via CloudTrail" events), the
// "CloudTrailEvent" string of `aws cloudtrail lookup-events` output, a
// CloudWatch Logs subscription's "message" string; the Event's raw_json is
// then that record's text (inside the input, or a copy the parser holds until
// its next record).
// Event fields are views into the input or the parser; see Event.
// One per thread (it owns a simdjson parser); not thread-safe.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "trailsweep/event.hpp"
#include "trailsweep/json_structure.hpp"
#include "trailsweep/record_reader.hpp"

namespace trailsweep {

/// kNotCloudTrail: an event another service wrapped like a record (an
/// EventBridge event whose "detail" is no CloudTrail record, a CloudWatch Logs
/// message that is no JSON); skipped and counted.
enum class RecordKind { kEvent, kInsight, kDigest, kNotCloudTrail };

struct ParseOutcome {
  bool ok = false;
  RecordKind kind = RecordKind::kEvent;
  std::string error;             ///< why the record was rejected
  std::int64_t error_offset = -1;  ///< absolute decompressed offset of the problem
};

class RecordParser {
 public:
  /// `kernel`: the bitmap index's SIMD code (tests and benchmarks compare
  /// them; the default is the fastest this CPU runs).
  explicit RecordParser(JsonStructure::Kernel kernel = JsonStructure::Kernel::kBest);
  ~RecordParser();
  RecordParser(const RecordParser&) = delete;  // owns a simdjson parser
  RecordParser& operator=(const RecordParser&) = delete;

  /// Fills `ev` (cleared first) from `view`. On failure `ev` is unspecified.
  ParseOutcome parse(const RecordView& view, Event* ev);
  /// The same Event or error as parse(), the way parse_native_document reads
  /// each record: the top-level fields and userIdentity are walked and the
  /// other values jumped over unchecked, and whatever the walk does not fully
  /// understand goes through parse(). For records from streams (JSON lines,
  /// files too big to hold); `view` needs kRecordPadding readable bytes after
  /// the record, or it is parsed in full.
  ParseOutcome skim(const RecordView& view, Event* ev);

  struct DocumentResult {
    bool complete = false;         ///< every record was handed out
    std::int64_t records_done = 0;  ///< records handed out (the first ones, in order)
  };
  /// Fast path for a whole native file held in memory ({"Records":[...]}, with
  /// kRecordPadding readable bytes after it): calls `on_record(index, outcome,
  /// event)` for each record in order, with byte offsets. When the text is not
  /// of that shape or its structure breaks (truncation, an element that is not
  /// an object), it stops; the caller reads the rest record by record, from
  /// record `records_done`, to locate the damage.
  template <typename OnRecord>
  DocumentResult parse_native_document(std::string_view text, OnRecord&& on_record, Event* ev) {
    return parse_native_document_impl(text, ev, [](void* ctx, std::int64_t i, const ParseOutcome& o, Event& e) {
      (*static_cast<OnRecord*>(ctx))(i, o, e);
    }, &on_record);
  }

 private:
  /// How the record inside a wrapper is read: in full under parse() (what
  /// --validate-json asks), walked like any record under skim() and
  /// parse_native_document. A record wrapped as a string is unescaped by the
  /// full parser either way; walking what comes out, instead of parsing it a
  /// second time, is most of the cost of reading such streams.
  enum class Inner { kParse, kSkim };
  ParseOutcome parse_record(const RecordView& view, Event* ev, Inner inner_read);
  /// skim() with the bitmap index `index`.
  ParseOutcome skim_with(const RecordView& view, Event* ev, JsonStructure& index);
  /// Reads the record that a wrapper held (`record`: its text, with the
  /// wrapper's place in the stream), naming `wrapper_key` in any error.
  ParseOutcome read_wrapped(const RecordView& record, std::string_view wrapper_key, Event* ev, Inner how);
  using RecordCallback = void (*)(void*, std::int64_t, const ParseOutcome&, Event&);
  DocumentResult parse_native_document_impl(std::string_view text, Event* ev, RecordCallback cb, void* ctx);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailsweep
