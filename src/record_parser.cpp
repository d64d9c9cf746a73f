#include "trailsweep/record_parser.hpp"

#include <fmt/format.h>

#include "record_dom.hpp"
#include "trailsweep/time_util.hpp"

// simdjson's DOM parser, not on-demand: on-demand picks its SIMD kernel when
// *our* code is compiled, so a portable build gets the scalar fallback
// (measured about 3x slower here), while the DOM parser dispatches at run time
// inside libsimdjson. The DOM tape is also what rules walk afterwards, so each
// record is parsed exactly once.

namespace trailsweep {

static_assert(simdjson::SIMDJSON_PADDING <= kRecordPadding, "RecordReader must pad for simdjson");

namespace dom = simdjson::dom;

namespace {

enum class Str { kOk, kAbsent, kWrongType };

Str read_string(dom::element v, std::string& out) {
  if (v.is_string()) {
    std::string_view sv(v);
    out.assign(sv.data(), sv.size());
    return Str::kOk;
  }
  out.clear();
  return v.is_null() ? Str::kAbsent : Str::kWrongType;
}

void read_identity(dom::element v, UserIdentity& id) {
  if (!v.is_object()) return;
  for (auto [key, value] : dom::object(v)) {
    if (key == "type") {
      read_string(value, id.type);
    } else if (key == "arn") {
      read_string(value, id.arn);
    } else if (key == "accountId") {
      read_string(value, id.account_id);
    } else if (key == "principalId") {
      read_string(value, id.principal_id);
    } else if (key == "accessKeyId") {
      read_string(value, id.access_key_id);
    } else if (key == "userName") {
      read_string(value, id.user_name);
    } else if (key == "invokedBy") {
      read_string(value, id.invoked_by);
    } else if (key == "sessionContext" && value.is_object()) {
      for (auto [k2, v2] : dom::object(value)) {
        if (k2 == "sessionIssuer" && v2.is_object()) {
          for (auto [k3, v3] : dom::object(v2)) {
            if (k3 == "arn") {
              read_string(v3, id.session_issuer_arn);
            } else if (k3 == "userName") {
              read_string(v3, id.session_issuer_user_name);
            } else if (k3 == "type") {
              read_string(v3, id.session_issuer_type);
            }
          }
        } else if (k2 == "attributes" && v2.is_object()) {
          for (auto [k3, v3] : dom::object(v2)) {
            if (k3 == "mfaAuthenticated") {
              // Real records use the string "false"; tolerate a boolean.
              if (v3.is_bool()) {
                id.mfa_authenticated = bool(v3) ? "true" : "false";
              } else {
                read_string(v3, id.mfa_authenticated);
              }
            } else if (k3 == "creationDate") {
              read_string(v3, id.session_creation_date);
            }
          }
        }
      }
    }
  }
}

}  // namespace

struct RecordParser::Impl {
  dom::parser parser;
  RecordDom dom;
};

RecordParser::RecordParser() : impl_(std::make_unique<Impl>()) {}
RecordParser::~RecordParser() = default;

namespace {

// Fills `ev` from one record object; `out` carries the verdict.
void fill_event(dom::element root, Event* ev, ParseOutcome& out) {
  if (!root.is_object()) {
    out.error = "record is not a JSON object";
    return;
  }
  bool have_time = false, time_wrong_type = false, digest_keys = false;
  const char* bad_field = nullptr;
  for (auto [key, value] : dom::object(root)) {
    std::string* target = nullptr;
    const char* required = nullptr;
    if (key == "eventTime") {
      Str s = read_string(value, ev->event_time);
      have_time = s == Str::kOk;
      time_wrong_type = s == Str::kWrongType;
      continue;
    }
    if (key == "eventSource") {
      target = &ev->event_source;
      required = "eventSource";
    } else if (key == "eventName") {
      target = &ev->event_name;
      required = "eventName";
    } else if (key == "awsRegion") {
      target = &ev->aws_region;
    } else if (key == "sourceIPAddress") {
      target = &ev->source_ip;
    } else if (key == "userAgent") {
      target = &ev->user_agent;
    } else if (key == "errorCode") {
      target = &ev->error_code;
    } else if (key == "errorMessage") {
      target = &ev->error_message;
    } else if (key == "recipientAccountId") {
      target = &ev->recipient_account_id;
    } else if (key == "eventID") {
      target = &ev->event_id;
    } else if (key == "eventType") {
      target = &ev->event_type;
    } else if (key == "eventVersion") {
      target = &ev->event_version;
    } else if (key == "readOnly") {
      if (value.is_bool()) {
        ev->read_only = bool(value);
        ev->has_read_only = true;
      } else if (value.is_string()) {  // Athena exports readOnly as a string
        ev->read_only = std::string_view(value) == "true";
        ev->has_read_only = true;
      }
      continue;
    } else if (key == "userIdentity") {
      read_identity(value, ev->identity);
      continue;
    } else if (key == "digestStartTime" || key == "logFiles" || key == "digestS3Object") {
      digest_keys = true;
      continue;
    } else {
      continue;
    }
    if (read_string(value, *target) == Str::kWrongType && required && !bad_field) bad_field = required;
  }

  if (ev->event_type == "AwsCloudTrailInsight") {
    out.ok = true;
    out.kind = RecordKind::kInsight;
    return;
  }
  if (!have_time && !time_wrong_type && digest_keys) {
    out.ok = true;
    out.kind = RecordKind::kDigest;
    return;
  }
  if (time_wrong_type) {
    out.error = "\"eventTime\" is not a string";
    return;
  }
  if (!have_time) {
    out.error = "missing \"eventTime\"";
    return;
  }
  if (bad_field) {
    out.error = fmt::format("\"{}\" is not a string", bad_field);
    return;
  }
  if (ev->event_name.empty()) {
    out.error = "missing \"eventName\"";
    return;
  }
  if (ev->event_source.empty()) {
    out.error = "missing \"eventSource\"";
    return;
  }
  auto t = parse_rfc3339_ms(ev->event_time);
  if (!t) {
    out.error = fmt::format("\"eventTime\" is not an RFC 3339 time: \"{}\"", ev->event_time.substr(0, 40));
    return;
  }
  ev->time_ms = *t;
  ev->account = !ev->recipient_account_id.empty() ? ev->recipient_account_id : ev->identity.account_id;
  ev->principal = principal_key_for(ev->identity, ev->account);
  out.ok = true;
}

}  // namespace

ParseOutcome RecordParser::parse(const RecordView& view, Event* ev) {
  ev->clear();
  ParseOutcome out;
  out.error_offset = view.offset;
  const bool needs_copy = view.padded_capacity < view.json.size() + simdjson::SIMDJSON_PADDING;
  auto error = impl_->parser.parse(view.json.data(), view.json.size(), needs_copy).get(impl_->dom.root);
  if (error) {
    out.error = fmt::format("invalid JSON: {}", simdjson::error_message(error));
    return out;
  }
  fill_event(impl_->dom.root, ev, out);
  if (!out.ok) return out;
  ev->raw_json = view.json;
  ev->raw_padded_capacity = view.padded_capacity;
  ev->dom = &impl_->dom;
  ev->pos.offset = view.offset;
  ev->pos.record = view.index;
  return out;
}

bool RecordParser::parse_native_document_impl(std::string_view text, Event* ev, RecordCallback cb, void* ctx) {
  dom::element root;
  if (impl_->parser.parse(text.data(), text.size(), false).get(root)) return false;
  dom::array records;
  if (!root.is_object() || root["Records"].get(records)) return false;
  std::int64_t index = 0;
  RecordDom& current = impl_->dom;
  for (dom::element record : records) {
    ev->clear();
    ParseOutcome out;
    fill_event(record, ev, out);
    if (out.ok) {
      current.root = record;
      ev->dom = &current;
      ev->pos.offset = -1;
      ev->pos.record = index;
    }
    cb(ctx, index, out, *ev);
    ++index;
  }
  return true;
}

}  // namespace trailsweep
