#include "trailsweep/input_walker.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {
namespace {

TEST(S3Key, DecodesNativeDeliveryKey) {
  auto k = parse_s3_key(
      "bucket/prefix/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/"
      "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz");
  EXPECT_EQ(k.folder, S3Folder::kCloudTrail);
  EXPECT_EQ(k.account, "111122223333");
  EXPECT_EQ(k.region, "us-east-2");
  EXPECT_EQ(k.day_ms, *parse_time_arg("2015-08-01"));
  EXPECT_EQ(k.delivery_ms, *parse_rfc3339_ms("2015-08-01T02:10:00Z"));
  // A delivery time that is no time leaves the key's day to the filter.
  const std::string folder = "AWSLogs/111122223333/CloudTrail/us-east-2/2025/12/31/";
  EXPECT_EQ(parse_s3_key(folder + "111122223333_CloudTrail_us-east-2_20251231T2359Z_a.json.gz").delivery_ms,
            *parse_rfc3339_ms("2025-12-31T23:59:00Z"));
  EXPECT_EQ(parse_s3_key(folder + "111122223333_CloudTrail_us-east-2_20251231T2460Z_a.json.gz").delivery_ms, -1);
  EXPECT_EQ(parse_s3_key(folder + "111122223333_CloudTrail_us-east-2_20251331T0000Z_a.json.gz").delivery_ms, -1);
}

TEST(S3Key, DecodesOrganizationTrailAndDigest) {
  auto k = parse_s3_key("AWSLogs/o-exampleorgid/111122223333/CloudTrail/eu-west-1/2025/11/02/x.json.gz");
  EXPECT_EQ(k.org_id, "o-exampleorgid");
  EXPECT_EQ(k.account, "111122223333");
  EXPECT_EQ(k.delivery_ms, -1);
  auto d = parse_s3_key("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/11/02/d.json.gz");
  EXPECT_EQ(d.folder, S3Folder::kDigest);
  EXPECT_EQ(parse_s3_key("logs/2025/x.json.gz").folder, S3Folder::kNone);
}

// A synced log bucket holds other services' logs beside the trail's, under
// AWSLogs/<account>/<service>/ (the real key layouts of VPC flow logs, ELB and
// Config below); only CloudTrail's folders are CloudTrail.
TEST(S3Key, KnowsOtherServicesFoldersFromCloudTrails) {
  auto flow = parse_s3_key(
      "AWSLogs/111122223333/vpcflowlogs/us-east-1/2025/11/01/"
      "111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20251101T0000Z_a1b2c3d4.log.gz");
  EXPECT_EQ(flow.folder, S3Folder::kOtherService);
  EXPECT_EQ(flow.other_service, "vpcflowlogs");
  auto config = parse_s3_key(
      "AWSLogs/o-exampleorgid/111122223333/Config/us-east-1/2025/11/1/ConfigHistory/"
      "111122223333_Config_us-east-1_ConfigHistory_AWS::EC2::Instance_20251101T000000Z_20251101T010000Z_1.json.gz");
  EXPECT_EQ(config.folder, S3Folder::kOtherService);
  EXPECT_EQ(config.other_service, "Config");
  EXPECT_EQ(parse_s3_key("AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/01/x.json.gz").folder,
            S3Folder::kCloudTrail);
  // A CloudTrail folder this does not know, or a file right under the
  // account, is read by its content, not skipped.
  EXPECT_EQ(parse_s3_key("AWSLogs/111122223333/CloudTrail-Archive/x.json.gz").folder, S3Folder::kNone);
  EXPECT_EQ(parse_s3_key("AWSLogs/111122223333/x.json.gz").folder, S3Folder::kNone);
}

TEST(S3Key, FilterSkipsOnlyFilesThatCannotMatch) {
  auto k = parse_s3_key(
      "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/02/"
      "111122223333_CloudTrail_us-east-1_20251102T1005Z_abc.json.gz");
  InputFilter f;
  f.since_ms = *parse_rfc3339_ms("2025-11-02T10:00:00Z");
  EXPECT_FALSE(outside_filter(k, f));
  f.since_ms = *parse_rfc3339_ms("2025-11-02T10:06:00Z");
  EXPECT_TRUE(outside_filter(k, f));  // delivered before the window opened
  f.since_ms.reset();
  f.until_ms = *parse_rfc3339_ms("2025-11-02T09:30:00Z");
  EXPECT_FALSE(outside_filter(k, f));  // may still hold records from before 09:30
  f.until_ms = *parse_rfc3339_ms("2025-11-02T08:00:00Z");
  EXPECT_TRUE(outside_filter(k, f));
  InputFilter acct;
  acct.accounts = {"444455556666"};
  EXPECT_TRUE(outside_filter(k, acct));
  InputFilter region;
  region.regions = {"us-east-1"};
  EXPECT_FALSE(outside_filter(k, region));
}

TEST(WalkInputs, WalksSortedSkipsDigestsAndReportsProblems) {
  testing::TempDir tmp;
  auto root = tmp.path();
  testing::write_file(root / "b.json", "{}");
  testing::write_file(root / "a/z.jsonl", "{}");
  testing::write_file(root / "a/y.json.gz", "{}");
  testing::write_file(root / "notes.md", "x");
  // Firehose names what it delivers uncompressed without an extension.
  testing::write_file(root / "c/2025/11/02/12/ct-to-s3-1-2025-11-02-12-10-00-05659e4e-60e7-4ce5-a7e6-e2f44af6875c", "{}");
  testing::write_file(root / "c/ct-to-s3-1-2025-11-02-12-10-00-05659e4e-60e7-4ce5-a7e6-e2f44af6875", "x");
  testing::write_file(root / ".hidden/h.json", "{}");
  testing::write_file(root / "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/11/02/d.json.gz", "x");
  testing::TempDir elsewhere;  // not inside root, which would read it already
  const auto empty = elsewhere.path() / "empty";
  std::filesystem::create_directories(empty);
  auto r = walk_inputs({root.string(), (root / "missing").string(), empty.string()}, {});
  ASSERT_EQ(r.files.size(), 4u);
  EXPECT_EQ(r.files[0].path, (root / "a/y.json.gz").string());
  EXPECT_EQ(r.files[1].path, (root / "a/z.jsonl").string());
  EXPECT_EQ(r.files[2].path, (root / "b.json").string());
  EXPECT_EQ(r.files[3].path, (root / "c/2025/11/02/12/ct-to-s3-1-2025-11-02-12-10-00-05659e4e-60e7-4ce5-a7e6-e2f44af6875c").string());
  EXPECT_EQ(r.digest_files, 1u);
  EXPECT_EQ(r.ignored_files, 2u) << "notes.md, and a name one character short of Firehose's";
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].to_string(), (root / "missing").string() + ": no such file or directory");
  EXPECT_EQ(r.errors[1].to_string(), empty.string() + ": directory holds no log files (.json, .json.gz, .jsonl, .gz, Firehose deliveries)");
}

// A file found in a folder is named the folder as the user spelt it, then
// its entries: the paths in every report, which a responder greps for and
// pastes into the next command, are what std::filesystem's join gives.
TEST(WalkInputs, NamesFilesUnderTheFolderAsItWasSpelt) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "logs/sub/a.json.gz", "{}");
  const std::string root = (dir.path() / "logs").string();
  for (const std::string& spelt : {root, root + "/", root + "//", root + "/./sub/..", root + "/sub"}) {
    const auto r = walk_inputs({spelt}, {});
    ASSERT_EQ(r.files.size(), 1u) << spelt;
    const std::filesystem::path expected =
        spelt.ends_with("/sub") ? std::filesystem::path(spelt) / "a.json.gz"
                                : std::filesystem::path(spelt) / "sub" / "a.json.gz";
    EXPECT_EQ(r.files[0].path, expected.string()) << spelt;
  }
  EXPECT_EQ(walk_inputs({root + "/"}, {}).files.at(0).path, root + "/sub/a.json.gz") << "no doubled slash";
}

// `scan AWSLogs/ AWSLogs/111122223333/`, a folder named twice, a file named
// and also in a folder given: each read twice counted its events twice (a
// flood's threshold met by the double count). Read once, in the first
// PATH's place, and counted as reached again.
TEST(WalkInputs, OverlappingPathsAreReadOnce) {
  testing::TempDir tmp;
  const auto logs = tmp.path() / "AWSLogs";
  const auto a = logs / "111122223333/CloudTrail/us-east-1/2025/11/02/a.json.gz";
  const auto b = logs / "444455556666/CloudTrail/us-east-1/2025/11/02/b.json.gz";
  const auto notes = logs / "111122223333/notes.txt";
  testing::write_file(a, "{}");
  testing::write_file(b, "{}");
  testing::write_file(notes, "x");
  auto paths_of = [](const WalkResult& r) {
    std::vector<std::string> out;
    for (const auto& f : r.files) out.push_back(f.path);
    return out;
  };
  const std::vector<std::string> once = {a.string(), b.string()};
  // Inside, after and before.
  auto inner_after = walk_inputs({logs.string(), (logs / "111122223333").string()}, {});
  EXPECT_EQ(paths_of(inner_after), once);
  EXPECT_EQ(inner_after.repeated_paths, 1u);
  EXPECT_TRUE(inner_after.errors.empty());  // not "holds no log files"
  auto inner_first = walk_inputs({(logs / "111122223333").string(), logs.string()}, {});
  EXPECT_EQ(paths_of(inner_first), once);
  EXPECT_EQ(inner_first.repeated_paths, 1u);
  // Named twice, through another spelling of the path.
  auto twice = walk_inputs({logs.string(), (tmp.path() / "." / "AWSLogs").string()}, {});
  EXPECT_EQ(paths_of(twice), once);
  EXPECT_EQ(twice.repeated_paths, 1u);
  // A file named before and after its folder is walked, and twice.
  auto file_first = walk_inputs({a.string(), logs.string()}, {});
  EXPECT_EQ(paths_of(file_first), (std::vector<std::string>{a.string(), b.string()}));
  EXPECT_EQ(file_first.repeated_paths, 1u);
  auto file_after = walk_inputs({logs.string(), a.string(), a.string()}, {});
  EXPECT_EQ(paths_of(file_after), once);
  EXPECT_EQ(file_after.repeated_paths, 2u);
  // Standard input named twice: the second read would find it empty.
  auto stdin_twice = walk_inputs({"-", logs.string(), "-"}, {});
  EXPECT_EQ(paths_of(stdin_twice), (std::vector<std::string>{"-", a.string(), b.string()}));
  EXPECT_EQ(stdin_twice.repeated_paths, 1u);
  // A file the walk ignores (not a log name) is read when named: not a repeat.
  auto named_notes = walk_inputs({logs.string(), notes.string()}, {});
  EXPECT_EQ(paths_of(named_notes), (std::vector<std::string>{a.string(), b.string(), notes.string()}));
  EXPECT_EQ(named_notes.repeated_paths, 0u);
}

// Walking a whole synced bucket reads the trail and skips, by key and before
// any I/O, the other services' logs beside it: counted and named, not input
// problems (they made every such scan exit 3). Named on the command line, such
// a file is read. A directory of nothing but other services' logs says so.
TEST(WalkInputs, OtherServicesLogsInAWalkedBucketAreSkippedAndNamed) {
  testing::TempDir tmp;
  const auto bucket = tmp.path() / "bucket";
  const auto trail = bucket / "AWSLogs/111122223333/CloudTrail/us-east-1/2025/11/01/t.json.gz";
  const auto flow = bucket / "AWSLogs/111122223333/vpcflowlogs/us-east-1/2025/11/01/f.log.gz";
  testing::write_file(trail, "{}");
  testing::write_file(flow, "x");
  testing::write_file(bucket / "AWSLogs/111122223333/elasticloadbalancing/us-east-1/2025/11/01/e.log.gz", "x");
  testing::write_file(bucket / "AWSLogs/o-exampleorgid/444455556666/Config/us-east-1/2025/11/1/c.json.gz", "x");
  testing::write_file(bucket / "AWSLogs/444455556666/vpcflowlogs/eu-west-1/2025/11/01/g.log.gz", "x");
  auto r = walk_inputs({bucket.string()}, {});
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].path, trail.string());
  EXPECT_EQ(r.other_service_files, 4u);
  EXPECT_EQ(r.other_services, (std::vector<std::string>{"Config", "elasticloadbalancing", "vpcflowlogs"}));
  EXPECT_TRUE(r.errors.empty());

  auto named = walk_inputs({flow.string()}, {});
  ASSERT_EQ(named.files.size(), 1u) << "a file named on the command line is read";
  EXPECT_EQ(named.other_service_files, 0u);

  const auto flows_only = bucket / "AWSLogs/111122223333/vpcflowlogs";
  auto only = walk_inputs({flows_only.string()}, {});
  EXPECT_TRUE(only.files.empty());
  ASSERT_EQ(only.errors.size(), 1u);
  EXPECT_EQ(only.errors[0].to_string(),
            flows_only.string() + ": directory holds no CloudTrail logs (1 file of other AWS services' logs "
                                  "skipped: vpcflowlogs)");
}

// An evidence folder is often links to where each account's logs were
// synced: links to directories are followed, each directory is read once
// (a link back up, or two links to one place, read nothing twice), and a
// log's name on what is not a file is named, not read and not passed over
// in silence: a named pipe would block the scan, a broken link has nothing.
TEST(WalkInputs, LinksAreFollowedOnceAndWhatIsNotAFileIsNamed) {
  testing::TempDir tmp;
  const auto root = tmp.path() / "evidence";
  const auto synced = tmp.path() / "synced";
  testing::write_file(root / "a/1.json.gz", "{}");
  testing::write_file(synced / "2.json.gz", "{}");
  std::filesystem::create_directory_symlink(synced, root / "account-b");
  std::filesystem::create_directory_symlink(synced, root / "later-link-to-b");
  std::filesystem::create_directory_symlink("..", root / "a/up");
  std::filesystem::create_symlink(tmp.path() / "nowhere.json.gz", root / "a/broken.json.gz");
  ASSERT_EQ(::mkfifo((root / "a/pipe.json.gz").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((root / "a/pipe").c_str(), 0600), 0);
  auto r = walk_inputs({root.string()}, {});
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].path, (root / "a/1.json.gz").string());
  EXPECT_EQ(r.files[1].path, (root / "account-b/2.json.gz").string()) << "by the first link in path order";
  EXPECT_EQ(r.ignored_files, 1u) << "a pipe without a log's name is ignored like any other file";
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].to_string(),
            (root / "a/broken.json.gz").string() + ": not read: a symbolic link whose target does not exist");
  EXPECT_EQ(r.errors[1].to_string(), (root / "a/pipe.json.gz").string() + ": not read: a named pipe");
}

// What the walk remembers to read each directory once is bounded by the
// links, not the directories (a year of an organization trail is millions,
// and a set of each one walked was ~50 bytes a directory): a link into the
// PATH is read at the real path, a link to a folder inside one walked
// before, or to one that holds it, or to a folder above, reads nothing twice.
TEST(WalkInputs, LinksReadNothingTwiceRememberingOnlyTheirTargets) {
  testing::TempDir tmp;
  const auto root = tmp.path() / "evidence";
  const auto outside = tmp.path() / "synced";
  testing::write_file(outside / "x/1.json", "{}");
  testing::write_file(outside / "x/y/2.json", "{}");
  testing::write_file(root / "a/3.json", "{}");
  for (int i = 0; i < 30; ++i) testing::write_file(root / fmt::format("a/d{:02}/{}.json", i, i), "{}");
  std::filesystem::create_directory_symlink(root / "a", root / "0-link-to-a");
  std::filesystem::create_directory_symlink(outside / "x/y", root / "b-link-to-y");
  std::filesystem::create_directory_symlink(outside / "x", root / "c-link-to-x");
  std::filesystem::create_directory_symlink(tmp.path(), root / "d-link-up");
  testing::write_file(root / ".hidden/h/4.json", "{}");  // not walked, so read through the link to it
  std::filesystem::create_directory_symlink(root / ".hidden/h", root / "e-link-to-hidden");
  InputWalk walk({root.string()}, {});
  std::vector<std::string> got;
  InputFile file;
  while (got.size() < 100 && walk.next(file)) got.push_back(file.path);
  std::vector<std::string> expected = {(root / "a/3.json").string()};
  for (int i = 0; i < 30; ++i) expected.push_back((root / fmt::format("a/d{:02}/{}.json", i, i)).string());
  expected.push_back((root / "b-link-to-y/2.json").string());
  expected.push_back((root / "c-link-to-x/1.json").string());
  expected.push_back((root / "e-link-to-hidden/4.json").string());
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(walk.result().errors.empty());
  EXPECT_EQ(walk.directories_remembered(), 5u) << "the PATH and four links' targets, not the 37 directories";
}

// A directory that cannot be read is named, and every other one is still
// walked: one such directory used to end the walk, so that a whole archive
// came out as "directory holds no log files". Root reads any directory, so
// as root the walk runs in a child process that has given up root.
TEST(WalkInputs, AnUnreadableDirectoryIsNamedAndTheRestIsWalked) {
  testing::TempDir tmp;
  const auto root = tmp.path() / "archive";
  testing::write_file(root / "a/1.json.gz", "{}");
  testing::write_file(root / "b/2.json.gz", "{}");
  testing::write_file(root / "c/3.json.gz", "{}");
  std::filesystem::permissions(root / "b", std::filesystem::perms::none);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(10);
    const auto r = walk_inputs({root.string()}, {});
    int failed = 0;
    if (r.files.size() != 2 || r.files[0].path != (root / "a/1.json.gz").string() ||
        r.files[1].path != (root / "c/3.json.gz").string()) {
      failed |= 1;
    }
    if (r.errors.size() != 1 ||
        r.errors[0].to_string() != (root / "b").string() + ": cannot read directory: Permission denied") {
      failed |= 2;
    }
    ::_exit(failed);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  std::filesystem::permissions(root / "b", std::filesystem::perms::owner_all);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 10) << "could not give up root";
  EXPECT_EQ(WEXITSTATUS(status) & 1, 0) << "the readable directories' files were not all found";
  EXPECT_EQ(WEXITSTATUS(status) & 2, 0) << "the unreadable directory was not named as the one problem";
}

// The walk hands out files as it finds them, listing a directory only when
// it gets there: a file made in a directory the walk has not reached yet is
// found, which a walk that listed everything first would miss. (A list of
// every file was what a scan's memory grew with: ~180 bytes a file.) Files
// come in the order of their paths, '-' before '/' included.
TEST(WalkInputs, TheWalkListsEachDirectoryWhenItGetsThere) {
  testing::TempDir tmp;
  const auto root = tmp.path();
  testing::write_file(root / "a/1.json", "{}");
  testing::write_file(root / "a-b/2.json", "{}");
  std::filesystem::create_directories(root / "z");
  InputWalk walk({root.string()}, {});
  InputFile file;
  ASSERT_TRUE(walk.next(file));
  EXPECT_EQ(file.path, (root / "a-b/2.json").string()) << "'-' sorts before '/'";
  testing::write_file(root / "z/3.json", "{}");
  std::vector<std::string> rest;
  while (walk.next(file)) rest.push_back(file.path);
  EXPECT_EQ(rest, (std::vector<std::string>{(root / "a/1.json").string(), (root / "z/3.json").string()}));
  EXPECT_TRUE(walk.result().errors.empty());
  EXPECT_TRUE(walk.result().files.empty());
}

// A directory of millions of files (a flattened evidence folder) is listed
// a window of names at a time, read again for each: listed whole and
// sorted, a million names held ~260 MB. Whatever the window, the walk finds
// the same files in the same order, and names the same problems once.
TEST(WalkInputs, AHugeDirectoryIsListedAWindowAtATime) {
  testing::TempDir tmp;
  const auto root = tmp.path() / "flat";
  std::vector<std::string> expected;
  for (int i = 0; i < 60; ++i) {
    // Made out of order; directories among the files, where '/' sorts them.
    const int n = (i * 37) % 60;
    const auto name = fmt::format("123456789012_CloudTrail_us-east-1_20251101T{:04}Z_{:02}.json.gz", n, n);
    testing::write_file(root / name, "{}");
    if (n % 15 == 7) testing::write_file(root / fmt::format("d{:02}/inner.json", n) , "{}");
  }
  for (int n = 0; n < 60; ++n) {
    expected.push_back(
        (root / fmt::format("123456789012_CloudTrail_us-east-1_20251101T{:04}Z_{:02}.json.gz", n, n)).string());
  }
  for (int n : {7, 22, 37, 52}) expected.push_back((root / fmt::format("d{:02}/inner.json", n)).string());
  testing::write_file(root / ".hidden/x.json", "{}");
  for (int i = 0; i < 7; ++i) testing::write_file(root / fmt::format("notes-{}.txt", i), "");
  ASSERT_EQ(::mkfifo((root / "fifo.json.gz").c_str(), 0600), 0);
  std::filesystem::create_symlink(tmp.path() / "nowhere.json", root / "broken.json");
  const std::vector<std::string> expected_errors = {
      (root / "broken.json").string() + ": not read: a symbolic link whose target does not exist",
      (root / "fifo.json.gz").string() + ": not read: a named pipe"};
  std::size_t whole_peak = 0;
  for (std::size_t window : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{16},
                             InputWalk::kListingWindow}) {
    SCOPED_TRACE(fmt::format("window {}", window));
    InputWalk walk({root.string()}, {}, window);
    std::vector<std::string> got;
    InputFile file;
    // Bounded: a window that lists the same names again would never end.
    while (got.size() <= expected.size() && walk.next(file)) got.push_back(file.path);
    EXPECT_EQ(got, expected);
    std::vector<std::string> errors;
    for (const auto& d : walk.result().errors) errors.push_back(d.to_string());
    EXPECT_EQ(errors, expected_errors);
    EXPECT_EQ(walk.result().ignored_files, 7u);
    if (window == InputWalk::kListingWindow) {
      whole_peak = walk.names_held_peak();
    } else {
      EXPECT_LE(walk.names_held_peak(), 2 * window);
    }
  }
  EXPECT_EQ(whole_peak, 64u) << "a directory smaller than the window is held whole, in one listing";
}

// A tree of `dirs` x `files` small log files, in walk order.
std::vector<std::string> write_tree(const std::filesystem::path& root, int dirs, int files) {
  std::vector<std::string> paths;
  for (int d = 0; d < dirs; ++d) {
    for (int f = 0; f < files; ++f) {
      const auto path = root / fmt::format("d{:02}/f{:02}.json", d, f);
      testing::write_file(path, "{}");
      paths.push_back(path.string());
    }
  }
  return paths;
}

// What four workers taking files from `feed` until it runs dry got, by index,
// and how many indexes came twice or out of range.
struct FeedTaken {
  std::vector<std::string> paths;
  int duplicates = 0;
};
FeedTaken take_with_four_workers(FileFeed& feed, std::size_t files) {
  FeedTaken taken;
  taken.paths.resize(files);
  std::atomic<int> duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      InputFile file;
      std::size_t index = 0;
      while (feed.next(file, index)) {
        if (index >= taken.paths.size() || !taken.paths[index].empty()) {
          ++duplicates;
          continue;
        }
        taken.paths[index] = file.path;
      }
    });
  }
  for (auto& t : threads) t.join();
  taken.duplicates = duplicates.load();
  return taken;
}

// Workers take files from one feed: each file once, numbered in walk order.
TEST(WalkInputs, AFeedHandsEachFileOutOnceInOrder) {
  testing::TempDir tmp;
  const auto expected = write_tree(tmp.path(), 20, 25);
  InputWalk walk({tmp.path().string()}, {});
  FileFeed feed(walk);
  const FeedTaken taken = take_with_four_workers(feed, expected.size());
  EXPECT_EQ(taken.duplicates, 0);
  EXPECT_EQ(taken.paths, expected);
  EXPECT_EQ(feed.handed_out(), expected.size());
}

// Polls `done` for up to five seconds.
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 5000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

// What a read-ahead hint saw, shared with a thread that may outlive the test.
struct HintLog {
  std::mutex mutex;
  std::vector<std::string> paths;
  std::vector<std::size_t> handed_out;  // the feed's count when each was hinted
  std::size_t size() {
    std::lock_guard lock(mutex);
    return paths.size();
  }
};

// The read-ahead asks for every file once, in the order the workers get
// them, and never more than the window ahead of those handed out: the page
// cache it fills is bounded, and it reads nothing no worker will.
TEST(FileFeedReadAhead, HintsEachFileOnceInOrderWithinTheWindow) {
  testing::TempDir tmp;
  const auto expected = write_tree(tmp.path(), 10, 20);
  constexpr std::size_t kWindow = 8;
  InputWalk walk({tmp.path().string()}, {});
  FileFeed feed(walk);
  auto log = std::make_shared<HintLog>();
  feed.read_ahead(kWindow, [log, &feed](const std::string& path) {
    std::lock_guard lock(log->mutex);
    log->paths.push_back(path);
    log->handed_out.push_back(feed.handed_out());
    return ReadAdvice::kAsked;
  });
  ASSERT_TRUE(eventually([&] { return log->size() >= kWindow; })) << "the read-ahead never filled its window";
  std::vector<std::string> got;
  InputFile file;
  std::size_t index = 0;
  while (feed.next(file, index)) {
    got.push_back(file.path);
    // It refills once half the window is free.
    const std::size_t ahead = std::min(index + 1 + kWindow / 2, expected.size());
    ASSERT_TRUE(eventually([&] { return log->size() >= ahead; })) << "stalled after file " << index;
  }
  feed.stop_read_ahead();
  EXPECT_EQ(got, expected);
  std::lock_guard lock(log->mutex);
  EXPECT_EQ(log->paths, expected);
  for (std::size_t i = 0; i < log->paths.size(); ++i) {
    EXPECT_LT(i, log->handed_out[i] + kWindow) << "file " << i << " hinted beyond the window";
  }
}

// Workers taking files while the read-ahead pulls them from the walk: each
// file still goes to one worker, numbered in walk order.
TEST(FileFeedReadAhead, WorkersGetEachFileOnceInWalkOrder) {
  testing::TempDir tmp;
  const auto expected = write_tree(tmp.path(), 20, 25);
  InputWalk walk({tmp.path().string()}, {});
  FileFeed feed(walk);
  feed.read_ahead(3, [](const std::string&) { return ReadAdvice::kAsked; });
  const FeedTaken taken = take_with_four_workers(feed, expected.size());
  EXPECT_EQ(taken.duplicates, 0);
  EXPECT_EQ(taken.paths, expected);
  EXPECT_EQ(feed.walk_result().files.size(), 0u);  // the walk's counts, the read-ahead stopped
}

// A read-ahead slower than the workers (a slow disk's metadata) does not ask
// for files already read: it goes on from the first file not handed out.
TEST(FileFeedReadAhead, FallenBehindItGoesOnFromTheWorkers) {
  testing::TempDir tmp;
  const auto expected = write_tree(tmp.path(), 2, 10);
  InputWalk walk({tmp.path().string()}, {});
  FileFeed feed(walk);
  auto log = std::make_shared<HintLog>();
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  feed.read_ahead(4, [log, released](const std::string& path) {
    {
      std::lock_guard lock(log->mutex);
      log->paths.push_back(path);
    }
    released.wait();
    return ReadAdvice::kAsked;
  });
  ASSERT_TRUE(eventually([&] { return log->size() == 1; }));
  std::vector<std::string> got;
  InputFile file;
  std::size_t index = 0;
  for (int i = 0; i < 10 && feed.next(file, index); ++i) got.push_back(file.path);
  release->set_value();
  ASSERT_TRUE(eventually([&] { return log->size() >= 5; }));
  while (feed.next(file, index)) got.push_back(file.path);
  feed.stop_read_ahead();
  EXPECT_EQ(got, expected);
  std::lock_guard lock(log->mutex);
  // File 0 (taken before it stalled), then the window from file 10 on; after
  // that the workers may overtake it again, but it never goes back.
  ASSERT_GE(log->paths.size(), 5u);
  EXPECT_EQ(log->paths[0], expected[0]);
  for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ(log->paths[i], expected[9 + i]) << i;
  for (std::size_t i = 5; i < log->paths.size(); ++i) EXPECT_GT(log->paths[i], log->paths[i - 1]) << i;
}

// An archive in the page cache already (scanned a second time, or just
// synced) is only sampled, one file in kCachedProbeEvery: asking about each
// file is a stat, an open and a close for nothing. The first file found not
// cached brings back a hint for every file.
TEST(FileFeedReadAhead, ACachedArchiveIsOnlySampledUntilAFileIsNot) {
  testing::TempDir tmp;
  const auto expected = write_tree(tmp.path(), 10, 30);  // 300 files
  constexpr std::size_t kFirstNotCached = 150;
  InputWalk walk({tmp.path().string()}, {});
  FileFeed feed(walk);
  auto log = std::make_shared<HintLog>();
  feed.read_ahead(16, [log, &expected](const std::string& path) {
    const auto position =
        static_cast<std::size_t>(std::find(expected.begin(), expected.end(), path) - expected.begin());
    std::lock_guard lock(log->mutex);
    log->paths.push_back(path);
    return position < kFirstNotCached ? ReadAdvice::kCached : ReadAdvice::kAsked;
  });
  ASSERT_TRUE(eventually([&] { return feed.read_ahead_position() >= 16; }));
  InputFile file;
  std::size_t index = 0;
  std::vector<std::string> got;
  while (feed.next(file, index)) {
    got.push_back(file.path);
    // Let it keep up, as it would with real workers.
    ASSERT_TRUE(eventually([&] { return feed.read_ahead_position() >= std::min(index + 1 + 8, expected.size()); }));
  }
  feed.stop_read_ahead();
  EXPECT_EQ(got, expected);
  std::lock_guard lock(log->mutex);
  std::vector<bool> hinted(expected.size());
  for (const auto& path : log->paths) {
    hinted[static_cast<std::size_t>(std::find(expected.begin(), expected.end(), path) - expected.begin())] = true;
  }
  const auto hinted_in = [&](std::size_t from, std::size_t to) {
    return static_cast<std::size_t>(std::count(hinted.begin() + static_cast<std::ptrdiff_t>(from),
                                               hinted.begin() + static_cast<std::ptrdiff_t>(to), true));
  };
  // The first 32 each, then one in 16 of the other 118 cached ones.
  EXPECT_EQ(hinted_in(0, FileFeed::kCachedStreak), FileFeed::kCachedStreak);
  EXPECT_LE(hinted_in(FileFeed::kCachedStreak, kFirstNotCached), 8u);
  EXPECT_GE(hinted_in(FileFeed::kCachedStreak, kFirstNotCached), 7u);
  // The probe meets a file not cached within 16 files; every file after it is asked for.
  EXPECT_EQ(hinted_in(kFirstNotCached + FileFeed::kCachedProbeEvery, expected.size()),
            expected.size() - kFirstNotCached - FileFeed::kCachedProbeEvery);
}

// A read-ahead stuck in open() (a hung network file system) must not keep
// the scan from ending: the feed waits a second for it, then leaves it.
TEST(FileFeedReadAhead, AStuckHintDoesNotKeepTheFeedFromEnding) {
  testing::TempDir tmp;
  write_tree(tmp.path(), 1, 5);
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  auto entered = std::make_shared<std::atomic<bool>>(false);
  const auto start = std::chrono::steady_clock::now();
  {
    InputWalk walk({tmp.path().string()}, {});
    FileFeed feed(walk);
    feed.read_ahead(4, [released, entered](const std::string&) {
      entered->store(true);
      released.wait();
      return ReadAdvice::kAsked;
    });
    ASSERT_TRUE(eventually([&] { return entered->load(); }));
    InputFile file;
    std::size_t index = 0;
    while (feed.next(file, index)) {
    }
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  release->set_value();  // the thread left behind finishes on its own
  EXPECT_LT(waited, std::chrono::seconds(4));
}

TEST(WalkInputs, ExplicitFilesAreReadWhateverTheirName) {
  testing::TempDir tmp;
  testing::write_file(tmp.path() / "export.txt", "{}");
  auto r = walk_inputs({(tmp.path() / "export.txt").string(), "-"}, {});
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[1].path, "-");
}

}  // namespace
}  // namespace trailsweep
