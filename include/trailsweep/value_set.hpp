#pragma once
// ValueSet: the values of one field (region, source IP, user agent, access
// key, session issuer) that a single-event finding lists, kept per actor
// while the scan runs: the smallest `cap` distinct ones, so that which are
// kept does not depend on which worker saw which event first.
//
// Packed in one string, each value its length and its bytes, in ascending
// order. As a std::string per value (32 bytes each, in a vector grown by
// doubling) the 20,000 actors SigmaHQ's AssumeRole rule keeps held ~30 MB
// of source IPs when a role's calls came from many addresses (a NAT pool,
// or a million calls each from its own: tests/bench's stress files); packed,
// an IPv4 address costs its bytes and one. Nearly every actor has one value
// per field, which is a compare of the first entry; a full set turns away a
// value beyond its largest without walking it. A finding takes its actor's
// sets whole: listed as std::strings they were built again beside the
// actors at the end of the scan (20,000 findings of 40 addresses: 26 MB).
// All rules, -j 2: a million RunInstances calls from as many addresses
// 300-312 -> 259-262 MB peak RSS; long sessions 195-200 -> 169-174 MB.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace trailsweep {

class ValueSet {
 public:
  /// Reads the values, smallest first.
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;
    const_iterator() = default;
    std::string_view operator*() const {
      std::size_t next = 0;
      return value_at(*packed_, at_, next);
    }
    const_iterator& operator++() {
      value_at(*packed_, at_, at_);
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator was = *this;
      ++*this;
      return was;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.at_ == b.at_; }

   private:
    friend class ValueSet;
    const_iterator(const std::string* packed, std::size_t at) : packed_(packed), at_(at) {}
    const std::string* packed_ = nullptr;
    std::size_t at_ = 0;
  };

  ValueSet() = default;
  /// The values given, as add() of each without a cap would keep them.
  ValueSet(std::initializer_list<std::string_view> values);
  ValueSet(const ValueSet&) = default;
  ValueSet& operator=(const ValueSet&) = default;
  /// The other is left empty.
  ValueSet(ValueSet&& other) noexcept;
  ValueSet& operator=(ValueSet&& other) noexcept;

  const_iterator begin() const { return {&packed_, 0}; }
  const_iterator end() const { return {&packed_, packed_.size()}; }
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  /// Forgets the values, keeping the room: the actor holding it is reused.
  void clear() {
    packed_.clear();
    count_ = 0;
    last_at_ = 0;
  }
  /// The smallest value; "" when empty.
  std::string_view front() const;
  /// Adds `value` unless it is there, is "", or `cap` smaller ones are.
  /// A value that would take the set past 4 GiB (no CloudTrail record
  /// comes near) is not kept.
  void add(std::string_view value, std::size_t cap);
  /// Adds the other's values, as add() of each would; `other` is left
  /// empty, its memory freed. `scratch`: working space, kept by the caller.
  void merge(ValueSet& other, std::size_t cap, std::string& scratch);
  /// The values, smallest first, as strings.
  std::vector<std::string> strings() const;
  friend bool operator==(const ValueSet& a, const ValueSet& b) { return a.packed_ == b.packed_; }

 private:
  // Each value: its length (one byte, or kLongLength and four bytes), then its bytes.
  static constexpr unsigned char kLongLength = 0xFF;
  /// The value at byte `at` of `packed`; `next` is where the one after it starts.
  static std::string_view value_at(const std::string& packed, std::size_t at, std::size_t& next);
  static void append_value(std::string& packed, std::string_view value);
  std::string packed_;
  std::uint32_t count_ = 0;
  std::uint32_t last_at_ = 0;  // where the largest value starts
};

}  // namespace trailsweep
