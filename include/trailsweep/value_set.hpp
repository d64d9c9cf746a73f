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
// an IPv4 address costs its bytes and one (a million RunInstances calls from
// as many addresses, all rules, -j 2: peak RSS 300-312 -> 260 MB; long
// sessions 195-200 -> 177-198 MB). Nearly every actor has one value
// per field, which is a compare of the first entry; a full set turns away a
// value beyond its largest without walking it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trailsweep {

class ValueSet {
 public:
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
  /// Values of over 4 GiB (none in a CloudTrail record) are not kept.
  void add(std::string_view value, std::size_t cap);
  /// Adds the other's values, as add() of each would; `other` is left
  /// empty, its memory freed. `scratch`: working space, kept by the caller.
  void merge(ValueSet& other, std::size_t cap, std::string& scratch);
  /// The values, smallest first; the set is left empty.
  std::vector<std::string> take();

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
