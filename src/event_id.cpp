#include "trailsweep/event_id.hpp"

#include <new>
#include <utility>

namespace trailsweep {

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr bool is_hyphen_position(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case too: it would not print back as it was read
}

}  // namespace

EventId::EventId(std::string_view text) : lo_(0) {
  bool uuid = text.size() == kUuidSize;
  std::uint64_t halves[2] = {0, 0};
  for (std::size_t i = 0, nibble = 0; uuid && i < text.size(); ++i) {
    if (is_hyphen_position(i)) {
      uuid = text[i] == '-';
      continue;
    }
    const int v = hex_value(text[i]);
    if (v < 0) {
      uuid = false;
      break;
    }
    halves[nibble / 16] = (halves[nibble / 16] << 4) | static_cast<std::uint64_t>(v);
    ++nibble;
  }
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
