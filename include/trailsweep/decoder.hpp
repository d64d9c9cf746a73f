#pragma once
// Decoder: turns a ByteSource into the decompressed byte stream. gzip is
// recognised by its magic bytes (1f 8b), never by file name; anything else
// passes through unchanged. Concatenated gzip members are read one after the
// other, as zcat does. Output is capped (decompression bombs) and every error
// carries the compressed byte offset where it happened.
// Two engines: ISA-L's streaming igzip where the build has it (2.4x zlib's
// speed on a 500 MB JSON-lines export here, which one thread inflates while
// the others parse), and zlib. A member whose header ISA-L 2.30 judges
// differently from zlib (reserved flag bits, a header CRC) is read with zlib
// whichever engine is chosen, so a stream reads the same with either.
// One per file; not thread-safe.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "trailsweep/byte_source.hpp"

namespace trailsweep {

class Decoder {
 public:
  enum class Engine { kIsal, kZlib };
  /// The engines this build has, fastest first.
  static std::span<const Engine> engines();

  Decoder(ByteSource& in, std::uint64_t max_output_bytes, Engine engine = engines().front());
  Decoder(const Decoder&) = delete;  // owns the engines' state
  Decoder& operator=(const Decoder&) = delete;
  ~Decoder();

  /// Writes up to `cap` decompressed bytes to `out`. Returns the count; 0 means
  /// the stream ended, cleanly or not: check failed().
  std::size_t read(char* out, std::size_t cap);

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  /// Compressed offset of the error (or of the end of what was read).
  std::uint64_t error_offset() const { return error_offset_; }
  /// True once the cap stopped decoding; the error says so too.
  bool hit_size_cap() const { return hit_cap_; }

  bool is_gzip() const { return gzip_; }
  std::uint64_t compressed_bytes() const { return in_total_; }
  std::uint64_t decompressed_bytes() const { return out_total_; }

 private:
  bool fill_input();
  bool sniff();
  std::size_t inflate_some(char* out, std::size_t cap);
  /// Picks the engine for the member whose magic bytes are at in_pos_ and
  /// resets it; false when it cannot start (the error is set).
  bool start_member();
  /// One call of the member's engine: the bytes it wrote to `out`.
  std::size_t inflate_zlib(char* out, std::size_t cap);
  std::size_t inflate_isal(char* out, std::size_t cap);
  void fail(std::string message, std::uint64_t offset);
  std::uint64_t consumed_offset() const { return in_total_ - (in_len_ - in_pos_); }

  ByteSource& in_;
  std::uint64_t max_output_;
  std::unique_ptr<char[]> in_buf_;
  std::size_t in_pos_ = 0, in_len_ = 0;
  std::uint64_t in_total_ = 0;   // compressed bytes read from the source
  std::uint64_t out_total_ = 0;  // bytes handed out
  bool sniffed_ = false, gzip_ = false, source_done_ = false, done_ = false, hit_cap_ = false;
  bool member_open_ = false;
  Engine engine_;
  bool member_isal_ = false;  // the open member is read with ISA-L
  std::string error_;
  std::uint64_t error_offset_ = 0;
  struct ZState;
  std::unique_ptr<ZState> z_;
  struct IsalState;
  std::unique_ptr<IsalState> isal_;  // made at the first member ISA-L reads
};

}  // namespace trailsweep
