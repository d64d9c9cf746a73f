// trailsweep command line. Only option parsing and wiring live here; every
// component is in trailsweep_core.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <atomic>
#include <csignal>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "trailsweep/activity_summary.hpp"
#include "trailsweep/allowlist.hpp"
#include "trailsweep/correlator.hpp"
#include "trailsweep/detector.hpp"
#include "trailsweep/exit_status.hpp"
#include "trailsweep/finding_context.hpp"
#include "trailsweep/parallel_stretches.hpp"
#include "trailsweep/remediation_script.hpp"
#include "trailsweep/report_asff.hpp"
#include "trailsweep/report_csv.hpp"
#include "trailsweep/report_html.hpp"
#include "trailsweep/report_ocsf.hpp"
#include "trailsweep/report_sarif.hpp"
#include "trailsweep/reporter.hpp"
#include "trailsweep/rule_loader.hpp"
#include "trailsweep/rule_test.hpp"
#include "trailsweep/input_walker.hpp"
#include "trailsweep/json_writer.hpp"
#include "trailsweep/run_summary.hpp"
#include "trailsweep/scan_pipeline.hpp"
#include "trailsweep/scanner.hpp"
#include "trailsweep/search.hpp"
#include "trailsweep/time_util.hpp"
#include "trailsweep/timeline.hpp"

#ifdef TRAILSWEEP_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace ts = trailsweep;

namespace {

// Hands back to the system the pages the scan's workers freed. jemalloc
// keeps a thread's freed pages for that thread's arena for seconds, and the
// correlation that follows the scan allocates from another: with a million
// hits kept, the workers' freed pages were ~15 MB of the peak.
void return_freed_pages() {
#ifdef TRAILSWEEP_WITH_JEMALLOC
  const std::string purge_all = fmt::format("arena.{}.purge", MALLCTL_ARENAS_ALL);
  mallctl(purge_all.c_str(), nullptr, nullptr, nullptr, 0);  // a failure only costs memory
#endif
}

// Keeps `value` reachable until the process exits, which frees it at once:
// a command about to return from main() would otherwise free a large result
// piece by piece first. Reachable, so leak checkers stay quiet.
template <typename T>
void keep_until_exit(T value) {
  static T* kept = nullptr;
  delete kept;
  kept = new T(std::move(value));
}

constexpr const char* kScanExitCodes =
    "0 nothing at or above --fail-on and all input read; 1 findings at or above "
    "--fail-on; 2 usage error; 3 no such findings but some input could not be read or a memory cap evicted actors or hits; "
    "130 interrupted.";

struct ScanCli {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string output;
  std::string since, until;
  std::vector<std::string> accounts, regions;
  std::string max_decompressed = "4G";
  std::string max_record = "16M";
  bool no_summary = false;
  bool quiet = false;
  std::vector<std::string> rules;
  std::vector<std::string> allow;
  bool strict = false;
  std::string fail_on = "high";
  std::size_t max_evidence = 20;
  std::size_t max_tracked_principals = 20000;
  std::size_t max_correlation_hits = 1000000;
  std::string color = "auto";
  std::string remediation;
  bool deterministic = false;
  bool validate_json = false;
  std::string asff_account = "000000000000";
  std::string asff_region = "us-east-1";
  unsigned jobs = 0;
  std::size_t read_ahead = ts::FileFeed::kReadAheadFiles;
};

// Set by SIGINT/SIGTERM; workers stop between files and a partial summary is printed.
std::atomic<bool> g_stop{false};

extern "C" void on_interrupt(int) { g_stop.store(true); }

// Where a command's report goes, --output's file or stdout, written as it is
// rendered (ReportFlush): whole, a summary of 250,000 principals is ~190 MB
// of JSON lines held on top of the table it comes from. The file is opened
// before the scan, so that a path that cannot be written is said at once,
// not after an hour of reading; a file that exists keeps its content until
// the report replaces it (it may be one of the files being read).
class ReportOutput {
 public:
  explicit ReportOutput(std::string path) : path_(std::move(path)) {}
  ReportOutput(const ReportOutput&) = delete;
  ReportOutput& operator=(const ReportOutput&) = delete;
  ~ReportOutput() { abandon(); }

  /// Opens --output's file ("-" or none: stdout), creating it if needed; false, having said so,
  /// when it cannot. The file goes on `filter`'s files not to read: in the
  /// folder being scanned it would be read as an empty log file, or as a log
  /// file holding last run's report, which this run's replaces anyway.
  bool open(ts::InputFilter& filter) {
    if (path_.empty() || path_ == "-") return true;  // stdout
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    created_ = fd >= 0;
    if (fd < 0 && errno == EEXIST) fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || !(dest_ = ::fdopen(fd, "w"))) {
      const int error = errno;  // before the stream may set it
      std::cerr << "trailsweep: cannot write " << path_ << ": " << std::strerror(error) << "\n";
      if (fd >= 0) ::close(fd);
      if (created_) ::unlink(path_.c_str());
      created_ = false;
      dest_ = nullptr;
      return false;
    }
    regular_ = S_ISREG(st.st_mode);
    if (regular_) {
      filter.skip_files.push_back({static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)});
    }
    return true;
  }
  void write(std::string_view text) {
    if (!started_) {
      started_ = true;
      // What was there goes now that the report replaces it.
      if (regular_ && ::ftruncate(::fileno(dest_), 0) != 0) failed_ = true;
    }
    if (std::fwrite(text.data(), 1, text.size(), dest_) != text.size()) failed_ = true;
  }
  ts::ReportFlush flush() {
    return [this](const std::string& part) { write(part); };
  }
  /// Writes `rest` and closes the file; false, having said so, when a write
  /// to the file failed (a closed stdout ends the process quietly instead).
  bool finish(std::string_view rest) {
    write(rest);
    if (dest_ == stdout) {
      std::fflush(stdout);
      return true;
    }
    if (std::fclose(std::exchange(dest_, nullptr)) != 0) failed_ = true;
    if (failed_) std::cerr << "trailsweep: cannot write " << path_ << "\n";
    return !failed_;
  }
  /// No report after all (an error, an interrupt), and on destruction
  /// unless finished: a file this run created goes, one that was there is
  /// left as it was.
  void abandon() {
    if (!dest_ || dest_ == stdout) return;
    std::fclose(std::exchange(dest_, nullptr));
    if (created_) ::unlink(path_.c_str());
  }

 private:
  std::string path_;
  std::FILE* dest_ = stdout;
  bool created_ = false, regular_ = false, started_ = false, failed_ = false;
};

// Shows files and bytes done on stderr while scanning, only on a terminal.
class Progress {
 public:
  Progress(bool enabled, std::size_t files, std::uint64_t bytes)
      : enabled_(enabled), files_(files), bytes_(bytes), start_(std::chrono::steady_clock::now()) {}
  void update(std::size_t files_done, std::uint64_t bytes_done) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(250) && files_done < files_) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? bytes_done / secs : 0;
    std::string eta = rate > 0 && bytes_ > bytes_done
                          ? fmt::format("{:.0f}s", (bytes_ - bytes_done) / rate)
                          : std::string("-");
    std::cerr << fmt::format("\r\x1b[Ktrailsweep: {}/{} files, {:.1f}/{:.1f} MB, {:.1f} MB/s, ETA {}", files_done,
                             files_, bytes_done / 1e6, bytes_ / 1e6, rate / 1e6, eta)
              << std::flush;
    shown_ = true;
  }
  void finish() {
    if (shown_) std::cerr << "\r\x1b[K" << std::flush;
  }

 private:
  bool enabled_;
  std::size_t files_;
  std::uint64_t bytes_;
  std::chrono::steady_clock::time_point start_, last_{};
  bool shown_ = false;
};

// Where the bundled rules are when --rules is not given: $TRAILSWEEP_RULES, then
// next to the binary (and the source tree above a build folder), then the
// install prefix.
std::optional<std::string> default_rules_dir(const char* argv0) {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("TRAILSWEEP_RULES"); env && *env) return std::string(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe = fs::absolute(argv0, ec);
  fs::path dir = exe.parent_path();
  for (const fs::path& candidate : {dir / "rules", dir / ".." / "rules", dir / ".." / ".." / "rules",
                                    dir / ".." / "share" / "trailsweep" / "rules"}) {
    if (fs::is_directory(candidate, ec)) return fs::weakly_canonical(candidate, ec).string();
  }
  return std::nullopt;
}

// What the rules are loaded for.
enum class RuleUse {
  kInspect,  // rules list/check/test: every problem listed, the exit status says
  kMarks,    // timeline: rules mark events; none is a timeline still
  kScan,     // a scan with no rule to run is a mistake, not a clean result
};

std::optional<ts::RuleLoadResult> load_rule_set(const std::vector<std::string>& paths, const char* argv0,
                                                bool strict, RuleUse use_for) {
  // A --rules path that is not there is a typo, not a broken rule: loading
  // the others (or none) and finding nothing passed a CI check with exit 0.
  for (const auto& path : paths) {
    std::error_code ec;
    if (use_for != RuleUse::kInspect && !std::filesystem::exists(path, ec)) {
      std::cerr << "trailsweep: --rules " << path << ": no such file or directory\n";
      return std::nullopt;
    }
  }
  std::vector<std::string> use = paths;
  if (use.empty()) {
    auto dir = default_rules_dir(argv0);
    if (!dir) {
      std::cerr << "trailsweep: no rules: pass --rules PATH or set TRAILSWEEP_RULES "
                   "(the bundled rules/ folder was not found next to the binary)\n";
      return std::nullopt;
    }
    use.push_back(*dir);
  }
  ts::RuleLoadResult loaded = ts::load_rules(use);
  for (const auto& e : loaded.errors) std::cerr << "trailsweep: rule error: " << e.to_string() << "\n";
  for (const auto& w : loaded.warnings) std::cerr << "trailsweep: rule warning: " << w.to_string() << "\n";
  if (strict && !loaded.errors.empty()) {
    std::cerr << "trailsweep: " << loaded.errors.size() << " rule error(s) and --strict: stopping\n";
    return std::nullopt;
  }
  if (use_for == RuleUse::kScan && loaded.rules->rules().empty()) {
    std::cerr << fmt::format("trailsweep: no rules to run from {} ({} for other log sources, {} with errors)\n",
                             fmt::join(use, ", "), loaded.skipped_logsource, loaded.errors.size());
    return std::nullopt;
  }
  return loaded;
}

bool use_color(const std::string& mode, int fd) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  return isatty(fd) && !(term && std::string(term) == "dumb");
}

// "512K", "16M", "4G" or plain bytes.
std::optional<std::uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t used = 0;
  unsigned long long n;
  try {
    n = std::stoull(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = text.substr(used);
  std::uint64_t mult = 1;
  if (unit == "K" || unit == "KiB" || unit == "k") {
    mult = 1ull << 10;
  } else if (unit == "M" || unit == "MiB") {
    mult = 1ull << 20;
  } else if (unit == "G" || unit == "GiB") {
    mult = 1ull << 30;
  } else if (!unit.empty()) {
    return std::nullopt;
  }
  return n * mult;
}

// `files`: how many there are, when a progress bar's walk counted them (0:
// not known, the walk hands files out as it goes).
std::string interrupted_line(std::uint64_t files_done, std::size_t files, std::uint64_t bytes) {
  const std::string of = files ? fmt::format(" of {}", files) : std::string();
  return fmt::format("trailsweep: interrupted after {}{} files ({:.1f} MB read); no findings reported\n", files_done,
                     of, bytes / 1e6);
}

// What the walk skipped and the problems it met, first in the summary.
void add_walk_summary(ts::RunSummary& summary, ts::WalkResult& walk) {
  summary.digest_files += walk.digest_files;
  summary.insight_files += walk.insight_files;
  summary.filtered_files += walk.filtered_files;
  summary.ignored_files += walk.ignored_files;
  summary.repeated_paths += walk.repeated_paths;
  summary.other_service_files += walk.other_service_files;
  summary.other_services = walk.other_services;
  for (auto& e : walk.errors) summary.add_error(std::move(e));
  walk.errors.clear();
  summary.errors_total += walk.unlisted_errors;
}

int usage_error(const std::string& message) {
  std::cerr << "trailsweep: " << message << "\n";
  return ts::kExitUsage;
}

// --since/--until into the filter; a bare --until date means the whole day.
// Returns the usage error, if any.
std::optional<std::string> parse_time_window(const std::string& since, const std::string& until,
                                             ts::InputFilter* filter) {
  if (!since.empty() && !(filter->since_ms = ts::parse_time_arg(since))) {
    return fmt::format("--since: '{}' is not RFC 3339 or YYYY-MM-DD", since);
  }
  if (!until.empty()) {
    bool date_only = false;
    filter->until_ms = ts::parse_time_arg(until, &date_only);
    if (!filter->until_ms) return fmt::format("--until: '{}' is not RFC 3339 or YYYY-MM-DD", until);
    if (date_only) *filter->until_ms += ts::kMsPerDay - 1;
  }
  // An empty window is a typo (the dates swapped), not a question: a scan
  // that reads nothing and reports "no findings" would mislead.
  if (filter->since_ms && filter->until_ms && *filter->since_ms > *filter->until_ms) {
    return fmt::format("--since '{}' is after --until '{}': no event can match", since, until);
  }
  return std::nullopt;
}

// Broken values a rule read into (the fast path does not validate what it
// skips): the first by file and record are listed, all are counted.
void add_field_problems(ts::RunSummary& summary, const ts::FieldProblems& problems) {
  std::vector<ts::Diagnostic> listed = problems.first;
  std::sort(listed.begin(), listed.end(), [](const ts::Diagnostic& a, const ts::Diagnostic& b) {
    return std::tie(a.pos.file, a.pos.record) < std::tie(b.pos.file, b.pos.record);
  });
  if (listed.size() > ts::FieldProblems::kListed) listed.resize(ts::FieldProblems::kListed);
  const std::uint64_t kept = listed.size();
  for (auto& d : listed) summary.add_error(std::move(d));
  summary.errors_total += problems.total - kept;
}

int run_scan(const ScanCli& cli, const char* argv0) {
  ts::ScanOptions options;
  std::optional<ts::Level> fail_level;
  if (cli.fail_on != "never") fail_level = ts::parse_level(cli.fail_on);
  if (auto bad = parse_time_window(cli.since, cli.until, &options.filter)) return usage_error(*bad);
  options.filter.accounts = cli.accounts;
  options.filter.regions = cli.regions;
  auto max_dec = parse_size(cli.max_decompressed);
  auto max_rec = parse_size(cli.max_record);
  if (!max_dec || *max_dec == 0) {
    return usage_error(fmt::format("--max-decompressed-size: bad size '{}'", cli.max_decompressed));
  }
  if (!max_rec || *max_rec == 0) {
    return usage_error(fmt::format("--max-record-size: bad size '{}'", cli.max_record));
  }
  options.max_decompressed_bytes = *max_dec;
  options.reader.max_record_bytes = static_cast<std::size_t>(*max_rec);
  options.validate_json = cli.validate_json;

  // Long reports are written as they are rendered, in ~1 MB steps.
  ReportOutput output(cli.output), remediation_output(cli.remediation);
  if (!output.open(options.filter)) return ts::kExitUsage;
  if (cli.remediation == "-" && (cli.output.empty() || cli.output == "-")) {
    return usage_error("--remediation -: the report goes to stdout; give the script or the report a file");
  }
  if (!cli.remediation.empty() && !remediation_output.open(options.filter)) return ts::kExitUsage;

  auto started = std::chrono::steady_clock::now();
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  ts::RunSummary summary;
  // Walked as the workers take the files: the list of a million files was
  // what memory grew with.
  ts::InputWalk walk(cli.paths, options.filter);

  auto loaded = load_rule_set(cli.rules, argv0, cli.strict, RuleUse::kScan);
  if (!loaded) return ts::kExitUsage;
  const ts::RuleSet& rules = *loaded->rules;

  ts::AllowlistLoad allow = ts::load_allowlists(cli.allow, rules);
  if (!allow.errors.empty()) {
    for (const auto& e : allow.errors) std::cerr << "trailsweep: allowlist error: " << e << "\n";
    return usage_error("fix the allowlist; nothing is suppressed silently");
  }
  ts::DetectorOptions detector_options;
  detector_options.max_evidence = cli.max_evidence;
  detector_options.max_tracked_principals = cli.max_tracked_principals;
  detector_options.max_correlation_hits = cli.max_correlation_hits;
  if (!allow.allowlist->empty()) detector_options.allowlist = allow.allowlist.get();
  // -j is every thread of the scan, the work after it included: -j 1 on a
  // shared host or a one-CPU container means one thread.
  const unsigned jobs = ts::thread_limit(cli.jobs);
  // The bar's totals cost a walk of their own, names and sizes only, and a
  // stat per file (~10 ms before a 2,600-file scan can start): only when
  // there is a bar to show.
  const bool show_progress = !cli.quiet && isatty(STDERR_FILENO);
  std::size_t total_files = 0;
  std::uint64_t total_bytes = 0;
  if (show_progress) {
    ts::InputWalk counting(cli.paths, options.filter);
    ts::InputFile file;
    while (counting.next(file)) {
      ++total_files;
      std::error_code ec;
      if (file.path != "-") total_bytes += std::filesystem::file_size(file.path, ec);
    }
  }
  Progress progress(show_progress, total_files, total_bytes);
  ts::ScanPipeline pipeline(rules, options, detector_options, jobs);
  ts::FileFeed feed(walk);
  feed.read_ahead(cli.read_ahead);
  ts::PipelineResult scanned = pipeline.run(
      feed, [&](std::size_t files, std::uint64_t bytes) { progress.update(files, bytes); }, &g_stop);
  progress.finish();
  if (scanned.stuck) {
    std::cerr << interrupted_line(scanned.summary.files_read, total_files, scanned.summary.bytes_compressed);
    std::cerr.flush();
    output.abandon();
    remediation_output.abandon();
    std::_Exit(ts::kExitInterrupted);  // a worker is blocked in read(); do not wait for it
  }
  add_walk_summary(summary, feed.walk_result());
  ts::Detector& detector = *scanned.detector;
  // Walk errors first, then the files' errors in input order; merge() adds the counts.
  for (auto& e : scanned.summary.errors) {
    if (summary.errors.size() < ts::RunSummary::kMaxErrorsKept) summary.errors.push_back(std::move(e));
  }
  scanned.summary.errors.clear();
  summary.merge(scanned.summary);
  summary.principals = scanned.summary.principals;
  summary.principals_estimated = scanned.summary.principals_estimated;
  if (scanned.interrupted) {
    summary.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "trailsweep: interrupted; partial summary of what was read:\n" << ts::render_summary_text(summary);
    return ts::kExitInterrupted;
  }
  add_field_problems(summary, detector.field_problems());
  const ts::Evictions evicted = detector.evictions();
  summary.evicted_principals = evicted.principals;
  summary.evicted_principal_events = evicted.principal_events;
  summary.evicted_correlation_hits = evicted.correlation_hits;
  summary.evicted_by_rule = detector.evicted_by_rule();
  if (detector_options.allowlist) {
    const auto& entries = detector_options.allowlist->entries();
    std::vector<bool> used(entries.size(), false);
    for (const auto& [key, n] : detector.suppressed()) {
      used[static_cast<std::size_t>(key.first)] = true;
      summary.suppressed.push_back({entries[static_cast<std::size_t>(key.first)].name,
                                    rules.rules()[static_cast<std::size_t>(key.second)].display_id(), n});
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (!used[i]) summary.unused_allow_entries.push_back(entries[i].name);
    }
  }
  return_freed_pages();
  std::vector<ts::Finding> findings = ts::finalize_findings(rules, detector, cli.max_evidence, nullptr, jobs);
  for (const auto& f : findings) ++summary.findings_by_level[static_cast<int>(f.level)];
  summary.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  ts::ReportContext ctx;
  ctx.rules = &rules;
  ctx.asff_account = cli.asff_account;
  ctx.asff_region = cli.asff_region;
  // One run timestamp; pinned for reproducible output.
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde && *sde) {
    ctx.run_time_ms = std::strtoll(sde, nullptr, 10) * 1000;
  } else if (cli.deterministic) {
    for (const auto& f : findings) ctx.run_time_ms = std::max(ctx.run_time_ms, f.last_ms);
  } else {
    ctx.run_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  }
  if (!cli.remediation.empty() &&
      !remediation_output.finish(ts::render_remediation_script(findings, ts::format_rfc3339_ms(ctx.run_time_ms)))) {
    return ts::kExitUsage;
  }
  const ts::ReportFlush flush = output.flush();
  std::string out;
  if (cli.format == "json") {
    out = ts::render_json_report(findings, summary, flush, jobs);
  } else if (cli.format == "jsonl") {
    out = ts::render_jsonl_report(findings, summary, flush, jobs);
  } else if (cli.format == "sarif") {
    out = ts::render_sarif_report(findings, summary, ctx, flush, jobs);
  } else if (cli.format == "ocsf") {
    out = ts::render_ocsf_report(findings, ctx, flush, jobs);
  } else if (cli.format == "asff") {
    out = ts::render_asff_report(findings, ctx, flush, jobs);
  } else if (cli.format == "csv") {
    out = ts::render_csv_report(findings, flush, jobs);
  } else if (cli.format == "html") {
    out = ts::render_html_report(findings, summary, ctx, cli.paths, flush, jobs);
  } else {
    bool color = cli.output.empty() && use_color(cli.color, STDOUT_FILENO);
    out = ts::render_text_report(findings, color, flush, ts::eviction_lines(summary, /*for_terminal=*/true), jobs);
  }
  if (!output.finish(out)) return ts::kExitUsage;
  if (!cli.no_summary) std::cerr << ts::render_summary_text(summary);
  bool alarming = fail_level && std::any_of(findings.begin(), findings.end(), [&](const ts::Finding& f) {
                    return f.level >= *fail_level;
                  });
  // The process ends right after this: freeing tens of thousands of
  // findings string by string only delayed the exit (~40 ms of a 2.5 s scan
  // of the benchmark archive). The same for what the detector holds after its findings were taken
  // (the buffers of ~40,000 actors after a noisy rule: 6-17 ms to free).
  struct KeptUntilExit {
    std::vector<ts::Finding> findings;
    std::unique_ptr<ts::Detector> detector;
  };
  keep_until_exit(KeptUntilExit{std::move(findings), std::move(scanned.detector)});
  if (alarming) return ts::kExitFindings;
  return summary.input_incomplete() ? ts::kExitInputIncomplete : ts::kExitClean;
}

struct TimelineCli {
  std::vector<std::string> paths;
  ts::TimelineQuery query;
  std::string since, until, format = "text", output;
  std::vector<std::string> rules;
  std::size_t max_rows = 100000;
  unsigned jobs = 0;
  std::size_t read_ahead = ts::FileFeed::kReadAheadFiles;
};

int run_timeline(const TimelineCli& cli, const char* argv0) {
  if (cli.query.empty()) {
    return usage_error("timeline: give at least one of --principal, --access-key, --source-ip, --account");
  }
  ts::ScanOptions options;
  if (auto bad = parse_time_window(cli.since, cli.until, &options.filter)) return usage_error(*bad);
  if (!cli.query.account.empty()) options.filter.accounts = {cli.query.account};
  ReportOutput output(cli.output);
  if (!output.open(options.filter)) return ts::kExitUsage;
  auto loaded = load_rule_set(cli.rules, argv0, false, RuleUse::kMarks);
  if (!loaded) return ts::kExitUsage;
  ts::RunSummary summary;
  ts::InputWalk walk(cli.paths, options.filter);
  ts::FileFeed feed(walk);
  feed.read_ahead(cli.read_ahead);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  unsigned jobs = ts::thread_limit(cli.jobs);
  const auto cutoff = std::make_shared<ts::TimelineCutoff>();
  ts::SinkScanResult scanned = ts::scan_with_sinks(
      feed, options, jobs,
      [&] { return std::make_unique<ts::TimelineCollector>(loaded->rules.get(), cli.query, cli.max_rows, cutoff); },
      nullptr,
      &g_stop);
  if (scanned.stuck || scanned.interrupted) {
    std::cerr << "trailsweep: interrupted; no timeline written\n";
    std::cerr.flush();
    output.abandon();
    std::_Exit(ts::kExitInterrupted);
  }
  add_walk_summary(summary, feed.walk_result());
  for (auto& e : scanned.summary.errors) summary.add_error(std::move(e));
  summary.errors_total += scanned.summary.errors_total - scanned.summary.errors.size();
  auto& collector = static_cast<ts::TimelineCollector&>(*scanned.sinks.front());
  for (std::size_t i = 1; i < scanned.sinks.size(); ++i) {
    collector.merge(std::move(static_cast<ts::TimelineCollector&>(*scanned.sinks[i])));
  }
  add_field_problems(summary, collector.field_problems());
  const auto& rows = collector.sorted_rows();
  const ts::ReportFlush flush = output.flush();
  const std::string rest = cli.format == "jsonl" ? ts::render_timeline_jsonl(rows, flush)
                           : cli.format == "csv" ? ts::render_timeline_csv(rows, flush)
                                                 : ts::render_timeline_text(rows, flush);
  if (!output.finish(rest)) return ts::kExitUsage;
  std::cerr << fmt::format("trailsweep: {} events on the timeline", rows.size());
  if (collector.dropped()) std::cerr << fmt::format(" ({} later ones beyond --max-rows not shown)", collector.dropped());
  std::cerr << "\n";
  for (const auto& e : summary.errors) std::cerr << "  " << e.to_string() << "\n";
  return summary.input_incomplete() ? ts::kExitInputIncomplete : ts::kExitClean;
}

struct SearchCli {
  std::vector<std::string> paths;
  ts::SearchQuery query;
  std::string since, until;
  std::vector<std::string> accounts, regions;
  bool raw = false, count = false, explain = false;
  std::uint64_t limit = 0;
  unsigned jobs = 0;
  std::size_t read_ahead = ts::FileFeed::kReadAheadFiles;
};

int run_search(const SearchCli& cli) {
  ts::CompiledSearch compiled = ts::compile_search(cli.query);
  if (!compiled.errors.empty()) {
    for (const auto& e : compiled.errors) std::cerr << "trailsweep: search: " << e << "\n";
    return ts::kExitUsage;
  }
  if (cli.explain) {
    std::cout << compiled.rule_yaml;
    return ts::kExitClean;
  }
  ts::ScanOptions options;
  if (auto bad = parse_time_window(cli.since, cli.until, &options.filter)) return usage_error(*bad);
  options.filter.accounts = cli.accounts;
  options.filter.regions = cli.regions;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  ts::RunSummary summary;
  ts::InputWalk walk(cli.paths, options.filter);
  ts::FileFeed feed(walk);
  feed.read_ahead(cli.read_ahead);
  ts::SearchOutput output = cli.count ? ts::SearchOutput::kCount
                            : cli.raw ? ts::SearchOutput::kRaw
                                      : ts::SearchOutput::kText;
  unsigned jobs = ts::thread_limit(cli.jobs);
  ts::SearchTotals found =
      ts::search_files(feed, options, *compiled.rules, output, stdout, cli.limit, jobs, &g_stop);
  add_walk_summary(summary, feed.walk_result());
  summary.merge(found.summary);
  if (cli.count) std::cout << found.matches << "\n";
  std::fflush(stdout);
  std::cerr << fmt::format("trailsweep: {} matching record(s) in {} record(s) read from {} file(s){}\n",
                           found.matches, summary.records, summary.files_read,
                           found.limit_reached ? " (stopped at --limit)" : "");
  for (const auto& e : summary.errors) std::cerr << "  " << e.to_string() << "\n";
  if (g_stop.load()) return ts::kExitInterrupted;
  return summary.input_incomplete() ? ts::kExitInputIncomplete : ts::kExitClean;
}

struct SummaryCli {
  std::vector<std::string> paths;
  std::string since, until, baseline_until, format = "text", output;
  std::vector<std::string> accounts, regions;
  std::size_t top = 0, listed = 5, max_principals = 250000;
  unsigned jobs = 0;
  std::size_t read_ahead = ts::FileFeed::kReadAheadFiles;
};

int run_activity_summary(const SummaryCli& cli) {
  ts::ScanOptions options;
  if (auto bad = parse_time_window(cli.since, cli.until, &options.filter)) return usage_error(*bad);
  options.filter.accounts = cli.accounts;
  options.filter.regions = cli.regions;
  std::optional<std::int64_t> baseline;
  if (!cli.baseline_until.empty() && !(baseline = ts::parse_time_arg(cli.baseline_until))) {
    return usage_error(fmt::format("--baseline-until: '{}' is not RFC 3339 or YYYY-MM-DD", cli.baseline_until));
  }
  ReportOutput output(cli.output);
  if (!output.open(options.filter)) return ts::kExitUsage;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  ts::InputWalk walk(cli.paths, options.filter);
  ts::FileFeed feed(walk);
  feed.read_ahead(cli.read_ahead);
  ts::ActivityOptions activity_options;
  activity_options.max_principals = cli.max_principals;
  unsigned jobs = ts::thread_limit(cli.jobs);
  // The workers add to one table: the cap bounds them together.
  ts::ActivityCollector collector(activity_options);
  ts::SinkScanResult scanned = ts::scan_with_sinks(
      feed, options, jobs, [&] { return collector.worker(); }, nullptr, &g_stop);
  if (scanned.stuck) {
    std::cerr << interrupted_line(scanned.summary.files_read, 0, scanned.summary.bytes_compressed);
    std::cerr.flush();
    output.abandon();
    std::_Exit(ts::kExitInterrupted);
  }
  ts::RunSummary summary;
  add_walk_summary(summary, feed.walk_result());
  for (auto& e : scanned.summary.errors) summary.add_error(std::move(e));
  summary.errors_total += scanned.summary.errors_total - scanned.summary.errors.size();
  if (scanned.interrupted) {
    std::cerr << "trailsweep: interrupted; no summary written\n";
    return ts::kExitInterrupted;
  }
  for (auto& sink : scanned.sinks) collector.merge(std::move(static_cast<ts::ActivityCollector&>(*sink)));
  ts::ActivityReport report = std::move(collector).report(baseline);
  const ts::ReportFlush flush = output.flush();
  const std::string rest = cli.format == "jsonl" ? ts::render_activity_jsonl(report, cli.top, flush)
                           : cli.format == "csv" ? ts::render_activity_csv(report, cli.top, flush)
                                                 : ts::render_activity_text(report, cli.listed, cli.top, flush);
  if (!output.finish(rest)) return ts::kExitUsage;
  std::cerr << fmt::format("trailsweep: {} principal(s), {} record(s) from {} file(s)\n", report.principals.size(),
                           scanned.summary.records, scanned.summary.files_read);
  // The jsonl and csv rows have no place for it, and a pipeline must not
  // take the principals listed for all there were.
  if (report.untracked_principals) {
    std::cerr << fmt::format(
        "trailsweep: {} more principal(s) with {} event(s) counted but not tracked (--max-principals {}; raise it "
        "to list them)\n",
        report.untracked_principals, report.untracked_events, cli.max_principals);
  }
  for (const auto& e : summary.errors) std::cerr << "  " << e.to_string() << "\n";
  // As run_scan keeps its findings: 250,000 principals' lists freed one by
  // one were ~2% of a summary of the benchmark archive, paid before exit.
  keep_until_exit(std::move(report));
  return summary.input_incomplete() ? ts::kExitInputIncomplete : ts::kExitClean;
}

int run_rules_list(const std::vector<std::string>& paths, const char* argv0) {
  auto loaded = load_rule_set(paths, argv0, false, RuleUse::kInspect);
  if (!loaded) return ts::kExitUsage;
  std::string out = fmt::format("{:<38} {:<44} {:<13} {:<28} {}\n", "ID", "NAME", "LEVEL", "KIND", "TITLE");
  for (const auto& r : loaded->rules->rules()) {
    out += fmt::format("{:<38} {:<44} {:<13} {:<28} {}\n", r.id.empty() ? "-" : r.id,
                       r.name.empty() ? "-" : r.name, ts::level_name(r.level), r.kind_name(), r.title);
  }
  out += fmt::format("{} rules ({} detection, {} correlation)\n", loaded->rules->rules().size(),
                     loaded->rules->detection_count(), loaded->rules->correlation_count());
  std::fwrite(out.data(), 1, out.size(), stdout);
  return loaded->ok() ? ts::kExitClean : ts::kExitUsage;
}

int run_rules_check(const std::vector<std::string>& paths, const char* argv0) {
  auto loaded = load_rule_set(paths, argv0, false, RuleUse::kInspect);
  if (!loaded) return ts::kExitUsage;
  std::cout << fmt::format("{} rules loaded ({} detection, {} correlation) from {} files; "
                           "{} skipped for other log sources; {} errors, {} warnings\n",
                           loaded->rules->rules().size(), loaded->rules->detection_count(),
                           loaded->rules->correlation_count(), loaded->files,
                           loaded->skipped_logsource, loaded->errors.size(), loaded->warnings.size());
  return loaded->ok() ? ts::kExitClean : ts::kExitUsage;
}

struct RulesTestCli {
  std::vector<std::string> paths;
  bool require_tests = false;
  bool verbose = false;
};

int run_rules_test(const RulesTestCli& cli, const char* argv0) {
  std::vector<std::string> paths = cli.paths;
  if (paths.empty()) {
    auto dir = default_rules_dir(argv0);
    if (!dir) return usage_error("no rules: pass PATH or set TRAILSWEEP_RULES");
    paths.push_back(*dir);
  }
  auto loaded = load_rule_set(paths, argv0, false, RuleUse::kInspect);
  if (!loaded) return ts::kExitUsage;
  ts::RuleTestRun run = ts::run_rule_tests(paths, *loaded->rules);
  std::string out = ts::render_rule_test_run(run, cli.require_tests, cli.verbose);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!loaded->ok() || !run.errors.empty()) return ts::kExitUsage;
  return run.ok(cli.require_tests) ? ts::kExitClean : ts::kExitFindings;
}

}  // namespace

// A count or a cap: CLI11 reads "-3" into an unsigned option as 2^64 - 3,
// so "--top -3" listed every principal.
const CLI::Validator kCount(
    [](std::string& text) {
      return text.find('-') == std::string::npos ? std::string() : "must be 0 or more, not " + text;
    },
    "");

// An AWS account id is 12 digits: one digit short it matched no file and no
// record, and the run reported nothing to see, with exit 0.
const CLI::Validator kAccountId(
    [](std::string& text) {
      const bool twelve_digits = text.size() == 12 && std::all_of(text.begin(), text.end(), [](unsigned char c) {
                                   return c >= '0' && c <= '9';
                                 });
      return twelve_digits ? std::string() : "'" + text + "' is not an AWS account id (12 digits)";
    },
    "");

// A region by its shape, letters in dashed words then a number (us-east-1,
// us-gov-west-1, ap-southeast-5): regions keep being added, so not a list,
// but a typo such as us-east1 or US-EAST-1 matched nothing, silently.
const CLI::Validator kRegionName(
    [](std::string& text) {
      const std::size_t last_dash = text.rfind('-');
      bool ok = last_dash != std::string::npos && last_dash + 1 < text.size() && text.find('-') < last_dash &&
                text.front() != '-' && text.find("--") == std::string::npos;
      for (std::size_t i = 0; ok && i < text.size(); ++i) {
        const char c = text[i];
        ok = i > last_dash ? (c >= '0' && c <= '9') : ((c >= 'a' && c <= 'z') || c == '-');
      }
      return ok ? std::string() : "'" + text + "' is not an AWS region name (such as us-east-1)";
    },
    "");

// A repeatable option takes one value each time it is given. CLI11 lets a
// vector option take every word after it, so `scan --rules dir a/ b/` read
// a/ as a second rule folder (a folder of logs holds no rules, so nothing
// said so) and scanned only b/.
void one_value_per_use(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    if (option->nonpositional()) option->allow_extra_args(false);
  }
  for (CLI::App* sub : app.get_subcommands({})) one_value_per_use(*sub);
}

const char* const kReadAheadHelp =
    "Files the kernel is asked to read ahead of the workers (a thread of its own that waits for the disk "
    "while they work), so that a worker seldom waits for it on an archive that is not in the page cache; "
    "0: off";

int main(int argc, char** argv) {
  CLI::App app{
      "trailsweep: find multi-stage attacks (such as the 2025 EC2/ECS cryptomining campaign) in "
      "exported AWS CloudTrail logs, offline."};
  app.footer(std::string("Exit status of scan: ") + kScanExitCodes + " The other commands' --help give theirs.");
  app.require_subcommand(1);
  app.set_version_flag("--version", "trailsweep 0.1.0");

  ScanCli scan_cli;
  auto* scan = app.add_subcommand(
      "scan",
      "Read CloudTrail logs and report findings. PATHs are files, directories (walked "
      "recursively, sorted, links followed) or - for stdin; gzip, {\"Records\":[...]}, JSON arrays and JSON "
      "lines are recognised by content, and so are the records in EventBridge events, `aws cloudtrail "
      "lookup-events` output and CloudWatch Logs exports and subscriptions.");
  scan->footer(std::string("Exit status: ") + kScanExitCodes);
  scan->add_option("paths", scan_cli.paths, "Log files, directories (e.g. an aws s3 sync of AWSLogs/) or -")
      ->required();
  scan->add_option("--format", scan_cli.format,
                   "Output format: text (for people), json (one document), jsonl (a finding per line, then "
                   "the summary), sarif (code scanning), ocsf (Detection Finding 2004, one per line), asff "
                   "(Security Hub batch-import-findings), csv (spreadsheets), html (one self-contained page with "
                   "attack timelines; use with --output)")
      ->check(CLI::IsMember({"text", "json", "jsonl", "sarif", "ocsf", "asff", "csv", "html"}))
      ->capture_default_str();
  scan->add_option("--remediation", scan_cli.remediation,
                   "Also write a reviewed-before-run bash script of AWS CLI commands for the critical and "
                   "high findings to FILE (it refuses to run until its guard line is deleted)");
  scan->add_flag("--deterministic", scan_cli.deterministic,
                 "Pin the run timestamp to the data (latest finding) so output is byte-identical across runs; "
                 "SOURCE_DATE_EPOCH also pins it");
  scan->add_option("--asff-account", scan_cli.asff_account,
                   "Security Hub account in the ASFF ProductArn (the account that imports)")
      ->check(kAccountId)
      ->capture_default_str();
  scan->add_option("--asff-region", scan_cli.asff_region, "Security Hub region in the ASFF ProductArn")
      ->check(kRegionName)
      ->capture_default_str();
  scan->add_option("-o,--output", scan_cli.output, "Write the report to FILE instead of stdout (-: stdout)");
  scan->add_option("--since", scan_cli.since,
                   "Only events at or after this time (RFC 3339, or YYYY-MM-DD for midnight UTC)");
  scan->add_option("--until", scan_cli.until,
                   "Only events at or before this time (RFC 3339, or YYYY-MM-DD for the whole day)");
  scan->add_option("--account", scan_cli.accounts, "Only this account id, 12 digits (repeatable)")->check(kAccountId);
  scan->add_option("--region", scan_cli.regions, "Only this region, such as us-east-1 (repeatable)")->check(kRegionName);
  scan->add_option("--max-decompressed-size", scan_cli.max_decompressed,
                   "Stop reading a file after this many decompressed bytes (K, M, G suffixes)")
      ->capture_default_str();
  scan->add_option("--max-record-size", scan_cli.max_record,
                   "Skip records larger than this (CloudTrail's own limit is 256 KB)")
      ->capture_default_str();
  scan->add_option("--rules", scan_cli.rules,
                   "Sigma rule file or folder (repeatable). Default: $TRAILSWEEP_RULES, else the "
                   "bundled rules/ next to the binary or in the install prefix");
  scan->add_flag("--strict", scan_cli.strict, "Stop (exit 2) when any rule fails to load");
  scan->add_flag("--validate-json", scan_cli.validate_json,
                 "Parse and check every record in full (about 2x slower). By default values no rule reads, "
                 "such as a requestParameters object, are skipped unchecked");
  scan->add_option("--allow", scan_cli.allow,
                   "Allowlist file (repeatable): known-good principals, user agents, accounts, source IPs or "
                   "instance types per rule; covered hits are dropped before correlation and counted in the "
                   "summary (see README)");
  scan->add_option("--fail-on", scan_cli.fail_on,
                   "Exit 1 when a finding at or above this severity exists: informational, low, "
                   "medium, high, critical or never")
      ->check(CLI::IsMember({"informational", "low", "medium", "high", "critical", "never"}))
      ->capture_default_str();
  scan->add_option("--max-evidence", scan_cli.max_evidence,
                   "Evidence records kept per finding (0 keeps all); the rest are counted")
      ->check(kCount)
      ->capture_default_str();
  scan->add_option("--max-tracked-principals", scan_cli.max_tracked_principals,
                   "Actors (rule, account, principal) tracked for single-event findings; beyond it the least "
                   "severe are evicted, and within a severity a fixed sample by principal is kept (not the "
                   "latest): every finding kept is complete. Evictions are counted in the summary, by rule (exit 3). "
                   "0: no cap")
      ->check(kCount)
      ->capture_default_str();
  scan->add_option("--max-correlation-hits", scan_cli.max_correlation_hits,
                   "Rule hits kept for correlation; beyond it the oldest by event time are evicted and counted in "
                   "the summary, by rule (exit 3). Each costs ~0.1 KB (a million: 80-120 MB): lower it to bound "
                   "memory where a context or stage rule matches routine calls. 0: no cap")
      ->check(kCount)
      ->capture_default_str();
  scan->add_option("--color", scan_cli.color, "Colour in the text report: auto, always or never (NO_COLOR is honoured)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  scan->add_option("-j,--jobs", scan_cli.jobs, "Threads, for reading and for the work after it (default: the cores this process may use, after taskset and a container's CPU limit; -j 1: one thread, beside the read-ahead's); output is the same for any value")
      ->check(CLI::Range(0u, ts::kMaxJobs));
  scan->add_option("--read-ahead", scan_cli.read_ahead, kReadAheadHelp)->check(kCount)->capture_default_str();
  scan->add_flag("--no-summary", scan_cli.no_summary, "Do not print the summary on stderr");
  scan->add_flag("-q,--quiet", scan_cli.quiet, "No progress line on stderr (it is only shown on a terminal)");

  TimelineCli tl;
  auto* timeline = app.add_subcommand(
      "timeline", "Every event of one actor in eventTime order across the archive, rule matches marked");
  timeline->footer("Exit status: 0 all input read; 2 usage error; 3 some input could not be read; 130 interrupted.");
  timeline->add_option("paths", tl.paths, "Log files, directories or -")->required();
  timeline->add_option("--principal", tl.query.principal,
                       "Principal ARN, or a user/role/session name (matches the end of the ARN)");
  timeline->add_option("--access-key", tl.query.access_key, "Access key id (AKIA.../ASIA...)");
  timeline->add_option("--source-ip", tl.query.source_ip, "Source IP address");
  timeline->add_option("--account", tl.query.account, "Account id, 12 digits")->check(kAccountId);
  timeline->add_option("--since", tl.since, "Only events at or after this time (RFC 3339 or YYYY-MM-DD)");
  timeline->add_option("--until", tl.until, "Only events at or before this time (RFC 3339 or YYYY-MM-DD: whole day)");
  timeline->add_option("--format", tl.format, "text, jsonl or csv")
      ->check(CLI::IsMember({"text", "jsonl", "csv"}))
      ->capture_default_str();
  timeline->add_option("-o,--output", tl.output, "Write to FILE instead of stdout (-: stdout)");
  timeline->add_option("--rules", tl.rules, "Rules whose matches are marked (default: the bundled rules)");
  timeline->add_option("--max-rows", tl.max_rows, "Keep at most this many (earliest) events; 0: all")
      ->check(kCount)
      ->capture_default_str();
  timeline->add_option("-j,--jobs", tl.jobs, "Worker threads (default: the cores this process may use); output is the same for any value")
      ->check(CLI::Range(0u, ts::kMaxJobs));
  timeline->add_option("--read-ahead", tl.read_ahead, kReadAheadHelp)->check(kCount)->capture_default_str();

  SummaryCli sm;
  auto* summary_cmd = app.add_subcommand(
      "summary",
      "Per account and principal: events, first/last seen, distinct APIs, regions, source IPs and user "
      "agents, error rate, and the write APIs first called after a baseline; the most unusual principals "
      "first, each with the reasons for its rank");
  summary_cmd->footer("Exit status: 0 all input read; 2 usage error; 3 some input could not be read; 130 interrupted.");
  summary_cmd->add_option("paths", sm.paths, "Log files, directories or -")->required();
  summary_cmd->add_option("--baseline-until", sm.baseline_until,
                          "End of the known-good period: write APIs a principal first calls after it are "
                          "listed as new (default: the end of the first quarter of the events' time span)");
  summary_cmd->add_option("--format", sm.format, "text, jsonl or csv")
      ->check(CLI::IsMember({"text", "jsonl", "csv"}))
      ->capture_default_str();
  summary_cmd->add_option("-o,--output", sm.output, "Write to FILE instead of stdout (-: stdout)");
  summary_cmd->add_option("--top", sm.top, "Show only the N most unusual principals (0: all)")
      ->check(kCount)
      ->capture_default_str();
  summary_cmd->add_option("--listed", sm.listed, "Values listed per field in the text format")
      ->check(kCount)
      ->capture_default_str();
  summary_cmd->add_option("--max-principals", sm.max_principals,
                          "Principals tracked, by all threads together (memory bound); beyond it root and IAM "
                          "users are kept first, then a fixed sample by principal (the same for any -j), each "
                          "with all its events, and the rest are counted in a line of their own")
      ->check(kCount)
      ->capture_default_str();
  summary_cmd->add_option("--since", sm.since, "Only events at or after this time (RFC 3339 or YYYY-MM-DD)");
  summary_cmd->add_option("--until", sm.until, "Only events at or before this time (RFC 3339 or YYYY-MM-DD: whole day)");
  summary_cmd->add_option("--account", sm.accounts, "Only this account id, 12 digits (repeatable)")->check(kAccountId);
  summary_cmd->add_option("--region", sm.regions, "Only this region, such as us-east-1 (repeatable)")->check(kRegionName);
  summary_cmd->add_option("-j,--jobs", sm.jobs, "Worker threads (default: the cores this process may use); output is the same for any value")
      ->check(CLI::Range(0u, ts::kMaxJobs));
  summary_cmd->add_option("--read-ahead", sm.read_ahead, kReadAheadHelp)->check(kCount)->capture_default_str();

  SearchCli sc;
  auto* search = app.add_subcommand(
      "search",
      "Print the records that match --where terms and/or a one-line Sigma detection, without writing a "
      "rule. Examples:\n"
      "  trailsweep search AWSLogs/ --where eventName=RunInstances --where errorCode=Client.DryRunOperation\n"
      "  trailsweep search AWSLogs/ --where 'userAgent|contains=Terraform' --where 'errorCode!=null' --raw | jq .\n"
      "  trailsweep search AWSLogs/ --sigma '{sel: {eventName|startswith: Create}, f: {readOnly: true}, "
      "condition: sel and not f}'");
  search->footer("Exit status: 0 all input read (with or without matches); 2 usage error; 3 some input could "
                 "not be read; 130 interrupted.");
  search->add_option("paths", sc.paths, "Log files, directories or -")->required();
  search->add_option("--where", sc.query.where,
                     "FIELD=VALUE, FIELD!=VALUE or FIELD|modifier=VALUE (repeatable; all must hold). Values are "
                     "Sigma values: * and ? are wildcards, null means absent; fields are dotted paths such as "
                     "requestParameters.instanceType");
  search->add_option("--sigma", sc.query.sigma,
                     "A Sigma detection in YAML flow style: selections and a condition, "
                     "e.g. '{sel: {eventName: CreateUser}, condition: sel}'; ANDed with --where");
  search->add_flag("--raw", sc.raw, "Print each matching record as one line of JSON (for jq)");
  search->add_flag("--count", sc.count, "Print only the number of matching records");
  search->add_option("--limit", sc.limit, "Stop after this many matches (0: no limit)")
      ->check(kCount)
      ->capture_default_str();
  search->add_flag("--explain", sc.explain, "Print the Sigma rule the query compiles to and exit");
  search->add_option("--since", sc.since, "Only events at or after this time (RFC 3339 or YYYY-MM-DD)");
  search->add_option("--until", sc.until, "Only events at or before this time (RFC 3339 or YYYY-MM-DD: whole day)");
  search->add_option("--account", sc.accounts, "Only this account id, 12 digits (repeatable)")->check(kAccountId);
  search->add_option("--region", sc.regions, "Only this region, such as us-east-1 (repeatable)")->check(kRegionName);
  search->add_option("-j,--jobs", sc.jobs,
                     "Worker threads (default: the cores this process may use); matches are printed in input order "
                     "for any value")
      ->check(CLI::Range(0u, ts::kMaxJobs));
  search->add_option("--read-ahead", sc.read_ahead, kReadAheadHelp)->check(kCount)->capture_default_str();

  auto* rules_cmd = app.add_subcommand("rules", "List, validate or test Sigma rules");
  rules_cmd->require_subcommand(1);
  rules_cmd->footer("Exit status: each subcommand's --help gives its own.");
  std::vector<std::string> list_paths, check_paths;
  auto* rules_list = rules_cmd->add_subcommand("list", "List the loaded rules: id, name, level, kind, title");
  rules_list->add_option("--rules", list_paths, "Rule files or folders (default: the bundled rules)");
  rules_list->footer("Exit status: 0 every rule loaded; 2 a rule could not be loaded (listed on stderr), or a usage error.");
  auto* rules_check = rules_cmd->add_subcommand(
      "check", "Validate rule files; print every error with file:line and exit 2 if any");
  rules_check->add_option("paths", check_paths, "Rule files or folders (default: the bundled rules)");
  rules_check->footer("Exit status: 0 no errors (warnings are printed, not counted); 2 a rule has errors, or a usage error.");

  RulesTestCli rules_test_cli;
  auto* rules_test = rules_cmd->add_subcommand(
      "test",
      "Run the rules' test cases (X.tests.yml beside X.yml: records that must and must not match) and "
      "print a diff for each failure");
  rules_test->footer(
      "Exit status: 0 every case passed; 1 a case failed (or, with --require-tests, a rule lacks a match "
      "or a no-match case); 2 a rule or test file could not be loaded.");
  rules_test->add_option("paths", rules_test_cli.paths, "Rule files or folders (default: the bundled rules)");
  rules_test->add_flag("--require-tests", rules_test_cli.require_tests,
                       "Fail when a rule has no match case or no no-match case");
  rules_test->add_flag("-v,--verbose", rules_test_cli.verbose, "Also list the cases that passed and untested rules");

  one_value_per_use(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : ts::kExitUsage;
  }
  if (scan->parsed()) return run_scan(scan_cli, argv[0]);
  if (timeline->parsed()) return run_timeline(tl, argv[0]);
  if (search->parsed()) return run_search(sc);
  if (summary_cmd->parsed()) return run_activity_summary(sm);
  if (rules_list->parsed()) return run_rules_list(list_paths, argv[0]);
  if (rules_check->parsed()) return run_rules_check(check_paths, argv[0]);
  if (rules_test->parsed()) return run_rules_test(rules_test_cli, argv[0]);
  return ts::kExitUsage;
}
