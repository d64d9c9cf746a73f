#pragma once
// Diagnostic: one problem with its address (file, byte offset, record index).
// Every component reports problems as values of this type so that the CLI, the
// JSON summary and the tests all render locations the same way.
#include <cstdint>
#include <string>

namespace trailsweep {

/// Where a record or a problem sits in the input. Offsets count decompressed
/// bytes unless `compressed` is set (gzip errors are located in the raw file).
struct SourcePos {
  std::string file;
  std::int64_t offset = -1;  ///< byte offset, -1 when unknown
  std::int64_t record = -1;  ///< 0-based record index within the file, -1 when unknown
  bool compressed = false;   ///< `offset` counts bytes of the compressed file
};

struct Diagnostic {
  SourcePos pos;
  std::string message;
  /// How many problems this line stands for: 1, or N for a line that sums up
  /// N problems of a file not listed one by one (so the summary does not
  /// announce them a second time).
  std::uint64_t stands_for = 1;

  /// "file: record 3 (byte 120): message", "file: compressed byte 77: message",
  /// "file: message".
  std::string to_string() const;
};

/// A problem with a whole file (no offset or record).
inline Diagnostic file_problem(std::string file, std::string message) {
  Diagnostic d;
  d.pos.file = std::move(file);
  d.message = std::move(message);
  return d;
}

}  // namespace trailsweep
