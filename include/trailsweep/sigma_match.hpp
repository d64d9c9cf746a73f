#pragma once
// Sigma value matching: one compiled pattern per value of a detection field
// (after modifiers), plus the selections (AND of fields, OR of alternatives)
// built from them. Patterns are immutable after compilation and shared by all
// threads. Regular expressions are RE2 (linear time), never std::regex.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace trailsweep {

class RecordFields;
struct FieldValue;

/// A glob with '*' and '?' (already unescaped into segments), compared
/// case-insensitively unless cased.
class Glob {
 public:
  /// Parses Sigma wildcard syntax: '*' any run, '?' any one byte, '\*' '\?' '\\' literals.
  static Glob parse(std::string_view sigma_value, bool cased);
  /// A literal (no wildcard characters), e.g. after base64 encoding.
  static Glob literal(std::string_view text, bool cased);
  bool matches(std::string_view text) const;
  /// The literal text when the glob has no wildcards (lower-cased unless cased()).
  std::optional<std::string> as_literal() const;
  bool cased() const { return cased_; }
  /// The literal prefix when the glob is "prefix*" (used by the rule index).
  std::optional<std::string> as_prefix() const;
  /// The literal when the glob is "*literal*" (a `contains`), without '?'.
  std::optional<std::string> as_contained() const;
  Glob with_wildcards(bool leading, bool trailing) const;

 private:
  struct Segment {
    std::string text;  // lower-cased unless cased; '?' positions in `any`
    std::vector<bool> any;
    bool has_any = false;  // some '?': compared byte by byte with `any`
    // The byte of `text` least common in CloudTrail JSON (no '?'): a middle
    // segment is searched for by it, a word at a time (see find_anchor).
    std::size_t anchor = std::string::npos;
  };
  bool segment_at(const Segment& s, std::string_view text, std::size_t pos) const;
  /// The glob's one literal, without '?', when it is that literal with a '*'
  /// before it and after it as asked (and none elsewhere); a starred one is
  /// never empty.
  std::optional<std::string> lone_literal(bool leading_star, bool trailing_star) const;
  void choose_anchors();
  std::size_t find_anchor(const Segment& s, std::string_view text, std::size_t from, std::size_t to) const;
  std::vector<Segment> segments_;  // split at '*'
  bool cased_ = false;
};

enum class NumericOp { kLt, kLte, kGt, kGte };

struct ValuePattern {
  enum class Kind { kGlob, kRegex, kNumeric, kCidr, kNull, kExists, kFieldRef };
  Kind kind = Kind::kGlob;
  Glob glob;
  std::shared_ptr<const re2::RE2> regex;
  /// Bytes every match of `regex` contains (see regex_required_literal):
  /// looked for first, since most values cannot match. Searched as a cased
  /// `*literal*` glob, by its rarest byte: the usual `:` of an ARN pattern
  /// would stop a plain find at every colon of every ARN.
  std::optional<Glob> regex_literal;
  NumericOp numeric_op = NumericOp::kGt;
  double number = 0;
  bool number_is_yaml_number = false;  ///< the YAML value was a number: compare numerically too
  // CIDR: network bytes and prefix length (IPv4 stored as 4 bytes, IPv6 as 16).
  std::vector<unsigned char> network;
  int prefix_bits = 0;
  bool exists = true;                ///< for kExists
  std::string ref_path;              ///< for kFieldRef
  enum class RefOp { kEquals, kContains, kStartsWith, kEndsWith } ref_op = RefOp::kEquals;
  bool cased = false;

  /// Whether this pattern accepts one value of the field.
  bool matches_value(const FieldValue& v, RecordFields& fields) const;
};

struct FieldCheck {
  std::string path;  ///< empty: keyword search over the whole record
  /// RecordFields::fixed_field_id(path), resolved once when the rule is
  /// compiled: a field the parser keeps is then read without a path lookup.
  int fixed_field = -1;
  std::vector<ValuePattern> values;
  bool all = false;     ///< every value must match (modifier all)
  bool negate = false;  ///< modifier neq: no value may match

  bool matches(RecordFields& fields) const;
  /// Called once the check is built: finds whether it is the commonest
  /// kind, plain literals compared whole with a field the parser keeps
  /// (eventName: X, userIdentity.type: Root), which matches() then decides
  /// by length and bytes alone. A check never prepared takes the general
  /// path, with the same result.
  void prepare();
  /// Whether prepare() found it decidable by length and bytes alone.
  bool literal_only() const { return literal_only_; }
  /// Whether prepare() found it one regular expression on a field the parser
  /// keeps with a literal every match contains, which matches() then looks
  /// for before anything else.
  bool regex_literal_first() const { return regex_literal_first_; }
  /// Whether prepare() found its path a top-level key read from the fast
  /// path's member list (RecordFields::any_top_level).
  bool top_level_member() const { return top_level_member_; }
  /// Whether prepare() found that its values decide the same on an object's
  /// text as written as on its text as the parser prints it (see
  /// found_alike_as_written in record_fields.hpp), so an object member needs no parse.
  bool objects_as_written() const { return objects_as_written_; }

 private:
  // The checks that are not literal_only(): out of line, so that the
  // literal ones, on most records, do not pay for its frame.
  bool matches_general(RecordFields& fields) const;
  bool literal_only_ = false;
  // One regular expression on a field the parser keeps, with a literal every
  // match contains: SigmaHQ's IMDS rule (`userIdentity.arn|re`) meets every
  // record, and nearly every ARN lacks the literal.
  bool regex_literal_first_ = false;
  bool top_level_member_ = false;
  bool objects_as_written_ = false;
  bool literals_cased_ = false;
  std::vector<std::string> literals_;  // lower-cased unless cased
};

/// One named selection: OR over alternatives, each an AND over field checks.
struct Selection {
  std::string name;
  std::vector<std::vector<FieldCheck>> alternatives;

  bool matches(RecordFields& fields) const;
};

/// A run of literal bytes that every match of the RE2 `pattern` must
/// contain, or "" when none can be proven. Conservative: patterns with
/// alternation, inline flags or \\Q quoting give "", as do runs inside groups
/// or made optional by a quantifier. Case-sensitive patterns only.
std::string regex_required_literal(std::string_view pattern);

/// Parses "10.0.0.0/8" or "2001:db8::/32" into network bytes. False if invalid.
bool parse_cidr(std::string_view text, std::vector<unsigned char>* network, int* prefix_bits);
/// Parses a textual IPv4/IPv6 address into bytes. False if invalid.
bool parse_ip(std::string_view text, std::vector<unsigned char>* bytes);

}  // namespace trailsweep
