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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailsweep
