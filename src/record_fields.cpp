#include "trailsweep/record_fields.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <span>
#include <cctype>

#include <fmt/format.h>

#include "record_dom.hpp"
#include "trailsweep/word_load.hpp"

namespace trailsweep {

namespace dom = simdjson::dom;

struct RecordFields::Dom {
  dom::parser parser;
  dom::element root;
};

RecordFields::RecordFields() : dom_(std::make_unique<Dom>()) {}
RecordFields::~RecordFields() = default;

void RecordFields::bind(const Event& ev) {
  ev_ = &ev;
  parsed_ = false;
  error_.clear();
  scratch_used_ = 0;
}

std::string& RecordFields::next_scratch() {
  if (scratch_used_ == scratch_.size()) scratch_.emplace_back();
  return scratch_[scratch_used_++];
}

const RecordFields::FixedField<Event> RecordFields::kFixedTopFields[kFixedTopCount] = {
    {"eventName", &Event::event_name},       {"eventSource", &Event::event_source},
    {"awsRegion", &Event::aws_region},       {"sourceIPAddress", &Event::source_ip},
    {"userAgent", &Event::user_agent},       {"errorCode", &Event::error_code},
    {"errorMessage", &Event::error_message}, {"recipientAccountId", &Event::recipient_account_id},
    {"eventID", &Event::event_id},           {"eventType", &Event::event_type},
    {"eventTime", &Event::event_time},       {"eventVersion", &Event::event_version},
};
const RecordFields::FixedField<UserIdentity> RecordFields::kFixedIdentityFields[kFixedIdentityCount] = {
    {"type", &UserIdentity::type},
    {"arn", &UserIdentity::arn},
    {"accountId", &UserIdentity::account_id},
    {"principalId", &UserIdentity::principal_id},
    {"accessKeyId", &UserIdentity::access_key_id},
    {"userName", &UserIdentity::user_name},
    {"invokedBy", &UserIdentity::invoked_by},
    {"sessionContext.sessionIssuer.arn", &UserIdentity::session_issuer_arn},
    {"sessionContext.sessionIssuer.userName", &UserIdentity::session_issuer_user_name},
    {"sessionContext.sessionIssuer.type", &UserIdentity::session_issuer_type},
    {"sessionContext.attributes.mfaAuthenticated", &UserIdentity::mfa_authenticated},
};

int RecordFields::fixed_field_id(std::string_view path) {
  for (int i = 0; i < kFixedTopCount; ++i) {
    if (path == kFixedTopFields[i].name) return i;
  }
  if (path.substr(0, 13) == "userIdentity.") {
    const std::string_view rest = path.substr(13);
    for (std::size_t i = 0; i < std::size(kFixedIdentityFields); ++i) {
      if (rest == kFixedIdentityFields[i].name) return kFixedTopCount + static_cast<int>(i);
    }
  }
  return -1;
}

namespace {

bool key_equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

Diagnostic RecordFields::located_error() const {
  Diagnostic d = file_problem(ev_ ? ev_->pos.file : std::string(), error_);
  if (ev_) {
    d.pos.record = ev_->pos.record;
    d.pos.offset = ev_->pos.offset;
  }
  return d;
}

void FieldProblems::note(const RecordFields& fields) {
  if (fields.error().empty()) return;
  ++total;
  if (first.size() < kListed) first.push_back(fields.located_error());
}

void FieldProblems::merge(FieldProblems&& other) {
  total += other.total;
  for (auto& d : other.first) first.push_back(std::move(d));
}

bool RecordFields::any(std::string_view path,
                       const std::function<bool(const FieldValue&)>& visit) {
  if (!ev_) return false;
  if (const int id = fixed_field_id(path); id >= 0) return any(id, path, visit);
  if (path == "readOnly") {
    if (!ev_->has_read_only) return false;
    FieldValue v;
    v.kind = FieldValue::Kind::kBool;
    v.text = ev_->read_only ? "true" : "false";
    return visit(v);
  }
  if (!ev_->dom && ev_->raw_members_complete && path.find('.') == std::string_view::npos) {
    if (const std::optional<bool> answered = from_member_list(path, visit)) return *answered;
  }
  if (!parsed_ && ev_->dom) {
    parsed_ = true;
    dom_->root = ev_->dom->root;  // the parser's tape: no second parse
  } else if (!parsed_) {
    parsed_ = true;
    if (ev_->raw_json.empty()) return false;  // an event without a record's text (no record: nothing to read)
    auto res = dom_->parser.parse(ev_->raw_json.data(), ev_->raw_json.size(),
                                  ev_->raw_padded_capacity < ev_->raw_json.size() + simdjson::SIMDJSON_PADDING);
    if (res.get(dom_->root)) {
      error_ = fmt::format("cannot parse record for field lookup: {}",
                           simdjson::error_message(res.error()));
      dom_->root = dom::element();
      return false;
    }
  }
  if (!error_.empty()) return false;

  // Depth-first walk; arrays fan out at any level.
  std::function<bool(dom::element, std::string_view)> walk = [&](dom::element el,
                                                                  std::string_view rest) -> bool {
    if (el.is_array()) {
      for (dom::element child : dom::array(el)) {
        if (walk(child, rest)) return true;
      }
      return false;
    }
    if (rest.empty()) {
      FieldValue v;
      switch (el.type()) {
        case dom::element_type::STRING:
          v.kind = FieldValue::Kind::kString;
          v.text = std::string_view(el);
          break;
        case dom::element_type::INT64:
        case dom::element_type::UINT64:
        case dom::element_type::DOUBLE: {
          v.kind = FieldValue::Kind::kNumber;
          if (el.is_int64()) {
            v.number = static_cast<double>(std::int64_t(el));
            next_scratch() = fmt::format("{}", std::int64_t(el));
          } else if (el.is_uint64()) {
            v.number = static_cast<double>(std::uint64_t(el));
            next_scratch() = fmt::format("{}", std::uint64_t(el));
          } else {
            v.number = double(el);
            next_scratch() = fmt::format("{}", double(el));
          }
          v.text = scratch_[scratch_used_ - 1];
          break;
        }
        case dom::element_type::BOOL:
          v.kind = FieldValue::Kind::kBool;
          v.text = bool(el) ? "true" : "false";
          break;
        case dom::element_type::NULL_VALUE:
          v.kind = FieldValue::Kind::kNull;
          break;
        case dom::element_type::OBJECT:
          v.kind = FieldValue::Kind::kObject;
          next_scratch() = simdjson::minify(el);
          v.text = scratch_[scratch_used_ - 1];
          break;
        case dom::element_type::ARRAY:
          break;  // handled above
      }
      return visit(v);
    }
    if (!el.is_object()) return false;
    std::size_t dot = rest.find('.');
    std::string_view key = rest.substr(0, dot);
    std::string_view tail = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    dom::object obj(el);
    for (auto field : obj) {
      if (field.key == key) return walk(field.value, tail);
    }
    // CloudTrail's key casing varies by service (vPCZoneIdentifier, aWSServiceName).
    for (auto field : obj) {
      if (key_equals_ignore_case(field.key, key)) return walk(field.value, tail);
    }
    return false;
  };
  return walk(dom_->root, path);
}

namespace {

// Integers the parser prints as written: not "-0" (printed 0), and few
// enough digits to be sure they fit 64 bits (longer ones may become doubles).
bool integer_prints_as_written(std::string_view digits_run, bool negative) {
  constexpr std::size_t kSurelyFits = 18;
  return digits_run.size() <= kSurelyFits && !(negative && digits_run == "0");
}

// Whether the parser would print this (plain, unescaped) object exactly as
// written: no whitespace between tokens and no number it would reformat
// (fractions and exponents are printed the parser's way, and see
// integer_prints_as_written). CloudTrail writes compact JSON, so this nearly
// always holds and costs one short scan instead of a parse.
bool prints_as_written(std::string_view json) {
  const char* p = json.data();
  const std::size_t n = json.size();
  std::size_t i = 0;
  while (i < n) {
    // Outside strings: structure, numbers and literals, a few bytes between
    // two strings.
    std::size_t digits_from = std::string_view::npos;  // start of the run of digits being read
    for (; i < n && p[i] != '"'; ++i) {
      const char c = p[i];
      const bool digit = c >= '0' && c <= '9';
      const bool spacing = c == ' ' || c == '\n' || c == '\r' || c == '\t';  // indented records are walked too
      if (spacing || ((c == '.' || c == 'e' || c == 'E') && digits_from != std::string_view::npos)) return false;
      if (digit && digits_from == std::string_view::npos) digits_from = i;
      if (!digit && digits_from != std::string_view::npos) {
        const bool negative = digits_from > 0 && p[digits_from - 1] == '-';
        if (!integer_prints_as_written(json.substr(digits_from, i - digits_from), negative)) return false;
      }
      if (!digit) digits_from = std::string_view::npos;
    }
    if (i >= n) break;
    // A string, most of the bytes: plain text has no escaped quote, so its
    // end is the next quote, found eight bytes a step.
    i = find_byte(p, i + 1, n, '"') + 1;
  }
  return true;
}

}  // namespace

// Beside prints_as_written() so that the two stay one account of what the
// parser prints differently (spacing between tokens, numbers), here from the
// side of the needle.
bool found_alike_as_written(std::string_view needle) {
  bool holds_a_non_number_byte = false;
  for (const char c : needle) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u >= 0x7F || c == '"' || c == '\\' || c == '{' || c == '}' || c == '[' || c == ']' ||
        c == ':' || c == ',') {
      return false;
    }
    const bool number_byte = (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-' || c == 'e' || c == 'E';
    holds_a_non_number_byte |= !number_byte;
  }
  return holds_a_non_number_byte;
}

RecordFields::RawAnswer RecordFields::raw_member(std::string_view key, FieldValue& v, bool objects_as_written) const {
  const Event::RawMember* found = nullptr;
  const auto members = std::span(ev_->raw_members.data(), ev_->raw_member_count);
  for (const auto& m : members) {
    if (m.key == key) {
      found = &m;
      break;
    }
  }
  if (!found) {
    // CloudTrail's key casing varies by service (vPCZoneIdentifier, aWSServiceName).
    for (const auto& m : members) {
      if (key_equals_ignore_case(m.key, key)) {
        found = &m;
        break;
      }
    }
  }
  if (!found) return RawAnswer::kAbsent;
  v.text = found->value;
  switch (found->kind) {
    case '"':
      v.kind = FieldValue::Kind::kString;
      break;
    case '{':
      if (!objects_as_written && !prints_as_written(found->value)) return RawAnswer::kParserNeeded;
      v.kind = FieldValue::Kind::kObject;
      break;
    case 't':
    case 'f':
      v.kind = FieldValue::Kind::kBool;
      break;
    case 'n':
      v.kind = FieldValue::Kind::kNull;
      v.text = {};
      break;
    case '0': {
      std::int64_t n = 0;
      const char* end = found->value.data() + found->value.size();
      auto [ptr, ec] = std::from_chars(found->value.data(), end, n);
      if (ec != std::errc() || ptr != end) return RawAnswer::kParserNeeded;
      const bool negative = found->value.front() == '-';
      if (!integer_prints_as_written(found->value.substr(negative ? 1 : 0), negative)) return RawAnswer::kParserNeeded;
      v.kind = FieldValue::Kind::kNumber;
      v.number = static_cast<double>(n);
      break;
    }
    default:
      return RawAnswer::kParserNeeded;
  }
  return RawAnswer::kValue;
}

std::string_view RecordFields::raw() {
  if (!ev_) return {};
  if (!ev_->raw_json.empty() || !ev_->dom) return ev_->raw_json;
  // Records from a whole-document parse have no text of their own.
  std::string& text = next_scratch();
  text = simdjson::minify(ev_->dom->root);
  return text;
}

bool RecordFields::exists(std::string_view path) {
  return any(path, [](const FieldValue& v) { return v.kind != FieldValue::Kind::kNull; });
}

std::string RecordFields::first_text(std::string_view path) {
  std::string out;
  any(path, [&](const FieldValue& v) {
    if (v.kind == FieldValue::Kind::kNull) return false;
    out.assign(v.text);
    return true;
  });
  return out;
}

}  // namespace trailsweep
