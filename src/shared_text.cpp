#include "trailsweep/shared_text.hpp"

#include "trailsweep/principal_set.hpp"

namespace trailsweep {

SharedText::SharedText(std::string_view text) {
  if (!text.empty()) text_ = std::make_shared<const std::string>(text);
}

SharedText RecentTexts::get(std::string_view text) {
  if (text.empty()) return {};
  // Direct-mapped by hash: a file's records come together, and a worker
  // meets a handful of user agents at a time.
  SharedText& slot = slots_[PrincipalSet::hash(text) % kSlots];
  if (slot.view() != text) slot = SharedText(text);
  return slot;
}

}  // namespace trailsweep
