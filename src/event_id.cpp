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
  const std::uint64_t halves[2] = {hi_, lo_};
  for (std::size_t i = 0, nibble = 0; i < kUuidSize; ++i) {
    if (is_hyphen_position(i)) {
      buffer[i] = '-';
      continue;
    }
    buffer[i] = kHex[(halves[nibble / 16] >> (60 - 4 * (nibble % 16))) & 0xF];
    ++nibble;
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
