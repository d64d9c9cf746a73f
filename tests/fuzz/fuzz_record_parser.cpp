// Fuzz target: one record's bytes -> RecordParser -> Event, then every field
// path a rule could ask for through RecordFields.
#include <cstddef>
#include <cstdint>
#include <string>

#include "trailsweep/record_fields.hpp"
#include "trailsweep/record_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static trailsweep::RecordParser parser;
  static trailsweep::RecordFields fields;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(trailsweep::kRecordPadding, '\0');
  trailsweep::RecordView view;
  view.json = std::string_view(buf.data(), size);
  view.padded_capacity = buf.size();
  trailsweep::Event ev;
  auto outcome = parser.parse(view, &ev);
  if (!outcome.ok) return 0;
  fields.bind(ev);
  for (const char* path : {"eventName", "userIdentity.arn", "requestParameters", "requestParameters.a.b.c",
                           "responseElements.instancesSet.items.instanceId", "readOnly", "x"}) {
    fields.any(path, [](const trailsweep::FieldValue& v) { return v.text.size() > 1000000; });
  }
  (void)fields.raw();
  return 0;
}
