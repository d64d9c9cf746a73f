#include "trailsweep/json_structure.hpp"

#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define TRAILSWEEP_X86 1
#endif

namespace trailsweep {

namespace {

// Raw per-block character masks, before escapes and strings are resolved.
struct RawMasks {
  std::uint64_t quote = 0, backslash = 0, open = 0, close = 0;
  std::uint64_t control_or_non_ascii = 0;  // bytes < 0x20 or >= 0x80
};

// Carries from one 64-byte block to the next.
struct Carry {
  bool escape_pending = false;  // the previous block ended in an unfinished escape
  std::uint64_t inside = 0;     // all ones when the previous block ended inside a string
};

// Bits of the characters escaped by a backslash. Backslash runs are rare in
// CloudTrail (policy documents held as strings), so a short loop beats the
// branch-free carry arithmetic and is easier to trust.
inline std::uint64_t escaped_bits(std::uint64_t backslash, Carry& carry) {
  std::uint64_t escaped = 0;
  if (carry.escape_pending) {
    escaped = 1;
    backslash &= ~std::uint64_t{1};  // an escaped backslash escapes nothing
    carry.escape_pending = false;
  }
  while (backslash) {
    const int i = __builtin_ctzll(backslash);
    if (i == 63) {
      carry.escape_pending = true;
      break;
    }
    escaped |= std::uint64_t{1} << (i + 1);
    backslash &= ~(std::uint64_t{3} << i);
  }
  return escaped;
}

// Bit i set when an odd number of bits at or below i are set in x.
inline std::uint64_t prefix_xor_portable(std::uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

using Block = JsonStructure::Block;

// The quotes that delimit strings: those not escaped by a backslash.
inline std::uint64_t unescaped_quotes(const RawMasks& m, Carry& carry) {
  const std::uint64_t escaped = m.backslash || carry.escape_pending ? escaped_bits(m.backslash, carry) : 0;
  return m.quote & ~escaped;
}

// Finishes a block given its string quotes and their prefix XOR (computed by
// the caller with the fastest instruction it may use).
inline void store_block(const RawMasks& m, std::uint64_t quotes, std::uint64_t quotes_prefix_xor, Carry& carry,
                        Block& out) {
  const std::uint64_t inside = quotes_prefix_xor ^ carry.inside;
  carry.inside = static_cast<std::uint64_t>(static_cast<std::int64_t>(inside) >> 63);
  out.quotes = quotes;
  out.opens = m.open & ~inside;
  out.closes = m.close & ~inside;
  out.unusual = m.backslash | m.control_or_non_ascii;
}

RawMasks raw_masks_portable(const unsigned char* p) {
  RawMasks m;
  for (int i = 0; i < 64; ++i) {
    const unsigned char c = p[i];
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (c == '"') m.quote |= bit;
    if (c == '\\') m.backslash |= bit;
    if ((c | 0x20) == '{') m.open |= bit;   // '{' and '['
    if ((c | 0x20) == '}') m.close |= bit;  // '}' and ']'
    if (c < 0x20 || c >= 0x80) m.control_or_non_ascii |= bit;
  }
  return m;
}

void index_portable(const unsigned char* p, std::size_t blocks, Carry& carry, Block* out) {
  for (std::size_t b = 0; b < blocks; ++b) {
    const RawMasks m = raw_masks_portable(p + 64 * b);
    const std::uint64_t quotes = unescaped_quotes(m, carry);
    store_block(m, quotes, prefix_xor_portable(quotes), carry, out[b]);
  }
}

#ifdef TRAILSWEEP_X86
__attribute__((target("avx2"))) inline std::uint64_t mask64(__m256i lo, __m256i hi) {
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(lo)) |
         (static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(hi))) << 32);
}

__attribute__((target("avx2,pclmul"))) void index_avx2(const unsigned char* p, std::size_t blocks, Carry& carry,
                                                        Block* out) {
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  const __m256i fold = _mm256_set1_epi8(0x20);  // '[' | 0x20 == '{', ']' | 0x20 == '}'
  const __m256i open = _mm256_set1_epi8('{');
  const __m256i close = _mm256_set1_epi8('}');
  const __m128i all_ones = _mm_set1_epi8(-1);
  const __m256i space = _mm256_set1_epi8(0x20);
  for (std::size_t b = 0; b < blocks; ++b) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64 * b));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64 * b + 32));
    const __m256i lo_folded = _mm256_or_si256(lo, fold);
    const __m256i hi_folded = _mm256_or_si256(hi, fold);
    RawMasks m;
    m.quote = mask64(_mm256_cmpeq_epi8(lo, quote), _mm256_cmpeq_epi8(hi, quote));
    m.backslash = mask64(_mm256_cmpeq_epi8(lo, backslash), _mm256_cmpeq_epi8(hi, backslash));
    m.open = mask64(_mm256_cmpeq_epi8(lo_folded, open), _mm256_cmpeq_epi8(hi_folded, open));
    m.close = mask64(_mm256_cmpeq_epi8(lo_folded, close), _mm256_cmpeq_epi8(hi_folded, close));
    // Signed compare: bytes >= 0x80 are negative, so one test finds both.
    m.control_or_non_ascii = mask64(_mm256_cmpgt_epi8(space, lo), _mm256_cmpgt_epi8(space, hi));
    const std::uint64_t quotes = unescaped_quotes(m, carry);
    // Carry-less multiplication by all ones is a prefix XOR in one instruction.
    const __m128i clmul = _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<long long>(quotes)), all_ones, 0);
    store_block(m, quotes, static_cast<std::uint64_t>(_mm_cvtsi128_si64(clmul)), carry, out[b]);
  }
}

// AVX-512 compares straight into mask registers: one 64-byte load and five
// compares a block, where AVX2 needs two of each plus ten movemasks and
// their shifts.
__attribute__((target("avx512f,avx512bw,pclmul"))) void index_avx512(const unsigned char* p, std::size_t blocks,
                                                                     Carry& carry, Block* out) {
  const __m512i quote = _mm512_set1_epi8('"');
  const __m512i backslash = _mm512_set1_epi8('\\');
  const __m512i fold = _mm512_set1_epi8(0x20);  // '[' | 0x20 == '{', ']' | 0x20 == '}'
  const __m512i open = _mm512_set1_epi8('{');
  const __m512i close = _mm512_set1_epi8('}');
  const __m512i space = _mm512_set1_epi8(0x20);
  const __m128i all_ones = _mm_set1_epi8(-1);
  for (std::size_t b = 0; b < blocks; ++b) {
    const __m512i v = _mm512_loadu_si512(p + 64 * b);
    const __m512i folded = _mm512_or_si512(v, fold);
    RawMasks m;
    m.quote = _mm512_cmpeq_epi8_mask(v, quote);
    m.backslash = _mm512_cmpeq_epi8_mask(v, backslash);
    m.open = _mm512_cmpeq_epi8_mask(folded, open);
    m.close = _mm512_cmpeq_epi8_mask(folded, close);
    // Signed compare: bytes >= 0x80 are negative, so one test finds both.
    m.control_or_non_ascii = _mm512_cmplt_epi8_mask(v, space);
    const std::uint64_t quotes = unescaped_quotes(m, carry);
    const __m128i clmul = _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<long long>(quotes)), all_ones, 0);
    store_block(m, quotes, static_cast<std::uint64_t>(_mm_cvtsi128_si64(clmul)), carry, out[b]);
  }
}

bool cpu_has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul");
  return yes;
}

// Ice Lake and later, and AMD Zen 4 and later, recognised as simdjson does
// by VBMI2: Skylake-SP and Cascade Lake (AWS c5/m5) have AVX-512BW too, but
// lower the core's clock while 512-bit instructions run, which would cost
// the rest of the scan more than the index saves; they keep AVX2.
bool cpu_has_avx512() {
  static const bool yes = cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vbmi2");
  return yes;
}
#endif

void run_kernel(JsonStructure::Kernel kernel, const unsigned char* p, std::size_t blocks, Carry& carry, Block* out) {
#ifdef TRAILSWEEP_X86
  if (kernel == JsonStructure::Kernel::kAvx512) {
    index_avx512(p, blocks, carry, out);
    return;
  }
  if (kernel == JsonStructure::Kernel::kAvx2) {
    index_avx2(p, blocks, carry, out);
    return;
  }
#else
  (void)kernel;
#endif
  index_portable(p, blocks, carry, out);
}

}  // namespace

bool JsonStructure::available(Kernel kernel) {
  switch (kernel) {
    case Kernel::kBest:
    case Kernel::kPortable:
      return true;
#ifdef TRAILSWEEP_X86
    case Kernel::kAvx2:
      return cpu_has_avx2();
    case Kernel::kAvx512:
      return cpu_has_avx512();
#else
    default:
      return false;
#endif
  }
  return false;
}

void JsonStructure::index(std::string_view text, Kernel kernel) {
  if (kernel == Kernel::kBest) {
    kernel = available(Kernel::kAvx512) ? Kernel::kAvx512 : available(Kernel::kAvx2) ? Kernel::kAvx2 : Kernel::kPortable;
  } else if (!available(kernel)) {
    kernel = Kernel::kPortable;
  }
  kernel_ = kernel;
  text_ = reinterpret_cast<const unsigned char*>(text.data());
  size_ = text.size();
  total_blocks_ = (text.size() + 63) / 64;
  // One spare, empty block so walkers may look one block ahead.
  blocks_.resize(total_blocks_ + 1);
  blocks_[total_blocks_] = Block{};
  indexed_ = 0;
  escape_pending_ = false;
  inside_ = 0;
}

// Indexes the next stretch of blocks, lazily, so that a walker that stops
// early (a broken document) never pays for the rest. Note that the native
// document walk looks for the end of the Records array before the first
// record, which indexes the whole file at once; walking the records first
// instead, with the index a stretch ahead, measured no faster (2026-11,
// interleaved runs of the benchmark scan), so the simpler order stays.
void JsonStructure::extend() {
  constexpr std::size_t kStretch = 128;  // blocks: 8 KB of text
  const std::size_t n = std::min(kStretch, total_blocks_ - indexed_);
  const bool reaches_end = indexed_ + n == total_blocks_;
  // The last block is indexed on its own: its carry-in is needed to drop the
  // padding's bytes from the string state.
  const std::size_t bulk = reaches_end ? n - 1 : n;
  Carry carry{escape_pending_, inside_};
  run_kernel(kernel_, text_ + 64 * indexed_, bulk, carry, blocks_.data() + indexed_);
  indexed_ += bulk;
  if (reaches_end) {
    const std::uint64_t inside_before = carry.inside;
    run_kernel(kernel_, text_ + 64 * indexed_, 1, carry, blocks_.data() + indexed_);
    ++indexed_;
    if (const std::size_t tail = size_ % 64; tail != 0) {
      const std::uint64_t keep = (std::uint64_t{1} << tail) - 1;
      Block& last = blocks_[total_blocks_ - 1];
      last.quotes &= keep;
      last.opens &= keep;
      last.closes &= keep;
      last.unusual &= keep;
      carry.inside = (__builtin_popcountll(last.quotes) & 1) ? ~inside_before : inside_before;
    }
  }
  escape_pending_ = carry.escape_pending;
  inside_ = carry.inside;
}

bool JsonStructure::ends_outside_string() {
  while (indexed_ < total_blocks_) extend();
  return inside_ == 0;
}

// The walk counts brackets with popcount; a portable build has no popcnt
// instruction (a libgcc call instead, measured 3x slower), so the same code is
// compiled twice and the CPU picks.
template <typename BlockAt>
[[gnu::always_inline]] static inline std::size_t matching_close_impl(std::size_t pos, std::size_t size, std::size_t total_blocks,
                                       BlockAt&& block_at) {
  constexpr std::size_t npos = JsonStructure::npos;
  const std::size_t size_ = size, total_blocks_ = total_blocks;
  if (pos >= size_) return npos;
  std::size_t block = pos / 64;
  // Bits strictly after pos, in the first block; every later block is taken
  // whole, without a mask (a jumped value spans ~16 blocks a record).
  const std::uint64_t after = (pos % 64 == 63) ? 0 : (~std::uint64_t{0} << (pos % 64 + 1));
  std::size_t depth = 1;
  const Block* b = &block_at(block);
  std::uint64_t o = b->opens & after;
  std::uint64_t c = b->closes & after;
  for (;;) {
    const auto closes = static_cast<std::size_t>(__builtin_popcountll(c));
    if (closes < depth) {  // cannot get back to the start level in this block
      depth = depth + static_cast<std::size_t>(__builtin_popcountll(o)) - closes;
    } else {
      while (c) {
        const std::uint64_t first_close = c & (0 - c);
        // Opens before this close go one level deeper.
        const std::uint64_t opens_before = o & (first_close - 1);
        depth += static_cast<std::size_t>(__builtin_popcountll(opens_before));
        o &= ~opens_before;
        if (--depth == 0) return block * 64 + static_cast<std::size_t>(__builtin_ctzll(first_close));
        c &= c - 1;
      }
      depth += static_cast<std::size_t>(__builtin_popcountll(o));
    }
    if (++block >= total_blocks_) return npos;
    b = &block_at(block);
    o = b->opens;
    c = b->closes;
  }
}

#ifdef TRAILSWEEP_X86
__attribute__((target("popcnt"))) std::size_t JsonStructure::matching_close_popcnt(std::size_t pos) {
  return matching_close_impl(pos, size_, total_blocks_, [this](std::size_t b) -> const Block& { return block_at(b); });
}
#endif

template <typename BlockAt>
[[gnu::always_inline]] static inline std::size_t opens_in_impl(std::size_t begin, std::size_t end, BlockAt&& block_at) {
  if (begin >= end) return 0;
  const std::size_t first = begin / 64, last = (end - 1) / 64;
  std::size_t count = 0;
  for (std::size_t b = first; b <= last; ++b) {
    std::uint64_t bits = block_at(b).opens;
    if (b == first) bits &= ~std::uint64_t{0} << (begin % 64);
    if (b == last && end % 64 != 0) bits &= (std::uint64_t{1} << (end % 64)) - 1;
    count += static_cast<std::size_t>(__builtin_popcountll(bits));
  }
  return count;
}

#ifdef TRAILSWEEP_X86
__attribute__((target("popcnt"))) std::size_t JsonStructure::opens_in_popcnt(std::size_t begin, std::size_t end) {
  return opens_in_impl(begin, end, [this](std::size_t b) -> const Block& { return block_at(b); });
}
#endif

std::size_t JsonStructure::opens_in(std::size_t begin, std::size_t end) {
#ifdef TRAILSWEEP_X86
  if (kernel_ != Kernel::kPortable) return opens_in_popcnt(begin, end);
#endif
  return opens_in_impl(begin, end, [this](std::size_t b) -> const Block& { return block_at(b); });
}

std::size_t JsonStructure::matching_close(std::size_t pos) {
#ifdef TRAILSWEEP_X86
  // The popcount instruction comes with either SIMD kernel's CPU.
  if (kernel_ != Kernel::kPortable) return matching_close_popcnt(pos);
#endif
  return matching_close_impl(pos, size_, total_blocks_, [this](std::size_t b) -> const Block& { return block_at(b); });
}

namespace {

struct ByteMasks {
  std::uint64_t backslashes, newlines, spacing;  // spacing: '\n', '\r' and '\t'
};

// Where the 64 bytes at `p` hold a backslash, a newline and the control
// characters JSON allows between tokens (bit i: byte i). Escaped records
// have a backslash every few bytes: one compare per 16, not a step per byte.
ByteMasks special_bytes(const unsigned char* p) {
  ByteMasks m{0, 0, 0};
#if defined(__SSE2__)
  const __m128i backslash = _mm_set1_epi8('\\'), newline = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                tab = _mm_set1_epi8('\t');
  auto bits = [](__m128i eq) { return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(eq))); };
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i nl = _mm_cmpeq_epi8(v, newline);
    m.backslashes |= bits(_mm_cmpeq_epi8(v, backslash)) << (16 * k);
    m.newlines |= bits(nl) << (16 * k);
    m.spacing |= bits(_mm_or_si128(nl, _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, tab)))) << (16 * k);
  }
#else
  for (int i = 0; i < 64; ++i) {
    m.backslashes |= static_cast<std::uint64_t>(p[i] == '\\') << i;
    m.newlines |= static_cast<std::uint64_t>(p[i] == '\n') << i;
    m.spacing |= static_cast<std::uint64_t>(p[i] == '\n' || p[i] == '\r' || p[i] == '\t') << i;
  }
#endif
  return m;
}

// Bit i: byte i of the block is inside a string (from its opening quote to
// the byte before its closing one), given the block's string quotes and
// whether a string runs on from the block before (`carry`: all ones or 0).
// Updates `carry` for the next block.
std::uint64_t inside_strings(std::uint64_t quotes, std::uint64_t& carry) {
  const std::uint64_t inside = prefix_xor_portable(quotes) ^ carry;
  carry = static_cast<std::uint64_t>(static_cast<std::int64_t>(inside) >> 63);
  return inside;
}

// Calls on_block(unusual, inside, masks) for each block of [begin, end)
// (which starts outside a string) that holds unusual bytes, bits outside
// the range cleared, until it returns false; returns whether none did.
template <typename BlockAt, typename OnBlock>
bool for_unusual_blocks(const unsigned char* text, std::size_t begin, std::size_t end, BlockAt&& block_at,
                        OnBlock&& on_block) {
  if (begin >= end) return true;
  const std::size_t first = begin / 64, last = (end - 1) / 64;
  std::uint64_t carry = 0;
  for (std::size_t b = first; b <= last; ++b) {
    std::uint64_t in_range = ~std::uint64_t{0};
    if (b == first) in_range &= ~std::uint64_t{0} << (begin % 64);
    if (b == last && end % 64 != 0) in_range &= (std::uint64_t{1} << (end % 64)) - 1;
    const Block& block = block_at(b);
    const std::uint64_t inside = inside_strings(block.quotes & in_range, carry);
    const std::uint64_t unusual = block.unusual & in_range;
    if (unusual != 0 && !on_block(unusual, inside, special_bytes(text + b * 64))) return false;
  }
  return true;
}

}  // namespace

bool JsonStructure::escapes_only_in_strings(std::size_t begin, std::size_t end, bool newlines_allowed,
                                            bool* newline_between_tokens) {
  return for_unusual_blocks(
      text_, begin, end, [this](std::size_t b) -> const Block& { return block_at(b); },
      [&](std::uint64_t unusual, std::uint64_t inside, const ByteMasks& m) {
        if (m.backslashes & unusual & ~inside) return false;
        if (m.newlines & unusual) {
          if (!newlines_allowed) return false;
          if (m.newlines & unusual & ~inside) *newline_between_tokens = true;
        }
        return true;
      });
}

bool JsonStructure::plain_but_spacing(std::size_t begin, std::size_t end) {
  return for_unusual_blocks(text_, begin, end, [this](std::size_t b) -> const Block& { return block_at(b); },
                            [](std::uint64_t unusual, std::uint64_t inside, const ByteMasks& m) {
                              return (unusual & inside) == 0 && (unusual & ~m.spacing) == 0;
                            });
}

}  // namespace trailsweep
