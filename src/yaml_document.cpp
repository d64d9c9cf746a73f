#include "trailsweep/yaml_document.hpp"

#include <yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

namespace trailsweep {

struct YamlTree {
  enum class Kind : std::uint8_t { kNull, kScalar, kSequence, kMap };
  struct Node {
    Kind kind = Kind::kNull;
    bool plain = false;  // a scalar written plain and untagged
    YamlMark mark;
    std::string text;                     // a scalar's
    std::vector<std::uint32_t> children;  // a sequence's items; a map's keys and values, alternating
  };
  std::vector<Node> nodes;
};

namespace {

const std::string kNoText;

YamlMark mark_of(const yaml_mark_t& m) { return {static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1}; }

// What YAML resolves a plain, untagged scalar to null from (the core schema's
// spellings; an empty value is one too).
bool null_spelling(std::string_view s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

// The parser's own words and where, as libyaml reports them. Reader errors
// (bytes that are not UTF-8, control characters) come with an offset, not a
// mark: the mark is counted from the text.
YamlError parser_error(const yaml_parser_t& parser, std::string_view text) {
  YamlError e;
  const std::string problem = parser.problem ? parser.problem : "cannot be parsed";
  if (parser.error == YAML_READER_ERROR) {
    const std::size_t offset = std::min(parser.problem_offset, text.size());
    const std::string_view before = text.substr(0, offset);
    const std::size_t line_start = before.rfind('\n');  // of the line the offset is on, before its start
    e.mark.line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    e.mark.column = 1 + static_cast<int>(line_start == std::string_view::npos ? offset : offset - line_start - 1);
    // Nearly always a file saved in a legacy encoding (Latin-1, Windows-1252): say what to do.
    e.message = parser.problem_value >= 0
                    ? fmt::format("{} (byte 0x{:02x} at offset {})", problem, parser.problem_value, offset)
                    : fmt::format("{} (at offset {})", problem, offset);
    e.message += "; YAML must be UTF-8, or UTF-16 with a byte-order mark";
    return e;
  }
  e.mark = mark_of(parser.problem_mark);
  e.message = problem;
  if (parser.context) {
    e.message += fmt::format(" ({} that starts at line {})", parser.context, parser.context_mark.line + 1);
  }
  return e;
}

}  // namespace

// ---- nodes ----------------------------------------------------------------

bool YamlNode::is_null() const { return tree_ && tree_->nodes[index_].kind == YamlTree::Kind::kNull; }
bool YamlNode::is_scalar() const { return tree_ && tree_->nodes[index_].kind == YamlTree::Kind::kScalar; }
bool YamlNode::is_sequence() const { return tree_ && tree_->nodes[index_].kind == YamlTree::Kind::kSequence; }
bool YamlNode::is_map() const { return tree_ && tree_->nodes[index_].kind == YamlTree::Kind::kMap; }
bool YamlNode::is_plain_scalar() const { return is_scalar() && tree_->nodes[index_].plain; }
const std::string& YamlNode::scalar() const { return is_scalar() ? tree_->nodes[index_].text : kNoText; }

std::optional<double> YamlNode::plain_number() const {
  if (!is_plain_scalar()) return std::nullopt;
  const std::string& s = scalar();
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  // nan, inf, 1e999: no JSON number is one, and a threshold of one would
  // silently never hold; YAML itself reads nan and inf as text.
  if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

YamlMark YamlNode::mark() const { return tree_ ? tree_->nodes[index_].mark : YamlMark{}; }

std::size_t YamlNode::size() const {
  if (is_sequence()) return tree_->nodes[index_].children.size();
  if (is_map()) return tree_->nodes[index_].children.size() / 2;
  return 0;
}

YamlNode YamlNode::operator[](std::string_view key) const {
  if (!is_map()) return {};
  const auto& children = tree_->nodes[index_].children;
  for (std::size_t i = 0; i + 1 < children.size(); i += 2) {
    const YamlTree::Node& k = tree_->nodes[children[i]];
    if (k.kind == YamlTree::Kind::kScalar && k.text == key) return {tree_, children[i + 1]};
  }
  return {};
}

std::vector<YamlNode> YamlNode::items() const {
  std::vector<YamlNode> out;
  if (!is_sequence()) return out;
  for (std::uint32_t child : tree_->nodes[index_].children) out.push_back({tree_, child});
  return out;
}

std::vector<std::pair<YamlNode, YamlNode>> YamlNode::members() const {
  std::vector<std::pair<YamlNode, YamlNode>> out;
  if (!is_map()) return out;
  const auto& children = tree_->nodes[index_].children;
  for (std::size_t i = 0; i + 1 < children.size(); i += 2) {
    out.emplace_back(YamlNode(tree_, children[i]), YamlNode(tree_, children[i + 1]));
  }
  return out;
}

// ---- parsing --------------------------------------------------------------

YamlParse parse_yaml(std::string_view text) {
  YamlParse result;
  auto tree = std::make_shared<YamlTree>();
  std::vector<std::uint32_t> documents;
  std::size_t whole_documents = 0;  // those whose end the parser reached
  struct Open {
    std::uint32_t node;
    std::string anchor;  // registered when the node is complete, so no node contains itself
  };
  std::vector<Open> open;
  std::unordered_map<std::string, std::uint32_t> anchors;  // per document, as YAML scopes them

  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    result.error = YamlError{{}, "out of memory"};
    return result;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());

  auto attach = [&](std::uint32_t node) {
    if (open.empty()) {
      documents.push_back(node);
    } else {
      tree->nodes[open.back().node].children.push_back(node);
    }
  };
  auto add_node = [&](YamlTree::Kind kind, const yaml_mark_t& mark) {
    const auto index = static_cast<std::uint32_t>(tree->nodes.size());
    tree->nodes.emplace_back();
    tree->nodes.back().kind = kind;
    tree->nodes.back().mark = mark_of(mark);
    attach(index);
    return index;
  };
  auto anchor_name = [](const yaml_char_t* anchor) {
    return anchor ? std::string(reinterpret_cast<const char*>(anchor)) : std::string();
  };

  bool done = false;
  while (!done && !result.error) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      result.error = parser_error(parser, text);
      break;
    }
    switch (event.type) {
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      case YAML_DOCUMENT_START_EVENT:
        anchors.clear();
        break;
      case YAML_DOCUMENT_END_EVENT:
        whole_documents = documents.size();
        break;
      case YAML_ALIAS_EVENT: {
        const std::string name = anchor_name(event.data.alias.anchor);
        auto it = anchors.find(name);
        if (it == anchors.end()) {
          result.error = YamlError{mark_of(event.start_mark), fmt::format("unknown anchor '{}'", name)};
        } else {
          attach(it->second);
        }
        break;
      }
      case YAML_SCALAR_EVENT: {
        std::string value(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
        const bool plain = event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && event.data.scalar.tag == nullptr;
        const bool null = plain && null_spelling(value);
        const std::uint32_t index = add_node(null ? YamlTree::Kind::kNull : YamlTree::Kind::kScalar, event.start_mark);
        if (!null) {
          tree->nodes[index].plain = plain;
          tree->nodes[index].text = std::move(value);
        }
        if (event.data.scalar.anchor) anchors[anchor_name(event.data.scalar.anchor)] = index;
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        if (open.size() >= kMaxYamlDepth) {
          result.error = YamlError{mark_of(event.start_mark),
                                   fmt::format("nested deeper than {} levels", kMaxYamlDepth)};
          break;
        }
        const bool map = event.type == YAML_MAPPING_START_EVENT;
        const std::uint32_t index = add_node(map ? YamlTree::Kind::kMap : YamlTree::Kind::kSequence, event.start_mark);
        open.push_back({index, anchor_name(map ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)});
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        if (!open.back().anchor.empty()) anchors[open.back().anchor] = open.back().node;
        open.pop_back();
        break;
      default:
        break;
    }
    yaml_event_delete(&event);
  }
  yaml_parser_delete(&parser);
  std::shared_ptr<const YamlTree> shared = std::move(tree);
  if (result.error) documents.resize(whole_documents);  // a document cut short by the error is none
  for (std::uint32_t d : documents) result.documents.push_back(YamlNode(shared, d));
  return result;
}

// ---- writing --------------------------------------------------------------

namespace {
constexpr std::size_t kMaxReplayedNodes = 1'000'000;
}

struct YamlWriter::State {
  yaml_emitter_t emitter;
  std::string out;
  bool ok = true;
  std::string problem;  // why not ok
  bool started = false;
  std::size_t replayed = 0;

  static int append(void* self, unsigned char* buffer, std::size_t size) {
    static_cast<State*>(self)->out.append(reinterpret_cast<const char*>(buffer), size);
    return 1;
  }
  // Takes the event in every case (libyaml frees it, emitted or not).
  void emit(yaml_event_t& event, bool initialized) {
    if (!initialized) {
      fail(emitter.problem ? emitter.problem : "out of memory");
      return;
    }
    if (!ok) {
      yaml_event_delete(&event);
      return;
    }
    if (!yaml_emitter_emit(&emitter, &event)) fail(emitter.problem ? emitter.problem : "cannot be written");
  }
  void fail(std::string why) {
    if (ok) problem = std::move(why);
    ok = false;
  }
  void start() {
    if (started) return;
    started = true;
    yaml_event_t event;
    emit(event, yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING));
    emit(event, yaml_document_start_event_initialize(&event, nullptr, nullptr, nullptr, 1));
  }
  void scalar(std::string_view text, bool plain) {
    start();
    if (!simdjson::validate_utf8(text.data(), text.size())) {  // libyaml refuses it without a word
      fail(fmt::format("'{}' is not UTF-8 text", text));
      return;
    }
    yaml_event_t event;
    // A scalar read as a string ('5') must come back quoted: plain_implicit 0
    // keeps the emitter from writing it plain.
    emit(event, yaml_scalar_event_initialize(&event, nullptr, nullptr,
                                             reinterpret_cast<const yaml_char_t*>(text.data()),
                                             static_cast<int>(text.size()), plain ? 1 : 0, 1, YAML_ANY_SCALAR_STYLE));
  }
  // `depth`: containers above `n` in what is written. The parser limits a
  // document's nesting, but an alias inside a deep node that refers to
  // another deep node nests deeper written out, without bound.
  void replay(const YamlNode& n, std::size_t depth = 0) {
    if (++replayed > kMaxReplayedNodes) {
      fail(fmt::format("more than {} nodes (aliases of aliases)", kMaxReplayedNodes));
      return;
    }
    if (depth > kMaxYamlDepth) {
      fail(fmt::format("nested deeper than {} levels (aliases inside aliases)", kMaxYamlDepth));
      return;
    }
    yaml_event_t event;
    if (n.is_map()) {
      start();
      emit(event, yaml_mapping_start_event_initialize(&event, nullptr, nullptr, 1, YAML_BLOCK_MAPPING_STYLE));
      for (const auto& [key, value] : n.members()) {
        replay(key, depth + 1);
        replay(value, depth + 1);
        if (!ok) return;
      }
      emit(event, yaml_mapping_end_event_initialize(&event));
    } else if (n.is_sequence()) {
      start();
      emit(event, yaml_sequence_start_event_initialize(&event, nullptr, nullptr, 1, YAML_BLOCK_SEQUENCE_STYLE));
      for (const YamlNode& item : n.items()) {
        replay(item, depth + 1);
        if (!ok) return;
      }
      emit(event, yaml_sequence_end_event_initialize(&event));
    } else if (n.is_scalar()) {
      scalar(n.scalar(), n.is_plain_scalar());
    } else {
      scalar("~", true);
    }
  }
};

YamlWriter::YamlWriter() : state_(std::make_unique<State>()) {
  if (!yaml_emitter_initialize(&state_->emitter)) {
    state_->fail("out of memory");
    return;
  }
  yaml_emitter_set_output(&state_->emitter, &State::append, state_.get());
  yaml_emitter_set_unicode(&state_->emitter, 1);  // UTF-8 as it is, not \u escapes
  yaml_emitter_set_width(&state_->emitter, -1);   // long values on one line
}

YamlWriter::~YamlWriter() { yaml_emitter_delete(&state_->emitter); }

YamlWriter& YamlWriter::begin_map() {
  state_->start();
  yaml_event_t event;
  state_->emit(event, yaml_mapping_start_event_initialize(&event, nullptr, nullptr, 1, YAML_BLOCK_MAPPING_STYLE));
  return *this;
}

YamlWriter& YamlWriter::end_map() {
  yaml_event_t event;
  state_->emit(event, yaml_mapping_end_event_initialize(&event));
  return *this;
}

YamlWriter& YamlWriter::scalar(std::string_view text) {
  state_->scalar(text, true);
  return *this;
}

YamlWriter& YamlWriter::null() {
  state_->scalar("~", true);
  return *this;
}

YamlWriter& YamlWriter::node(const YamlNode& n) {
  state_->replay(n);
  return *this;
}

std::optional<std::string> YamlWriter::finish() {
  State& s = *state_;
  s.start();
  yaml_event_t event;
  s.emit(event, yaml_document_end_event_initialize(&event, 1));
  s.emit(event, yaml_stream_end_event_initialize(&event));
  if (s.ok && !yaml_emitter_flush(&s.emitter)) s.fail("cannot be written");
  if (!s.ok) return std::nullopt;
  return s.out;
}

const std::string& YamlWriter::problem() const { return state_->problem; }

}  // namespace trailsweep
