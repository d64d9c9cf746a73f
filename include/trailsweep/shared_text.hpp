#pragma once
// SharedText: an immutable string that copies share. Evidence records repeat
// a few long strings: every record of a file names the file (a 100-150 byte
// S3 key), and an actor's records mostly carry one user agent (often 100-200
// bytes), one event name, one region, one source IP. With long-lived sessions
// each kept actor holds 20 records (then in every worker; now on the
// evidence board): as std::strings those were ~700 bytes a record, and most
// of a scan's memory.
// A SharedText is one pointer to one block (a count, the size, the bytes),
// so a field costs 8 bytes in the record, and nothing more when shared. The
// count is atomic: records move between workers when their detectors merge.
// RecentTexts hands out the same block for a string it has seen lately.
#include <array>
#include <atomic>
#include <compare>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "trailsweep/intern_table.hpp"

namespace trailsweep {

class SharedText {
 public:
  SharedText() = default;
  SharedText(std::string_view text);  // implicit: a string is what it stands for
  SharedText(const std::string& text) : SharedText(std::string_view(text)) {}
  SharedText(const char* text) : SharedText(std::string_view(text)) {}
  /// `a` then `b` in one block (a key of two parts).
  static SharedText joined(std::string_view a, std::string_view b);
  SharedText(const SharedText& other) noexcept : block_(other.block_) { retain(); }
  SharedText(SharedText&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  SharedText& operator=(const SharedText& other) noexcept {
    SharedText copy(other);
    swap(copy);
    return *this;
  }
  SharedText& operator=(SharedText&& other) noexcept {
    SharedText taken(std::move(other));
    swap(taken);
    return *this;
  }
  ~SharedText() { release(); }
  void swap(SharedText& other) noexcept { std::swap(block_, other.block_); }

  // Never a null pointer, as std::string's data() never is: readers pass it
  // to memcpy, which must not get one even for no bytes.
  std::string_view view() const {
    return block_ ? std::string_view(block_->text(), block_->size) : std::string_view("", 0);
  }
  operator std::string_view() const { return view(); }  // implicit: read as the string it is
  const char* data() const { return view().data(); }
  std::size_t size() const { return block_ ? block_->size : 0; }
  bool empty() const { return block_ == nullptr; }  // "" is never given a block
  /// Whether the two share one block (then they are equal without a compare).
  bool same_block(const SharedText& o) const { return block_ == o.block_; }
  /// Whether this is the only copy of a block: for a table that hands out
  /// copies and holds one, that nothing else holds it any more. Only the
  /// table's thread may ask (another thread's copy could be made meanwhile).
  bool sole_copy() const { return block_ != nullptr && block_->refs.load(std::memory_order_acquire) == 1; }

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
  // The bytes follow the header in the same allocation.
  struct Block {
    std::atomic<std::uint32_t> refs;  // 4 billion copies would take 32 GB of pointers first
    std::uint32_t size;
    const char* text() const { return reinterpret_cast<const char*>(this + 1); }
  };
  void retain() const {
    if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept;
  Block* block_ = nullptr;  // null: ""
};
static_assert(sizeof(SharedText) == sizeof(void*), "a SharedText field must cost one pointer");

/// N texts in one SharedText block: the block holds where each text ends
/// (N 32-bit offsets), then the texts. Texts that come together (a kept
/// hit's actor and call: nine of them) then cost one pointer where they
/// are held, and a TextTable hands out one block for each distinct row.
template <std::size_t N>
class TextRow {
 public:
  TextRow() = default;
  /// What a row of `texts` holds, into `out` (reused): intern it with a
  /// TextTable, or wrap a SharedText of it.
  static void encode(const std::array<std::string_view, N>& texts, std::string& out) {
    out.clear();
    std::size_t total = 0;
    for (std::string_view t : texts) total += t.size();
    if (total == 0) return;  // the empty row: no block
    if (total > UINT32_MAX) throw std::length_error("TextRow: texts over 4 GiB");
    out.resize(kHeader);
    std::uint32_t end = 0;
    for (std::size_t k = 0; k < N; ++k) {
      end += static_cast<std::uint32_t>(texts[k].size());
      std::memcpy(out.data() + 4 * k, &end, 4);
    }
    for (std::string_view t : texts) out.append(t);
  }
  /// `encoded`: what encode() wrote, as a SharedText.
  explicit TextRow(SharedText encoded) : block_(std::move(encoded)) {}
  /// A row of `texts` in a block of its own (records built one at a time;
  /// the detector shares rows through its tables instead).
  static TextRow of(const std::array<std::string_view, N>& texts) {
    std::string encoded;
    encode(texts, encoded);
    return encoded.empty() ? TextRow() : TextRow(SharedText(encoded));
  }
  /// A row of `texts` as `table` (a TextTable or RecentTexts) hands it out,
  /// encoded in `scratch` (reused): one block per row the table holds.
  template <typename Table>
  static TextRow interned(const std::array<std::string_view, N>& texts, Table& table, std::string& scratch) {
    encode(texts, scratch);
    return scratch.empty() ? TextRow() : TextRow(table.get(scratch));
  }
  std::string_view operator[](std::size_t k) const {
    if (block_.empty()) return std::string_view("", 0);  // never a null pointer (see view())
    const char* p = block_.data();
    std::uint32_t begin = 0, end = 0;
    if (k > 0) std::memcpy(&begin, p + 4 * (k - 1), 4);
    std::memcpy(&end, p + 4 * k, 4);
    return {p + kHeader + begin, end - begin};
  }
  bool same_block(const TextRow& o) const { return block_.same_block(o.block_); }

 private:
  static constexpr std::size_t kHeader = 4 * N;
  SharedText block_;
};

/// Hands out SharedTexts for strings met again and again (file names, user
/// agents, event names, regions, source IPs): the same block for a string
/// still in its small table, a new one otherwise. One per thread; bounded
/// (kSlots texts held).
class RecentTexts {
 public:
  SharedText get(std::string_view text);
  /// The same for a row of texts (see TextRow), encoded in a buffer kept
  /// here: no allocation for a row met lately.
  template <std::size_t N>
  TextRow<N> row(const std::array<std::string_view, N>& texts) {
    return TextRow<N>::interned(texts, *this, row_scratch_);
  }

 private:
  // An evidence record looks up five or six texts: in 64 slots, two of one
  // record's collided about a quarter of the time, and took turns.
  static constexpr std::size_t kSlots = 256;
  std::array<SharedText, kSlots> slots_;
  std::string row_scratch_;
};

/// Hands out one block per distinct string, for as long as anything else
/// holds it: the texts of the hits kept for correlation, where a million
/// hits name a few thousand principals, access keys and source IPs (30,000
/// role sessions calling in turn miss RecentTexts' 256 slots at nearly every
/// hit, and each miss was a block of its own). Texts nothing else holds any
/// more are dropped when the table would grow, so it stays the size of what
/// the hits hold. One per thread.
class TextTable {
 public:
  SharedText get(std::string_view text) { return text.empty() ? SharedText() : table_.get(text); }
  std::size_t size() const { return table_.size(); }
  /// Drops every text, held elsewhere or not.
  void clear() { table_.clear(); }

 private:
  struct Traits {
    static std::uint64_t hash(std::string_view text);
    static std::uint64_t hash_of(const SharedText& text) { return hash(text.view()); }
    static bool holds(const SharedText& text, std::string_view key) { return text.view() == key; }
    static SharedText make(std::string_view key) { return SharedText(key); }
  };
  InternTable<SharedText, std::string_view, Traits> table_;
};

}  // namespace trailsweep

template <>
struct fmt::formatter<trailsweep::SharedText> : fmt::formatter<std::string_view> {
  auto format(const trailsweep::SharedText& t, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(t.view(), ctx);
  }
};
