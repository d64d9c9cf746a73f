// Fuzz target: YAML text -> Sigma rule loader (read, validate, compile, link).
#include <cstddef>
#include <cstdint>
#include <string>

#include "trailsweep/rule_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // rules are small; keep iterations fast
  std::string text(reinterpret_cast<const char*>(data), size);
  auto result = trailsweep::load_rules_from_string(text, "fuzz.yml");
  for (const auto& e : result.errors) (void)e.to_string();
  return 0;
}
