#pragma once
// RecordFields: reads any dotted field path of the record behind an Event, for
// rules. The fields the parser already copied into Event (eventName,
// userIdentity.arn, ...) are answered from there; any other path parses the
// record's raw JSON once (simdjson DOM, lazily, only when a rule asks) and walks
// it. A path that meets an array fans out over its elements, so
// requestParameters.containerDefinitions.image sees every container.
// One per thread; bind() it to each event before use. Not thread-safe.
#include <cstdint>
#include <deque>
#include <vector>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "trailsweep/diagnostic.hpp"
#include "trailsweep/event.hpp"

namespace trailsweep {

struct FieldValue {
  enum class Kind { kString, kNumber, kBool, kNull, kObject, kArray };
  Kind kind = Kind::kNull;
  std::string_view text;  ///< string contents, number text, "true"/"false", JSON for containers
  double number = 0;      ///< for kNumber
};

class RecordFields;

/// Records whose fields could not be read (RecordFields::error), as one
/// worker met them: all counted, the first kListed located. Merged from
/// several workers it holds each one's first; sorted by file and record and
/// cut to kListed, they are what a run lists.
struct FieldProblems {
  static constexpr std::size_t kListed = 20;
  std::vector<Diagnostic> first;
  std::uint64_t total = 0;
  /// Counts the record `fields` is bound to when a field could not be read.
  void note(const RecordFields& fields);
  void merge(FieldProblems&& other);
};

/// Whether a `contains` of `needle` (lower-cased unless cased) finds it in an
/// object's text as written (compact or not) exactly when it finds it in the
/// text as the parser prints it, which RecordFields compares with the text
/// as written before it answers from the member list. The two texts differ
/// only in the spacing between tokens and in how numbers are written; each
/// string, key and literal is the same in both (the fast path lists members
/// only for records without escapes). A needle with no spacing, quote,
/// backslash or structural byte lies within one token wherever it is found,
/// and one with a byte no number holds cannot lie within a number.
bool found_alike_as_written(std::string_view needle);

class RecordFields {
 public:
  RecordFields();
  ~RecordFields();
  RecordFields(const RecordFields&) = delete;  // owns a simdjson DOM parser
  RecordFields& operator=(const RecordFields&) = delete;

  /// Points at a new event; values from the previous event become invalid.
  void bind(const Event& ev);

  /// Calls `visit` for each value at `path` (several through arrays) until it
  /// returns true. Returns whether any call returned true. A missing field
  /// calls nothing; an explicit JSON null is visited as kNull.
  bool any(std::string_view path, const std::function<bool(const FieldValue&)>& visit);

  /// any(path, visit) when fixed_field_id(path) is already known (rules
  /// resolve it when loaded): a field the parser keeps is read directly,
  /// without the path lookup or a std::function.
  template <typename Visit>
  bool any(int fixed_id, std::string_view path, Visit&& visit) {
    if (fixed_id < 0) return any(path, visit);
    FieldValue v;
    v.kind = FieldValue::Kind::kString;
    v.text = fixed_value(fixed_id);
    return !v.text.empty() && visit(v);  // the parser keeps absent and null as empty
  }

  /// any(key, visit) for a top-level key that is neither a fixed field nor
  /// "readOnly" (requestParameters, ...; FieldCheck finds these when a rule
  /// is loaded). A record the fast path read answers from its member list,
  /// without any()'s path lookups or a std::function: SigmaHQ-style
  /// `requestParameters|contains` checks meet most EC2 and ECS records.
  /// `objects_as_written`: the visitor decides the same on an object's text
  /// as written as on its text as the parser prints it (FieldCheck knows
  /// when), so an object that does not print as written needs no parse.
  template <typename Visit>
  bool any_top_level(std::string_view key, Visit&& visit, bool objects_as_written = false) {
    if (ev_ && !ev_->dom && ev_->raw_members_complete) {
      if (const std::optional<bool> answered = from_member_list(key, visit, objects_as_written)) return *answered;
    }
    return any(key, visit);
  }

  /// True when `path` leads to at least one value that is not null.
  bool exists(std::string_view path);

  /// First value at `path` as text ("" when absent or null).
  std::string first_text(std::string_view path);

  /// The whole record's JSON text (for keyword searches).
  std::string_view raw();

  /// The id of a field the parser keeps in Event (eventName,
  /// userIdentity.arn, ...), or -1. Resolve once, then read it with
  /// fixed_value() without a path lookup.
  static int fixed_field_id(std::string_view path);
  /// The bound event's value of fixed field `id` ("" when absent or null).
  /// Inline: rule checks read one on most records, several on some.
  std::string_view fixed_value(int id) const {
    if (!ev_) return {};
    if (id < kFixedTopCount) return ev_->*kFixedTopFields[id].field;
    return ev_->identity.*kFixedIdentityFields[id - kFixedTopCount].field;
  }
  /// The fields Event keeps, in fixed_field_id() order: top-level ones,
  /// then userIdentity's (named after the "userIdentity." prefix).
  template <typename Holder>
  struct FixedField {
    std::string_view name;
    std::string_view Holder::*field;
  };
  static constexpr int kFixedTopCount = 12, kFixedIdentityCount = 11;
  static const FixedField<Event> kFixedTopFields[kFixedTopCount];
  static const FixedField<UserIdentity> kFixedIdentityFields[kFixedIdentityCount];

  /// Problems parsing the record's JSON for deep paths (reported, never thrown).
  const std::string& error() const { return error_; }
  /// error() as an input problem located at the bound event's file, record
  /// and offset: the fast path does not validate what it jumps over, so a
  /// broken value is found only when something reads into it, and must be
  /// said then (a search that could not read a field is no "no match").
  Diagnostic located_error() const;

 private:
  // A top-level field from the fast path's member list, without parsing the
  // record: its value, absent, or only the parser can say (arrays fan out
  // over their elements; non-integer numbers are printed the parser's way).
  enum class RawAnswer { kValue, kAbsent, kParserNeeded };
  RawAnswer raw_member(std::string_view key, FieldValue& value, bool objects_as_written = false) const;
  /// What visiting top-level `key` from the member list gives, or nullopt
  /// when only the parser can say.
  template <typename Visit>
  std::optional<bool> from_member_list(std::string_view key, Visit&& visit, bool objects_as_written = false) const {
    FieldValue v;
    switch (raw_member(key, v, objects_as_written)) {
      case RawAnswer::kAbsent:
        return false;
      case RawAnswer::kValue:
        return visit(v);
      case RawAnswer::kParserNeeded:
        break;
    }
    return std::nullopt;
  }

  const Event* ev_ = nullptr;
  struct Dom;
  std::unique_ptr<Dom> dom_;
  bool parsed_ = false;
  std::string error_;
  // Texts built for numbers and containers. A deque never moves its elements,
  // so views stay valid until the next bind(); its strings are reused across
  // events so the hot loop does not allocate.
  std::deque<std::string> scratch_;
  std::size_t scratch_used_ = 0;
  std::string& next_scratch();
};

}  // namespace trailsweep
