#include "trailsweep/diagnostic.hpp"

#include <fmt/format.h>

namespace trailsweep {

std::string Diagnostic::to_string() const {
  const char* byte_word = pos.compressed ? "compressed byte" : "byte";
  if (pos.record >= 0 && pos.offset >= 0) {
    return fmt::format("{}: record {} ({} {}): {}", pos.file, pos.record, byte_word, pos.offset,
                       message);
  }
  if (pos.record >= 0) return fmt::format("{}: record {}: {}", pos.file, pos.record, message);
  if (pos.offset >= 0) return fmt::format("{}: {} {}: {}", pos.file, byte_word, pos.offset, message);
  return fmt::format("{}: {}", pos.file, message);
}

}  // namespace trailsweep
