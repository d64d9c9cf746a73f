#include "trailsweep/value_set.hpp"

#include <algorithm>
#include <cstring>

namespace trailsweep {

std::string_view ValueSet::value_at(const std::string& packed, std::size_t at, std::size_t& next) {
  const auto head = static_cast<unsigned char>(packed[at]);
  std::size_t length = head, value_at = at + 1;
  if (head == kLongLength) {
    std::uint32_t long_length = 0;
    std::memcpy(&long_length, packed.data() + at + 1, sizeof long_length);
    length = long_length;
    value_at += sizeof long_length;
  }
  next = value_at + length;
  return {packed.data() + value_at, length};
}

void ValueSet::append_value(std::string& packed, std::string_view value) {
  if (value.size() < kLongLength) {
    packed.push_back(static_cast<char>(value.size()));
  } else {
    packed.push_back(static_cast<char>(kLongLength));
    const auto length = static_cast<std::uint32_t>(value.size());
    packed.append(reinterpret_cast<const char*>(&length), sizeof length);
  }
  packed.append(value);
}

std::string_view ValueSet::front() const {
  if (empty()) return {};
  std::size_t next = 0;
  return value_at(packed_, 0, next);
}

void ValueSet::add(std::string_view value, std::size_t cap) {
  if (value.empty() || cap == 0) return;
  cap = std::min<std::size_t>(cap, UINT32_MAX);
  std::size_t next = 0;
  if (count_ >= cap && !(value < value_at(packed_, last_at_, next))) return;
  std::size_t at = 0;
  for (; at < packed_.size(); at = next) {
    const int order = value_at(packed_, at, next).compare(value);
    if (order == 0) return;
    if (order > 0) break;
  }
  const std::size_t head = value.size() < kLongLength ? 1 : 1 + sizeof(std::uint32_t);
  if (packed_.size() + head + value.size() > UINT32_MAX) return;
  if (at == packed_.size()) {
    last_at_ = static_cast<std::uint32_t>(at);
    append_value(packed_, value);
  } else {
    // Written at the end, then rotated into place: one move of the tail.
    const std::size_t old_size = packed_.size();
    append_value(packed_, value);
    const auto begin = packed_.begin();
    std::rotate(begin + static_cast<std::ptrdiff_t>(at), begin + static_cast<std::ptrdiff_t>(old_size), packed_.end());
    last_at_ += static_cast<std::uint32_t>(head + value.size());
  }
  if (++count_ <= cap) return;
  // One too many: the largest goes, and the one before it is the largest now.
  packed_.resize(last_at_);
  --count_;
  std::size_t last = 0;
  for (std::size_t i = 0; i < packed_.size(); i = next) {
    last = i;
    value_at(packed_, i, next);
  }
  last_at_ = static_cast<std::uint32_t>(last);
}

void ValueSet::merge(ValueSet& other, std::size_t cap, std::string& scratch) {
  if (other.empty() || cap == 0) return;
  if (empty()) {  // both hold at most `cap`: nothing to compare
    std::swap(packed_, other.packed_);
    count_ = other.count_;
    last_at_ = other.last_at_;
  } else {
    cap = std::min<std::size_t>(cap, UINT32_MAX);
    scratch.clear();
    std::uint32_t count = 0, last_at = 0;
    std::size_t a = 0, b = 0, a_next = 0, b_next = 0;
    std::string_view mine = value_at(packed_, a, a_next), theirs = value_at(other.packed_, b, b_next);
    const auto keep = [&](std::string_view value) {
      last_at = static_cast<std::uint32_t>(scratch.size());
      append_value(scratch, value);
      ++count;
    };
    while (count < cap && (a < packed_.size() || b < other.packed_.size())) {
      const int order = a == packed_.size() ? 1 : b == other.packed_.size() ? -1 : mine.compare(theirs);
      keep(order <= 0 ? mine : theirs);
      if (order <= 0 && (a = a_next) < packed_.size()) mine = value_at(packed_, a, a_next);
      if (order >= 0 && (b = b_next) < other.packed_.size()) theirs = value_at(other.packed_, b, b_next);
    }
    packed_.assign(scratch);
    count_ = count;
    last_at_ = last_at;
  }
  std::string().swap(other.packed_);  // assigning an empty string would keep the buffer
  other.count_ = 0;
  other.last_at_ = 0;
}

ValueSet::ValueSet(std::initializer_list<std::string_view> values) {
  for (std::string_view value : values) add(value, SIZE_MAX);
}

ValueSet::ValueSet(ValueSet&& other) noexcept
    : packed_(std::move(other.packed_)), count_(other.count_), last_at_(other.last_at_) {
  other.clear();
}

ValueSet& ValueSet::operator=(ValueSet&& other) noexcept {
  if (this != &other) {
    std::string().swap(packed_);  // a move-assign from a short string would keep this buffer
    packed_.swap(other.packed_);
    count_ = other.count_;
    last_at_ = other.last_at_;
    other.clear();
  }
  return *this;
}

std::vector<std::string> ValueSet::strings() const {
  std::vector<std::string> out;
  out.reserve(count_);
  for (std::string_view value : *this) out.emplace_back(value);
  return out;
}

}  // namespace trailsweep
