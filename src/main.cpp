// trailsweep command line. Only option parsing and wiring live here; every
// component is in trailsweep_core.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "trailsweep/exit_status.hpp"
#include "trailsweep/input_walker.hpp"
#include "trailsweep/json_writer.hpp"
#include "trailsweep/run_summary.hpp"
#include "trailsweep/scanner.hpp"
#include "trailsweep/time_util.hpp"

namespace ts = trailsweep;

namespace {

constexpr const char* kExitCodesHelp =
    "Exit status: 0 nothing at or above --fail-on and all input read; 1 findings at or above "
    "--fail-on; 2 usage error; 3 no such findings but some input could not be read; "
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
};

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

class CountingSink : public ts::EventSink {
 public:
  void on_event(const ts::Event&) override {}
};

int usage_error(const std::string& message) {
  std::cerr << "trailsweep: " << message << "\n";
  return ts::kExitUsage;
}

int run_scan(const ScanCli& cli) {
  ts::ScanOptions options;
  if (!cli.since.empty()) {
    options.filter.since_ms = ts::parse_time_arg(cli.since);
    if (!options.filter.since_ms) {
      return usage_error(fmt::format("--since: '{}' is not RFC 3339 or YYYY-MM-DD", cli.since));
    }
  }
  if (!cli.until.empty()) {
    bool date_only = false;
    options.filter.until_ms = ts::parse_time_arg(cli.until, &date_only);
    if (!options.filter.until_ms) {
      return usage_error(fmt::format("--until: '{}' is not RFC 3339 or YYYY-MM-DD", cli.until));
    }
    // A bare date means the whole day.
    if (date_only) *options.filter.until_ms += ts::kMsPerDay - 1;
  }
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

  auto started = std::chrono::steady_clock::now();
  ts::RunSummary summary;
  ts::WalkResult walk = ts::walk_inputs(cli.paths, options.filter);
  summary.digest_files = walk.digest_files;
  summary.insight_files = walk.insight_files;
  summary.filtered_files = walk.filtered_files;
  summary.ignored_files = walk.ignored_files;
  for (auto& e : walk.errors) summary.add_error(std::move(e));

  ts::Scanner scanner(options);
  CountingSink sink;
  for (const auto& file : walk.files) scanner.scan_file(file, sink, summary);
  summary.principals = scanner.principals().size();
  summary.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::string out;
  if (cli.format == "json") {
    ts::JsonWriter w(out, 2);
    w.begin_object();
    w.key("findings").begin_array().end_array();
    w.key("summary");
    ts::write_summary_json(w, summary);
    w.end_object();
    out += '\n';
  } else {
    out = "No findings.\n";
  }
  if (!cli.output.empty()) {
    std::ofstream f(cli.output, std::ios::binary);
    f << out;
    if (!f) {
      std::cerr << "trailsweep: cannot write " << cli.output << "\n";
      return ts::kExitUsage;
    }
  } else {
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }
  if (!cli.no_summary) std::cerr << ts::render_summary_text(summary);
  return summary.input_incomplete() ? ts::kExitInputIncomplete : ts::kExitClean;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "trailsweep: find multi-stage attacks (such as the 2025 EC2/ECS cryptomining campaign) in "
      "exported AWS CloudTrail logs, offline."};
  app.footer(kExitCodesHelp);
  app.require_subcommand(1);
  app.set_version_flag("--version", "trailsweep 0.1.0");

  ScanCli scan_cli;
  auto* scan = app.add_subcommand(
      "scan",
      "Read CloudTrail logs and report findings. PATHs are files, directories (walked "
      "recursively, sorted) or - for stdin; gzip, {\"Records\":[...]}, JSON arrays and JSON "
      "lines are recognised by content.");
  scan->footer(kExitCodesHelp);
  scan->add_option("paths", scan_cli.paths, "Log files, directories (e.g. an aws s3 sync of AWSLogs/) or -")
      ->required();
  scan->add_option("--format", scan_cli.format, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  scan->add_option("-o,--output", scan_cli.output, "Write the report to FILE instead of stdout");
  scan->add_option("--since", scan_cli.since,
                   "Only events at or after this time (RFC 3339, or YYYY-MM-DD for midnight UTC)");
  scan->add_option("--until", scan_cli.until,
                   "Only events at or before this time (RFC 3339, or YYYY-MM-DD for the whole day)");
  scan->add_option("--account", scan_cli.accounts, "Only this account id (repeatable)");
  scan->add_option("--region", scan_cli.regions, "Only this region (repeatable)");
  scan->add_option("--max-decompressed-size", scan_cli.max_decompressed,
                   "Stop reading a file after this many decompressed bytes (K, M, G suffixes)")
      ->capture_default_str();
  scan->add_option("--max-record-size", scan_cli.max_record,
                   "Skip records larger than this (CloudTrail's own limit is 256 KB)")
      ->capture_default_str();
  scan->add_flag("--no-summary", scan_cli.no_summary, "Do not print the summary on stderr");
  scan->add_flag("-q,--quiet", scan_cli.quiet, "No progress output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : ts::kExitUsage;
  }
  if (scan->parsed()) return run_scan(scan_cli);
  return ts::kExitUsage;
}
