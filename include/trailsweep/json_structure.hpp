#pragma once
// JsonStructure: a bitmap index of where a JSON text's strings and brackets
// are, built 64 bytes at a time with SIMD (AVX-512 or AVX2 when the CPU has
// it, checked at run time, so a portable build still gets it). Code that
// walks a document can then jump over a string or a whole nested value
// without reading its bytes, which is what lets the scanner look at only the
// few fields of a record it needs. It does not validate JSON: it knows which
// quotes delimit strings and which brackets stand outside them, nothing more.
// One per thread (it owns the bitmaps, reused from document to document).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace trailsweep {

class JsonStructure {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// The code that builds the bitmaps. kBest is the fastest this CPU runs
  /// (checked at run time, so a portable build still gets it; AVX-512 only
  /// on CPUs that keep their clock with it, see json_structure.cpp); the
  /// others are for tests and benchmarks to compare.
  enum class Kernel { kBest, kPortable, kAvx2, kAvx512 };
  /// Whether this build on this CPU can run `kernel`.
  static bool available(Kernel kernel);

  /// Starts indexing `text`, which must stay valid and unchanged while this
  /// index is used. Reads (but ignores) up to 63 bytes past its end, so the
  /// caller must have that much padding readable. The bitmaps are built
  /// lazily, a few KB ahead of the queries, in text order. A kernel this
  /// CPU lacks falls back to the portable one.
  void index(std::string_view text, Kernel kernel = Kernel::kBest);

  /// Position of the first unescaped '"' at or after `pos`, or npos.
  std::size_t next_quote(std::size_t pos) {
    if (pos >= size_) return npos;
    std::size_t block = pos / 64;
    std::uint64_t bits = block_at(block).quotes & (~std::uint64_t{0} << (pos % 64));
    while (!bits) {
      if (++block >= total_blocks_) return npos;
      bits = block_at(block).quotes;
    }
    return block * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
  }
  std::size_t blocks() const { return total_blocks_; }
  /// For the '{' or '[' at `pos` (outside a string), the position of the
  /// bracket that closes it, or npos when the text ends first.
  std::size_t matching_close(std::size_t pos);
  /// How many '{' and '[' outside strings [begin, end) holds: a bound on how
  /// deep a value there nests.
  std::size_t opens_in(std::size_t begin, std::size_t end);
  /// Whether the text ends outside any string (indexes the rest of it).
  bool ends_outside_string();
  /// Whether [begin, end) is all printable ASCII without a '\\' (the
  /// walkers' fast path; text past the end is never unusual): then its
  /// strings need no unescaping and no UTF-8 check, and the raw bytes are
  /// the values.
  bool plain(std::size_t begin, std::size_t end) { return !has_unusual(begin, end); }
  /// plain(), or [begin, end) (which starts outside a string) is plain but
  /// for newlines, tabs and carriage returns between tokens: the walkers'
  /// raw strings hold for indented JSON too (a `jq .` of a log file).
  bool plain_strings(std::size_t begin, std::size_t end) {
    return plain(begin, end) || plain_but_spacing(begin, end);
  }
  /// Whether [begin, end), which starts outside a string, has no backslash
  /// outside its strings, and no newline unless `newlines_allowed`: then a
  /// reader that steps through it byte by byte, taking a backslash in a
  /// string as escaping the next byte, finds its strings and brackets where
  /// this index does, escapes, control characters and non-ASCII text
  /// included (RecordReader: records that hold escaped JSON, as CloudWatch
  /// Logs and lookup-events output do, and indented records). Sets
  /// `*newline_between_tokens` when a newline stands outside the strings.
  bool escapes_only_in_strings(std::size_t begin, std::size_t end, bool newlines_allowed,
                               bool* newline_between_tokens);

 private:
  bool plain_but_spacing(std::size_t begin, std::size_t end);
  bool has_unusual(std::size_t begin, std::size_t end) {
    if (begin >= end) return false;
    const std::size_t first = begin / 64, last = (end - 1) / 64;
    const std::uint64_t in_last = end % 64 != 0 ? (std::uint64_t{1} << (end % 64)) - 1 : ~std::uint64_t{0};
    const std::uint64_t first_bits = block_at(first).unusual & (~std::uint64_t{0} << (begin % 64));
    if (first == last) return (first_bits & in_last) != 0;
    std::uint64_t bits = first_bits | (block_at(last).unusual & in_last);  // indexes through `last`
    // The blocks between are all indexed now: one OR each, no early exit
    // (every record asks this of all its ~16 blocks, and almost all are
    // plain; a loop that checked the index and each block paid ~190
    // instructions a record).
    for (std::size_t b = first + 1; b < last; ++b) bits |= blocks_[b].unusual;
    return bits != 0;
  }

 public:

  /// The bitmaps of one 64-byte block (bit i is byte 64 * block + i).
  struct Block {
    std::uint64_t quotes = 0;       ///< '"' that open or close a string
    std::uint64_t opens = 0;        ///< '{' and '[' outside strings
    std::uint64_t closes = 0;       ///< '}' and ']' outside strings
    std::uint64_t unusual = 0;      ///< '\\', control characters, non-ASCII bytes
  };
  /// For walkers that read the quotes in text order: the blocks, indexed
  /// through `block` (< blocks()), and in `*indexed` how many are, so that
  /// the walker reads on without asking again until it gets there (a check
  /// of the index and of the end at each block was ~1.4% of a scan).
  const Block* blocks_through(std::size_t block, std::size_t* indexed) {
    (void)block_at(block);
    *indexed = indexed_;
    return blocks_.data();
  }

 private:
  const Block& block_at(std::size_t block) {
    if (block >= indexed_) [[unlikely]] {
      while (block >= indexed_ && indexed_ < total_blocks_) extend();
    }
    return blocks_[block];
  }
  void extend();
  std::size_t matching_close_popcnt(std::size_t pos);
  std::size_t opens_in_popcnt(std::size_t begin, std::size_t end);

  const unsigned char* text_ = nullptr;
  std::size_t size_ = 0, total_blocks_ = 0, indexed_ = 0;
  std::vector<Block> blocks_;
  bool escape_pending_ = false;
  Kernel kernel_ = Kernel::kPortable;
  std::uint64_t inside_ = 0;
};

}  // namespace trailsweep
