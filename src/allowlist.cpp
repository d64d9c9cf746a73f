#include "trailsweep/allowlist.hpp"

#include <fstream>
#include <set>

#include <fmt/format.h>

#include "trailsweep/record_fields.hpp"
#include "trailsweep/rule_set.hpp"
#include "trailsweep/time_util.hpp"
#include "trailsweep/yaml_document.hpp"

namespace trailsweep {

namespace {

// Where requests name instance types: RunInstances, launch templates, Auto
// Scaling overrides, spot fleets.
constexpr std::string_view kInstanceTypePaths[] = {
    "requestParameters.instanceType",
    "requestParameters.CreateLaunchTemplateRequest.LaunchTemplateData.InstanceType",
    "requestParameters.CreateLaunchTemplateVersionRequest.LaunchTemplateData.InstanceType",
    "requestParameters.mixedInstancesPolicy.launchTemplate.overrides.instanceType",
    "requestParameters.launchTemplateConfigs.overrides.instanceType",
    "requestParameters.SpotFleetRequestConfig.LaunchSpecifications.InstanceType",
};

bool principal_covered(const Glob& g, const Event& ev) {
  return any_principal_name(ev, [&](std::string_view name) { return g.matches(name); });
}

}  // namespace

bool AllowEntry::applies_to(int rule) const {
  return rules.empty() || std::find(rules.begin(), rules.end(), rule) != rules.end();
}

int Allowlist::covering_entry(int rule, const Event& ev, RecordFields& fields) const {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const AllowEntry& e = entries_[i];
    if (!e.applies_to(rule)) continue;
    if (e.expires_ms && ev.time_ms > *e.expires_ms) continue;
    if (e.account && !e.account->matches(ev.account)) continue;
    if (e.user_agent && !e.user_agent->matches(ev.user_agent)) continue;
    if (e.source_ip && !e.source_ip->matches(ev.source_ip)) continue;
    if (e.principal && !principal_covered(*e.principal, ev)) continue;
    if (e.instance_type) {
      // Every type the request names must be allowed: one GPU type among
      // allowed small ones is not covered.
      bool any = false, all = true;
      for (auto path : kInstanceTypePaths) {
        fields.any(path, [&](const FieldValue& v) {
          if (v.kind == FieldValue::Kind::kNull) return false;
          any = true;
          if (!e.instance_type->matches(v.text)) all = false;
          return false;
        });
      }
      if (!any || !all) continue;
    }
    bool fields_ok = true;
    for (const auto& [path, glob] : e.fields) {
      const Glob& g = glob;
      bool found = fields.any(path, [&](const FieldValue& v) {
        return v.kind != FieldValue::Kind::kNull && g.matches(v.text);
      });
      if (!found) {
        fields_ok = false;
        break;
      }
    }
    if (!fields_ok) continue;
    return static_cast<int>(i);
  }
  return -1;
}

struct AllowlistLoader {
  explicit AllowlistLoader(const RuleSet& r) : rules(r) {}
  const RuleSet& rules;
  AllowlistLoad result;
  std::shared_ptr<Allowlist> list = std::make_shared<Allowlist>();
  std::set<std::string> names;

  void error(const std::string& file, int line, const std::string& message) {
    result.errors.push_back(line > 0 ? fmt::format("{}:{}: {}", file, line, message)
                                     : fmt::format("{}: {}", file, message));
  }

  void load(const std::string& text, const std::string& file) {
    YamlParse parsed = parse_yaml(text);
    if (parsed.error) {
      error(file, parsed.error->mark.line, fmt::format("invalid YAML: {}", parsed.error->message));
      return;
    }
    const YamlNode doc = parsed.documents.empty() ? YamlNode() : parsed.documents.front();
    if (!doc.is_map() || !doc["allow"] || !doc["allow"].is_sequence()) {
      error(file, 1, "expected a map with an 'allow' list");
      return;
    }
    static const std::set<std::string> kKeys = {"name",      "reason",        "rules",  "principal", "user_agent",
                                                "account",   "source_ip",     "fields", "expires",   "instance_type"};
    for (const auto& node : doc["allow"].items()) {
      const int line = node.mark().line;
      if (!node.is_map()) {
        error(file, line, "an allowlist entry must be a map");
        continue;
      }
      AllowEntry entry;
      entry.file = file;
      entry.line = line;
      bool bad = false;
      auto fail = [&](const YamlNode& at, const std::string& message) {
        error(file, at.mark().line, message);
        bad = true;
      };
      for (const auto& kv : node.members()) {
        if (!kKeys.count(kv.first.scalar())) {
          fail(kv.first, fmt::format("unknown key '{}' (known: name, reason, rules, principal, user_agent, account, "
                                     "source_ip, instance_type, fields, expires)",
                                     kv.first.scalar()));
        }
      }
      auto scalar = [&](const char* key, std::string* out) {
        YamlNode n = node[key];
        if (!n) return false;
        if (!n.is_scalar() || n.scalar().empty()) {
          fail(n, fmt::format("'{}' must be a non-empty string", key));
          return false;
        }
        *out = n.scalar();
        return true;
      };
      if (!scalar("name", &entry.name) && !node["name"]) fail(node, "an entry needs a 'name' (shown in the summary)");
      if (!scalar("reason", &entry.reason) && !node["reason"]) {
        fail(node, "an entry needs a 'reason': why this activity is fine");
      }
      if (!entry.name.empty() && !names.insert(entry.name).second) {
        fail(node["name"], fmt::format("a second entry is named '{}'", entry.name));
      }
      auto glob = [&](const char* key, std::optional<Glob>* out) {
        std::string value;
        if (scalar(key, &value)) *out = Glob::parse(value, false);
      };
      glob("principal", &entry.principal);
      glob("user_agent", &entry.user_agent);
      glob("account", &entry.account);
      glob("source_ip", &entry.source_ip);
      glob("instance_type", &entry.instance_type);
      if (YamlNode f = node["fields"]) {
        if (!f.is_map()) {
          fail(f, "'fields' must map field paths to values");
        } else {
          for (const auto& kv : f.members()) {
            if (!kv.second.is_scalar()) {
              fail(kv.second, fmt::format("fields.{}: the value must be a string", kv.first.scalar()));
              continue;
            }
            entry.fields.emplace_back(kv.first.scalar(), Glob::parse(kv.second.scalar(), false));
          }
        }
      }
      std::string expires;
      if (scalar("expires", &expires)) {
        bool date_only = false;
        auto ms = parse_time_arg(expires, &date_only);
        if (!ms) {
          fail(node["expires"], fmt::format("expires: '{}' is not RFC 3339 or YYYY-MM-DD", expires));
        } else {
          entry.expires_ms = *ms + (date_only ? kMsPerDay - 1 : 0);
        }
      }
      if (YamlNode r = node["rules"]) {
        std::vector<std::string> patterns;
        if (r.is_scalar()) {
          patterns.push_back(r.scalar());
        } else if (r.is_sequence()) {
          for (const auto& item : r.items()) {
            if (item.is_scalar()) patterns.push_back(item.scalar());
          }
        }
        if (patterns.empty()) fail(r, "'rules' must be a rule name or a list of rule names");
        for (const auto& pattern : patterns) {
          Glob g = Glob::parse(pattern, false);
          std::size_t before = entry.rules.size();
          bool correlation_named = false;
          for (std::size_t i = 0; i < rules.rules().size(); ++i) {
            const Rule& rule = rules.rules()[i];
            if (!g.matches(rule.name) && !g.matches(rule.id)) continue;
            if (rule.is_correlation) {
              correlation_named = true;
              continue;
            }
            entry.rules.push_back(static_cast<int>(i));
          }
          if (entry.rules.size() == before) {
            fail(r, correlation_named
                        ? fmt::format("'{}' names only correlation rules; allow the detection rules they count "
                                      "instead (see `trailsweep rules list`)",
                                      pattern)
                        : fmt::format("'{}' matches no loaded detection rule", pattern));
          }
        }
      }
      if (!entry.principal && !entry.user_agent && !entry.account && !entry.source_ip && !entry.instance_type &&
          entry.fields.empty()) {
        fail(node, "an entry needs at least one condition (principal, user_agent, account, source_ip, "
                   "instance_type or fields); it would allow everything");
      }
      if (!bad) list->entries_.push_back(std::move(entry));
    }
  }
};

AllowlistLoad load_allowlists(const std::vector<std::string>& files, const RuleSet& rules) {
  AllowlistLoader loader(rules);
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      loader.error(f, 0, "cannot open");
      continue;
    }
    loader.load(std::string((std::istreambuf_iterator<char>(in)), {}), f);
  }
  loader.result.allowlist = loader.list;
  return std::move(loader.result);
}

AllowlistLoad load_allowlist_text(const std::string& text, const std::string& name, const RuleSet& rules) {
  AllowlistLoader loader(rules);
  loader.load(text, name);
  loader.result.allowlist = loader.list;
  return std::move(loader.result);
}

}  // namespace trailsweep
