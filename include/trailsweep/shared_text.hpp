#pragma once
// SharedText: an immutable string that copies share. Evidence records repeat
// a few long strings: every record of a file names the file (a 100-150 byte
// S3 key), and an actor's records mostly carry one user agent (often 100-200
// bytes). With long-lived sessions each kept actor holds 20 records, in every
// worker, and those two strings were half of each record's ~700 bytes.
// Copies share one block (an atomic count: records move between workers when
// their detectors merge); RecentTexts hands out the same block for a string
// it has seen lately.
#include <array>
#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace trailsweep {

class SharedText {
 public:
  SharedText() = default;
  SharedText(std::string_view text);  // implicit: a string is what it stands for
  SharedText(const std::string& text) : SharedText(std::string_view(text)) {}
  SharedText(const char* text) : SharedText(std::string_view(text)) {}

  // Never a null pointer, as std::string's data() never is: readers pass it
  // to memcpy, which must not get one even for no bytes.
  std::string_view view() const { return text_ ? std::string_view(*text_) : std::string_view("", 0); }
  operator std::string_view() const { return view(); }  // implicit: read as the string it is
  const char* data() const { return view().data(); }
  std::size_t size() const { return view().size(); }
  bool empty() const { return size() == 0; }
  /// Whether the two share one block (then they are equal without a compare).
  bool same_block(const SharedText& o) const { return text_ == o.text_; }

  friend bool operator==(const SharedText& a, const SharedText& b) {
    return a.same_block(b) || a.view() == b.view();
  }
  // One overload per kind of string, so that none needs a conversion that
  // another could also take.
  friend bool operator==(const SharedText& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const SharedText& a, const std::string& b) { return a.view() == b; }
  friend bool operator==(const SharedText& a, const char* b) { return a.view() == b; }
  friend std::strong_ordering operator<=>(const SharedText& a, const SharedText& b) {
    if (a.same_block(b)) return std::strong_ordering::equal;
    return a.view() <=> b.view();
  }
  friend std::strong_ordering operator<=>(const SharedText& a, std::string_view b) { return a.view() <=> b; }
  friend std::strong_ordering operator<=>(const SharedText& a, const std::string& b) {
    return a.view() <=> std::string_view(b);
  }
  friend std::strong_ordering operator<=>(const SharedText& a, const char* b) {
    return a.view() <=> std::string_view(b);
  }

 private:
  std::shared_ptr<const std::string> text_;  // null: ""
};

/// Hands out SharedTexts for strings met again and again (file names, user
/// agents): the same block for a string still in its small table, a new one
/// otherwise. One per thread; bounded (kSlots texts held).
class RecentTexts {
 public:
  SharedText get(std::string_view text);

 private:
  static constexpr std::size_t kSlots = 64;
  std::array<SharedText, kSlots> slots_;
};

}  // namespace trailsweep

template <>
struct fmt::formatter<trailsweep::SharedText> : fmt::formatter<std::string_view> {
  auto format(const trailsweep::SharedText& t, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(t.view(), ctx);
  }
};
