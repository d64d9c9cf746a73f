#pragma once
// load_prefix_word: the first n (< 8) bytes of a string as one little-endian
// word, upper bytes zero: the value memcpy(&w, p, n) gives into a zeroed w.
// Hashes and byte scanners that work eight bytes at a time end with such a
// partial word, and the memcpy compiles to byte stores then an 8-byte load,
// which the CPU cannot forward from the stores: a stall of a dozen cycles or
// more on every string (perf put 37% of PrincipalSet::hash on that one load).
// Here the bytes come from at most two overlapping loads of 4, 2 or 1
// bytes, each read inside [p, p + n).
// Also the other word-at-a-time helpers such scanners share.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace trailsweep {

inline std::uint64_t load_prefix_word(const char* p, std::size_t n) {
  if constexpr (std::endian::native != std::endian::little) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    return w;
  } else {
    auto load32 = [](const char* q) {
      std::uint32_t v;
      std::memcpy(&v, q, 4);
      return std::uint64_t{v};
    };
    auto load16 = [](const char* q) {
      std::uint16_t v;
      std::memcpy(&v, q, 2);
      return std::uint64_t{v};
    };
    if (n >= 4) return load32(p) | load32(p + n - 4) << (8 * (n - 4));
    if (n >= 2) return load16(p) | load16(p + n - 2) << (8 * (n - 2));
    return n == 1 ? std::uint64_t{static_cast<unsigned char>(p[0])} : 0;
  }
}

inline std::uint64_t load_word(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

constexpr std::uint64_t kByteOnes = 0x0101010101010101ull, kByteHighs = 0x8080808080808080ull;

/// The high bit of each byte of `w` below `limit` (at most 0x80) set, the
/// rest clear: exact for the lowest such byte, while a borrow from it may
/// also flag a byte above it. So whether a word has one, and where the first
/// one is, are exact; which others are, is not.
inline std::uint64_t bytes_below(std::uint64_t w, unsigned char limit) {
  return (w - kByteOnes * limit) & ~w & kByteHighs;
}

/// As bytes_below, for the bytes of `w` equal to `byte`.
inline std::uint64_t bytes_equal(std::uint64_t w, unsigned char byte) { return bytes_below(w ^ (kByteOnes * byte), 1); }

/// The first position in [from, to) of `p` whose byte, OR-ed with `fold`
/// (0, or 0x20 to take an ASCII letter in either case: it folds exactly 'X'
/// onto 'x' and nothing else onto a lower-case letter), is `byte`; `to` when
/// none. Eight bytes a step (bytes_equal).
inline std::size_t find_byte(const char* p, std::size_t from, std::size_t to, unsigned char byte,
                             unsigned char fold = 0) {
  std::size_t i = from;
  if constexpr (std::endian::native == std::endian::little) {
    const std::uint64_t folds = fold * kByteOnes;
    for (; i + 8 <= to; i += 8) {
      const std::uint64_t found = bytes_equal(load_word(p + i) | folds, byte);
      if (found) return i + static_cast<std::size_t>(std::countr_zero(found)) / 8;
    }
    // The last 1-7 bytes as the word that ends at `to`, overlapping bytes
    // already found not to match (so its lowest flagged byte is a real one):
    // byte by byte they cost more than the loop (ARNs of 40-60 bytes).
    if (i < to && to - from >= 8) {
      const std::uint64_t found = bytes_equal(load_word(p + to - 8) | folds, byte);
      return found ? to - 8 + static_cast<std::size_t>(std::countr_zero(found)) / 8 : to;
    }
  }
  for (; i < to; ++i) {
    if (static_cast<unsigned char>(static_cast<unsigned char>(p[i]) | fold) == byte) return i;
  }
  return to;
}

/// The word with each ASCII upper-case letter folded to lower case; every
/// other byte (non-ASCII included) kept. Bytewise, so the byte order of the
/// load does not matter.
inline std::uint64_t fold_ascii_word(std::uint64_t w) {
  const std::uint64_t low7 = w & ~kByteHighs;  // no byte's sum below carries into the next
  const std::uint64_t from_a = low7 + kByteOnes * (0x80 - 'A');
  const std::uint64_t past_z = low7 + kByteOnes * (0x80 - 'Z' - 1);
  const std::uint64_t upper = from_a & ~past_z & ~w & kByteHighs;
  return w | (upper >> 2);  // 0x80 >> 2 is the case bit
}

/// Whether the first n bytes of `text`, ASCII letters folded to lower case,
/// are `lowered` (already folded). Eight bytes a step: rules compare
/// eventSource, userIdentity.type and user agents this way on most records.
inline bool equal_ascii_folded(const char* text, const char* lowered, std::size_t n) {
  if (n < 8) return fold_ascii_word(load_prefix_word(text, n)) == load_prefix_word(lowered, n);
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    if (fold_ascii_word(load_word(text + k)) != load_word(lowered + k)) return false;
  }
  // The last word overlaps the one before: its bytes were equal there.
  return k == n || fold_ascii_word(load_word(text + n - 8)) == load_word(lowered + n - 8);
}

}  // namespace trailsweep
