#pragma once
// What the differential fuzz targets (and record_parser_test) compare of a
// parsed record: the outcome, every Event field, and what rules read of the
// top-level members through RecordFields (which parses the record lazily when
// the fast path skimmed it). One list of Event's fields for all of them, so a
// field added to Event is compared everywhere once it is added here.
#include <string>
#include <string_view>

#include "trailsweep/record_fields.hpp"
#include "trailsweep/record_parser.hpp"

namespace {

// Padding as a stream's buffer holds it: the next record's text, not zeros.
// The walk may read a byte or two past a value (its checks for `:"` and `,"`
// after a key and a value); nothing it reads there may count for the record.
inline void append_text_like_padding(std::string& buf) {
  constexpr std::string_view kPattern = ",\":\"}]{\"";
  for (std::size_t i = 0; i < trailsweep::kRecordPadding; ++i) buf.push_back(kPattern[i % kPattern.size()]);
}

// Every field the parsers fill in an Event, '|'-separated.
inline std::string event_fields(const trailsweep::Event& e) {
  std::string s;
  const auto& id = e.identity;
  for (std::string_view f : {e.event_time, e.event_source, e.event_name, e.aws_region, e.source_ip, e.user_agent,
                             e.error_code, e.error_message, e.recipient_account_id, e.event_id, e.event_type,
                             e.event_version, e.principal, e.account, id.type, id.arn, id.account_id,
                             id.principal_id, id.access_key_id, id.user_name, id.invoked_by, id.session_issuer_arn,
                             id.session_issuer_user_name, id.session_issuer_type, id.mfa_authenticated,
                             id.session_creation_date}) {
    s.append(f).push_back('|');
  }
  s += std::to_string(e.time_ms) + (e.has_read_only ? (e.read_only ? "ro" : "rw") : "-");
  return s;
}

inline std::string fields_of(const trailsweep::ParseOutcome& o, const trailsweep::Event& e) {
  std::string s = o.ok ? "ok" : "error:" + o.error;
  s += std::to_string(static_cast<int>(o.kind));
  if (!o.ok || o.kind != trailsweep::RecordKind::kEvent) return s;
  s += event_fields(e);
  trailsweep::RecordFields fields;
  fields.bind(e);
  for (const char* path : {"requestParameters", "responseElements", "requestID", "managementEvent", "apiVersion",
                           "Requestparameters", "x"}) {
    fields.any(path, [&](const trailsweep::FieldValue& v) {
      s += std::to_string(static_cast<int>(v.kind)) + ":" + std::string(v.text) + "|";
      return false;
    });
  }
  return s;
}

}  // namespace
