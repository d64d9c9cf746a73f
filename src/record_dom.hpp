#pragma once
// Private: the parsed form of one record, shared by RecordParser (which fills
// it) and RecordFields (which walks it for rules), so a record is parsed once.
// Only these two source files see simdjson types.
#include <simdjson.h>

namespace trailsweep {

struct RecordDom {
  simdjson::dom::element root;
};

}  // namespace trailsweep
