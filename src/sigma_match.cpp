#include "trailsweep/sigma_match.hpp"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "trailsweep/record_fields.hpp"
#include "trailsweep/word_load.hpp"

namespace trailsweep {

namespace {
// ASCII folding, inline: this runs for every byte a rule compares.
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Whether the next lowered.size() bytes of `text` equal `lowered` once
// folded to ASCII lower case (a pattern is stored folded unless cased).
bool equal_folded(const char* text, std::string_view lowered) {
  return equal_ascii_folded(text, lowered.data(), lowered.size());
}

// How common a byte is in CloudTrail JSON, most common first (roughly: JSON
// punctuation, digits of ids and times, then letters by English frequency);
// bytes not listed are rare. Only the order matters: a `contains` value is
// searched for by its rarest byte, so that few places need a full compare.
constexpr std::string_view kCommonBytes =
    "\",:-.0123456789eatsoinrlcdmu/_pgAhEbSTIRyfwCNOkDLvMPUGx{}[]BHFjqzKVWXYJQZ";

std::size_t commonness(char c) {
  const std::size_t at = kCommonBytes.find(c);
  return at == std::string_view::npos ? 0 : kCommonBytes.size() - at;
}
}  // namespace

Glob Glob::parse(std::string_view v, bool cased) {
  Glob g;
  g.cased_ = cased;
  g.segments_.emplace_back();
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\' && i + 1 < v.size() && (v[i + 1] == '*' || v[i + 1] == '?' || v[i + 1] == '\\')) {
      c = v[++i];
      g.segments_.back().text.push_back(cased ? c : lower(c));
      g.segments_.back().any.push_back(false);
    } else if (c == '*') {
      g.segments_.emplace_back();
    } else if (c == '?') {
      g.segments_.back().text.push_back('?');
      g.segments_.back().any.push_back(true);
      g.segments_.back().has_any = true;
    } else {
      g.segments_.back().text.push_back(cased ? c : lower(c));
      g.segments_.back().any.push_back(false);
    }
  }
  g.choose_anchors();
  return g;
}

Glob Glob::literal(std::string_view text, bool cased) {
  Glob g;
  g.cased_ = cased;
  g.segments_.emplace_back();
  for (char c : text) {
    g.segments_.back().text.push_back(cased ? c : lower(c));
    g.segments_.back().any.push_back(false);
  }
  g.choose_anchors();
  return g;
}

void Glob::choose_anchors() {
  for (Segment& s : segments_) {
    s.anchor = std::string::npos;
    for (std::size_t k = 0; k < s.text.size(); ++k) {
      if (s.any[k]) continue;
      if (s.anchor == std::string::npos || commonness(s.text[k]) < commonness(s.text[s.anchor])) s.anchor = k;
    }
  }
}

// The first position in [from, to) holding the segment's anchor byte (either
// case when the glob ignores case and it is a letter), or npos.
std::size_t Glob::find_anchor(const Segment& s, std::string_view text, std::size_t from, std::size_t to) const {
  const auto anchor = static_cast<unsigned char>(s.text[s.anchor]);
  const unsigned char fold = !cased_ && anchor >= 'a' && anchor <= 'z' ? 0x20 : 0;
  const std::size_t at = find_byte(text.data(), from, to, anchor, fold);
  return at < to ? at : std::string_view::npos;
}

Glob Glob::with_wildcards(bool leading, bool trailing) const {
  Glob g = *this;
  if (leading && !(g.segments_.size() > 1 && g.segments_.front().text.empty())) {
    g.segments_.insert(g.segments_.begin(), Segment{});
  }
  if (trailing && !(g.segments_.size() > 1 && g.segments_.back().text.empty())) {
    g.segments_.push_back(Segment{});
  }
  return g;
}

std::optional<std::string> Glob::as_literal() const { return lone_literal(false, false); }
std::optional<std::string> Glob::as_prefix() const { return lone_literal(false, true); }
std::optional<std::string> Glob::as_contained() const { return lone_literal(true, true); }

std::optional<std::string> Glob::lone_literal(bool leading_star, bool trailing_star) const {
  const bool starred = leading_star || trailing_star;
  if (segments_.size() != 1u + leading_star + trailing_star) return std::nullopt;
  if ((leading_star && !segments_.front().text.empty()) || (trailing_star && !segments_.back().text.empty())) {
    return std::nullopt;
  }
  const Segment& s = segments_[leading_star ? 1 : 0];
  if (s.has_any || (starred && s.text.empty())) return std::nullopt;
  return s.text;
}

bool Glob::segment_at(const Segment& s, std::string_view text, std::size_t pos) const {
  if (pos + s.text.size() > text.size()) return false;
  const char* at = text.data() + pos;
  const std::size_t n = s.text.size();
  if (s.has_any) {
    for (std::size_t k = 0; k < n; ++k) {
      if (!s.any[k] && (cased_ ? at[k] : lower(at[k])) != s.text[k]) return false;
    }
    return true;
  }
  if (cased_) return std::memcmp(at, s.text.data(), n) == 0;
  return equal_folded(at, s.text);
}

bool Glob::matches(std::string_view text) const {
  if (segments_.size() == 1) {
    return text.size() == segments_[0].text.size() && segment_at(segments_[0], text, 0);
  }
  const Segment& first = segments_.front();
  const Segment& last = segments_.back();
  if (first.text.size() + last.text.size() > text.size()) return false;
  // A `contains` has nothing to compare at either end.
  if (!first.text.empty() && !segment_at(first, text, 0)) return false;
  if (!last.text.empty() && !segment_at(last, text, text.size() - last.text.size())) return false;
  // Middle segments, leftmost-first, inside the window between first and last.
  std::size_t pos = first.text.size();
  std::size_t end = text.size() - last.text.size();
  for (std::size_t i = 1; i + 1 < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    if (pos + s.text.size() > end) return false;
    const std::size_t last_start = end - s.text.size();
    bool found = false;
    if (s.anchor == std::string::npos) {  // all '?' (or empty): any place with room
      found = true;
    } else {
      // `contains` runs over whole request objects: jump from one place
      // holding the anchor byte to the next, leftmost first.
      for (std::size_t at = pos + s.anchor; at <= last_start + s.anchor; ++at) {
        at = find_anchor(s, text, at, last_start + s.anchor + 1);
        if (at == std::string_view::npos) break;
        if (segment_at(s, text, at - s.anchor)) {
          pos = at - s.anchor;
          found = true;
          break;
        }
      }
    }
    if (!found) return false;
    pos += s.text.size();
  }
  return true;
}

// A SigmaHQ rule like `userIdentity.arn|re: '.+:assumed-role/aws:.+'` has no
// eventName, so it meets every record; a substring search rejects nearly all
// of them several times faster than the regex engine's setup alone.
std::string regex_required_literal(std::string_view pattern) {
  if (pattern.find('|') != std::string_view::npos || pattern.find("(?") != std::string_view::npos ||
      pattern.find("\\Q") != std::string_view::npos) {
    return {};
  }
  // A quantifier after a multi-byte character applies to all its bytes.
  for (char c : pattern) {
    if (static_cast<unsigned char>(c) >= 0x80) return {};
  }
  std::string best, run;
  int depth = 0;
  auto end_run = [&] {
    if (depth == 0 && run.size() > best.size()) best = run;
    run.clear();
  };
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    switch (c) {
      case '\\': {
        if (i + 1 >= pattern.size()) return {};
        const auto next = static_cast<unsigned char>(pattern[++i]);
        if (std::isalnum(next)) {  // \d, \b, \x41, \pL...: a class or an assertion
          end_run();
        } else {
          run.push_back(static_cast<char>(next));
        }
        break;
      }
      case '*':
      case '?':
      case '{':
        // The atom before is optional: it leaves the run. (Also a lazy '?'
        // after a quantifier, harmlessly.)
        if (!run.empty()) run.pop_back();
        end_run();
        if (c == '{') {
          const std::size_t close = pattern.find('}', i);
          if (close == std::string_view::npos) return {};
          i = close;
        }
        break;
      case '[': {
        end_run();
        std::size_t j = i + 1;
        if (j < pattern.size() && pattern[j] == '^') ++j;
        if (j < pattern.size() && pattern[j] == ']') ++j;  // a leading ']' is a member
        for (; j < pattern.size() && pattern[j] != ']'; ++j) {
          if (pattern[j] == '\\') ++j;
        }
        if (j >= pattern.size()) return {};
        i = j;
        break;
      }
      case '(':
        end_run();
        ++depth;
        break;
      case ')':
        end_run();
        --depth;
        break;
      case '+':  // the atom stays required; what follows it is not adjacent
      case '.':
      case '^':
      case '$':
        end_run();
        break;
      default:
        run.push_back(c);
    }
  }
  end_run();
  // One byte rejects little and costs a search anyway.
  return best.size() >= 2 ? best : std::string();
}

bool parse_ip(std::string_view text, std::vector<unsigned char>* bytes) {
  std::string s(text);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    bytes->assign(buf, buf + 4);
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    bytes->assign(buf, buf + 16);
    return true;
  }
  return false;
}

bool parse_cidr(std::string_view text, std::vector<unsigned char>* network, int* prefix_bits) {
  std::size_t slash = text.find('/');
  std::string_view addr = text.substr(0, slash);
  if (!parse_ip(addr, network)) return false;
  int max_bits = static_cast<int>(network->size() * 8);
  if (slash == std::string_view::npos) {
    *prefix_bits = max_bits;
    return true;
  }
  std::string_view bits = text.substr(slash + 1);
  int n = -1;
  auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
  if (ec != std::errc() || p != bits.data() + bits.size() || n < 0 || n > max_bits) return false;
  *prefix_bits = n;
  return true;
}

namespace {

bool parse_number(std::string_view text, double* out) {
  if (text.empty()) return false;
  std::string s(text);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(d)) return false;
  *out = d;
  return true;
}

bool text_of(const FieldValue& v, std::string_view* out) {
  if (v.kind == FieldValue::Kind::kNull) return false;
  *out = v.text;
  return true;
}

}  // namespace

bool ValuePattern::matches_value(const FieldValue& v, RecordFields& fields) const {
  std::string_view text;
  switch (kind) {
    case Kind::kNull:
      return v.kind == FieldValue::Kind::kNull;
    case Kind::kExists:
      return v.kind != FieldValue::Kind::kNull;
    case Kind::kGlob:
      if (!text_of(v, &text)) return false;
      if (number_is_yaml_number && v.kind == FieldValue::Kind::kNumber) {
        return std::fabs(v.number - number) < 1e-9;
      }
      return glob.matches(text);
    case Kind::kRegex:
      if (!text_of(v, &text)) return false;
      if (regex_literal && !regex_literal->matches(text)) return false;
      return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *regex);
    case Kind::kNumeric: {
      double d;
      if (v.kind == FieldValue::Kind::kNumber) {
        d = v.number;
      } else if (v.kind != FieldValue::Kind::kString || !parse_number(v.text, &d)) {
        return false;
      }
      switch (numeric_op) {
        case NumericOp::kLt:
          return d < number;
        case NumericOp::kLte:
          return d <= number;
        case NumericOp::kGt:
          return d > number;
        case NumericOp::kGte:
          return d >= number;
      }
      return false;
    }
    case Kind::kCidr: {
      if (v.kind != FieldValue::Kind::kString) return false;
      std::vector<unsigned char> ip;
      if (!parse_ip(v.text, &ip) || ip.size() != network.size()) return false;
      int full = prefix_bits / 8, rest = prefix_bits % 8;
      if (!std::equal(ip.begin(), ip.begin() + full, network.begin())) return false;
      if (rest == 0) return true;
      unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
      return (ip[static_cast<std::size_t>(full)] & mask) == (network[static_cast<std::size_t>(full)] & mask);
    }
    case Kind::kFieldRef: {
      if (!text_of(v, &text)) return false;
      return fields.any(ref_path, [&](const FieldValue& other) {
        std::string_view o;
        if (!text_of(other, &o)) return false;
        auto eq = [&](char a, char b) { return cased ? a == b : lower(a) == lower(b); };
        switch (ref_op) {
          case RefOp::kEquals:
            return text.size() == o.size() && std::equal(text.begin(), text.end(), o.begin(), eq);
          case RefOp::kContains:
            return std::search(text.begin(), text.end(), o.begin(), o.end(), eq) != text.end();
          case RefOp::kStartsWith:
            return text.size() >= o.size() && std::equal(o.begin(), o.end(), text.begin(), eq);
          case RefOp::kEndsWith:
            return text.size() >= o.size() && std::equal(o.begin(), o.end(), text.end() - static_cast<std::ptrdiff_t>(o.size()), eq);
        }
        return false;
      });
    }
  }
  return false;
}

void FieldCheck::prepare() {
  literal_only_ = false;
  literals_.clear();
  regex_literal_first_ = !path.empty() && fixed_field >= 0 && !all && !negate && values.size() == 1 &&
                         values[0].kind == ValuePattern::Kind::kRegex && values[0].regex_literal.has_value();
  // Any other top-level key (requestParameters, ...): RecordFields::any
  // would find that out per record, through a std::function.
  top_level_member_ = !path.empty() && path != "readOnly" && path.find('.') == std::string::npos &&
                      RecordFields::fixed_field_id(path) < 0;
  // SigmaHQ-style `requestParameters|contains` meets every EC2, ECS and
  // Lambda record: checking first that the object prints as written was
  // ~300 instructions each, and for such needles the answer cannot differ.
  objects_as_written_ = top_level_member_ && !values.empty() &&
                        std::all_of(values.begin(), values.end(), [](const ValuePattern& p) {
                          if (p.kind != ValuePattern::Kind::kGlob) return false;
                          const std::optional<std::string> needle = p.glob.as_contained();
                          return needle && found_alike_as_written(*needle);
                        });
  if (path.empty() || fixed_field < 0 || all || negate || values.empty()) return;
  for (const ValuePattern& p : values) {
    // A fixed field is always read as a string, so a YAML number's numeric
    // comparison never applies and its text is compared as here.
    std::optional<std::string> literal = p.kind == ValuePattern::Kind::kGlob ? p.glob.as_literal() : std::nullopt;
    if (!literal || p.glob.cased() != values.front().glob.cased()) {
      literals_.clear();
      return;
    }
    literals_.push_back(std::move(*literal));
  }
  literals_cased_ = values.front().glob.cased();
  literal_only_ = true;
}

bool FieldCheck::matches(RecordFields& fields) const {
  if (literal_only_) {
    // What the general path decides for these checks (a fixed field that is
    // absent, null or "" has no value to visit), without its layers: most
    // records meet several such checks.
    const std::string_view text = fields.fixed_value(fixed_field);
    if (text.empty()) return false;
    return std::any_of(literals_.begin(), literals_.end(), [&](const std::string& literal) {
      if (literal.size() != text.size()) return false;
      if (literals_cased_) return std::memcmp(literal.data(), text.data(), text.size()) == 0;
      return equal_folded(text.data(), literal);
    });
  }
  if (regex_literal_first_) {
    // What the general path would find first, without its layers: no value,
    // or a value without the literal, cannot match.
    const std::string_view text = fields.fixed_value(fixed_field);
    if (text.empty() || !values.front().regex_literal->matches(text)) return false;
  }
  return matches_general(fields);
}

[[gnu::noinline]] bool FieldCheck::matches_general(RecordFields& fields) const {
  if (path.empty()) {
    // Keyword search: the values are looked for anywhere in the record text.
    FieldValue whole;
    whole.kind = FieldValue::Kind::kString;
    whole.text = fields.raw();
    auto hit = [&](const ValuePattern& p) { return p.matches_value(whole, fields); };
    return all ? std::all_of(values.begin(), values.end(), hit)
               : std::any_of(values.begin(), values.end(), hit);
  }
  auto any_value = [&](auto&& visit) {
    return top_level_member_ ? fields.any_top_level(path, visit, objects_as_written_)
                             : fields.any(fixed_field, path, visit);
  };
  auto exists = [&] { return any_value([](const FieldValue& v) { return v.kind != FieldValue::Kind::kNull; }); };
  bool result;
  if (values.size() == 1 && values[0].kind == ValuePattern::Kind::kExists) {
    result = exists() == values[0].exists;
  } else if (values.size() == 1 && values[0].kind == ValuePattern::Kind::kNull) {
    // null matches an absent field as well as an explicit JSON null.
    result = !exists();
  } else if (all) {
    result = std::all_of(values.begin(), values.end(), [&](const ValuePattern& p) {
      return any_value([&](const FieldValue& v) { return p.matches_value(v, fields); });
    });
  } else {
    result = any_value([&](const FieldValue& v) {
      return std::any_of(values.begin(), values.end(),
                         [&](const ValuePattern& p) { return p.matches_value(v, fields); });
    });
    if (!result && std::any_of(values.begin(), values.end(), [](const ValuePattern& p) {
          return p.kind == ValuePattern::Kind::kNull;
        })) {
      result = !exists();
    }
  }
  return negate ? !result : result;
}

bool Selection::matches(RecordFields& fields) const {
  return std::any_of(alternatives.begin(), alternatives.end(), [&](const auto& checks) {
    return std::all_of(checks.begin(), checks.end(),
                       [&](const FieldCheck& c) { return c.matches(fields); });
  });
}

}  // namespace trailsweep
