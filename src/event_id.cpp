#include "trailsweep/event_id.hpp"

#include <bit>
#include <cstring>
#include <new>
#include <utility>

#include "trailsweep/word_load.hpp"

namespace trailsweep {

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr bool is_hyphen_position(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case too: it would not print back as it was read
}

// Eight lowercase hex digits, the first in the lowest byte (as a
// little-endian load puts them), as their number; false when a byte is not
// one. Eight at a time: every evidence record and kept hit reads its
// eventID, and the byte loop's branches were ~0.8% of an all-rules scan.
bool hex_digits8(std::uint64_t w, std::uint32_t& value) {
  if ((w & kByteHighs) != 0) return false;
  // Every byte is below 0x80 now, so adding at most 0x50 to each never
  // carries into the next: a byte's high bit then says it reached the bound.
  const std::uint64_t from_0 = w + kByteOnes * (0x80 - '0'), past_9 = w + kByteOnes * (0x80 - '9' - 1);
  const std::uint64_t from_a = w + kByteOnes * (0x80 - 'a'), past_f = w + kByteOnes * (0x80 - 'f' - 1);
  if ((((from_0 & ~past_9) | (from_a & ~past_f)) & kByteHighs) != kByteHighs) return false;
  // '0'-'9' are 0x30-0x39, 'a'-'f' 0x61-0x66: the low nibble, plus 9 where bit 6 is set.
  std::uint64_t v = (w & kByteOnes * 0x0F) + ((w >> 6) & kByteOnes) * 9;
  v = ((v << 4) | (v >> 8)) & 0x00FF00FF00FF00FFULL;  // digit pairs, in the even bytes
  v = ((v << 8) | (v >> 16)) & 0x0000FFFF0000FFFFULL;  // groups of four, in the low halves
  value = static_cast<std::uint32_t>((v << 16) | (v >> 32));
  return true;
}

// hex_digits8 backwards: the eight lowercase digits of `value`, the first
// (most significant) in the lowest byte, ready to store.
std::uint64_t hex_text8(std::uint32_t value) {
  std::uint64_t v = value;
  v = ((v >> 16) | (v << 32)) & 0x0000FFFF0000FFFFULL;  // the halves, in 32-bit lanes, first half first
  v = ((v >> 8) | (v << 16)) & 0x00FF00FF00FF00FFULL;   // the bytes, in 16-bit lanes
  v = ((v >> 4) | (v << 8)) & 0x0F0F0F0F0F0F0F0FULL;    // the digits, one a byte
  // A digit of 10 or more reaches 16 when 6 is added: then 'a' - '0' - 10 more.
  const std::uint64_t letters = ((v + kByteOnes * 6) >> 4) & kByteOnes;
  return v + kByteOnes * '0' + letters * ('a' - '0' - 10);
}

// A UUID's 32 digits as two numbers, the first digit the most significant.
bool parse_uuid(std::string_view text, std::uint64_t halves[2]) {
  if (text.size() != 36) return false;
  const char* p = text.data();
  if constexpr (std::endian::native == std::endian::little) {
    if (p[8] != '-' || p[13] != '-' || p[18] != '-' || p[23] != '-') return false;
    auto load32 = [](const char* q) {
      std::uint32_t v;
      std::memcpy(&v, q, 4);
      return std::uint64_t{v};
    };
    std::uint32_t a, b, c, d;
    if (!hex_digits8(load_word(p), a) || !hex_digits8(load32(p + 9) | load32(p + 14) << 32, b) ||
        !hex_digits8(load32(p + 19) | load32(p + 24) << 32, c) || !hex_digits8(load_word(p + 28), d)) {
      return false;
    }
    halves[0] = std::uint64_t{a} << 32 | b;
    halves[1] = std::uint64_t{c} << 32 | d;
    return true;
  } else {
    halves[0] = halves[1] = 0;
    for (std::size_t i = 0, nibble = 0; i < text.size(); ++i) {
      if (is_hyphen_position(i)) {
        if (text[i] != '-') return false;
        continue;
      }
      const int v = hex_value(text[i]);
      if (v < 0) return false;
      halves[nibble / 16] = (halves[nibble / 16] << 4) | static_cast<std::uint64_t>(v);
      ++nibble;
    }
    return true;
  }
}

}  // namespace

EventId::EventId(std::string_view text) : lo_(0) {
  std::uint64_t halves[2];
  const bool uuid = parse_uuid(text, halves);
  if (uuid && halves[1] != kTextMark) {
    hi_ = halves[0];
    lo_ = halves[1];
  } else {
    new (&text_) SharedText(text);
    lo_ = kTextMark;
  }
}

EventId::EventId(const EventId& other) : lo_(other.lo_) {
  if (other.is_text()) {
    new (&text_) SharedText(other.text_);
  } else {
    hi_ = other.hi_;
  }
}

EventId::~EventId() {
  if (is_text()) text_.~SharedText();
}

void EventId::swap(EventId& other) noexcept {
  if (is_text() && other.is_text()) {
    text_.swap(other.text_);
    return;
  }
  EventId& text_one = is_text() ? *this : other;
  EventId& uuid_one = is_text() ? other : *this;
  if (!text_one.is_text()) {  // both UUIDs
    std::swap(hi_, other.hi_);
    std::swap(lo_, other.lo_);
    return;
  }
  SharedText moved(std::move(text_one.text_));
  text_one.text_.~SharedText();
  text_one.hi_ = uuid_one.hi_;
  text_one.lo_ = uuid_one.lo_;
  new (&uuid_one.text_) SharedText(std::move(moved));
  uuid_one.lo_ = kTextMark;
}

std::string_view EventId::view(std::array<char, 36>& buffer) const {
  if (is_text()) return text_.view();
  if constexpr (std::endian::native == std::endian::little) {
    // Eight digits at a time, as they were read: the reports print every
    // kept record's eventID (tens of thousands), byte by byte ~1% of
    // rendering a JSON report.
    char* out = buffer.data();
    const std::uint64_t first = hex_text8(static_cast<std::uint32_t>(hi_ >> 32));
    const std::uint64_t second = hex_text8(static_cast<std::uint32_t>(hi_));
    const std::uint64_t third = hex_text8(static_cast<std::uint32_t>(lo_ >> 32));
    const std::uint64_t fourth = hex_text8(static_cast<std::uint32_t>(lo_));
    std::memcpy(out, &first, 8);
    out[8] = '-';
    std::memcpy(out + 9, &second, 4);
    out[13] = '-';
    std::memcpy(out + 14, reinterpret_cast<const char*>(&second) + 4, 4);
    out[18] = '-';
    std::memcpy(out + 19, &third, 4);
    out[23] = '-';
    std::memcpy(out + 24, reinterpret_cast<const char*>(&third) + 4, 4);
    std::memcpy(out + 28, &fourth, 8);
  } else {
    const std::uint64_t halves[2] = {hi_, lo_};
    for (std::size_t i = 0, nibble = 0; i < kUuidSize; ++i) {
      if (is_hyphen_position(i)) {
        buffer[i] = '-';
        continue;
      }
      buffer[i] = kHex[(halves[nibble / 16] >> (60 - 4 * (nibble % 16))) & 0xF];
      ++nibble;
    }
  }
  return {buffer.data(), kUuidSize};
}

std::string EventId::str() const {
  std::array<char, 36> buffer;
  return std::string(view(buffer));
}

SharedText EventId::shared() const {
  if (is_text()) return text_;
  std::array<char, 36> buffer;
  return SharedText(view(buffer));
}

// Lowercase hex digits sort as their values, and the hyphens stand at the
// same places in every UUID: two UUIDs compare as their numbers.
std::strong_ordering operator<=>(const EventId& a, const EventId& b) {
  if (!a.is_text() && !b.is_text()) {
    if (a.hi_ != b.hi_) return a.hi_ <=> b.hi_;
    return a.lo_ <=> b.lo_;
  }
  std::array<char, 36> x, y;
  return a.view(x) <=> b.view(y);
}

bool operator==(const EventId& a, const EventId& b) {
  if (a.is_text() != b.is_text()) return false;  // one id is never held in both forms
  if (a.is_text()) return a.text_ == b.text_;
  return a.hi_ == b.hi_ && a.lo_ == b.lo_;
}

std::strong_ordering operator<=>(const EventId& a, std::string_view b) {
  std::array<char, 36> buffer;
  return a.view(buffer) <=> b;
}

bool operator==(const EventId& a, std::string_view b) {
  std::array<char, 36> buffer;
  return a.view(buffer) == b;
}

}  // namespace trailsweep
