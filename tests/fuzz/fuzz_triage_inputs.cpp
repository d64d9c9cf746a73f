// Fuzz target: the YAML that triage commands read from users, each compiled
// against the shipped rules and run once: allowlists (--allow), rule test files
// (X.tests.yml) and one-line Sigma searches (--sigma). The first byte picks
// which; the rest is the text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "trailsweep/allowlist.hpp"
#include "trailsweep/rule_loader.hpp"
#include "trailsweep/rule_test.hpp"
#include "trailsweep/search.hpp"

namespace {

const trailsweep::RuleSet& shipped() {
  static auto loaded = trailsweep::load_rules({std::string(TRAILSWEEP_SOURCE_DIR) + "/rules"});
  return *loaded.rules;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& rules = shipped();
  switch (data[0] % 3) {
    case 0: {
      auto loaded = trailsweep::load_allowlist_text(text, "allow.yml", rules);
      (void)loaded.allowlist->entries().size();
      break;
    }
    case 1: {
      trailsweep::RuleTestRun run;
      trailsweep::parse_rule_tests(text, std::string(TRAILSWEEP_SOURCE_DIR) + "/rules/aws/cryptomining/ec2_asg_create.tests.yml",
                                   rules, &run);
      for (const auto& c : run.cases) {
        if (c.files.empty()) (void)trailsweep::run_rule_test(c, rules);  // files: would read the disk
      }
      break;
    }
    default: {
      trailsweep::SearchQuery q;
      q.sigma = text;
      (void)trailsweep::compile_search(q);
      break;
    }
  }
  return 0;
}
