// How fast a report is rendered: the part of a scan after the workers, which
// no -j shortens much and which is most of an all-rules scan's tail (the two
// noisy SigmaHQ rules' 20,000 findings make a 59 MB JSON report). Builds
// --findings findings shaped like those (an AssumeRole misuse finding per
// role session: real ARNs, user agents, event ids and S3 keys, one to three
// evidence records), scatters them in memory as a scan leaves them, then
// times render_json_report (or --jsonl, --csv, or --text: the default format) on
// --threads threads, written in ~1 MB steps as a scan writes it, best of
// --rounds. --cold sweeps a buffer larger than the last-level cache before
// each round, as the end of a scan does: a finding's strings are then read
// from memory, which perf showed to be much of rendering's time.
//
// Usage: trailsweep_render_only [--findings N] [--rounds N] [--threads N] [--jsonl|--text|--csv] [--cold]
// Prints: best seconds, findings, ns/finding, MB/s of report, its size.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "trailsweep/finding.hpp"
#include "trailsweep/report_csv.hpp"
#include "trailsweep/reporter.hpp"
#include "trailsweep/run_summary.hpp"

namespace {

std::string uuid(std::mt19937_64& rng) {
  const std::uint64_t a = rng(), b = rng();
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                     b & 0xffffffffffffull);
}

trailsweep::Finding make_finding(std::size_t i, std::mt19937_64& rng) {
  trailsweep::Finding f;
  f.rule_id = "905d389b-b853-46d0-9d3d-dea0d3a3cd49";
  f.rule_name = "aws_sts_assumerole_misuse";
  f.title = "AWS STS AssumeRole Misuse";
  f.kind = "single-event";
  f.level = trailsweep::Level::kLow;
  f.tags = {"attack.lateral-movement", "attack.privilege-escalation", "attack.t1548", "attack.t1550",
            "attack.t1550.001"};
  const std::string account = fmt::format("{:012d}", 100000000000ull + (i % 8) * 7919);
  f.account = account;
  f.principal = fmt::format("arn:aws:sts::{}:assumed-role/app-role/p{:06d}", account, i);
  f.access_key_id = fmt::format("ASIA{:016X}", rng() & 0xffffffffffffffffull).substr(0, 20);
  f.session_issuer = fmt::format("arn:aws:iam::{}:role/app-role", account);
  f.first_ms = 1761955200000 + static_cast<std::int64_t>(rng() % 26'000'000);
  f.last_ms = f.first_ms + static_cast<std::int64_t>(rng() % 600'000);
  f.detectable_ms = f.first_ms;
  static const char* const kRegions[] = {"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"};
  const std::size_t events = 1 + rng() % 3;
  f.event_count = events;
  f.regions = {kRegions[rng() % 4]};
  f.source_ips = {fmt::format("10.{}.{}.{}", rng() % 256, rng() % 256, rng() % 256)};
  f.user_agents = {
      "Boto3/1.40.61 md/Botocore#1.40.61 ua/2.0 os/linux#5.15.0-1084-aws md/arch#x86_64 lang/python#3.12.3 "
      "md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.40.61"};
  for (std::size_t e = 0; e < events; ++e) {
    trailsweep::Evidence ev;
    ev.time_ms = f.first_ms + static_cast<std::int64_t>(e) * 1000;
    ev.event_id = uuid(rng);
    ev.set_call(e == 0 ? "AssumeRole" : "DescribeInstances", f.regions.front(), "");
    ev.source_ip = f.source_ips.front();
    ev.user_agent = f.user_agents.front();
    ev.file = fmt::format("AWSLogs/{0}/CloudTrail/{1}/2025/11/01/{0}_CloudTrail_{1}_20251101T{2:04d}Z_{3:016d}.json.gz",
                          account, ev.region(), rng() % 2400, rng() % 10'000'000'000'000'000ull);
    ev.record = static_cast<std::int64_t>(rng() % 700);
    ev.rule = f.rule_name;
    f.event_ids.push_back(ev.event_id);
    f.evidence.push_back(std::move(ev));
  }
  f.remediation = {"Review the role's trust policy and who may assume it.",
                   "Revoke the role's active sessions if the calls are not expected."};
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 20000;
  int rounds = 7;
  unsigned threads = 1;
  bool jsonl = false, text = false, csv = false, cold = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&] { return i + 1 < argc ? std::strtol(argv[++i], nullptr, 10) : 0L; };
    if (a == "--findings") {
      count = static_cast<std::size_t>(value());
    } else if (a == "--rounds") {
      rounds = static_cast<int>(value());
    } else if (a == "--threads") {
      threads = static_cast<unsigned>(value());
    } else if (a == "--jsonl") {
      jsonl = true;
    } else if (a == "--text") {
      text = true;
    } else if (a == "--csv") {
      csv = true;
    } else if (a == "--cold") {
      cold = true;
    } else {
      std::fprintf(stderr,
                   "usage: trailsweep_render_only [--findings N] [--rounds N] [--threads N] [--jsonl|--text|--csv] [--cold]\n");
      return 2;
    }
  }
  std::mt19937_64 rng(1);
  std::vector<trailsweep::Finding> findings;
  findings.reserve(count);
  for (std::size_t i = 0; i < count; ++i) findings.push_back(make_finding(i, rng));
  // A scan builds findings actor by actor and then sorts them: rendered in
  // an order other than the one their strings were allocated in.
  std::shuffle(findings.begin(), findings.end(), rng);
  std::stable_sort(findings.begin(), findings.end(), trailsweep::finding_before);

  std::vector<char> sweep(cold ? std::size_t{512} << 20 : 0);  // more than any L3 of the project's machines
  trailsweep::RunSummary summary;
  double best = 1e9;
  std::size_t size = 0;
  for (int r = 0; r < rounds; ++r) {
    if (cold) std::memset(sweep.data(), r, sweep.size());
    // Written out in ~1 MB steps, as a scan writes its report (to nowhere here).
    std::size_t written = 0;
    const trailsweep::ReportFlush flush = [&written](const std::string& text) { written += text.size(); };
    const auto start = std::chrono::steady_clock::now();
    const std::string rest = csv     ? trailsweep::render_csv_report(findings, flush, threads)
                             : text  ? trailsweep::render_text_report(findings, false, flush, {}, threads)
                             : jsonl ? trailsweep::render_jsonl_report(findings, summary, flush, threads)
                                     : trailsweep::render_json_report(findings, summary, flush, threads);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, s);
    size = written + rest.size();
  }
  std::printf("%.4f s, %zu findings, %.0f ns/finding, %.0f MB/s, %zu bytes\n", best, count,
              best * 1e9 / static_cast<double>(count), static_cast<double>(size) / 1e6 / best, size);
  return 0;
}
