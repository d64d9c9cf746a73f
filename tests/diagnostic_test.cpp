// Diagnostic: the one line a responder reads to find a problem in the input,
// so each place the problem is known (record, byte, compressed byte) must
// appear, and nothing that is not known.
#include "trailsweep/diagnostic.hpp"

#include <gtest/gtest.h>

namespace trailsweep {
namespace {

TEST(Diagnostic, NamesTheFileAndEveryPlaceThatIsKnown) {
  const std::string file = "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02/a.json.gz";
  Diagnostic d = file_problem(file, "invalid JSON: TAPE_ERROR");
  EXPECT_EQ(d.to_string(), file + ": invalid JSON: TAPE_ERROR");
  d.pos.record = 3;
  EXPECT_EQ(d.to_string(), file + ": record 3: invalid JSON: TAPE_ERROR");
  d.pos.offset = 120;
  EXPECT_EQ(d.to_string(), file + ": record 3 (byte 120): invalid JSON: TAPE_ERROR");
  // Where inflating failed, the offset is into the gzip bytes, and says so.
  d.pos.compressed = true;
  EXPECT_EQ(d.to_string(), file + ": record 3 (compressed byte 120): invalid JSON: TAPE_ERROR");
  d.pos.record = -1;
  EXPECT_EQ(d.to_string(), file + ": compressed byte 120: invalid JSON: TAPE_ERROR");
  // Record 0 and byte 0 are places, not "unknown".
  Diagnostic first = file_problem("x.json", "missing \"eventTime\"");
  first.pos.record = 0;
  first.pos.offset = 0;
  EXPECT_EQ(first.to_string(), "x.json: record 0 (byte 0): missing \"eventTime\"");
}

}  // namespace
}  // namespace trailsweep
