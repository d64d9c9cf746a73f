#include "trailsweep/sigma_condition.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace trailsweep {

namespace {

struct Token {
  enum class Kind { kWord, kLParen, kRParen, kPipe, kEnd } kind;
  std::string text;
  std::size_t column;
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(') {
      out.push_back({Token::Kind::kLParen, "(", i + 1});
      ++i;
    } else if (c == ')') {
      out.push_back({Token::Kind::kRParen, ")", i + 1});
      ++i;
    } else if (c == '|') {
      out.push_back({Token::Kind::kPipe, "|", i + 1});
      ++i;
    } else {
      std::size_t start = i;
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '(' &&
             s[i] != ')' && s[i] != '|') {
        ++i;
      }
      out.push_back({Token::Kind::kWord, std::string(s.substr(start, i - start)), start + 1});
    }
  }
  out.push_back({Token::Kind::kEnd, "", s.size() + 1});
  return out;
}

bool wildcard_match(std::string_view pattern, std::string_view name) {
  // Only '*' is meaningful in "1 of selection_*".
  std::size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == name;
  std::string_view prefix = pattern.substr(0, star);
  std::string_view rest = pattern.substr(star + 1);
  if (name.substr(0, prefix.size()) != prefix) return false;
  for (std::size_t k = prefix.size(); k <= name.size(); ++k) {
    if (wildcard_match(rest, name.substr(k))) return true;
  }
  return false;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::vector<std::string>& names)
      : t_(std::move(tokens)), names_(names) {}

  std::optional<ConditionNode> parse(std::string* error) {
    auto node = parse_or();
    if (node && t_[pos_].kind == Token::Kind::kPipe) {
      fail(fmt::format("aggregation expressions ('| count() ...') are not supported at column {}; "
                       "write a correlation rule instead",
                       t_[pos_].column));
      node.reset();
    } else if (node && t_[pos_].kind != Token::Kind::kEnd) {
      fail(fmt::format("unexpected '{}' at column {}", t_[pos_].text, t_[pos_].column));
      node.reset();
    }
    if (!node) *error = error_;
    return node;
  }

 private:
  bool is_word(const char* w) const {
    return t_[pos_].kind == Token::Kind::kWord && lower(t_[pos_].text) == w;
  }
  void fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
  }

  std::optional<ConditionNode> parse_or() {
    auto left = parse_and();
    if (!left) return std::nullopt;
    if (!is_word("or")) return left;
    ConditionNode node;
    node.kind = ConditionNode::Kind::kOr;
    node.children.push_back(std::move(*left));
    while (is_word("or")) {
      ++pos_;
      auto right = parse_and();
      if (!right) return std::nullopt;
      node.children.push_back(std::move(*right));
    }
    return node;
  }

  std::optional<ConditionNode> parse_and() {
    auto left = parse_not();
    if (!left) return std::nullopt;
    if (!is_word("and")) return left;
    ConditionNode node;
    node.kind = ConditionNode::Kind::kAnd;
    node.children.push_back(std::move(*left));
    while (is_word("and")) {
      ++pos_;
      auto right = parse_not();
      if (!right) return std::nullopt;
      node.children.push_back(std::move(*right));
    }
    return node;
  }

  std::optional<ConditionNode> parse_not() {
    if (is_word("not")) {
      ++pos_;
      auto inner = parse_not();
      if (!inner) return std::nullopt;
      ConditionNode node;
      node.kind = ConditionNode::Kind::kNot;
      node.children.push_back(std::move(*inner));
      return node;
    }
    return parse_primary();
  }

  std::optional<ConditionNode> parse_primary() {
    const Token& tok = t_[pos_];
    if (tok.kind == Token::Kind::kLParen) {
      ++pos_;
      auto inner = parse_or();
      if (!inner) return std::nullopt;
      if (t_[pos_].kind != Token::Kind::kRParen) {
        fail(fmt::format("expected ')' at column {}", t_[pos_].column));
        return std::nullopt;
      }
      ++pos_;
      return inner;
    }
    if (tok.kind != Token::Kind::kWord) {
      fail(tok.kind == Token::Kind::kEnd
               ? std::string("condition ends where a selection name was expected")
               : fmt::format("unexpected '{}' at column {}", tok.text, tok.column));
      return std::nullopt;
    }
    std::string word = lower(tok.text);
    if ((word == "1" || word == "any" || word == "all") && pos_ + 1 < t_.size() &&
        t_[pos_ + 1].kind == Token::Kind::kWord && lower(t_[pos_ + 1].text) == "of") {
      pos_ += 2;
      const Token& target = t_[pos_];
      if (target.kind != Token::Kind::kWord) {
        fail(fmt::format("expected a selection pattern or 'them' after 'of' at column {}",
                         target.column));
        return std::nullopt;
      }
      ConditionNode node;
      node.kind = word == "all" ? ConditionNode::Kind::kAllOf : ConditionNode::Kind::kOneOf;
      bool them = lower(target.text) == "them";
      for (std::size_t i = 0; i < names_.size(); ++i) {
        // "them" excludes selections whose names start with '_' (Sigma convention).
        if (them ? names_[i].rfind('_', 0) != 0 : wildcard_match(target.text, names_[i])) {
          node.selections.push_back(static_cast<int>(i));
        }
      }
      if (node.selections.empty()) {
        fail(fmt::format("'{}' at column {} matches no selection", target.text, target.column));
        return std::nullopt;
      }
      ++pos_;
      return node;
    }
    if (word == "and" || word == "or" || word == "of") {
      fail(fmt::format("unexpected '{}' at column {}", tok.text, tok.column));
      return std::nullopt;
    }
    auto it = std::find(names_.begin(), names_.end(), tok.text);
    if (it == names_.end()) {
      fail(fmt::format("unknown selection '{}' at column {}", tok.text, tok.column));
      return std::nullopt;
    }
    ConditionNode node;
    node.kind = ConditionNode::Kind::kSelection;
    node.selections.push_back(static_cast<int>(it - names_.begin()));
    ++pos_;
    return node;
  }

  std::vector<Token> t_;
  const std::vector<std::string>& names_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::optional<ConditionNode> parse_condition(std::string_view text,
                                             const std::vector<std::string>& selection_names,
                                             std::string* error) {
  Parser p(tokenize(text), selection_names);
  return p.parse(error);
}

}  // namespace trailsweep
