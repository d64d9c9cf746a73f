#pragma once
// EventId: a record's eventID as a hit keeps it. Up to --max-correlation-hits
// (a million) hits are kept, and every eventID is different: as a SharedText
// each was a pointer and a 48-byte block of its own. CloudTrail's eventIDs
// are UUIDs in lowercase hex, kept here as their 16 bytes; anything else
// (an empty or hand-written id) as a SharedText. Ordered and compared as the
// text it stands for.
#include <array>
#include <compare>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "trailsweep/shared_text.hpp"

namespace trailsweep {

class EventId {
 public:
  EventId() : lo_(kTextMark) { new (&text_) SharedText(); }
  EventId(std::string_view text);  // implicit: an id is the text it stands for
  EventId(const std::string& text) : EventId(std::string_view(text)) {}
  EventId(const char* text) : EventId(std::string_view(text)) {}
  EventId(const EventId& other);
  EventId(EventId&& other) noexcept : EventId() { swap(other); }
  EventId& operator=(EventId other) noexcept {
    swap(other);
    return *this;
  }
  ~EventId();
  void swap(EventId& other) noexcept;

  bool empty() const { return is_text() && text_.empty(); }
  std::size_t size() const { return is_text() ? text_.size() : kUuidSize; }
  /// The text; a UUID's is written into `buffer`.
  std::string_view view(std::array<char, 36>& buffer) const;
  std::string str() const;
  /// As a SharedText (a new block for a UUID): for the few kept as evidence.
  SharedText shared() const;

  friend std::strong_ordering operator<=>(const EventId& a, const EventId& b);
  friend bool operator==(const EventId& a, const EventId& b);
  friend bool operator==(const EventId& a, std::string_view b);
  friend std::strong_ordering operator<=>(const EventId& a, std::string_view b);
  friend bool operator==(const EventId& a, const std::string& b) { return a == std::string_view(b); }
  friend bool operator==(const EventId& a, const char* b) { return a == std::string_view(b); }

 private:
  static constexpr std::size_t kUuidSize = 36;
  // lo_ of an id kept as text. A UUID whose low half is this is kept as text
  // too, so the mark never misreads one: the two forms never hold one id.
  static constexpr std::uint64_t kTextMark = 0x7e57'7e57'7e57'7e57ULL;
  bool is_text() const { return lo_ == kTextMark; }

  union {
    std::uint64_t hi_;  // a UUID's first 8 bytes
    SharedText text_;
  };
  std::uint64_t lo_;
};
static_assert(sizeof(EventId) == 16, "an eventID kept in a hit costs 16 bytes");

}  // namespace trailsweep

template <>
struct fmt::formatter<trailsweep::EventId> : fmt::formatter<std::string_view> {
  auto format(const trailsweep::EventId& id, format_context& ctx) const {
    std::array<char, 36> buffer;
    return fmt::formatter<std::string_view>::format(id.view(buffer), ctx);
  }
};
