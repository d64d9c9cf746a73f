#include "trailsweep/shared_text.hpp"

#include <cstring>
#include <new>
#include <stdexcept>

#include "trailsweep/principal_set.hpp"
#include "trailsweep/word_load.hpp"

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

namespace {

// A text's slot: its words folded by xor, then mixed. A direct-mapped table
// only needs the texts met together to land apart (a collision costs a
// block, never a wrong text), so the fold need not tell words' order; it
// reads every byte, as texts met together often differ in one (a browser's
// version inside a user agent, the random part of an S3 key), but without
// PrincipalSet::hash's multiply per word: that hash of a 150-byte user agent
// or S3 key for every evidence record was most of a lookup's ~230
// instructions (callgrind).
std::size_t recent_slot(std::string_view text, std::size_t slots) {
  const char* p = text.data();
  const std::size_t n = text.size();
  std::uint64_t folded = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) folded ^= load_word(p + i);
  std::uint64_t h = (folded ^ n) * 0xbf58476d1ce4e5b9ull;
  if (i < n) h ^= load_prefix_word(p + i, n - i) * 0x94d049bb133111ebull;
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return static_cast<std::size_t>(h % slots);
}

}  // namespace

SharedText RecentTexts::get(std::string_view text) {
  if (text.empty()) return {};
  // Direct-mapped: a file's records come together, and a worker meets a
  // handful of user agents at a time.
  SharedText& slot = slots_[recent_slot(text, kSlots)];
  if (slot.view() != text) slot = SharedText(text);
  return slot;
}

std::uint64_t TextTable::Traits::hash(std::string_view text) { return PrincipalSet::hash(text); }

}  // namespace trailsweep
