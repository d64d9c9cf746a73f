#include "trailsweep/run_summary.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "trailsweep/json_writer.hpp"
#include "trailsweep/reporter.hpp"

namespace trailsweep {

void RunSummary::add_error(Diagnostic d) {
  ++errors_total;
  if (errors.size() < kMaxErrorsKept) errors.push_back(std::move(d));
}

void RunSummary::merge(const RunSummary& o) {
  files_read += o.files_read;
  files_failed += o.files_failed;
  digest_files += o.digest_files;
  insight_files += o.insight_files;
  filtered_files += o.filtered_files;
  ignored_files += o.ignored_files;
  repeated_paths += o.repeated_paths;
  other_service_files += o.other_service_files;
  for (const auto& s : o.other_services) {
    if (std::find(other_services.begin(), other_services.end(), s) == other_services.end()) other_services.push_back(s);
  }
  std::sort(other_services.begin(), other_services.end());
  bytes_compressed += o.bytes_compressed;
  bytes_uncompressed += o.bytes_uncompressed;
  records += o.records;
  records_filtered += o.records_filtered;
  records_rejected += o.records_rejected;
  insight_records += o.insight_records;
  non_cloudtrail_records += o.non_cloudtrail_records;
  first_event_ms = std::min(first_event_ms, o.first_event_ms);
  last_event_ms = std::max(last_event_ms, o.last_event_ms);
  for (const auto& e : o.errors) {
    if (errors.size() < kMaxErrorsKept) errors.push_back(e);
  }
  errors_total += o.errors_total;
}

namespace {
std::string mb(std::uint64_t bytes) { return fmt::format("{:.1f} MB", bytes / 1e6); }
// "1 file", "2 files": a scan of one file that said "1 files read" looked
// like a bug in the one thing everybody reads.
std::string counted(std::uint64_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}
}  // namespace

std::vector<std::string> eviction_lines(const RunSummary& s, bool for_terminal) {
  std::vector<std::string> lines;
  if (!s.evicted_principals && !s.evicted_correlation_hits) return lines;
  lines.push_back(fmt::format(
      "memory caps reached: {} actor(s) with {} matching event(s) evicted at --max-tracked-principals "
      "(least severe first), {} hit(s) evicted at --max-correlation-hits (oldest first); raise the caps to keep them",
      s.evicted_principals, s.evicted_principal_events, s.evicted_correlation_hits));
  // Which rule the caps gave way to, usually one noisy rule: whether to
  // raise a cap, narrow the scan or set that rule aside. Titles and ids
  // come from rule files, perhaps someone else's: on a terminal, none of
  // their escape sequences gets through.
  auto text = [for_terminal](const std::string& t) { return for_terminal ? sanitize_for_terminal(t) : t; };
  constexpr std::size_t kRulesListed = 5;
  std::string parts;
  for (std::size_t i = 0; i < s.evicted_by_rule.size() && i < kRulesListed; ++i) {
    const EvictedRule& r = s.evicted_by_rule[i];
    parts += fmt::format("{}{} ({})", parts.empty() ? "" : "; ", text(r.title), text(r.rule));
    if (r.principal_events) parts += fmt::format(" {} event(s)", r.principal_events);
    if (r.correlation_hits) parts += fmt::format(" {} hit(s)", r.correlation_hits);
  }
  if (s.evicted_by_rule.size() > kRulesListed) {
    parts += fmt::format("; {} more rule(s)", s.evicted_by_rule.size() - kRulesListed);
  }
  if (!parts.empty()) lines.push_back("evicted by rule: " + parts);
  return lines;
}

std::string render_summary_text(const RunSummary& s) {
  std::string out;
  std::uint64_t skipped = s.digest_files + s.insight_files + s.filtered_files;
  out += "trailsweep: " + counted(s.files_read, "file") + " read";
  if (skipped) {
    out += fmt::format(" ({} skipped: {} digest, {} insight, {} outside filters)", skipped,
                       s.digest_files, s.insight_files, s.filtered_files);
  }
  if (s.files_failed) out += fmt::format(", {} failed", s.files_failed);
  if (s.ignored_files) out += fmt::format(", {} non-log files ignored", s.ignored_files);
  if (s.repeated_paths) out += fmt::format(", {} paths reached again read once", s.repeated_paths);
  if (s.other_service_files) {
    out += fmt::format(", {} {} of other AWS services' logs skipped ({})", s.other_service_files,
                       s.other_service_files == 1 ? "file" : "files", fmt::join(s.other_services, ", "));
  }
  out += fmt::format("; {} compressed, {} decompressed\n", mb(s.bytes_compressed),
                     mb(s.bytes_uncompressed));
  out += "trailsweep: " + counted(s.records, "record");
  if (s.records_rejected) out += fmt::format(", {} rejected", s.records_rejected);
  if (s.records_filtered) out += fmt::format(", {} outside filters", s.records_filtered);
  if (s.insight_records) out += fmt::format(", {} insight events skipped", s.insight_records);
  if (s.non_cloudtrail_records) {
    out += fmt::format(", {} wrapped non-CloudTrail events skipped", s.non_cloudtrail_records);
  }
  out += s.principals_estimated ? fmt::format("; ~{} principals (estimated)", s.principals)
                                : "; " + counted(s.principals, "principal");
  if (s.elapsed_s > 0) {
    out += fmt::format("; {:.2f} s, {:.0f} records/s, {:.1f} MB/s", s.elapsed_s,
                       static_cast<double>(s.records) / s.elapsed_s,
                       s.bytes_uncompressed / 1e6 / s.elapsed_s);
  }
  out += '\n';
  std::uint64_t total_findings = 0;
  for (auto n : s.findings_by_level) total_findings += n;
  out += fmt::format("trailsweep: {} ({} critical, {} high, {} medium, {} low, {} informational)\n",
                     counted(total_findings, "finding"), s.findings_by_level[4], s.findings_by_level[3],
                     s.findings_by_level[2], s.findings_by_level[1], s.findings_by_level[0]);
  for (const std::string& line : eviction_lines(s, /*for_terminal=*/true)) out += "trailsweep: " + line + "\n";
  if (!s.suppressed.empty() || !s.unused_allow_entries.empty()) {
    std::uint64_t total = 0;
    for (const auto& x : s.suppressed) total += x.hits;
    out += fmt::format("trailsweep: {} rule hit{} suppressed by the allowlist", total, total == 1 ? "" : "s");
    std::string parts;
    for (const auto& x : s.suppressed) {
      parts += fmt::format("{}{} ({}) {}", parts.empty() ? ": " : ", ", sanitize_for_terminal(x.allow),
                           sanitize_for_terminal(x.rule), x.hits);
    }
    out += parts + "\n";
    if (!s.unused_allow_entries.empty()) {
      std::string names;
      for (const auto& n : s.unused_allow_entries) names += (names.empty() ? "" : ", ") + sanitize_for_terminal(n);
      out += fmt::format("trailsweep: allowlist entries that suppressed nothing: {}\n", names);
    }
  }
  if (s.errors_total) {
    out += fmt::format("trailsweep: {} input problem{} (input was skipped):\n", s.errors_total,
                       s.errors_total == 1 ? "" : "s");
    std::uint64_t accounted = 0;  // a file's "N more problems" line accounts for its N
    for (const auto& e : s.errors) {
      out += fmt::format("  {}\n", e.to_string());
      accounted += e.stands_for;
    }
    if (s.errors_total > accounted) out += fmt::format("  ... and {} more\n", s.errors_total - accounted);
  }
  return out;
}

void write_summary_json(JsonWriter& w, const RunSummary& s) {
  w.begin_object();
  w.field("files", s.files_read);
  w.field("files_failed", s.files_failed);
  w.field("records", s.records);
  w.field("principals", s.principals);
  w.field("principals_estimated", s.principals_estimated);
  w.field("bytes_compressed", s.bytes_compressed);
  w.field("bytes_uncompressed", s.bytes_uncompressed);
  w.key("skipped").begin_object();
  w.field("digest_files", s.digest_files);
  w.field("insight_files", s.insight_files);
  w.field("filtered_files", s.filtered_files);
  w.field("ignored_files", s.ignored_files);
  w.field("repeated_paths", s.repeated_paths);
  w.field("other_service_files", s.other_service_files);
  w.field("rejected_records", s.records_rejected);
  w.field("filtered_records", s.records_filtered);
  w.field("insight_records", s.insight_records);
  w.field("non_cloudtrail_records", s.non_cloudtrail_records);
  w.end_object();
  w.key("findings").begin_object();
  static constexpr const char* kLevels[] = {"informational", "low", "medium", "high", "critical"};
  for (int l = 4; l >= 0; --l) w.field(kLevels[l], s.findings_by_level[l]);
  w.end_object();
  w.key("evicted").begin_object();
  w.field("principals", s.evicted_principals);
  w.field("principal_events", s.evicted_principal_events);
  w.field("correlation_hits", s.evicted_correlation_hits);
  w.key("by_rule").begin_array();
  for (const EvictedRule& r : s.evicted_by_rule) {
    w.begin_object();
    w.field("rule", r.rule);
    w.field("title", r.title);
    w.field("principal_events", r.principal_events);
    w.field("correlation_hits", r.correlation_hits);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.key("suppressed").begin_object();
  std::uint64_t suppressed_total = 0;
  for (const auto& x : s.suppressed) suppressed_total += x.hits;
  w.field("hits", suppressed_total);
  w.key("by_entry").begin_array();
  for (const auto& x : s.suppressed) {
    w.begin_object();
    w.field("allow", x.allow);
    w.field("rule", x.rule);
    w.field("hits", x.hits);
    w.end_object();
  }
  w.end_array();
  w.key("unused_entries").begin_array();
  for (const auto& n : s.unused_allow_entries) w.value(n);
  w.end_array();
  w.end_object();
  w.field("errors_total", s.errors_total);
  w.key("errors").begin_array();
  for (const auto& e : s.errors) {
    w.begin_object();
    w.field("file", e.pos.file);
    if (e.pos.record >= 0) w.field("record", e.pos.record);
    if (e.pos.offset >= 0) {
      w.field("offset", e.pos.offset);
      if (e.pos.compressed) w.field("offset_kind", "compressed");
    }
    w.field("message", e.message);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace trailsweep
