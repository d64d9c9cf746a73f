#include "trailsweep/record_parser.hpp"

#include <fmt/format.h>

#include "record_dom.hpp"
#include "trailsweep/json_structure.hpp"
#include "trailsweep/time_util.hpp"
#include "trailsweep/word_load.hpp"

// simdjson's DOM parser, not on-demand, for the full parse: on-demand picks its
// SIMD kernel when *our* code is compiled, so a portable build gets the scalar
// fallback (measured about 3x slower here), while the DOM parser dispatches at
// run time inside libsimdjson.

namespace trailsweep {

static_assert(simdjson::SIMDJSON_PADDING <= kRecordPadding, "RecordReader must pad for simdjson");

namespace dom = simdjson::dom;

namespace {

// Whether `key` is `name`. Always inlined, to a length check and compares
// of whole words against constants: every key of every record goes through a
// few of these. std::string_view's operator== stopped being inlined here once
// this file grew (a call to compare() and one to memcmp for each, ~6% more
// instructions in the skim, measured with cachegrind), and GCC leaves even
// __builtin_memcmp of a constant size as a call to memcmp in the walks it
// judges cold (sessionContext's keys: ~1.5 calls a record).
template <std::size_t N>
[[gnu::always_inline]] inline bool is(std::string_view key, const char (&name)[N]) {
  constexpr std::size_t n = N - 1;
  if (key.size() != n) return false;
  const char* k = key.data();
  if constexpr (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (load_word(k + i) != load_word(name + i)) return false;
    }
    return load_word(k + n - 8) == load_word(name + n - 8);
  } else if constexpr (n >= 4) {
    return load_prefix_word(k, n) == load_prefix_word(name, n);
  } else {
    return __builtin_memcmp(k, name, n) == 0;
  }
}

// The record keys Event holds, shared by both parsers so they cannot drift.
enum class TopKey {
  kOther, kEventTime, kEventSource, kEventName, kAwsRegion, kSourceIp, kUserAgent, kErrorCode,
  kErrorMessage, kRecipientAccountId, kEventId, kEventType, kEventVersion, kReadOnly, kUserIdentity,
  kDigest,
  kWrapper,  // a key of the wrappers other AWS services put around a record (WrapperKey)
};

// The keys of a wrapper: EventBridge's "detail-type" and "detail",
// lookup-events' "CloudTrailEvent", a CloudWatch Logs subscription's
// "messageType" and its log events' "message".
enum class WrapperKey { kDetailType, kDetail, kCloudTrailEvent, kMessageType, kMessage, kCount };

WrapperKey classify_wrapper_key(std::string_view key) {
  if (is(key, "detail-type")) return WrapperKey::kDetailType;
  if (is(key, "detail")) return WrapperKey::kDetail;
  if (is(key, "CloudTrailEvent")) return WrapperKey::kCloudTrailEvent;
  if (is(key, "messageType")) return WrapperKey::kMessageType;
  return WrapperKey::kMessage;  // the one key left that classify_top_key calls a wrapper's
}

TopKey classify_top_key(std::string_view key) {
  switch (key.size()) {
    case 6:
      if (is(key, "detail")) return TopKey::kWrapper;
      break;
    case 7:
      if (is(key, "eventID")) return TopKey::kEventId;
      if (is(key, "message")) return TopKey::kWrapper;
      break;
    case 8:
      if (is(key, "readOnly")) return TopKey::kReadOnly;
      if (is(key, "logFiles")) return TopKey::kDigest;
      break;
    case 9:
      if (is(key, "eventTime")) return TopKey::kEventTime;
      if (is(key, "eventName")) return TopKey::kEventName;
      if (is(key, "awsRegion")) return TopKey::kAwsRegion;
      if (is(key, "userAgent")) return TopKey::kUserAgent;
      if (is(key, "eventType")) return TopKey::kEventType;
      if (is(key, "errorCode")) return TopKey::kErrorCode;
      break;
    case 11:
      if (is(key, "eventSource")) return TopKey::kEventSource;
      if (is(key, "detail-type") || is(key, "messageType")) return TopKey::kWrapper;
      break;
    case 12:
      if (is(key, "userIdentity")) return TopKey::kUserIdentity;
      if (is(key, "eventVersion")) return TopKey::kEventVersion;
      if (is(key, "errorMessage")) return TopKey::kErrorMessage;
      break;
    case 14:
      if (is(key, "digestS3Object")) return TopKey::kDigest;
      break;
    case 15:
      if (is(key, "sourceIPAddress")) return TopKey::kSourceIp;
      if (is(key, "digestStartTime")) return TopKey::kDigest;
      if (is(key, "CloudTrailEvent")) return TopKey::kWrapper;
      break;
    case 18:
      if (is(key, "recipientAccountId")) return TopKey::kRecipientAccountId;
      break;
    default:
      break;
  }
  return TopKey::kOther;
}

// The Event string a top-level key fills, or nullptr.
std::string_view Event::*top_string_field(TopKey k) {
  switch (k) {
    case TopKey::kEventTime: return &Event::event_time;
    case TopKey::kEventSource: return &Event::event_source;
    case TopKey::kEventName: return &Event::event_name;
    case TopKey::kAwsRegion: return &Event::aws_region;
    case TopKey::kSourceIp: return &Event::source_ip;
    case TopKey::kUserAgent: return &Event::user_agent;
    case TopKey::kErrorCode: return &Event::error_code;
    case TopKey::kErrorMessage: return &Event::error_message;
    case TopKey::kRecipientAccountId: return &Event::recipient_account_id;
    case TopKey::kEventId: return &Event::event_id;
    case TopKey::kEventType: return &Event::event_type;
    case TopKey::kEventVersion: return &Event::event_version;
    default: return nullptr;
  }
}

// Fields whose wrong type rejects the record (the others are just dropped).
const char* required_name(TopKey k) {
  switch (k) {
    case TopKey::kEventSource: return "eventSource";
    case TopKey::kEventName: return "eventName";
    default: return nullptr;
  }
}

enum class IdKey { kOther, kType, kArn, kAccountId, kPrincipalId, kAccessKeyId, kUserName, kInvokedBy, kSessionContext };

IdKey classify_identity_key(std::string_view key) {
  switch (key.size()) {
    case 3: if (is(key, "arn")) return IdKey::kArn; break;
    case 4: if (is(key, "type")) return IdKey::kType; break;
    case 8: if (is(key, "userName")) return IdKey::kUserName; break;
    case 9:
      if (is(key, "accountId")) return IdKey::kAccountId;
      if (is(key, "invokedBy")) return IdKey::kInvokedBy;
      break;
    case 11:
      if (is(key, "principalId")) return IdKey::kPrincipalId;
      if (is(key, "accessKeyId")) return IdKey::kAccessKeyId;
      break;
    case 14: if (is(key, "sessionContext")) return IdKey::kSessionContext; break;
    default: break;
  }
  return IdKey::kOther;
}

std::string_view UserIdentity::*identity_string_field(IdKey k) {
  switch (k) {
    case IdKey::kType: return &UserIdentity::type;
    case IdKey::kArn: return &UserIdentity::arn;
    case IdKey::kAccountId: return &UserIdentity::account_id;
    case IdKey::kPrincipalId: return &UserIdentity::principal_id;
    case IdKey::kAccessKeyId: return &UserIdentity::access_key_id;
    case IdKey::kUserName: return &UserIdentity::user_name;
    case IdKey::kInvokedBy: return &UserIdentity::invoked_by;
    default: return nullptr;
  }
}

std::string_view UserIdentity::*issuer_string_field(std::string_view key) {
  if (is(key, "arn")) return &UserIdentity::session_issuer_arn;
  if (is(key, "userName")) return &UserIdentity::session_issuer_user_name;
  if (is(key, "type")) return &UserIdentity::session_issuer_type;
  return nullptr;
}

// What EventBridge's "detail-type" says of an event whose "detail" is a
// CloudTrail record: "AWS API Call via CloudTrail", "AWS Console Sign In via
// CloudTrail", "AWS Service Event via CloudTrail", ... Other events on the same
// bus (instance state changes, findings) are not records.
bool detail_is_cloudtrail_record(std::string_view detail_type) {
  return detail_type.ends_with(" via CloudTrail");
}

// After the fields are read: the verdict both parsers share.
void finish_event(Event* ev, bool have_time, bool time_wrong_type, bool digest_keys, const char* bad_field,
                  ParseOutcome& out) {
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
  ev->derive_account_and_principal();
  out.ok = true;
}

// ---- the DOM parser -------------------------------------------------------

enum class Str { kOk, kAbsent, kWrongType };

Str read_string(dom::element v, std::string_view& out) {
  if (v.is_string()) {
    out = std::string_view(v);
    return Str::kOk;
  }
  out = {};
  return v.is_null() ? Str::kAbsent : Str::kWrongType;
}

void read_identity(dom::element v, UserIdentity& id) {
  if (!v.is_object()) return;
  for (auto [key, value] : dom::object(v)) {
    const IdKey k = classify_identity_key(key);
    if (auto field = identity_string_field(k)) {
      read_string(value, id.*field);
    } else if (k == IdKey::kSessionContext && value.is_object()) {
      for (auto [k2, v2] : dom::object(value)) {
        if (k2 == "sessionIssuer" && v2.is_object()) {
          for (auto [k3, v3] : dom::object(v2)) {
            if (auto f = issuer_string_field(k3)) read_string(v3, id.*f);
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

// The wrapper keys of a record object, as the full parser found them.
struct DomWrapper {
  bool seen = false;
  bool has[static_cast<std::size_t>(WrapperKey::kCount)] = {};
  dom::element value[static_cast<std::size_t>(WrapperKey::kCount)];

  void note(WrapperKey k, dom::element v) {  // the last of a repeated key counts
    seen = has[static_cast<std::size_t>(k)] = true;
    value[static_cast<std::size_t>(k)] = v;
  }
  const dom::element* get(WrapperKey k) const {
    return has[static_cast<std::size_t>(k)] ? &value[static_cast<std::size_t>(k)] : nullptr;
  }
};

// Fills `ev` from one record object; `out` carries the verdict. An object
// with a wrapper's keys and no "eventTime" is left to the caller, through
// `wrapper` (nullptr: read as a record whatever its keys).
void fill_event(dom::element root, Event* ev, ParseOutcome& out, DomWrapper* wrapper) {
  if (!root.is_object()) {
    out.error = "record is not a JSON object";
    return;
  }
  bool have_time = false, time_wrong_type = false, digest_keys = false;
  const char* bad_field = nullptr;
  for (auto [key, value] : dom::object(root)) {
    const TopKey k = classify_top_key(key);
    if (k == TopKey::kWrapper) {
      if (wrapper) wrapper->note(classify_wrapper_key(key), value);
    } else if (k == TopKey::kEventTime) {
      Str s = read_string(value, ev->event_time);
      have_time = s == Str::kOk;
      time_wrong_type = s == Str::kWrongType;
    } else if (auto field = top_string_field(k)) {
      if (read_string(value, ev->*field) == Str::kWrongType && !bad_field) bad_field = required_name(k);
    } else if (k == TopKey::kReadOnly) {
      if (value.is_bool()) {
        ev->read_only = bool(value);
        ev->has_read_only = true;
      } else if (value.is_string()) {  // Athena exports readOnly as a string
        ev->read_only = std::string_view(value) == "true";
        ev->has_read_only = true;
      }
    } else if (k == TopKey::kUserIdentity) {
      read_identity(value, ev->identity);
    } else if (k == TopKey::kDigest) {
      digest_keys = true;
    }
  }
  if (wrapper && wrapper->seen) {
    if (!have_time && !time_wrong_type) return;
    wrapper->seen = false;  // a record with odd extra keys is still a record
  }
  finish_event(ev, have_time, time_wrong_type, digest_keys, bad_field, out);
}

// What a wrapper holds: the record's text (in `text`) under `key`, or no
// record (another kind of event), or an error.
struct WrappedRecord {
  enum { kRecord, kNotCloudTrail, kError } verdict = kNotCloudTrail;
  std::string_view key;
  std::string error;
};

WrappedRecord open_wrapper(const DomWrapper& wrapper, std::string& text) {
  WrappedRecord out;
  if (const dom::element* type = wrapper.get(WrapperKey::kDetailType)) {
    // EventBridge: the record is the object "detail".
    const dom::element* detail = wrapper.get(WrapperKey::kDetail);
    if (!type->is_string() || !detail_is_cloudtrail_record(std::string_view(*type)) || !detail ||
        !detail->is_object()) {
      return out;
    }
    text = simdjson::minify(*detail);
    out.key = "detail";
  } else if (const dom::element* record = wrapper.get(WrapperKey::kCloudTrailEvent)) {
    // `aws cloudtrail lookup-events`: the record is the string "CloudTrailEvent".
    if (!record->is_string()) {
      out.verdict = WrappedRecord::kError;
      out.error = "\"CloudTrailEvent\" is not a string";
      return out;
    }
    text = std::string_view(*record);
    out.key = "CloudTrailEvent";
  } else if (const dom::element* message = wrapper.get(WrapperKey::kMessage);
             message && !wrapper.get(WrapperKey::kMessageType)) {
    // A CloudWatch Logs subscription's log event: the record is the string
    // "message". One that is not a JSON object (the subscription's control
    // messages, another log group's text) is no record.
    if (!message->is_string()) return out;
    const std::string_view m(*message);
    const std::size_t first = m.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || m[first] != '{') return out;
    text = m;
    out.key = "message";
  } else {
    // A CloudWatch Logs subscription message whose log events held no JSON
    // (the reader hands out its log events otherwise), or a bare "detail".
    return out;
  }
  out.verdict = WrappedRecord::kRecord;
  return out;
}

// A wrapped record's error, said of the wrapper: where it is, and under which key.
ParseOutcome in_wrapper(ParseOutcome out, std::string_view wrapper_key, std::int64_t wrapper_offset) {
  out.error = fmt::format("in its \"{}\": {}", wrapper_key, out.error);
  out.error_offset = wrapper_offset;
  return out;
}

// The record `json` (with `padded_capacity` readable bytes from its start)
// at the place in the stream of the wrapper that held it.
RecordView at_wrapper(const RecordView& wrapper, std::string_view json, std::size_t padded_capacity) {
  RecordView record;
  record.json = json;
  record.padded_capacity = padded_capacity;
  record.offset = wrapper.offset;
  record.index = wrapper.index;
  return record;
}

// What an event read from `record` keeps of it: its text (for rules that
// read deeper, and --raw) and its place.
void set_source(Event* ev, const RecordView& record) {
  ev->raw_json = record.json;
  ev->raw_padded_capacity = record.padded_capacity;
  ev->pos.offset = record.offset;
  ev->pos.record = record.index;
}

// ---- the skimming walker --------------------------------------------------

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// One member of an object, as the walker found it.
struct Member {
  const char* key;
  std::size_t key_size;
  char kind;               // '"' string, '{' object, '[' array, 't'/'f'/'n' literal, '0' number
  std::size_t begin, end;  // string body, or the value's first and one-past-last byte
                           // (kEndUnknown for an object or array until Walker::finish)
};

constexpr std::size_t kEndUnknown = 0;  // no value ends at byte 0

// Walks objects member by member with the bitmap index, jumping over nested
// values. It accepts only plain JSON it fully understands and returns npos
// for anything else, and the caller then takes the careful path. Keys and
// values are raw: the caller checks once per record that it is plain (JsonStructure::plain).
class Walker {
 public:
  static constexpr std::size_t npos = JsonStructure::npos;

  Walker(std::string_view text, JsonStructure& index) : t_(text.data()), n_(text.size()), index_(index) { seek(0); }

  // Always inlined, as the walk's other steps: called at every member, and
  // GCC stops inlining it once the file grows (measured: ~10% of the skim).
  [[gnu::always_inline]] std::size_t skip_space(std::size_t p) const {
    // JSON's four whitespace bytes all sort at or below ' ', and CloudTrail
    // writes none between tokens: one compare settles the usual case. No
    // bounds check on it: the text is padded (the index's contract), and a
    // position at or past the end fails the caller's at().
    if (static_cast<unsigned char>(t_[p]) > ' ') [[likely]] return p;
    while (p < n_ && is_space(t_[p])) ++p;
    return p;
  }
  char at(std::size_t p) const { return p < n_ ? t_[p] : '\0'; }
  std::string_view slice(std::size_t begin, std::size_t end) const { return {t_ + begin, end - begin}; }

  /// Places the quote cursor at `p`: take_quote() then gives the first
  /// string quote at or after it.
  void seek(std::size_t p) {
    quote_block_ = p / 64;
    quote_base_ = quote_block_ * 64;
    quote_bits_ = indexed(quote_block_) ? blocks_[quote_block_].quotes & (~std::uint64_t{0} << (p % 64)) : 0;
  }
  /// The next string quote after the last one taken, or npos. The walk meets
  /// the quotes in text order, so each is the lowest bit left and taking it
  /// clears that bit; finding it afresh from a position
  /// (JsonStructure::next_quote: a load, a shift and a mask) twice per
  /// string cost ~2% more of the skim (tests/bench/skim_only).
  [[gnu::always_inline]] std::size_t take_quote() {
    while (quote_bits_ == 0) [[unlikely]] {
      if (!indexed(++quote_block_)) return npos;
      quote_base_ += 64;
      quote_bits_ = blocks_[quote_block_].quotes;
    }
    const std::size_t q = quote_base_ + static_cast<std::size_t>(__builtin_ctzll(quote_bits_));
    quote_bits_ &= quote_bits_ - 1;
    return q;
  }

  /// Reads the member whose key's quote is at `p`; returns the position just
  /// after its value, or npos. The quote cursor must stand at `p` (members()
  /// and finish() keep it there); a quote taken at any other place means the
  /// text is not what the walk expects, and the record takes the careful path.
  [[gnu::always_inline]] std::size_t member(std::size_t p, Member& m) {
    if (take_quote() != p) return npos;
    const std::size_t key_end = take_quote();
    if (key_end == npos) return npos;
    m.key = t_ + p + 1;
    m.key_size = key_end - p - 1;
    p = key_end + 1;
    char c;
    // "key":"value", as CloudTrail writes most members: one two-byte compare
    // instead of the colon's, the spacing's and the dispatch's (the text is
    // padded, so the second byte is readable even at the end).
    if (__builtin_memcmp(t_ + p, ":\"", 2) == 0) [[likely]] {
      c = '"';
      ++p;
    } else {
      if (t_[p] != ':') {
        p = skip_space(p);
        if (at(p) != ':') return npos;
      }
      p = skip_space(p + 1);
      c = at(p);
    }
    if (c == '"') [[likely]] {
      if (take_quote() != p) return npos;
      const std::size_t value_end = take_quote();
      if (value_end == npos) return npos;
      m.kind = '"';
      m.begin = p + 1;
      m.end = value_end;
      return value_end + 1;
    }
    switch (c) {
      case '{':
      case '[':
        // Its end is found when the callback has seen it: an object the
        // caller walks anyway gives its end for free.
        m.kind = c;
        m.begin = p;
        m.end = kEndUnknown;
        return p;
      case 't':
        return literal(p, "true", m);
      case 'f':
        return literal(p, "false", m);
      case 'n':
        return literal(p, "null", m);
      default:
        return number(p, m);
    }
  }

  /// Sets the end of an object or array member (after the callback saw it
  /// and did not walk it); false when its brackets do not match.
  bool finish(Member& m) {
    if (m.end != kEndUnknown) return true;
    const char close_char = m.kind == '{' ? '}' : ']';
    if (t_[m.begin + 1] == close_char) {  // {} and [], common in CloudTrail
      m.end = m.begin + 2;
      return true;
    }
    const std::size_t close = index_.matching_close(m.begin);
    if (close == npos || t_[close] != close_char) return false;
    m.end = close + 1;
    seek(m.end);  // past the quotes inside the value
    return true;
  }

  /// Calls on_member(m) for each member of the object whose '{' is at `open`;
  /// returns the position of its '}', or npos. The callback may walk an
  /// object member itself and set its end (one past its '}'), or call
  /// finish(m) when it needs the end; otherwise it is found afterwards.
  template <typename OnMember>
  [[gnu::always_inline]] std::size_t members(std::size_t open, OnMember&& on_member) {
    std::size_t p = skip_space(open + 1);
    if (at(p) == '}') return p;
    Member m;
    for (;;) {
      p = member(p, m);
      if (p == npos || !on_member(m)) return npos;
      if (m.kind == '{' || m.kind == '[') {
        if (!finish(m)) return npos;
        p = m.end;
      }
      // ,"key" as CloudTrail writes it: straight on to the next member.
      if (__builtin_memcmp(t_ + p, ",\"", 2) == 0) [[likely]] {
        ++p;
        continue;
      }
      if (t_[p] != ',' && t_[p] != '}') p = skip_space(p);
      if (at(p) == '}') return p;
      if (at(p) != ',') return npos;
      p = skip_space(p + 1);
    }
  }

 private:
  [[gnu::always_inline]] bool delimiter(std::size_t p) const {
    const char c = at(p);
    return c == ',' || c == '}' || c == ']' || is_space(c);
  }
  template <std::size_t N>
  [[gnu::always_inline]] std::size_t literal(std::size_t p, const char (&word)[N], Member& m) const {
    constexpr std::size_t size = N - 1;
    if (p + size > n_ || !is(std::string_view(t_ + p, size), word) || !delimiter(p + size)) return npos;
    m.kind = word[0];
    m.begin = p;
    m.end = p + size;
    return m.end;
  }
  // A number exactly as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  std::size_t number(std::size_t p, Member& m) const {
    auto digit = [&](std::size_t q) { return at(q) >= '0' && at(q) <= '9'; };
    std::size_t q = p;
    if (at(q) == '-') ++q;
    if (at(q) == '0') {
      ++q;
    } else if (digit(q)) {
      while (digit(q)) ++q;
    } else {
      return npos;
    }
    if (at(q) == '.') {
      if (!digit(++q)) return npos;
      while (digit(q)) ++q;
    }
    if (at(q) == 'e' || at(q) == 'E') {
      ++q;
      if (at(q) == '+' || at(q) == '-') ++q;
      if (!digit(q)) return npos;
      while (digit(q)) ++q;
    }
    if (!delimiter(q)) return npos;
    m.kind = '0';
    m.begin = p;
    m.end = q;
    return q;
  }

 private:
  const char* t_;
  std::size_t n_;
  JsonStructure& index_;
  // Whether `block` is in the text; then blocks_[block] is indexed. One
  // compare while the walk stays inside what is indexed already.
  [[gnu::always_inline]] bool indexed(std::size_t block) {
    if (block < ready_) [[likely]] return true;
    if (block >= index_.blocks()) return false;
    blocks_ = index_.blocks_through(block, &ready_);
    return true;
  }

  const JsonStructure::Block* blocks_ = nullptr;  // the index's, indexed up to ready_
  std::size_t ready_ = 0;
  std::size_t quote_block_ = 0;
  std::size_t quote_base_ = 0;  // quote_block_ * 64, kept: one multiply less on every quote taken
  std::uint64_t quote_bits_ = 0;
};

// What Event keeps of a string-typed member: strings as views, null as
// absent; false for anything else (the full parser reports or drops it).
inline bool keep_string(const Member& m, const char* text, std::string_view& out) {
  if (m.kind == '"') {
    out = std::string_view(text + m.begin, m.end - m.begin);
    return true;
  }
  out = {};
  return m.kind == 'n';
}

inline std::string_view key_of(const Member& m) { return {m.key, m.key_size}; }

// Walks the userIdentity object at `open`; returns the position of its '}',
// or npos.
std::size_t skim_identity(Walker& w, const char* text, std::size_t open, Event* ev) {
  UserIdentity& id = ev->identity;
  // Walks the object member `m` with on_member and sets its end.
  auto walk = [&w](Member& m, auto&& on_member) {
    const std::size_t close = w.members(m.begin, on_member);
    if (close == Walker::npos) return false;
    m.end = close + 1;
    return true;
  };
  return w.members(open, [&](Member& m) {
    const IdKey k = classify_identity_key(key_of(m));
    if (auto field = identity_string_field(k)) return keep_string(m, text, id.*field);
    if (k != IdKey::kSessionContext || m.kind != '{') return true;
    return walk(m, [&](Member& m2) {
      if (m2.kind != '{') return true;
      const std::string_view key2 = key_of(m2);
      if (is(key2, "sessionIssuer")) {
        return walk(m2, [&](const Member& m3) {
          auto f = issuer_string_field(key_of(m3));
          return !f || keep_string(m3, text, id.*f);
        });
      }
      if (is(key2, "attributes")) {
        return walk(m2, [&](const Member& m3) {
          const std::string_view key3 = key_of(m3);
          if (is(key3, "mfaAuthenticated")) {
            if (m3.kind == 't' || m3.kind == 'f') {  // real records use the string "false"
              id.mfa_authenticated = m3.kind == 't' ? "true" : "false";
              return true;
            }
            return keep_string(m3, text, id.mfa_authenticated);
          }
          if (is(key3, "creationDate")) return keep_string(m3, text, id.session_creation_date);
          return true;
        });
      }
      return true;
    });
  });
}

// The wrapper keys of a record object, as the walk found them.
struct SkimWrapper {
  bool seen = false;
  std::string_view detail_type;
  std::size_t detail_begin = 0, detail_end = 0;  // the "detail" object; 0, 0 when not one

  // Out of line: records have no wrapper keys, and the walk's loop stays small.
  [[gnu::noinline, gnu::cold]] void note(std::string_view key, const Member& m, const char* text) {
    seen = true;
    // The last of a repeated key counts, as in the full parser's DOM.
    const WrapperKey k = classify_wrapper_key(key);
    if (k == WrapperKey::kDetailType) {
      detail_type = m.kind == '"' ? std::string_view(text + m.begin, m.end - m.begin) : std::string_view();
    } else if (k == WrapperKey::kDetail) {
      const bool object = m.kind == '{';
      detail_begin = object ? m.begin : 0;
      detail_end = object ? m.end : 0;
    }
  }
};

// Reads the record object whose '{' is at `open` into `ev`. Returns the
// position of its '}', or npos when it needs the full parser. An object with
// a wrapper's keys and no "eventTime" is left to the caller, through
// `wrapper` (nullptr: read as a record whatever its keys).
std::size_t skim_record(Walker& w, const char* text, std::size_t open, Event* ev, ParseOutcome& out,
                        SkimWrapper* wrapper) {
  bool have_time = false, digest_keys = false, overflow = false;
  // Counted here and stored once: ev->raw_member_count, incremented in
  // place, was loaded again after each member's stores into *ev (which may
  // alias it), a store-to-load chain through every member of every record.
  std::size_t raw_count = 0;
  const std::size_t close = w.members(open, [&](Member& m) {
    const TopKey k = classify_top_key(key_of(m));
    if (k == TopKey::kUserIdentity && m.kind == '{') {  // non-objects are ignored, as by the DOM
      const std::size_t identity_close = skim_identity(w, text, m.begin, ev);
      if (identity_close == Walker::npos) return false;
      m.end = identity_close + 1;
    }
    if (!w.finish(m)) return false;  // the raw member needs the value's end
    if (raw_count < Event::kMaxRawMembers) {
      ev->raw_members[raw_count++] = {key_of(m), std::string_view(text + m.begin, m.end - m.begin), m.kind};
    } else {
      overflow = true;
    }
    if (k == TopKey::kOther) return true;
    if (auto field = top_string_field(k)) {
      if (!keep_string(m, text, ev->*field)) return false;
      if (k == TopKey::kEventTime) have_time = m.kind == '"';
      return true;
    }
    switch (k) {
      case TopKey::kReadOnly:
        if (m.kind == 't' || m.kind == 'f') {
          ev->read_only = m.kind == 't';
          ev->has_read_only = true;
        } else if (m.kind == '"') {  // Athena exports readOnly as a string
          ev->read_only = std::string_view(text + m.begin, m.end - m.begin) == "true";
          ev->has_read_only = true;
        }
        return true;
      case TopKey::kDigest:
        digest_keys = true;
        return true;
      case TopKey::kWrapper:
        if (wrapper) wrapper->note(key_of(m), m, text);
        return true;
      default:
        return true;
    }
  });
  ev->raw_member_count = raw_count;
  if (close == Walker::npos) return close;
  if (wrapper && wrapper->seen) {
    if (!have_time) return close;
    wrapper->seen = false;  // a record with odd extra keys is still a record
  }
  ev->raw_members_complete = !overflow;
  finish_event(ev, have_time, false, digest_keys, nullptr, out);
  return close;
}

}  // namespace

struct RecordParser::Impl {
  dom::parser parser;
  RecordDom dom;
  JsonStructure index;
  // A record wrapped as a string (lookup-events, CloudWatch Logs), skimmed
  // once unescaped: `index` may still hold the document or envelope around it.
  JsonStructure wrapped_index;
  JsonStructure::Kernel kernel = JsonStructure::Kernel::kBest;
  std::string unwrapped;  // a wrapped record's text, when it is not in the input as it is (an escaped string)
  bool inside_wrapper = false;
};

RecordParser::RecordParser(JsonStructure::Kernel kernel) : impl_(std::make_unique<Impl>()) { impl_->kernel = kernel; }
RecordParser::~RecordParser() = default;

ParseOutcome RecordParser::parse(const RecordView& view, Event* ev) { return parse_record(view, ev, Inner::kParse); }

ParseOutcome RecordParser::parse_record(const RecordView& view, Event* ev, Inner inner_read) {
  ev->clear();
  ParseOutcome out;
  out.error_offset = view.offset;
  const bool needs_copy = view.padded_capacity < view.json.size() + simdjson::SIMDJSON_PADDING;
  auto error = impl_->parser.parse(view.json.data(), view.json.size(), needs_copy).get(impl_->dom.root);
  if (error) {
    out.error = fmt::format("invalid JSON: {}", simdjson::error_message(error));
    return out;
  }
  DomWrapper wrapper;
  fill_event(impl_->dom.root, ev, out, impl_->inside_wrapper ? nullptr : &wrapper);
  if (wrapper.seen) {
    std::string& text = impl_->unwrapped;
    const WrappedRecord inner = open_wrapper(wrapper, text);
    if (inner.verdict != WrappedRecord::kRecord) {
      out.ok = inner.verdict == WrappedRecord::kNotCloudTrail;
      out.kind = RecordKind::kNotCloudTrail;
      out.error = inner.error;
      return out;
    }
    const std::size_t size = text.size();
    text.append(kRecordPadding, '\0');
    return read_wrapped(at_wrapper(view, std::string_view(text.data(), size), text.size()), inner.key, ev,
                        inner_read);
  }
  if (!out.ok) return out;
  set_source(ev, view);
  ev->dom = &impl_->dom;
  return out;
}

ParseOutcome RecordParser::skim(const RecordView& view, Event* ev) { return skim_with(view, ev, impl_->index); }

ParseOutcome RecordParser::skim_with(const RecordView& view, Event* ev, JsonStructure& index) {
  // The walker may read up to 63 bytes past the record (the index's blocks).
  if (view.padded_capacity < view.json.size() + kRecordPadding) return parse_record(view, ev, Inner::kSkim);
  ev->clear();
  index.index(view.json, impl_->kernel);
  Walker w(view.json, index);
  ParseOutcome out;
  SkimWrapper wrapper;
  const std::size_t close = w.at(0) == '{' ? skim_record(w, view.json.data(), 0, ev, out,
                                                         impl_->inside_wrapper ? nullptr : &wrapper)
                                           : Walker::npos;
  // As in a native document: what the walker refuses, and records with
  // escapes, control characters in strings or non-ASCII text, get the full
  // parser (indented records are walked).
  if (close == Walker::npos || close + 1 != view.json.size() || !index.plain_strings(0, close)) {
    return parse_record(view, ev, Inner::kSkim);
  }
  if (wrapper.seen) {
    // An EventBridge event of a CloudTrail record, the usual wrapper, is read
    // in place; the full parser judges the others.
    if (wrapper.detail_end == 0 || !detail_is_cloudtrail_record(wrapper.detail_type)) {
      return parse_record(view, ev, Inner::kSkim);
    }
    // The detail is plain text inside the envelope, whose index holds it:
    // walked there, not indexed again (a third of an EventBridge stream's
    // extra cost over the bare records).
    ev->clear();
    out = ParseOutcome();
    w.seek(wrapper.detail_begin);
    const std::size_t detail_close = skim_record(w, view.json.data(), wrapper.detail_begin, ev, out, nullptr);
    const RecordView detail =
        at_wrapper(view, view.json.substr(wrapper.detail_begin, wrapper.detail_end - wrapper.detail_begin),
                   view.padded_capacity - wrapper.detail_begin);
    // What the walk did not take, the full parser judges.
    if (detail_close == Walker::npos || detail_close + 1 != wrapper.detail_end) {
      return read_wrapped(detail, "detail", ev, Inner::kParse);  // what the walk refused, a skim refuses too
    }
    if (!out.ok) return in_wrapper(std::move(out), "detail", view.offset);
    out.error_offset = view.offset;  // as parse() sets it
    set_source(ev, detail);
    return out;
  }
  out.error_offset = view.offset;  // as parse() sets it
  if (!out.ok) return out;
  set_source(ev, view);
  return out;
}

ParseOutcome RecordParser::read_wrapped(const RecordView& record, std::string_view wrapper_key, Event* ev,
                                        Inner how) {
  impl_->inside_wrapper = true;  // a wrapper in a wrapper is no record
  ParseOutcome out = how == Inner::kSkim ? skim_with(record, ev, impl_->wrapped_index) : parse(record, ev);
  impl_->inside_wrapper = false;
  return out.ok ? out : in_wrapper(std::move(out), wrapper_key, record.offset);
}

RecordParser::DocumentResult RecordParser::parse_native_document_impl(std::string_view text, Event* ev,
                                                                      RecordCallback cb, void* ctx) {
  DocumentResult result;
  JsonStructure& index = impl_->index;
  index.index(text, impl_->kernel);
  Walker w(text, index);
  const std::size_t root = w.skip_space(0);
  if (w.at(root) != '{') return result;

  // Find the records array without reading the records: members() jumps
  // over each top-level value.
  std::size_t records_open = Walker::npos;
  const std::size_t root_close = w.members(root, [&](const Member& m) {
    if (m.kind == '[' && key_of(m) == "Records") records_open = m.begin;
    return true;
  });
  if (root_close == Walker::npos || w.skip_space(root_close + 1) != text.size() || records_open == Walker::npos) {
    return result;
  }

  std::int64_t record_index = 0;
  std::size_t p = w.skip_space(records_open + 1);
  if (w.at(p) == ']') {
    result.complete = true;
    return result;
  }
  for (;;) {
    if (w.at(p) != '{') return result;
    ev->clear();
    ParseOutcome out;
    w.seek(p);  // the walk before may have stopped anywhere in its record
    SkimWrapper wrapper;
    std::size_t close = skim_record(w, text.data(), p, ev, out, &wrapper);
    // Records with escapes, control characters in strings or non-ASCII text
    // are rare: they (and anything the walker refused) get the full parser, which
    // unescapes and validates UTF-8. So does a wrapped record in a Records
    // array, which no service writes.
    const bool careful = close == Walker::npos || !index.plain_strings(p, close) || wrapper.seen;
    if (careful) {
      if (close == Walker::npos) close = index.matching_close(p);
      if (close == Walker::npos || w.at(close) != '}') return result;
    }
    RecordView view;
    view.json = w.slice(p, close + 1);
    view.padded_capacity = text.size() + kRecordPadding - p;
    view.offset = static_cast<std::int64_t>(p);
    view.index = record_index;
    if (careful) {
      out = parse_record(view, ev, Inner::kSkim);
    } else if (out.ok) {
      set_source(ev, view);
    } else {
      out.error_offset = view.offset;
    }
    cb(ctx, record_index, out, *ev);
    ++record_index;
    result.records_done = record_index;
    p = w.skip_space(close + 1);
    if (w.at(p) == ']') break;
    if (w.at(p) != ',') return result;
    p = w.skip_space(p + 1);
  }
  result.complete = true;
  return result;
}

}  // namespace trailsweep
