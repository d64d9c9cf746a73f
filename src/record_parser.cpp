#include "trailsweep/record_parser.hpp"

#include <simdjson.h>

#include <fmt/format.h>

#include "trailsweep/time_util.hpp"

namespace trailsweep {

static_assert(simdjson::SIMDJSON_PADDING <= kRecordPadding, "RecordReader must pad for simdjson");

namespace od = simdjson::ondemand;

namespace {

// Outcome of reading one optional string field.
enum class Str { kOk, kAbsent, kWrongType, kError };

Str read_string(od::value& v, std::string& out, simdjson::error_code* err) {
  od::json_type t;
  if ((*err = v.type().get(t))) return Str::kError;
  if (t == od::json_type::null) {
    out.clear();
    return Str::kAbsent;
  }
  if (t != od::json_type::string) return Str::kWrongType;
  std::string_view sv;
  if ((*err = v.get_string().get(sv))) return Str::kError;
  out.assign(sv.data(), sv.size());
  return Str::kOk;
}

std::string_view raw_of(od::value& v, simdjson::error_code* err) {
  od::json_type t;
  if ((*err = v.type().get(t))) return {};
  std::string_view raw;
  switch (t) {
    case od::json_type::null:
      return {};
    case od::json_type::object: {
      od::object o;
      if ((*err = v.get_object().get(o))) return {};
      *err = o.raw_json().get(raw);
      return raw;
    }
    case od::json_type::array: {
      od::array a;
      if ((*err = v.get_array().get(a))) return {};
      *err = a.raw_json().get(raw);
      return raw;
    }
    default:
      return v.raw_json_token();
  }
}

}  // namespace

struct RecordParser::Impl {
  od::parser parser;

  // Reads the fields of an object into strings by key; unknown keys are skipped.
  template <typename OnField>
  simdjson::error_code for_each_field(od::value& v, OnField&& on_field) {
    od::json_type t;
    if (auto e = v.type().get(t)) return e;
    if (t != od::json_type::object) return simdjson::SUCCESS;
    od::object obj;
    if (auto e = v.get_object().get(obj)) return e;
    for (auto field : obj) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return e;
      od::value fv = field.value();
      if (auto e = on_field(key, fv)) return e;
    }
    return simdjson::SUCCESS;
  }

  simdjson::error_code read_identity(od::value& v, UserIdentity& id) {
    simdjson::error_code err = simdjson::SUCCESS;
    auto str = [&](od::value& fv, std::string& out) {
      read_string(fv, out, &err);
      return err;
    };
    return for_each_field(v, [&](std::string_view key, od::value& fv) -> simdjson::error_code {
      if (key == "type") return str(fv, id.type);
      if (key == "arn") return str(fv, id.arn);
      if (key == "accountId") return str(fv, id.account_id);
      if (key == "principalId") return str(fv, id.principal_id);
      if (key == "accessKeyId") return str(fv, id.access_key_id);
      if (key == "userName") return str(fv, id.user_name);
      if (key == "invokedBy") return str(fv, id.invoked_by);
      if (key == "sessionContext") {
        return for_each_field(fv, [&](std::string_view k2, od::value& v2) -> simdjson::error_code {
          if (k2 == "sessionIssuer") {
            return for_each_field(v2, [&](std::string_view k3, od::value& v3) {
              if (k3 == "arn") return str(v3, id.session_issuer_arn);
              if (k3 == "userName") return str(v3, id.session_issuer_user_name);
              if (k3 == "type") return str(v3, id.session_issuer_type);
              return simdjson::SUCCESS;
            });
          }
          if (k2 == "attributes") {
            return for_each_field(v2, [&](std::string_view k3, od::value& v3) {
              if (k3 == "mfaAuthenticated") {
                // Real records use the string "false"; tolerate a boolean.
                bool b;
                if (!v3.get_bool().get(b)) {
                  id.mfa_authenticated = b ? "true" : "false";
                  return simdjson::SUCCESS;
                }
                return str(v3, id.mfa_authenticated);
              }
              if (k3 == "creationDate") return str(v3, id.session_creation_date);
              return simdjson::SUCCESS;
            });
          }
          return simdjson::SUCCESS;
        });
      }
      return simdjson::SUCCESS;
    });
  }
};

RecordParser::RecordParser() : impl_(std::make_unique<Impl>()) {}
RecordParser::~RecordParser() = default;

ParseOutcome RecordParser::parse(const RecordView& view, Event* ev) {
  ev->clear();
  ParseOutcome out;
  const char* const base = view.json.data();
  auto fail_json = [&](od::document& doc, simdjson::error_code e) {
    out.ok = false;
    out.error = fmt::format("invalid JSON: {}", simdjson::error_message(e));
    const char* loc = nullptr;
    if (!doc.current_location().get(loc) && loc >= base && loc <= base + view.json.size()) {
      out.error_offset = view.offset + (loc - base);
    } else {
      out.error_offset = view.offset;
    }
    return out;
  };

  od::document doc;
  auto padded = simdjson::padded_string_view(view.json.data(), view.json.size(),
                                             view.padded_capacity);
  if (auto e = impl_->parser.iterate(padded).get(doc)) {
    out.error = fmt::format("invalid JSON: {}", simdjson::error_message(e));
    out.error_offset = view.offset;
    return out;
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) return fail_json(doc, e);

  bool have_time = false, time_wrong_type = false, digest_keys = false;
  const char* bad_field = nullptr;
  simdjson::error_code err = simdjson::SUCCESS;
  for (auto field : obj) {
    std::string_view key;
    if ((err = field.unescaped_key().get(key))) return fail_json(doc, err);
    od::value v = field.value();
    std::string* target = nullptr;
    bool required = false;
    if (key == "eventTime") {
      Str s = read_string(v, ev->event_time, &err);
      if (s == Str::kError) return fail_json(doc, err);
      have_time = s == Str::kOk;
      time_wrong_type = s == Str::kWrongType;
      continue;
    }
    if (key == "eventSource") {
      target = &ev->event_source;
      required = true;
    } else if (key == "eventName") {
      target = &ev->event_name;
      required = true;
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
      bool b;
      if (!v.get_bool().get(b)) {
        ev->read_only = b;
        ev->has_read_only = true;
      } else {
        std::string_view sv;  // Athena exports readOnly as a string
        if (!v.get_string().get(sv)) {
          ev->read_only = sv == "true";
          ev->has_read_only = true;
        }
      }
      continue;
    } else if (key == "userIdentity") {
      if ((err = impl_->read_identity(v, ev->identity))) return fail_json(doc, err);
      continue;
    } else if (key == "requestParameters") {
      ev->request_parameters = raw_of(v, &err);
      if (err) return fail_json(doc, err);
      continue;
    } else if (key == "responseElements") {
      ev->response_elements = raw_of(v, &err);
      if (err) return fail_json(doc, err);
      continue;
    } else if (key == "digestStartTime" || key == "logFiles" || key == "digestS3Object") {
      digest_keys = true;
      continue;
    } else {
      continue;
    }
    Str s = read_string(v, *target, &err);
    if (s == Str::kError) return fail_json(doc, err);
    if (s == Str::kWrongType && required && !bad_field) {
      bad_field = target == &ev->event_source ? "eventSource" : "eventName";
    }
  }
  if (err) return fail_json(doc, err);

  out.error_offset = view.offset;
  if (ev->event_type == "AwsCloudTrailInsight") {
    out.ok = true;
    out.kind = RecordKind::kInsight;
    return out;
  }
  if (!have_time && !time_wrong_type && digest_keys) {
    out.ok = true;
    out.kind = RecordKind::kDigest;
    return out;
  }
  if (time_wrong_type) {
    out.error = "\"eventTime\" is not a string";
    return out;
  }
  if (!have_time) {
    out.error = "missing \"eventTime\"";
    return out;
  }
  if (bad_field) {
    out.error = fmt::format("\"{}\" is not a string", bad_field);
    return out;
  }
  if (ev->event_name.empty()) {
    out.error = "missing \"eventName\"";
    return out;
  }
  if (ev->event_source.empty()) {
    out.error = "missing \"eventSource\"";
    return out;
  }
  auto t = parse_rfc3339_ms(ev->event_time);
  if (!t) {
    out.error = fmt::format("\"eventTime\" is not an RFC 3339 time: \"{}\"",
                            ev->event_time.substr(0, 40));
    return out;
  }
  ev->time_ms = *t;
  ev->account = !ev->recipient_account_id.empty() ? ev->recipient_account_id
                                                  : ev->identity.account_id;
  ev->principal = principal_key_for(ev->identity, ev->account);
  ev->raw_json = view.json;
  ev->raw_padded_capacity = view.padded_capacity;
  ev->pos.offset = view.offset;
  ev->pos.record = view.index;
  out.ok = true;
  return out;
}

}  // namespace trailsweep
