#include "trailsweep/search.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <simdjson.h>

#include "trailsweep/parallel_stretches.hpp"
#include "trailsweep/reporter.hpp"
#include "trailsweep/rule_loader.hpp"
#include "trailsweep/time_util.hpp"
#include "trailsweep/yaml_document.hpp"

namespace trailsweep {

CompiledSearch compile_search(const SearchQuery& query) {
  CompiledSearch out;
  // The detection's selections in order, a later one of a name replacing
  // the earlier; each is either the user's node or one --where term.
  struct WhereTerm {
    std::string field, value;  // value "null": the field must be absent or null
  };
  struct Selection {
    std::string name;
    YamlNode user;
    WhereTerm where;
  };
  std::vector<Selection> selections;
  auto add = [&](Selection s) {
    for (Selection& existing : selections) {
      if (existing.name == s.name) {
        existing = std::move(s);
        return;
      }
    }
    selections.push_back(std::move(s));
  };
  std::vector<std::string> condition;
  if (!query.sigma.empty()) {
    YamlParse parsed = parse_yaml(query.sigma);
    if (parsed.error) {
      // A one-line detection, as the help shows it, is placed by column;
      // libyaml places what is missing at the end on the line after it.
      const YamlMark& at = parsed.error->mark;
      const std::string where = query.sigma.find('\n') != std::string::npos
                                    ? fmt::format("line {}, column {}", at.line, at.column)
                                : at.line > 1 ? "its end"
                                              : fmt::format("column {}", at.column);
      out.errors.push_back(fmt::format("--sigma: invalid YAML at {}: {}", where, parsed.error->message));
      return out;
    }
    const YamlNode user = parsed.documents.empty() ? YamlNode() : parsed.documents.front();
    if (!user.is_map() || !user["condition"] || !user["condition"].is_scalar()) {
      out.errors.push_back(
          "--sigma: expected a Sigma detection map with a condition, e.g. "
          "'{sel: {eventName: RunInstances}, condition: sel}'");
      return out;
    }
    for (const auto& kv : user.members()) {
      std::string key = kv.first.scalar();
      if (key == "condition") continue;
      if (key.starts_with("where_")) {
        out.errors.push_back(fmt::format("--sigma: selection names starting with where_ are reserved ('{}')", key));
        return out;
      }
      add({std::move(key), kv.second, {}});
    }
    condition.push_back("(" + user["condition"].scalar() + ")");
  }
  for (std::size_t i = 0; i < query.where.size(); ++i) {
    const std::string& term = query.where[i];
    auto eq = term.find('=');
    if (eq == std::string::npos || eq == 0 || (eq == 1 && term[0] == '!')) {
      out.errors.push_back(fmt::format(
          "--where '{}': expected FIELD=VALUE, FIELD!=VALUE or FIELD|modifier=VALUE "
          "(e.g. errorCode=Client.DryRunOperation, userAgent|contains=Terraform)",
          term));
      continue;
    }
    // CloudTrail records are UTF-8 JSON: other bytes can match nothing,
    // and a rule cannot hold them.
    if (!simdjson::validate_utf8(term.data(), term.size())) {
      out.errors.push_back(fmt::format("--where '{}': not UTF-8 text", term));
      continue;
    }
    bool negated = term[eq - 1] == '!';
    std::string name = fmt::format("where_{}", i + 1);
    add({name, {}, {term.substr(0, negated ? eq - 1 : eq), term.substr(eq + 1)}});
    condition.push_back(negated ? "not " + name : name);
  }
  if (!out.errors.empty()) return out;
  if (condition.empty()) {
    out.errors.push_back("give at least one --where FIELD=VALUE or a --sigma detection");
    return out;
  }
  std::string joined;
  for (const auto& c : condition) joined += joined.empty() ? c : " and " + c;

  YamlWriter rule;
  rule.begin_map();
  rule.scalar("title").scalar("trailsweep search");
  rule.scalar("name").scalar("search");
  rule.scalar("logsource").begin_map();
  rule.scalar("product").scalar("aws").scalar("service").scalar("cloudtrail");
  rule.end_map();
  rule.scalar("detection").begin_map();
  for (const Selection& s : selections) {
    rule.scalar(s.name);
    if (s.user) {
      rule.node(s.user);
      continue;
    }
    rule.begin_map().scalar(s.where.field);
    if (s.where.value == "null") {
      rule.null();
    } else {
      rule.scalar(s.where.value);
    }
    rule.end_map();
  }
  rule.scalar("condition").scalar(joined);
  rule.end_map();
  rule.scalar("level").scalar("informational");
  rule.end_map();
  std::optional<std::string> text = rule.finish();
  if (!text) {
    out.errors.push_back(fmt::format("the query cannot be written as a rule: {}", rule.problem()));
    return out;
  }
  out.rule_yaml = std::move(*text);
  RuleLoadResult loaded = load_rules_from_string(out.rule_yaml, "search");
  for (const auto& e : loaded.errors) out.errors.push_back(e.to_string());
  if (out.errors.empty() && loaded.rules->rules().size() != 1) {
    out.errors.push_back("the query did not compile to one rule");
  }
  if (out.errors.empty()) out.rules = loaded.rules;
  return out;
}

SearchSink::SearchSink(const RuleSet& rules, SearchOutput output, std::FILE* out, std::uint64_t limit)
    : rules_(rules), output_(output), out_(out), limit_(limit) {}

SearchSink::SearchSink(const RuleSet& rules, SearchOutput output, std::string* into, std::uint64_t limit)
    : rules_(rules), output_(output), into_(into), limit_(limit) {}

void SearchSink::on_event(const Event& ev) {
  if (limit_reached()) return;
  fields_.bind(ev);
  matched_.clear();
  rules_.match(ev, fields_, &matched_);
  if (!fields_.error().empty() && problems_) problems_->add_error(fields_.located_error());
  if (matched_.empty()) return;
  ++matches_;
  if (output_ == SearchOutput::kCount) return;
  if (output_ == SearchOutput::kRaw) {
    // Raw newlines can only be whitespace between tokens in JSON, so dropping
    // them keeps a pretty-printed record valid and makes one line per match.
    line_.clear();
    for (char c : fields_.raw()) {
      if (c != '\n' && c != '\r') line_ += c;
    }
  } else {
    line_ = search_text_line(ev);
  }
  line_ += '\n';
  if (into_) {
    into_->append(line_);
  } else {
    std::fwrite(line_.data(), 1, line_.size(), out_);
  }
}

namespace {

// The first `n` lines of `text` (every match is one line).
std::string_view first_lines(std::string_view text, std::uint64_t n) {
  std::size_t end = 0;
  for (std::uint64_t i = 0; i < n && end < text.size(); ++i) end = text.find('\n', end) + 1;
  return text.substr(0, end);
}

}  // namespace

SearchTotals search_files(const std::vector<InputFile>& files, const ScanOptions& options, const RuleSet& rules,
                          SearchOutput output, std::FILE* out, std::uint64_t limit, unsigned jobs,
                          const std::atomic<bool>* stop) {
  FileFeed feed(files);
  return search_files(feed, options, rules, output, out, limit, files.size() <= 1 ? 1 : jobs, stop);
}

SearchTotals search_files(FileFeed& files, const ScanOptions& options, const RuleSet& rules, SearchOutput output,
                          std::FILE* out, std::uint64_t limit, unsigned jobs, const std::atomic<bool>* stop) {
  SearchTotals totals;
  auto stopped = [stop] { return stop && stop->load(); };
  auto on_this_thread = [&] {
    Scanner scanner(options);
    SearchSink sink(rules, output, out, limit);
    sink.report_problems_to(&totals.summary);
    InputFile file;
    std::size_t index = 0;
    while (!sink.limit_reached() && !stopped() && files.next(file, index)) {
      scanner.scan_file(file, sink, totals.summary);
    }
    totals.matches = sink.matches();
    totals.limit_reached = sink.limit_reached();
    return totals;
  };
  if (jobs <= 1) return on_this_thread();

  struct Slot {
    std::string text;
    std::uint64_t matches = 0;
    RunSummary summary;
    bool done = false;
  };
  const std::size_t window = 2 * static_cast<std::size_t>(jobs);
  std::vector<Slot> slots(window);
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t next = 0, written = 0;  // files claimed by workers; files written
  bool finished = false;              // the writer wants no more files
  bool exhausted = false;             // the feed has no more: `next` is how many there are
  auto worker = [&] {
    Scanner scanner(options);
    std::string unused;
    SearchSink sink(rules, output, &unused, limit);  // no file needs more than `limit` matches
    InputFile file;
    for (;;) {
      std::size_t index;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return finished || exhausted || next < written + window; });
        if (finished || exhausted || stopped()) return;
        // Taken under this lock, so that indexes are claimed in order.
        if (!files.next(file, index)) {
          exhausted = true;
          changed.notify_all();
          return;
        }
        next = index + 1;
      }
      Slot mine;
      sink.restart_into(&mine.text);
      sink.report_problems_to(&mine.summary);
      scanner.scan_file(file, sink, mine.summary);
      mine.matches = sink.matches();
      mine.done = true;
      {
        std::lock_guard lock(mutex);
        slots[index % window] = std::move(mine);
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  while (workers.size() < jobs && start_thread(workers, worker)) {
  }
  // The calling thread only writes: with no worker (the system refused every
  // thread) it reads the files itself, as at -j 1.
  if (workers.empty()) return on_this_thread();
  for (std::size_t index = 0;; ++index) {
    Slot slot;
    {
      std::unique_lock lock(mutex);
      // A worker stopped by `stop` leaves its files unclaimed: look again now and then.
      while (!slots[index % window].done) {
        if ((stopped() || exhausted) && next <= index) break;
        changed.wait_for(lock, std::chrono::milliseconds(50));
      }
      if (!slots[index % window].done) break;
      slot = std::move(slots[index % window]);
      slots[index % window] = Slot{};
      written = index + 1;
    }
    changed.notify_all();
    std::uint64_t take = slot.matches;
    if (limit > 0 && totals.matches + take >= limit) {
      take = limit - totals.matches;
      totals.limit_reached = true;
    }
    const std::string_view text = output == SearchOutput::kCount ? std::string_view() : first_lines(slot.text, take);
    if (!text.empty()) std::fwrite(text.data(), 1, text.size(), out);
    totals.matches += take;
    totals.summary.merge(slot.summary);
    if (totals.limit_reached || stopped()) break;
  }
  {
    std::lock_guard lock(mutex);
    finished = true;
  }
  changed.notify_all();
  for (auto& w : workers) w.join();
  return totals;
}

std::string search_text_line(const Event& ev) {
  std::string name(ev.event_name);
  if (!ev.error_code.empty()) name += fmt::format(" [{}]", ev.error_code);
  return sanitize_for_terminal(fmt::format("{} {} {:<14} {:<28} {:<40} {} {} {} record {}", format_rfc3339_ms(ev.time_ms),
                                           ev.account, ev.aws_region, ev.event_source, name, ev.principal,
                                           ev.source_ip, ev.pos.file, ev.pos.record));
}

}  // namespace trailsweep
