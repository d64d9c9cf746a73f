#pragma once
// YAML documents as trees of nodes, parsed with libyaml (the reference C
// parser, fuzzed continuously upstream): every YAML text trailsweep reads
// (rules, rule tests, allowlists, `search --sigma`) may come from someone
// else, so a parse must end, in bounded memory, with nodes or an error that
// says where. Aliases refer to their anchor's node (nothing is copied), an
// anchor counts only once its node is complete (no cycles), and nesting is
// limited (kMaxYamlDepth).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trailsweep {

/// Deeper nesting is refused: no rule needs it, and the code that walks
/// nodes must not recurse without bound.
inline constexpr std::size_t kMaxYamlDepth = 256;

/// A place in the text, 1-based; {0, 0} when unknown.
struct YamlMark {
  int line = 0;
  int column = 0;
};

struct YamlTree;

/// A handle on one node of a parsed document (it keeps the document alive).
/// A default-constructed node, or one asked for a key a map lacks, is absent:
/// false in a boolean test, and no kind at all.
class YamlNode {
 public:
  YamlNode() = default;

  explicit operator bool() const { return tree_ != nullptr; }
  /// `~`, `null`, `Null`, `NULL` or nothing at all, written plain and untagged.
  bool is_null() const;
  bool is_scalar() const;
  bool is_sequence() const;
  bool is_map() const;
  /// A scalar written plain and untagged, whose type YAML would resolve from
  /// its text (`5` is a number, `'5'` a string).
  bool is_plain_scalar() const;
  /// A scalar's text; empty for anything else.
  const std::string& scalar() const;
  /// The finite number a plain, untagged scalar's whole text spells (`5`,
  /// `-1.5`, `1e3`, `0x10`), as the rules read it; nullopt for anything
  /// else: `'5'`, `nan`, `inf`, `1e999`.
  std::optional<double> plain_number() const;
  YamlMark mark() const;

  /// Items of a sequence, members of a map; 0 otherwise.
  std::size_t size() const;
  /// The value of the first member whose key is the scalar `key`; absent when
  /// there is none or this is no map.
  YamlNode operator[](std::string_view key) const;
  std::vector<YamlNode> items() const;
  std::vector<std::pair<YamlNode, YamlNode>> members() const;

 private:
  friend struct YamlParse parse_yaml(std::string_view text);
  YamlNode(std::shared_ptr<const YamlTree> tree, std::uint32_t index) : tree_(std::move(tree)), index_(index) {}
  std::shared_ptr<const YamlTree> tree_;
  std::uint32_t index_ = 0;
};

struct YamlError {
  YamlMark mark;
  std::string message;  ///< what is wrong there, without the place
};

struct YamlParse {
  /// One node a document, in order; an empty document is a null node.
  std::vector<YamlNode> documents;
  std::optional<YamlError> error;  ///< then documents holds those before it
};

/// Parses every document of `text` (UTF-8, or UTF-16 with a BOM).
YamlParse parse_yaml(std::string_view text);

/// Writes YAML in block style, each scalar in the plainest style that keeps
/// its text (libyaml's emitter decides). For rules composed in code.
class YamlWriter {
 public:
  YamlWriter();
  ~YamlWriter();
  YamlWriter(const YamlWriter&) = delete;
  YamlWriter& operator=(const YamlWriter&) = delete;

  YamlWriter& begin_map();
  YamlWriter& end_map();
  YamlWriter& scalar(std::string_view text);
  YamlWriter& null();
  /// A parsed node and everything under it, aliases written out in full (up
  /// to a million nodes: a few aliases of aliases stand for billions).
  YamlWriter& node(const YamlNode& n);
  /// The text, once every map is closed; nullopt when it cannot be written
  /// (see problem()).
  std::optional<std::string> finish();
  /// Why finish() gave nothing: libyaml's words (a scalar that is not
  /// UTF-8, say), or too many nodes to replay.
  const std::string& problem() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace trailsweep
