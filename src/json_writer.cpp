#include "trailsweep/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "trailsweep/word_load.hpp"

namespace trailsweep {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

// Nonzero when one of the eight bytes of `w` needs escaping: below 0x20,
// '"', '\\', 0x7F or non-ASCII (checked for UTF-8 validity and U+2028/2029
// on the slow path). SWAR: such a byte sets its high bit.
std::uint64_t escape_flag(std::uint64_t w) {
  return bytes_below(w, 0x20) | bytes_equal(w, '"') | bytes_equal(w, '\\') | bytes_equal(w, 0x7F) | (w & kByteHighs);
}

// Whether any byte of `s` needs escaping. Sixteen bytes a step where SSE2
// is (every x86-64), else eight; the last step overlaps the one before it,
// which an "any" test allows (8 to 15 bytes: the first and the last eight
// in one register), and strings under eight bytes are a padded partial word.
// A report of 20,000 findings checks ~3 million strings, half of them keys.
bool needs_escape(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  auto word_at = [p](std::size_t i) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    return w;
  };
#if defined(__SSE2__)
  if (n >= 8) {
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  del = _mm_set1_epi8(0x7F);
    // A signed compare: bytes 0x80-0xFF are negative, so "below 0x20" flags
    // them too, as non-ASCII must be.
    auto flags = [&](__m128i v) {
      return _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, quote)),
                          _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, del)));
    };
    auto load = [](const char* q) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)); };
    if (n < 16) {  // most keys and many values: both ends' words in one register
      const __m128i v = _mm_set_epi64x(static_cast<long long>(word_at(n - 8)), static_cast<long long>(word_at(0)));
      return _mm_movemask_epi8(flags(v)) != 0;
    }
    __m128i any = flags(load(p + n - 16));
    for (std::size_t i = 0; i + 16 < n; i += 16) any = _mm_or_si128(any, flags(load(p + i)));
    return _mm_movemask_epi8(any) != 0;
  }
#endif
  if (n >= 8) {
    std::uint64_t any = escape_flag(word_at(n - 8));
    for (std::size_t i = 0; i + 8 < n; i += 8) any |= escape_flag(word_at(i));
    return any != 0;
  }
  const std::uint64_t padding = (kByteOnes * 'a') & (~std::uint64_t{0} << (8 * n));
  return escape_flag(load_prefix_word(p, n) | padding) != 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  if (!needs_escape(s)) {
    // Nearly every string of a report: one copy, no byte-wise pass.
    const std::size_t at = out.size();
    out.resize(at + s.size() + 2);
    char* p = out.data() + at;
    p[0] = '"';
    std::memcpy(p + 1, s.data(), s.size());
    p[s.size() + 1] = '"';
    return;
  }
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    // Most text is printable ASCII with nothing to escape: copy such runs
    // whole (reports of many findings spent their time here byte by byte).
    std::size_t run = i;
    while (run + 8 <= s.size()) {  // eight bytes a step while none needs escaping
      std::uint64_t w;
      std::memcpy(&w, s.data() + run, 8);
      if (escape_flag(w)) break;
      run += 8;
    }
    while (run < s.size()) {
      const auto b = static_cast<unsigned char>(s[run]);
      if (b < 0x20 || b >= 0x7F || b == '"' || b == '\\') break;
      ++run;
    }
    if (run > i) {
      out.append(s.data() + i, run - i);
      i = run;
      if (i == s.size()) break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\u{:04x}", c);
      ++i;
      continue;
    }
    std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    // U+2028/2029 break JavaScript string literals; escape them for safe embedding.
    if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 3;
      continue;
    }
    out.append(s.data() + i, n);
    i += n;
  }
  out.push_back('"');
}

namespace {
// "\n" and the indentation, copied in one piece (append(n, ' ') was a call
// to memset per line, a tenth of writing a large report).
constexpr std::string_view kLineStart = "\n                                                                ";

// Copies n <= 80 bytes with fixed-size moves (no loop, which GCC would turn
// back into a memcpy call); `dst` may be written up to 8 bytes past n. For
// the pieces of a key (see JsonWriter::key).
inline void copy_short(char* dst, const char* src, std::size_t n) {
  if (n >= 16) {
    if (n > 16) std::memcpy(dst, src, 16);
    if (n > 32) std::memcpy(dst + 16, src + 16, 16);
    if (n > 48) std::memcpy(dst + 32, src + 32, 16);
    if (n > 64) std::memcpy(dst + 48, src + 48, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else {
    const std::uint64_t w = load_prefix_word(src, n);  // reads only [src, src + n)
    std::memcpy(dst, &w, 8);
  }
}

// `n`, with what the compiler knows of its range forgotten: a memcpy whose
// length GCC knows to be small it expands as a `rep movsq`, whose start-up
// costs more than the libc call it makes otherwise (see JsonWriter::key).
inline std::size_t opaque_length(std::size_t n) {
  asm("" : "+r"(n));
  return n;
}
}  // namespace

std::size_t JsonWriter::line_start_size() const {
  return indent_ == 0 ? 0 : 1 + stack_.size() * static_cast<std::size_t>(indent_);
}

void JsonWriter::newline() {
  if (indent_ == 0) return;
  const std::size_t n = line_start_size();
  if (n <= kLineStart.size()) {
    out_.append(kLineStart.data(), n);
  } else {
    out_.push_back('\n');
    out_.append(n - 1, ' ');
  }
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!stack_.empty()) {
    if (!stack_.back().empty) out_.push_back(',');
    stack_.back().empty = false;
    newline();
  }
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  stack_.push_back({true, true});
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  stack_.push_back({false, true});
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  // The separator, the line start, the quoted key and ": " in one append,
  // composed here: a report of 20,000 findings writes ~1.5 million keys, and
  // five appends each were a third of rendering it. The pieces are copied
  // with fixed-size moves and the whole appended with an opaque length: GCC
  // made each copy of a length it knew to be small a `rep movsq`, whose
  // start-up was half of the time in key() (perf); without them a report of
  // 20,000 findings renders ~35% faster (tests/bench/render_only.cpp).
  constexpr std::size_t kMaxFastKey = 64;
  const std::size_t line = line_start_size();
  if (!after_key_ && !stack_.empty() && line <= kLineStart.size() && k.size() <= kMaxFastKey && !needs_escape(k)) {
    char text[1 + kLineStart.size() + kMaxFastKey + 4 + 8];  // copy_short may write 8 bytes past a piece
    std::size_t n = 0;
    if (!stack_.back().empty) text[n++] = ',';
    stack_.back().empty = false;
    copy_short(text + n, kLineStart.data(), line);
    n += line;
    text[n++] = '"';
    copy_short(text + n, k.data(), k.size());
    n += k.size();
    text[n++] = '"';
    text[n++] = ':';
    if (indent_) text[n++] = ' ';
    out_.append(text, opaque_length(n));
    after_key_ = true;
    return *this;
  }
  before_value();
  append_json_string(out_, k);
  out_.push_back(':');
  if (indent_) out_.push_back(' ');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view v) {
  before_value();
  append_json_string(out_, v);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t v) {
  before_value();
  char digits[24];
  out_.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t v) {
  before_value();
  char digits[24];
  out_.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
  return *this;
}

JsonWriter& JsonWriter::value(double v) {
  before_value();
  if (std::isfinite(v)) {
    out_ += fmt::format("{:.6g}", v);
  } else {
    out_ += "null";
  }
  return *this;
}

JsonWriter& JsonWriter::value(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

}  // namespace trailsweep
