#pragma once
// load_prefix_word: the first n (< 8) bytes of a string as one little-endian
// word, upper bytes zero: the value memcpy(&w, p, n) gives into a zeroed w.
// Hashes and byte scanners that work eight bytes at a time end with such a
// partial word, and the memcpy compiles to byte stores then an 8-byte load,
// which the CPU cannot forward from the stores: a stall of a dozen cycles or
// more on every string (perf put 37% of PrincipalSet::hash on that one load).
// Here the bytes come from at most two overlapping loads of 4, 2 or 1
// bytes, each read inside [p, p + n).
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

}  // namespace trailsweep
