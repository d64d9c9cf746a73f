#pragma once
// RecordParser: one record's JSON -> Event, with simdjson's on-demand API. It
// walks the top-level keys once and copies only the fields in Event; the request
// and response objects are kept as raw views for the rules that need them.
// One per thread (it owns a simdjson parser); not thread-safe.
#include <cstdint>
#include <memory>
#include <string>

#include "trailsweep/event.hpp"
#include "trailsweep/record_reader.hpp"

namespace trailsweep {

enum class RecordKind { kEvent, kInsight, kDigest };

struct ParseOutcome {
  bool ok = false;
  RecordKind kind = RecordKind::kEvent;
  std::string error;             ///< why the record was rejected
  std::int64_t error_offset = -1;  ///< absolute decompressed offset of the problem
};

class RecordParser {
 public:
  RecordParser();
  ~RecordParser();
  RecordParser(const RecordParser&) = delete;  // owns a simdjson parser
  RecordParser& operator=(const RecordParser&) = delete;

  /// Fills `ev` (cleared first) from `view`. On failure `ev` is unspecified.
  ParseOutcome parse(const RecordView& view, Event* ev);

  /// Fast path for a whole native file held in memory ({"Records":[...]}, with
  /// kRecordPadding readable bytes after it): parses it once and calls
  /// `on_record(index, outcome, event)` for each record in order (event
  /// offsets are -1: the DOM keeps no byte positions). Returns false, having
  /// called nothing, when the text is not valid JSON of that shape; the caller
  /// then reads it record by record to locate the damage.
  template <typename OnRecord>
  bool parse_native_document(std::string_view text, OnRecord&& on_record, Event* ev) {
    return parse_native_document_impl(text, ev, [](void* ctx, std::int64_t i, const ParseOutcome& o, Event& e) {
      (*static_cast<OnRecord*>(ctx))(i, o, e);
    }, &on_record);
  }

 private:
  using RecordCallback = void (*)(void*, std::int64_t, const ParseOutcome&, Event&);
  bool parse_native_document_impl(std::string_view text, Event* ev, RecordCallback cb, void* ctx);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailsweep
