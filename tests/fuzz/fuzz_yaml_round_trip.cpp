// Fuzz target: every YAML document parse_yaml reads is written by YamlWriter
// and read back the same (kinds, text, numbers), or the writer says
// why not: more nodes than it replays, or nesting past the limit (aliases
// of aliases). search --explain
// shows, and loads, rules composed this way from a user's --sigma nodes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "yaml_round_trip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const trailsweep::YamlParse parsed = trailsweep::parse_yaml({reinterpret_cast<const char*>(data), size});
  for (const trailsweep::YamlNode& doc : parsed.documents) {
    const trailsweep::testing::RoundTrip r = trailsweep::testing::round_trip(doc);
    if (!r.written) {
      // The writer's two refusals by design (28a4ffa added the second):
      // aliases of aliases past its node count or past the nesting limit.
      const std::string_view why = r.problem;
      if (why.starts_with("more than ") || why.starts_with("nested deeper than ")) continue;
      std::fprintf(stderr, "the writer refused a parsed document: %s\n", r.problem.c_str());
      std::abort();
    }
    if (r.same.has_value() && !*r.same) {
      std::fprintf(stderr, "written as:\n%s\nread back differently%s%s\n", r.text.c_str(),
                   r.problem.empty() ? "" : ": ", r.problem.c_str());
      std::abort();
    }
  }
  return 0;
}
