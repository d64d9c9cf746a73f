#include "trailsweep/rule_loader.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "trailsweep/record_fields.hpp"
#include "trailsweep/yaml_document.hpp"

namespace trailsweep {

std::string RuleMessage::to_string() const {
  std::string where = file;
  if (line > 0) where += fmt::format(":{}", line);
  if (line > 0 && column > 0) where += fmt::format(":{}", column);
  if (key.empty()) return fmt::format("{}: {}", where, message);
  return fmt::format("{}: {}: {}", where, key, message);
}

namespace {

// Rule values larger than this are refused: a rule is code, not data dumps.
constexpr std::size_t kMaxValuesPerField = 10000;

struct CompileError {
  YamlMark mark;
  std::string key, message;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string base64(std::string_view in) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// The three base64 renderings of `value` at byte offsets 0, 1 and 2 of a larger
// encoded text, trimmed to the characters that do not depend on neighbours.
std::vector<std::string> base64_offsets(std::string_view value) {
  static constexpr int kStart[] = {0, 2, 3};
  static constexpr int kEnd[] = {0, 3, 2};
  std::vector<std::string> out;
  for (int i = 0; i < 3; ++i) {
    std::string padded(static_cast<std::size_t>(i), ' ');
    padded += value;
    std::string enc = base64(padded);
    int end_trim = kEnd[(value.size() + static_cast<std::size_t>(i)) % 3];
    std::size_t start = static_cast<std::size_t>(kStart[i]);
    std::size_t stop = enc.size() - static_cast<std::size_t>(end_trim);
    // Strip '=' padding of the unshifted form too: only the stable part is searched.
    while (stop > start && enc[stop - 1] == '=') --stop;
    if (stop > start) out.push_back(enc.substr(start, stop - start));
  }
  return out;
}

class Compiler {
 public:
  std::vector<CompileError> errors;

  void error(const YamlNode& at, std::string key, std::string message) {
    errors.push_back({at.mark(), std::move(key), std::move(message)});
  }

  // "field|mod|mod": values (scalar or list) -> FieldCheck.
  bool compile_field(const std::string& key_text, const YamlNode& value, const std::string& where,
                     FieldCheck* out) {
    std::vector<std::string> parts;
    std::stringstream ss(key_text);
    std::string part;
    while (std::getline(ss, part, '|')) parts.push_back(part);
    if (parts.empty()) parts.push_back("");
    if (!key_text.empty() && key_text.back() == '|') {
      error(value, where, "empty modifier after '|'");
      return false;
    }
    out->path = parts[0];
    out->fixed_field = RecordFields::fixed_field_id(out->path);
    std::set<std::string> mods;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const std::string& m = parts[i];
      static const std::set<std::string> kKnown = {
          "contains", "startswith", "endswith", "all",    "exists", "cased", "neq", "re",
          "i",        "m",          "s",        "lt",     "lte",    "gt",    "gte", "cidr",
          "base64",   "base64offset", "fieldref", "windash"};
      if (m == "expand") {
        error(value, where,
              "modifier 'expand' is refused: it needs placeholder values from a pipeline "
              "configuration, which trailsweep does not have; write the values out");
        return false;
      }
      if (m == "utf16le" || m == "utf16be" || m == "utf16" || m == "wide") {
        error(value, where,
              fmt::format("modifier '{}' is refused: UTF-16 encodings apply to Windows logs, "
                          "not to CloudTrail JSON",
                          m));
        return false;
      }
      if (!kKnown.count(m)) {
        error(value, where, fmt::format("unknown modifier '{}'", m));
        return false;
      }
      mods.insert(m);
    }
    bool cased = mods.count("cased") > 0;
    out->all = mods.count("all") > 0;
    out->negate = mods.count("neq") > 0;
    bool contains = mods.count("contains"), starts = mods.count("startswith"),
         ends = mods.count("endswith");
    if (contains + starts + ends > 1) {
      error(value, where, "use only one of contains, startswith and endswith");
      return false;
    }
    if ((mods.count("i") || mods.count("m") || mods.count("s")) && !mods.count("re")) {
      error(value, where, "modifiers i, m and s only apply to 're'");
      return false;
    }
    std::vector<YamlNode> values;
    if (value.is_sequence()) {
      values = value.items();
      if (values.empty()) {
        error(value, where, "empty value list");
        return false;
      }
    } else {
      values.push_back(value);
    }
    if (values.size() > kMaxValuesPerField) {
      error(value, where,
            fmt::format("{} values in one field; at most {} are allowed", values.size(), kMaxValuesPerField));
      return false;
    }
    for (const YamlNode& v : values) {
      if (!v.is_null() && !v.is_scalar()) {
        error(v, where, "values must be scalars (strings, numbers, booleans or null)");
        return false;
      }
      ValuePattern p;
      p.cased = cased;
      if (mods.count("exists")) {
        std::string s = v.is_null() ? "" : lower(v.scalar());
        if (s != "true" && s != "false") {
          error(v, where, "'exists' takes true or false");
          return false;
        }
        p.kind = ValuePattern::Kind::kExists;
        p.exists = s == "true";
        out->values.push_back(std::move(p));
        continue;
      }
      if (v.is_null()) {
        p.kind = ValuePattern::Kind::kNull;
        out->values.push_back(std::move(p));
        continue;
      }
      const std::string& s = v.scalar();
      if (mods.count("re")) {
        std::string flags;
        if (mods.count("i")) flags += 'i';
        if (mods.count("m")) flags += 'm';
        if (mods.count("s")) flags += 's';
        std::string pattern = flags.empty() ? s : fmt::format("(?{}){}", flags, s);
        RE2::Options opts;
        opts.set_log_errors(false);
        opts.set_max_mem(64 << 20);
        auto re = std::make_shared<RE2>(pattern, opts);
        if (!re->ok()) {
          error(v, where, fmt::format("invalid regular expression: {}", re->error()));
          return false;
        }
        p.kind = ValuePattern::Kind::kRegex;
        p.regex = std::move(re);
        if (flags.find('i') == std::string::npos) {
          if (std::string literal = regex_required_literal(s); !literal.empty()) {
            p.regex_literal = Glob::literal(literal, /*cased=*/true).with_wildcards(true, true);
          }
        }
        out->values.push_back(std::move(p));
        continue;
      }
      for (auto [name, op] : {std::pair{"lt", NumericOp::kLt}, std::pair{"lte", NumericOp::kLte},
                              std::pair{"gt", NumericOp::kGt}, std::pair{"gte", NumericOp::kGte}}) {
        if (mods.count(name)) {
          p.kind = ValuePattern::Kind::kNumeric;
          p.numeric_op = op;
        }
      }
      if (p.kind == ValuePattern::Kind::kNumeric) {
        double d;
        char* end = nullptr;
        d = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size()) {
          error(v, where, fmt::format("'{}' is not a number", s));
          return false;
        }
        p.number = d;
        out->values.push_back(std::move(p));
        continue;
      }
      if (mods.count("cidr")) {
        if (!parse_cidr(s, &p.network, &p.prefix_bits)) {
          error(v, where, fmt::format("'{}' is not a CIDR range", s));
          return false;
        }
        p.kind = ValuePattern::Kind::kCidr;
        out->values.push_back(std::move(p));
        continue;
      }
      if (mods.count("fieldref")) {
        p.kind = ValuePattern::Kind::kFieldRef;
        p.ref_path = s;
        p.ref_op = contains ? ValuePattern::RefOp::kContains
                   : starts ? ValuePattern::RefOp::kStartsWith
                   : ends   ? ValuePattern::RefOp::kEndsWith
                            : ValuePattern::RefOp::kEquals;
        out->values.push_back(std::move(p));
        continue;
      }
      // String matching, possibly after an encoding.
      std::vector<Glob> globs;
      if (mods.count("base64offset")) {
        for (auto& enc : base64_offsets(s)) globs.push_back(Glob::literal(enc, true));
      } else if (mods.count("base64")) {
        globs.push_back(Glob::literal(base64(s), true));
      } else if (mods.count("windash") && s.find('-') != std::string::npos) {
        for (std::string_view dash : {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"}) {
          std::string variant;
          for (char c : s) {
            if (c == '-') {
              variant += dash;
            } else {
              variant += c;
            }
          }
          globs.push_back(Glob::parse(variant, cased));
        }
      } else {
        globs.push_back(Glob::parse(s, cased));
      }
      const std::optional<double> number = contains || starts || ends ? std::nullopt : v.plain_number();
      for (Glob& g : globs) {
        ValuePattern gp;
        gp.kind = ValuePattern::Kind::kGlob;
        gp.cased = cased;
        gp.glob = g.with_wildcards(contains || ends, contains || starts);
        gp.number_is_yaml_number = number.has_value();
        gp.number = number.value_or(0);
        out->values.push_back(std::move(gp));
      }
    }
    return true;
  }

  bool compile_selection(const std::string& name, const YamlNode& node, Selection* out) {
    out->name = name;
    std::string where = "detection." + name;
    auto compile_map = [&](const YamlNode& map, std::vector<FieldCheck>* checks) {
      for (const auto& kv : map.members()) {
        if (!kv.first.is_scalar()) {
          error(kv.first, where, "field names must be strings");
          return false;
        }
        FieldCheck check;
        std::string key = kv.first.scalar();
        if (!compile_field(key, kv.second, where + "." + key, &check)) return false;
        check.prepare();
        checks->push_back(std::move(check));
      }
      return true;
    };
    if (node.is_map()) {
      out->alternatives.emplace_back();
      return compile_map(node, &out->alternatives.back());
    }
    if (node.is_sequence()) {
      const std::vector<YamlNode> items = node.items();
      bool all_scalars = std::all_of(items.begin(), items.end(), [](const YamlNode& n) { return n.is_scalar(); });
      if (all_scalars && node.size() > 0) {
        // Keywords: searched anywhere in the record.
        FieldCheck check;
        if (!compile_field("|contains", node, where, &check)) return false;
        out->alternatives.push_back({std::move(check)});
        return true;
      }
      for (const auto& item : items) {
        if (!item.is_map()) {
          error(item, where, "a list selection must hold only maps (OR) or only strings (keywords)");
          return false;
        }
        out->alternatives.emplace_back();
        if (!compile_map(item, &out->alternatives.back())) return false;
      }
      if (out->alternatives.empty()) {
        error(node, where, "empty selection");
        return false;
      }
      return true;
    }
    error(node, where, "a selection must be a map or a list");
    return false;
  }
};


struct Loader {
  RuleLoadResult result;
  std::vector<Rule> rules;
  std::vector<YamlNode> rule_nodes;

  void error(const std::string& file, const YamlMark& mark, std::string key, std::string msg) {
    result.errors.push_back({file, mark.line, mark.column, std::move(key), std::move(msg)});
  }

  void load_text(const std::string& text, const std::string& file) {
    ++result.files;
    YamlParse parsed = parse_yaml(text);
    if (parsed.error) {
      error(file, parsed.error->mark, "", fmt::format("invalid YAML: {}", parsed.error->message));
      return;
    }
    for (const auto& doc : parsed.documents) {
      if (doc.is_null()) continue;
      ++result.documents;
      load_document(doc, file);
    }
  }

  static bool get_string(const YamlNode& parent, const char* key, std::string* out) {
    YamlNode n = parent[key];
    if (!n || n.is_null()) return false;
    if (!n.is_scalar()) return false;
    *out = n.scalar();
    return true;
  }

  bool string_list(const YamlNode& parent, const char* key, const std::string& file,
                   std::vector<std::string>* out) {
    YamlNode n = parent[key];
    if (!n || n.is_null()) return true;
    if (n.is_scalar()) {
      out->push_back(n.scalar());
      return true;
    }
    if (!n.is_sequence()) {
      error(file, n.mark(), key, "must be a list of strings");
      return false;
    }
    for (const auto& item : n.items()) {
      if (!item.is_scalar()) {
        error(file, item.mark(), key, "must be a list of strings");
        return false;
      }
      out->push_back(item.scalar());
    }
    return true;
  }

  void load_document(const YamlNode& doc, const std::string& file) {
    if (!doc.is_map()) {
      error(file, doc.mark(), "", "a rule must be a YAML map");
      return;
    }
    Rule rule;
    rule.file = file;
    rule.line = doc.mark().line;
    for (const char* key : {"title", "id", "name", "status", "description", "author", "date"}) {
      YamlNode n = doc[key];
      if (n && !n.is_null() && !n.is_scalar()) {
        error(file, n.mark(), key, "must be a string");
        return;
      }
    }
    if (!get_string(doc, "title", &rule.title) || rule.title.empty()) {
      error(file, doc.mark(), "title", "missing: every rule needs a title");
      return;
    }
    get_string(doc, "id", &rule.id);
    get_string(doc, "name", &rule.name);
    get_string(doc, "status", &rule.status);
    get_string(doc, "description", &rule.description);
    get_string(doc, "author", &rule.author);
    get_string(doc, "date", &rule.date);
    if (!string_list(doc, "tags", file, &rule.tags) ||
        !string_list(doc, "falsepositives", file, &rule.falsepositives) ||
        !string_list(doc, "references", file, &rule.references)) {
      return;
    }
    std::string level;
    if (get_string(doc, "level", &level)) {
      auto l = parse_level(level);
      if (!l) {
        error(file, doc["level"].mark(), "level",
              fmt::format("'{}' is not one of informational, low, medium, high, critical", level));
        return;
      }
      rule.level = *l;
    }
    if (YamlNode extras = doc["trailsweep"]) {
      if (!load_extras(extras, file, &rule.extras)) return;
    }
    YamlNode corr = doc["correlation"];
    if (corr) {
      rule.is_correlation = true;
      if (!load_correlation(corr, doc, file, &rule)) return;
    } else {
      YamlNode logsource = doc["logsource"];
      if (logsource && !logsource.is_map()) {
        error(file, logsource.mark(), "logsource", "must be a map");
        return;
      }
      if (logsource) {
        std::string product, service;
        get_string(logsource, "product", &product);
        get_string(logsource, "service", &service);
        if ((!product.empty() && lower(product) != "aws") ||
            (!service.empty() && lower(service) != "cloudtrail")) {
          ++result.skipped_logsource;
          return;
        }
      }
      YamlNode detection = doc["detection"];
      if (!detection) {
        error(file, doc.mark(), "detection", "missing: a rule needs 'detection' or 'correlation'");
        return;
      }
      if (!detection.is_map()) {
        error(file, detection.mark(), "detection", "must be a map");
        return;
      }
      if (!load_detection(detection, file, &rule)) return;
    }
    rules.push_back(std::move(rule));
    rule_nodes.push_back(doc);
  }

  bool load_extras(const YamlNode& node, const std::string& file, RuleExtras* out) {
    if (!node.is_map()) {
      error(file, node.mark(), "trailsweep", "must be a map");
      return false;
    }
    auto pairs = [&](const char* key, std::vector<std::pair<std::string, std::string>>* into) {
      YamlNode n = node[key];
      if (!n) return true;
      if (!n.is_map()) {
        error(file, n.mark(), std::string("trailsweep.") + key, "must map resource types to field paths");
        return false;
      }
      for (const auto& kv : n.members()) {
        if (kv.second.is_scalar()) {
          into->emplace_back(kv.first.scalar(), kv.second.scalar());
        } else if (kv.second.is_sequence()) {
          for (const auto& path : kv.second.items()) into->emplace_back(kv.first.scalar(), path.scalar());
        } else {
          error(file, kv.second.mark(), std::string("trailsweep.") + key + "." + kv.first.scalar(),
                "must be a field path or a list of them");
          return false;
        }
      }
      return true;
    };
    if (!pairs("resources", &out->resources) || !pairs("links", &out->links)) return false;
    get_string(node, "ioc", &out->ioc);
    get_string(node, "stage", &out->stage);
    if (YamlNode ctx = node["context"]) out->context = ctx.is_scalar() && lower(ctx.scalar()) == "true";
    return string_list(node, "superseded-by", file, &out->superseded_by);
  }

  bool load_detection(const YamlNode& detection, const std::string& file, Rule* rule) {
    Compiler c;
    std::vector<std::string> names;
    YamlNode condition;
    for (const auto& kv : detection.members()) {
      std::string key = kv.first.scalar();
      if (key == "condition") {
        condition = kv.second;
        continue;
      }
      if (key == "timeframe") {
        error(file, kv.first.mark(), "detection.timeframe",
              "'timeframe' belongs to Sigma 1 aggregations; use a correlation rule's timespan");
        return false;
      }
      Selection sel;
      if (!c.compile_selection(key, kv.second, &sel)) {
        for (auto& e : c.errors) error(file, e.mark, e.key, e.message);
        return false;
      }
      names.push_back(key);
      rule->detection.selections.push_back(std::move(sel));
    }
    if (!condition) {
      error(file, detection.mark(), "detection.condition", "missing");
      return false;
    }
    std::vector<std::string> texts;
    if (condition.is_scalar()) {
      texts.push_back(condition.scalar());
    } else if (condition.is_sequence()) {
      for (const auto& item : condition.items()) {
        if (!item.is_scalar()) {
          error(file, item.mark(), "detection.condition", "must be a string or a list of strings");
          return false;
        }
        texts.push_back(item.scalar());
      }
    } else {
      error(file, condition.mark(), "detection.condition", "must be a string or a list of strings");
      return false;
    }
    ConditionNode top;
    top.kind = ConditionNode::Kind::kOr;
    for (const auto& t : texts) {
      std::string err;
      auto node = parse_condition(t, names, &err);
      if (!node) {
        error(file, condition.mark(), "detection.condition", err);
        return false;
      }
      top.children.push_back(std::move(*node));
    }
    rule->detection.condition = top.children.size() == 1 ? std::move(top.children[0]) : std::move(top);
    return true;
  }

  bool load_correlation(const YamlNode& corr, const YamlNode& doc, const std::string& file,
                        Rule* rule) {
    Correlation& c = rule->correlation;
    if (!corr.is_map()) {
      error(file, corr.mark(), "correlation", "must be a map");
      return false;
    }
    std::string type;
    if (!get_string(corr, "type", &type)) {
      error(file, corr.mark(), "correlation.type", "missing");
      return false;
    }
    if (type == "event_count") {
      c.type = CorrelationType::kEventCount;
    } else if (type == "value_count") {
      c.type = CorrelationType::kValueCount;
    } else if (type == "temporal") {
      c.type = CorrelationType::kTemporal;
    } else if (type == "temporal_ordered") {
      c.type = CorrelationType::kTemporalOrdered;
    } else {
      error(file, corr["type"].mark(), "correlation.type",
            fmt::format("'{}' is not one of event_count, value_count, temporal, temporal_ordered", type));
      return false;
    }
    if (!string_list(corr, "rules", file, &c.rule_refs)) return false;
    if (c.rule_refs.empty()) {
      error(file, corr.mark(), "correlation.rules", "missing: list the rules this correlates");
      return false;
    }
    if (!string_list(corr, "group-by", file, &c.group_by)) return false;
    std::string timespan;
    if (!get_string(corr, "timespan", &timespan)) {
      // Sigma spec v2 also accepts 'timeframe'.
      get_string(corr, "timeframe", &timespan);
    }
    if (timespan.empty()) {
      error(file, corr.mark(), "correlation.timespan", "missing (e.g. 24h)");
      return false;
    }
    auto ms = parse_timespan(timespan);
    if (!ms) {
      error(file, corr["timespan"] ? corr["timespan"].mark() : corr.mark(), "correlation.timespan",
            fmt::format("'{}' is not a time span like 30s, 15m, 24h, 7d", timespan));
      return false;
    }
    c.timespan_ms = *ms;
    YamlNode cond = corr["condition"];
    if (cond) {
      if (!cond.is_map()) {
        error(file, cond.mark(), "correlation.condition", "must be a map like {gte: 5}");
        return false;
      }
      for (const auto& kv : cond.members()) {
        std::string op = kv.first.scalar();
        if (op == "field") {
          c.condition.field = kv.second.scalar();
          continue;
        }
        const std::optional<double> number = kv.second.plain_number();
        if (!number) {
          error(file, kv.second.mark(), "correlation.condition." + op, "must be a number");
          return false;
        }
        if (op == "gt") {
          c.condition.gt = *number;
        } else if (op == "gte") {
          c.condition.gte = *number;
        } else if (op == "lt") {
          c.condition.lt = *number;
        } else if (op == "lte") {
          c.condition.lte = *number;
        } else if (op == "eq") {
          c.condition.eq = *number;
        } else {
          error(file, kv.first.mark(), "correlation.condition." + op,
                "unknown operator (gt, gte, lt, lte, eq)");
          return false;
        }
      }
      c.has_condition = true;
    }
    if ((c.type == CorrelationType::kEventCount || c.type == CorrelationType::kValueCount) &&
        !c.has_condition) {
      error(file, corr.mark(), "correlation.condition", "missing: event_count and value_count need one");
      return false;
    }
    if (c.type == CorrelationType::kValueCount && c.condition.field.empty()) {
      error(file, cond.mark(), "correlation.condition.field", "missing: value_count counts a field");
      return false;
    }
    YamlNode aliases = corr["aliases"];
    if (aliases) {
      if (!aliases.is_map()) {
        error(file, aliases.mark(), "correlation.aliases", "must be a map");
        return false;
      }
      for (const auto& kv : aliases.members()) {
        if (!kv.second.is_map()) {
          error(file, kv.second.mark(), "correlation.aliases." + kv.first.scalar(),
                "must map rule names to field names");
          return false;
        }
        for (const auto& m : kv.second.members()) c.alias_refs[kv.first.scalar()][m.first.scalar()] = m.second.scalar();
      }
    }
    YamlNode gen = corr["generate"] ? corr["generate"] : doc["generate"];
    if (gen) c.generate = gen.is_scalar() && lower(gen.scalar()) == "true";
    return true;
  }

  // Resolves correlation references and orders correlations so each comes
  // after what it references; rejects cycles and unknown references.
  void link() {
    std::map<std::string, int> by_ref;
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (!rules[i].name.empty()) by_ref.emplace(rules[i].name, static_cast<int>(i));
      if (!rules[i].id.empty()) by_ref.emplace(rules[i].id, static_cast<int>(i));
    }
    std::vector<bool> bad(rules.size(), false);
    for (std::size_t i = 0; i < rules.size(); ++i) {
      Rule& r = rules[i];
      if (!r.is_correlation) continue;
      for (const auto& ref : r.correlation.rule_refs) {
        auto it = by_ref.find(ref);
        if (it == by_ref.end()) {
          error(r.file, rule_nodes[i]["correlation"]["rules"].mark(), "correlation.rules",
                fmt::format("references unknown rule '{}'", ref));
          bad[i] = true;
          break;
        }
        r.correlation.rule_indices.push_back(it->second);
      }
      for (const auto& [alias, table] : r.correlation.alias_refs) {
        for (const auto& [ref, field] : table) {
          auto it = by_ref.find(ref);
          if (it == by_ref.end()) {
            error(r.file, rule_nodes[i]["correlation"]["aliases"].mark(), "correlation.aliases." + alias,
                  fmt::format("references unknown rule '{}'", ref));
            bad[i] = true;
            continue;
          }
          r.correlation.aliases[alias][it->second] = field;
        }
      }
    }
    // Depth-first ordering with cycle detection (0 new, 1 visiting, 2 done).
    std::vector<int> state(rules.size(), 0), order;
    std::function<bool(int)> visit = [&](int i) -> bool {
      auto ui = static_cast<std::size_t>(i);
      if (state[ui] == 2) return !bad[ui];
      if (state[ui] == 1) return false;
      state[ui] = 1;
      bool ok = !bad[ui];
      if (rules[ui].is_correlation) {
        for (int ref : rules[ui].correlation.rule_indices) {
          if (!visit(ref)) ok = false;
        }
      }
      state[ui] = 2;
      if (!ok && !bad[ui]) {
        bad[ui] = true;
        error(rules[ui].file, rule_nodes[ui]["correlation"] ? rule_nodes[ui]["correlation"].mark() : rule_nodes[ui].mark(),
              "correlation.rules",
              "references itself through a cycle of correlations or a rule that failed to load");
      }
      if (ok && rules[ui].is_correlation) order.push_back(i);
      return ok;
    };
    for (std::size_t i = 0; i < rules.size(); ++i) visit(static_cast<int>(i));

    // Drop broken correlations and renumber.
    std::vector<int> new_index(rules.size(), -1);
    std::vector<Rule> kept;
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (bad[i]) continue;
      new_index[i] = static_cast<int>(kept.size());
      kept.push_back(std::move(rules[i]));
    }
    for (Rule& r : kept) {
      if (!r.is_correlation) continue;
      for (int& ref : r.correlation.rule_indices) ref = new_index[static_cast<std::size_t>(ref)];
      std::map<std::string, std::map<int, std::string>> aliases;
      for (auto& [alias, table] : r.correlation.aliases) {
        for (auto& [ref, field] : table) aliases[alias][new_index[static_cast<std::size_t>(ref)]] = field;
      }
      r.correlation.aliases = std::move(aliases);
    }
    std::vector<int> kept_order;
    for (int i : order) kept_order.push_back(new_index[static_cast<std::size_t>(i)]);
    result.rules = std::make_shared<RuleSet>(std::move(kept), std::move(kept_order));
  }

  void check_duplicates() {
    std::map<std::string, std::pair<std::string, int>> seen;
    for (const Rule& r : rules) {
      for (const std::string* key : {&r.id, &r.name}) {
        if (key->empty()) continue;
        auto [it, inserted] = seen.emplace(*key, std::make_pair(r.file, r.line));
        if (!inserted && !(it->second.first == r.file && it->second.second == r.line)) {
          result.warnings.push_back({r.file, r.line, 0, key == &r.id ? "id" : "name",
                                     fmt::format("'{}' is also used by {}:{}", *key,
                                                 it->second.first, it->second.second)});
        }
      }
    }
  }
};

void collect_files(const std::string& path, std::vector<std::string>* files, Loader* loader) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      auto p = it->path();
      auto ext = p.extension().string();
      if (it->is_regular_file(ec) && (ext == ".yml" || ext == ".yaml") && !is_rule_test_file(p.string())) {
        found.push_back(p.string());
      }
    }
    if (ec) loader->error(path, YamlMark{}, "", fmt::format("cannot read: {}", ec.message()));
    std::sort(found.begin(), found.end());
    if (found.empty()) loader->error(path, YamlMark{}, "", "no .yml or .yaml rule files");
    files->insert(files->end(), found.begin(), found.end());
  } else if (fs::exists(path, ec)) {
    files->push_back(path);
  } else {
    loader->error(path, YamlMark{}, "", "no such file or directory");
  }
}

}  // namespace

bool is_rule_test_file(std::string_view path) {
  return path.ends_with(".tests.yml") || path.ends_with(".tests.yaml");
}

RuleLoadResult load_rules(const std::vector<std::string>& paths) {
  Loader loader;
  std::vector<std::string> files;
  for (const auto& p : paths) collect_files(p, &files, &loader);
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      loader.error(f, YamlMark{}, "", "cannot open");
      continue;
    }
    loader.load_text(std::string((std::istreambuf_iterator<char>(in)), {}), f);
  }
  loader.check_duplicates();
  loader.link();
  return std::move(loader.result);
}

RuleLoadResult load_rules_from_strings(const std::vector<std::pair<std::string, std::string>>& texts) {
  Loader loader;
  for (const auto& [name, text] : texts) loader.load_text(text, name);
  loader.check_duplicates();
  loader.link();
  return std::move(loader.result);
}

RuleLoadResult load_rules_from_string(std::string_view yaml, const std::string& name) {
  return load_rules_from_strings({{name, std::string(yaml)}});
}

}  // namespace trailsweep
