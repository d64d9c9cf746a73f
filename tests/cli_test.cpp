// End-to-end tests: the real binary on the bundled testdata/.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.hpp"

namespace trailsweep {
namespace {

using testing::run_trailsweep;

TEST(Cli, ScanOfTestdataReadsEveryFormAndReportsBrokenFiles) {
  auto r = run_trailsweep("scan --format json --no-summary testdata/archive testdata/exports testdata/broken");
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the archive's campaign wins over the broken input
  // Every input form contributed records.
  EXPECT_NE(r.out.find("\"files\": 370"), std::string::npos) << r.out.substr(0, 600);
  EXPECT_NE(r.out.find("\"digest_files\": 1"), std::string::npos);
  for (const char* expected : {
           R"("file": "testdata/broken/truncated.json.gz")",
           R"("file": "testdata/broken/bad-crc.json.gz")",
           R"("message": "corrupt gzip data: incorrect data check")",
           R"("message": "invalid JSON: the line ends inside a string")",
           R"("message": "\"eventTime\" is not a string")",
           R"("message": "file is empty")",
       }) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected;
  }
}

TEST(Cli, EachExportFormIsRead) {
  struct Case {
    const char* path;
    const char* records;
  } cases[] = {{"testdata/exports/cloudtrail-lake.jsonl", "\"records\": 50"},
               {"testdata/exports/cloudwatch-export.ndjson.gz", "\"records\": 50"},
               {"testdata/exports/records-array.json", "\"records\": 25"},
               {"testdata/exports/multi-member.json.gz", "\"records\": 50"}};
  for (const auto& c : cases) {
    auto r = run_trailsweep(std::string("scan --format json --no-summary ") + c.path);
    EXPECT_EQ(r.exit_code, 0) << c.path << r.err;
    EXPECT_NE(r.out.find(c.records), std::string::npos) << c.path << "\n" << r.out.substr(0, 400);
  }
}

TEST(Cli, StdinIsReadByContent) {
  testing::TempDir tmp;
  auto out = tmp.path() / "out";
  std::string cmd = std::string("cd '") + TRAILSWEEP_SOURCE_DIR +
                    "' && cat testdata/exports/multi-member.json.gz | '" + TRAILSWEEP_BINARY +
                    "' scan --format json --no-summary - > '" + out.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::string text = testing::read_file(out);
  EXPECT_NE(text.find("\"records\": 50"), std::string::npos) << text.substr(0, 400);
}

TEST(Cli, TimeFilterSkipsFilesByKeyBeforeOpeningThem) {
  auto r = run_trailsweep(
      "scan --format json --no-summary --since 2025-11-02T12:00:00Z testdata/archive");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // 230 of the 360 log files were delivered before noon and are never opened;
  // the 130 opened ones hold 300 events at or after noon and 8 just before.
  EXPECT_NE(r.out.find("\"filtered_files\": 230"), std::string::npos) << r.out.substr(0, 800);
  EXPECT_NE(r.out.find("\"files\": 130"), std::string::npos);
  EXPECT_NE(r.out.find("\"records\": 300"), std::string::npos);
  EXPECT_NE(r.out.find("\"filtered_records\": 8"), std::string::npos);
}

// `aws s3 sync` of a central log bucket brings VPC flow logs, ELB and Config
// files beside the trail. They are skipped by key: the scan of such a bucket
// is complete (exit 0, not 3 for "unreadable input") and says what it skipped.
TEST(Cli, OtherServicesLogsInASyncedBucketAreSkippedNotErrors) {
  testing::TempDir tmp;
  const auto bucket = tmp.path() / "bucket";
  std::filesystem::create_directories(bucket);
  std::filesystem::copy(std::filesystem::path(TRAILSWEEP_SOURCE_DIR) / "testdata/archive/AWSLogs", bucket / "AWSLogs",
                        std::filesystem::copy_options::recursive);
  testing::write_file(bucket / "AWSLogs/111122223333/vpcflowlogs/us-east-1/2025/11/02/"
                               "111122223333_vpcflowlogs_us-east-1_fl-0a1b2c3d_20251102T0915Z_5f4e3d2c.log.gz",
                      testing::gzip_bytes("version account-id interface-id srcaddr dstaddr\n"));
  testing::write_file(bucket / "AWSLogs/111122223333/Config/us-east-1/2025/11/2/ConfigHistory/"
                               "111122223333_Config_us-east-1_ConfigHistory_AWS::IAM::User_20251102T000000Z_"
                               "20251102T010000Z_1.json.gz",
                      testing::gzip_bytes(R"({"fileVersion":"1.0","configurationItems":[]})"));
  auto r = run_trailsweep("scan --fail-on never --format json '" + bucket.string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"other_service_files\": 2"), std::string::npos);
  EXPECT_NE(r.out.find("\"errors_total\": 0"), std::string::npos);
  EXPECT_NE(r.err.find("2 files of other AWS services' logs skipped (Config, vpcflowlogs)"), std::string::npos)
      << r.err;
}

TEST(Cli, HelpExplainsOptionsAndDefaults) {
  auto r = run_trailsweep("scan --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* needle : {"--since", "--until", "--account", "--region", "--format",
                             "--max-decompressed-size", "4G", "Exit status"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle;
  }
}

TEST(Cli, ASwappedTimeWindowIsAUsageErrorNotAnEmptyReport) {
  // Every command that takes the window refuses one that no event can be in,
  // and says which values it read.
  for (const char* command : {"scan", "summary", "search --where eventName=RunInstances",
                              "timeline --principal arn:aws:iam::111122223333:user/ci-deployer"}) {
    auto r = run_trailsweep(std::string(command) + " --since 2025-11-03 --until 2025-11-01 testdata/archive");
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE(r.err.find("--since '2025-11-03' is after --until '2025-11-01'"), std::string::npos) << command << r.err;
  }
  // A one-day window written as two dates is not swapped: --until takes the whole day.
  auto day = run_trailsweep("scan --format json --no-summary --since 2025-11-02 --until 2025-11-02 testdata/archive");
  EXPECT_NE(day.exit_code, 2) << day.err;
  EXPECT_NE(day.out.find("\"records\": "), std::string::npos);
}

TEST(Cli, AReportThatCannotBeWrittenIsAnErrorNamingTheFile) {
  // After a long scan the report is what the responder came for: a file that
  // cannot be created or filled (a full disk) is said, with exit 2, never a
  // quiet exit 0 with a short or empty report.
  for (const char* command : {"scan --fail-on never", "summary",
                              "timeline --principal arn:aws:iam::111122223333:user/ci-deployer"}) {
    auto missing = run_trailsweep(std::string(command) + " -o /nonexistent-dir/report testdata/archive");
    EXPECT_EQ(missing.exit_code, 2) << command << missing.err;
    EXPECT_NE(missing.err.find("cannot write /nonexistent-dir/report: No such file or directory"), std::string::npos)
        << command << missing.err;
    auto full = run_trailsweep(std::string(command) + " -o /dev/full testdata/archive");
    EXPECT_EQ(full.exit_code, 2) << command << full.err;
    EXPECT_NE(full.err.find("cannot write /dev/full"), std::string::npos) << command << full.err;
  }
}

TEST(Cli, AnOutputThatCannotBeWrittenIsSaidBeforeAnythingIsRead) {
  // stdin that never ends: a command that read it before opening its
  // output would run into the timeout (exit 124).
  for (const char* command : {"scan", "summary", "timeline --account 111122223333"}) {
    const std::string cmd = std::string("timeout 20 '") + TRAILSWEEP_BINARY + "' " + command +
                            " -o /nonexistent-dir/report - < /dev/zero 2>/dev/null";
    const int status = std::system(cmd.c_str());
    EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 2) << command;
  }
}

TEST(Cli, AReportInsideTheScannedFolderIsNeverReadAsInput) {
  // `-o AWSLogs/report.json AWSLogs/`: neither the new empty file nor, on
  // the next run, the last report is read as a log file.
  testing::TempDir tmp;
  std::filesystem::copy(std::string(TRAILSWEEP_SOURCE_DIR) + "/testdata/archive", tmp.path() / "logs",
                        std::filesystem::copy_options::recursive);
  const std::string logs = (tmp.path() / "logs").string(), report = logs + "/report.json";
  const std::string scan = "scan --deterministic --fail-on never --format json -o '" + report + "' '" + logs + "'";
  auto first = run_trailsweep(scan);
  EXPECT_EQ(first.exit_code, 0) << first.err;
  const std::string first_report = testing::read_file(report);
  EXPECT_NE(first_report.find("\"findings\""), std::string::npos);
  auto second = run_trailsweep(scan);
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.err.find("report.json"), std::string::npos) << second.err;
  EXPECT_TRUE(testing::read_file(report) == first_report);
  // A file that was there is kept as it was when the run stops before its
  // report (a usage error found after the output was opened); one it
  // created is removed.
  testing::write_file(report, "kept\n");
  auto bad_allowlist = run_trailsweep("scan --allow /nonexistent-allowlist -o '" + report + "' '" + logs + "'");
  EXPECT_EQ(bad_allowlist.exit_code, 2) << bad_allowlist.err;
  EXPECT_EQ(testing::read_file(report), "kept\n");
  const std::string fresh = (tmp.path() / "fresh.json").string();
  EXPECT_EQ(run_trailsweep("scan --allow /nonexistent-allowlist -o '" + fresh + "' '" + logs + "'").exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(fresh));
}

TEST(Cli, ARulesPathThatIsNotThereOrLeavesNoRuleIsAUsageError) {
  // A CI job with a typo in --rules loaded the other rules, or none, and a
  // scan with nothing to match exited 0, "No findings."
  auto typo = run_trailsweep("scan --rules rules --rules rules/aws/cryptomning testdata/archive");
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("--rules rules/aws/cryptomning: no such file or directory"), std::string::npos) << typo.err;
  EXPECT_EQ(typo.out, "");
  auto timeline = run_trailsweep("timeline --rules rules/nope --account 111122223333 testdata/archive");
  EXPECT_EQ(timeline.exit_code, 2) << timeline.err;
  testing::TempDir tmp;
  testing::write_file(tmp.path() / "windows.yml",
                      "title: process creation\nlogsource:\n  product: windows\n  category: process_creation\n"
                      "detection:\n  sel:\n    Image|endswith: '\\\\calc.exe'\n  condition: sel\n");
  auto none = run_trailsweep("scan --rules '" + tmp.path().string() + "' testdata/archive");
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_NE(none.err.find("no rules to run from " + tmp.path().string() + " (1 for other log sources, 0 with errors)"),
            std::string::npos)
      << none.err;
  // rules check still lists the problem itself.
  auto check = run_trailsweep("rules check rules/nope");
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_NE(check.err.find("rule error: rules/nope: no such file or directory"), std::string::npos) << check.err;
}

TEST(Cli, CountsOutOfRangeAreUsageErrors) {
  // -j 100000 aborted in std::thread's constructor (no such number of
  // threads could be started).
  for (const char* command : {"scan", "summary", "timeline --account 111122223333",
                              "search --where eventName=RunInstances"}) {
    auto r = run_trailsweep(std::string(command) + " -j 100000 testdata/archive");
    EXPECT_EQ(r.exit_code, 2) << command << r.err;
    EXPECT_NE(r.err.find("-j"), std::string::npos) << command << r.err;
  }
  EXPECT_EQ(run_trailsweep("scan --fail-on never -j 1024 testdata/archive").exit_code, 0);
  // A negative count wrapped around to 2^64 - N: "--top -3" listed every
  // principal, "--max-evidence -1" kept all.
  for (const char* command : {"scan --max-evidence -1", "scan --max-tracked-principals -5",
                              "scan --max-correlation-hits -1", "summary --top -3", "summary --listed -1",
                              "summary --max-principals -1", "timeline --account 111122223333 --max-rows -1",
                              "search --where eventName=RunInstances --limit -1", "scan --read-ahead -1",
                              "summary --read-ahead -2"}) {
    auto r = run_trailsweep(std::string(command) + " testdata/archive");
    EXPECT_EQ(r.exit_code, 2) << command << r.err;
    EXPECT_EQ(r.out, "") << command;
  }
}

// The read-ahead only changes when the disk is read, never what is found:
// each command's output is the same with it off, at one file, and by default.
TEST(Cli, ReadAheadChangesNoOutput) {
  for (const char* command : {"scan --deterministic --format json --fail-on never", "summary --format jsonl",
                              "timeline --account 111122223333 --format jsonl",
                              "search --where eventSource=ec2.amazonaws.com --raw"}) {
    auto base = run_trailsweep(std::string(command) + " testdata/archive");
    ASSERT_EQ(base.exit_code, 0) << command << base.err;
    ASSERT_GT(base.out.size(), 100u) << command;
    for (const char* read_ahead : {" --read-ahead 0", " --read-ahead 1", " --read-ahead 1000"}) {
      auto r = run_trailsweep(std::string(command) + read_ahead + " testdata/archive");
      EXPECT_EQ(r.exit_code, 0) << command << read_ahead << r.err;
      EXPECT_EQ(r.out, base.out) << command << read_ahead;
    }
  }
}

TEST(Cli, AccountsAndRegionsAreCheckedByShape) {
  // One digit short, an account matched no file and no record: exit 0 and
  // nothing to see. A region typo the same.
  for (const char* command : {"scan", "summary", "search --where eventName=RunInstances"}) {
    for (const char* filter : {"--account 11112222333", "--account acme-prod", "--region us-east1",
                               "--region US-EAST-1", "--region useast-1"}) {
      auto r = run_trailsweep(std::string(command) + " " + filter + " testdata/archive");
      EXPECT_EQ(r.exit_code, 2) << command << " " << filter << r.err;
    }
  }
  EXPECT_EQ(run_trailsweep("timeline --account 11112222333 testdata/archive").exit_code, 2);
  EXPECT_EQ(run_trailsweep("scan --asff-account 1 testdata/archive").exit_code, 2);
  for (const char* region : {"us-east-1", "us-gov-west-1", "ap-southeast-5", "il-central-1"}) {
    auto r = run_trailsweep(std::string("scan --fail-on never --account 111122223333 --region ") + region +
                            " testdata/archive");
    EXPECT_EQ(r.exit_code, 0) << region << r.err;
  }
}

TEST(Cli, DashAsTheOutputIsStdout) {
  auto r = run_trailsweep("scan --format json --fail-on never -o - testdata/archive");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\n  \"findings\"", 0), 0u) << r.out.substr(0, 100);
  EXPECT_FALSE(std::filesystem::exists(std::string(TRAILSWEEP_SOURCE_DIR) + "/-"));
  auto both = run_trailsweep("scan --remediation - testdata/archive");
  EXPECT_EQ(both.exit_code, 2) << both.err;
}

TEST(Cli, OverlappingPathsCountEachEventOnce) {
  // `scan AWSLogs/ AWSLogs/111122223333/` read the account twice: every
  // count doubled, and a flood threshold could be met by the double count.
  auto once = run_trailsweep("scan --deterministic --format json --fail-on never testdata/archive");
  auto overlapping = run_trailsweep(
      "scan --deterministic --format json --fail-on never testdata/archive testdata/archive/AWSLogs/111122223333 "
      "testdata/archive");
  ASSERT_EQ(overlapping.exit_code, 0) << overlapping.err;
  const auto findings = [](const std::string& report) { return report.substr(0, report.find("\"summary\"")); };
  EXPECT_TRUE(findings(overlapping.out) == findings(once.out));
  EXPECT_NE(overlapping.out.find("\"records\": 1100"), std::string::npos);
  EXPECT_NE(overlapping.out.find("\"repeated_paths\": 2"), std::string::npos);
  EXPECT_NE(overlapping.err.find("2 paths reached again read once"), std::string::npos) << overlapping.err;
}

TEST(Cli, EachCommandsHelpGivesItsOwnExitStatus) {
  // The scan's codes (findings, --fail-on, memory caps) belong to scan only;
  // a command that cannot return them must not list them.
  struct Expected {
    const char* command;
    const char* says;
  };
  for (const Expected& e : {Expected{"scan", "1 findings at or above --fail-on"},
                            Expected{"rules check", "2 a rule has errors"},
                            Expected{"rules list", "2 a rule could not be loaded"},
                            Expected{"rules test", "1 a case failed"},
                            Expected{"timeline", "130 interrupted"},
                            Expected{"summary", "3 some input could not be read"},
                            Expected{"search", "with or without matches"}}) {
    auto r = run_trailsweep(std::string(e.command) + " --help");
    EXPECT_EQ(r.exit_code, 0) << e.command;
    EXPECT_NE(r.out.find("Exit status"), std::string::npos) << e.command;
    EXPECT_NE(r.out.find(e.says), std::string::npos) << e.command << "\n" << r.out;
    if (std::string_view(e.command) != "scan") {
      EXPECT_EQ(r.out.find("--fail-on;"), std::string::npos) << e.command << " lists the scan's codes";
    }
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_trailsweep("scan --since tomorrow testdata/exports").exit_code, 2);
  EXPECT_EQ(run_trailsweep("scan --format yaml testdata/exports").exit_code, 2);
  EXPECT_EQ(run_trailsweep("").exit_code, 2);
}

// Repeatable options take one value per use: the paths after --rules DIR
// (or --account ID) are paths to scan, not more rule folders or accounts.
// Putting the options after the paths must not change the report.
TEST(Cli, PathsAfterARepeatableOptionAreScanned) {
  const std::string paths = " testdata/exports testdata/archive";
  for (const std::string options : {"--rules rules", "--rules rules --rules testdata/sigma-rules",
                                    "--account 111122223333 --region us-east-1"}) {
    auto before = run_trailsweep("scan --format json --no-summary --deterministic " + options + paths);
    auto after = run_trailsweep("scan --format json --no-summary --deterministic" + paths + " " + options);
    EXPECT_TRUE(before.out == after.out) << options << "\n" << before.out.substr(0, 400);
    EXPECT_EQ(before.exit_code, after.exit_code) << options;
    if (options.find("--account") == std::string::npos) {
      EXPECT_NE(before.out.find("\"files\": 364"), std::string::npos) << options;
    }
  }
}

TEST(Cli, MissingPathIsAnInputError) {
  auto r = run_trailsweep("scan --no-summary testdata/does-not-exist");
  EXPECT_EQ(r.exit_code, 3);
}

}  // namespace
}  // namespace trailsweep

namespace trailsweep {
namespace {

TEST(Cli, OutputIsTheSameForAnyNumberOfThreads) {
  auto one = testing::run_trailsweep("scan --deterministic --no-summary --format json -j 1 testdata/");
  for (const char* j : {"2", "3", "8"}) {
    auto many = testing::run_trailsweep(std::string("scan --deterministic --no-summary --format json -j ") + j + " testdata/");
    EXPECT_TRUE(one.out == many.out) << "-j " << j;
    EXPECT_EQ(one.exit_code, many.exit_code);
  }
}

// A shell command that holds a pipe open for up to `seconds` without writing,
// and the one that ends it early, once the process matching `reader` (a
// pkill -f pattern) has gone or 10 s have passed, then waits for the
// background job: without it each interrupt test lasted its whole sleep.
// Ended before the reader is gone, the writer would close the reader's
// input and the scan could end as if its input were complete.
std::string quiet_writer(const testing::TempDir& tmp, int seconds) {
  return "(sleep " + std::to_string(seconds) + " & echo $! > '" + (tmp.path() / "writer.pid").string() + "'; wait)";
}
bool have_procps() { return std::system("command -v pkill > /dev/null && command -v pgrep > /dev/null") == 0; }
std::string stop_quiet_writer(const testing::TempDir& tmp, const std::string& reader) {
  return "for i in $(seq 100); do pgrep -f '" + reader + "' > /dev/null || break; sleep 0.1; done; kill $(cat '" +
         (tmp.path() / "writer.pid").string() + "') 2>/dev/null; wait";
}

TEST(Cli, InterruptStopsWithAPartialSummaryAndExit130) {
  if (testing::kThreadSanitizer) GTEST_SKIP() << "the signal comes a second in, before a ThreadSanitizer build is ready";
  if (!have_procps()) GTEST_SKIP() << "procps (pkill, pgrep) is not installed (.ci/run installs it)";
  // stdin that does not end: the scan blocks until SIGINT arrives. The
  // writer is stopped after it, so the test does not wait out its sleep.
  testing::TempDir tmp;
  const std::string scan = std::string(TRAILSWEEP_BINARY) + " scan -q -$";
  std::string cmd = std::string("cd '") + TRAILSWEEP_SOURCE_DIR + "' && (" + quiet_writer(tmp, 30) + " | '" +
                    TRAILSWEEP_BINARY + "' scan -q - 2>'" + (tmp.path() / "err").string() + "'; echo $? > '" +
                    (tmp.path() / "rc").string() + "') & sleep 1; pkill -INT -f '" + scan + "'; " +
                    stop_quiet_writer(tmp, scan);
  std::system(cmd.c_str());
  EXPECT_EQ(testing::read_file(tmp.path() / "rc"), "130\n");
  EXPECT_NE(testing::read_file(tmp.path() / "err").find("trailsweep: interrupted"), std::string::npos);
}

TEST(Cli, AnInterruptedScanLeavesNoReportFileBehind) {
  if (testing::kThreadSanitizer) GTEST_SKIP() << "the signal comes a second in, before a ThreadSanitizer build is ready";
  if (!have_procps()) GTEST_SKIP() << "procps (pkill, pgrep) is not installed (.ci/run installs it)";
  // The report file is created before the scan (to fail at once when it
  // cannot be); interrupted, there is no report, and no empty file that a
  // pipeline could take for one.
  testing::TempDir tmp;
  const std::string report = (tmp.path() / "report.json").string();
  // The pattern ends the command line ($): this shell's own holds it too.
  const std::string scan = std::string(TRAILSWEEP_BINARY) + " scan -q -o " + report + " -$";
  std::string cmd = std::string("cd '") + TRAILSWEEP_SOURCE_DIR + "' && (" + quiet_writer(tmp, 30) + " | '" +
                    TRAILSWEEP_BINARY + "' scan -q -o '" + report + "' - 2>/dev/null; echo $? > '" +
                    (tmp.path() / "rc").string() + "') & sleep 1; pkill -INT -f '" + scan + "'; " +
                    stop_quiet_writer(tmp, scan);
  std::system(cmd.c_str());
  EXPECT_EQ(testing::read_file(tmp.path() / "rc"), "130\n");
  EXPECT_FALSE(std::filesystem::exists(report));
}

TEST(Cli, ClosedStdoutPipeExitsQuietly) {
  testing::TempDir tmp;
  std::string cmd = std::string("cd '") + TRAILSWEEP_SOURCE_DIR + "' && '" + TRAILSWEEP_BINARY +
                    "' scan --format jsonl --no-summary testdata/ 2>'" + (tmp.path() / "err").string() + "' | head -c 10 > /dev/null";
  std::system(cmd.c_str());
  EXPECT_EQ(testing::read_file(tmp.path() / "err"), "");
}

}  // namespace
}  // namespace trailsweep

namespace trailsweep {
namespace {

TEST(Cli, InstalledBinaryFindsTheBundledRules) {
  testing::TempDir prefix;
  std::string build_dir = std::filesystem::path(TRAILSWEEP_BINARY).parent_path().string();
  std::string install = "cmake --install '" + build_dir + "' --prefix '" + prefix.path().string() + "' > /dev/null";
  ASSERT_EQ(std::system(install.c_str()), 0);
  auto bin = prefix.path() / "bin" / "trailsweep";
  ASSERT_TRUE(std::filesystem::exists(prefix.path() / "share/trailsweep/rules/aws/cryptomining/sequence/campaign.yml"));
  // Run from an unrelated directory with no TRAILSWEEP_RULES: the install prefix is found.
  std::string cmd = "cd / && env -u TRAILSWEEP_RULES '" + bin.string() + "' rules list > '" +
                    (prefix.path() / "out").string() + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_NE(testing::read_file(prefix.path() / "out").find("aws_cryptomining_campaign"), std::string::npos);
}

}  // namespace
}  // namespace trailsweep
