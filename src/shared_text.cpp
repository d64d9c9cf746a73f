#include "trailsweep/shared_text.hpp"

#include <cstring>
#include <new>
#include <stdexcept>

#include "trailsweep/principal_set.hpp"

namespace trailsweep {

SharedText::SharedText(std::string_view text) : SharedText(joined(text, {})) {}

SharedText SharedText::joined(std::string_view a, std::string_view b) {
  SharedText out;
  if (a.empty() && b.empty()) return out;
  if (a.size() + b.size() > UINT32_MAX) throw std::length_error("SharedText: text over 4 GiB");
  void* memory = ::operator new(sizeof(Block) + a.size() + b.size());
  out.block_ = new (memory) Block{{1}, static_cast<std::uint32_t>(a.size() + b.size())};
  char* text = static_cast<char*>(memory) + sizeof(Block);
  if (!a.empty()) std::memcpy(text, a.data(), a.size());
  if (!b.empty()) std::memcpy(text + a.size(), b.data(), b.size());
  return out;
}

void SharedText::release() noexcept {
  // acq_rel: the last owner must see every other owner's reads done before
  // it frees the block (as shared_ptr does).
  if (block_ && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    block_->~Block();
    ::operator delete(block_);
  }
  block_ = nullptr;
}

SharedText RecentTexts::get(std::string_view text) {
  if (text.empty()) return {};
  // Direct-mapped by hash: a file's records come together, and a worker
  // meets a handful of user agents at a time.
  SharedText& slot = slots_[PrincipalSet::hash(text) % kSlots];
  if (slot.view() != text) slot = SharedText(text);
  return slot;
}

SharedText TextTable::get(std::string_view text) {
  if (text.empty()) return {};
  if ((used_ + 1) * 2 > slots_.size()) sweep_and_resize();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = PrincipalSet::hash(text) & mask;; i = (i + 1) & mask) {
    SharedText& slot = slots_[i];
    if (slot.empty()) {
      slot = SharedText(text);
      ++used_;
      return slot;
    }
    if (slot.view() == text) return slot;
  }
}

void TextTable::clear() {
  std::vector<SharedText>().swap(slots_);
  used_ = 0;
}

// Rebuilt, not deleted from in place: linear probing cannot leave holes. A
// sweep costs the table's size and comes when the table is half full; it
// keeps the size if at most a quarter is still held, so the next sweep is at
// least a quarter of the slots' inserts away: amortised, a few slots an insert.
void TextTable::sweep_and_resize() {
  std::vector<SharedText> old;
  old.swap(slots_);
  std::size_t live = 0;
  for (SharedText& t : old) {
    if (t.sole_copy()) t = SharedText();
    if (!t.empty()) ++live;
  }
  std::size_t capacity = old.empty() ? 256 : old.size();
  while (live * 4 > capacity) capacity *= 2;
  slots_.resize(capacity);
  used_ = 0;
  for (SharedText& t : old) {
    if (!t.empty()) place(std::move(t));
  }
}

void TextTable::place(SharedText text) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = PrincipalSet::hash(text.view()) & mask;
  while (!slots_[i].empty()) i = (i + 1) & mask;
  slots_[i] = std::move(text);
  ++used_;
}

}  // namespace trailsweep
