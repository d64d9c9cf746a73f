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

std::uint64_t TextTable::Traits::hash(std::string_view text) { return PrincipalSet::hash(text); }

}  // namespace trailsweep
