// Fuzz target, differential: one record's bytes -> RecordParser::parse (the
// full parser) and RecordParser::skim (how records of streams are read) must
// give the same Event or error, except that skim() does not validate the
// nested values it jumps over: where the full parser finds a syntax error,
// skim() may read the record (or reject it for what it did read, e.g. a
// missing eventTime), as parse_native_document does. Then every field path a
// rule could ask for through RecordFields.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "parsed_fields.hpp"
#include "trailsweep/record_fields.hpp"
#include "trailsweep/record_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static trailsweep::RecordParser parser, skimmer;
  static trailsweep::RecordFields fields;
  std::string buf(reinterpret_cast<const char*>(data), size);
  append_text_like_padding(buf);
  trailsweep::RecordView view;
  view.json = std::string_view(buf.data(), size);
  view.padded_capacity = buf.size();
  trailsweep::Event ev, skimmed;
  auto outcome = parser.parse(view, &ev);
  const auto skim_outcome = skimmer.skim(view, &skimmed);
  // (A wrapped record's error names the wrapper first: in its "detail": invalid JSON ...)
  const bool syntax_error = !outcome.ok && (outcome.error.rfind("invalid JSON", 0) == 0 ||
                                            (outcome.error.rfind("in its ", 0) == 0 &&
                                             outcome.error.find(": invalid JSON") != std::string::npos));
  if (!syntax_error) {
    const std::string want = fields_of(outcome, ev), got = fields_of(skim_outcome, skimmed);
    if (got != want || skim_outcome.error_offset != outcome.error_offset) {
      std::fprintf(stderr, "skim: %s (at %lld)\nparse: %s (at %lld)\n", got.c_str(),
                   static_cast<long long>(skim_outcome.error_offset), want.c_str(),
                   static_cast<long long>(outcome.error_offset));
      std::abort();
    }
  }
  // A wrapped event that holds no record has no fields (the scan never binds one).
  if (!outcome.ok || outcome.kind == trailsweep::RecordKind::kNotCloudTrail) return 0;
  fields.bind(ev);
  for (const char* path : {"eventName", "userIdentity.arn", "requestParameters", "requestParameters.a.b.c",
                           "responseElements.instancesSet.items.instanceId", "readOnly", "x"}) {
    fields.any(path, [](const trailsweep::FieldValue& v) { return v.text.size() > 1000000; });
  }
  (void)fields.raw();
  return 0;
}
