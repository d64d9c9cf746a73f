#pragma once
// InputWalker: turns the PATH arguments of a scan into the files to read, one
// at a time as the workers take them (InputWalk, FileFeed). Directories are
// walked recursively and sorted, so every run sees the same order. S3
// delivery keys (AWSLogs/[o-org/]<account>/CloudTrail/<region>/Y/M/D/
// <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json.gz) are decoded so
// that digest and insight files, other AWS services' logs in the same bucket
// (VPC flow logs, ELB, Config, ...: AWSLogs/<account>/<service>/), and files
// outside --since/--until, --account or --region, are skipped before they are
// opened.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "trailsweep/byte_source.hpp"
#include "trailsweep/diagnostic.hpp"

namespace trailsweep {

/// kOtherService: AWSLogs/[o-org/]<account>/<folder>/ where the folder is not
/// CloudTrail's (vpcflowlogs, elasticloadbalancing, Config, ...).
enum class S3Folder { kNone, kCloudTrail, kDigest, kInsight, kOtherService };

struct S3Key {
  S3Folder folder = S3Folder::kNone;  ///< kNone: the path is not in the S3 layout
  std::string org_id, account, region;
  std::string other_service;      ///< the folder name, for kOtherService
  std::int64_t day_ms = -1;       ///< midnight UTC of the YYYY/MM/DD folders
  std::int64_t delivery_ms = -1;  ///< from the file name's YYYYMMDDTHHmmZ, if present
};

/// Decodes the S3 layout from a path (any prefix before AWSLogs/ is ignored).
S3Key parse_s3_key(std::string_view path);

/// A file as the file system knows it, whatever the path it is reached by.
struct FileIdentity {
  std::uint64_t device = 0, inode = 0;
  bool operator==(const FileIdentity&) const = default;
};

struct InputFilter {
  std::optional<std::int64_t> since_ms, until_ms;  ///< inclusive bounds on eventTime
  std::vector<std::string> accounts, regions;      ///< empty: all
  /// Whether any of the four above is set, so that a scan checks events
  /// against them (Scanner decides this once, not once per record).
  bool selects_events() const { return since_ms || until_ms || !accounts.empty() || !regions.empty(); }
  /// Files never read, counted as ignored: the report this run writes, which
  /// may be inside the folder it scans (`-o AWSLogs/report.json AWSLogs/`).
  /// Matched by the inode a listing gives, so no file costs a stat.
  std::vector<FileIdentity> skip_files;
};

/// CloudTrail writes records into a file before delivering it; this much delay
/// is allowed when a file's delivery time is compared with --until.
inline constexpr std::int64_t kDeliverySlackMs = 3'600'000;

/// One file to read. Only its path: a year of an organization trail is
/// millions of files, and the list of them is held for the whole scan (its
/// S3 key, decoded to skip files by name, was 150 bytes more a file).
struct InputFile {
  std::string path;  ///< "-" for standard input
};

struct WalkResult {
  static constexpr std::size_t kMaxErrorsListed = 1000;
  std::vector<InputFile> files;
  /// Missing paths, unreadable directories, empty dirs: the first kMaxErrorsListed.
  std::vector<Diagnostic> errors;
  std::uint64_t unlisted_errors = 0;  ///< problems past those, counted only
  void add_problem(Diagnostic d) {
    if (errors.size() < kMaxErrorsListed) {
      errors.push_back(std::move(d));
    } else {
      ++unlisted_errors;
    }
  }
  std::uint64_t digest_files = 0;     ///< CloudTrail-Digest files skipped by name
  std::uint64_t insight_files = 0;    ///< CloudTrail-Insight files skipped by name
  std::uint64_t filtered_files = 0;   ///< outside the filters by their S3 key
  std::uint64_t ignored_files = 0;    ///< names that are not log files, in walked directories
  /// Folders and files reached again, read once: a PATH inside another (or
  /// named twice), a folder two links lead to, a file named and also in a
  /// folder walked. Each read twice counted its events twice, and a flood
  /// rule's threshold could be met by the double count.
  std::uint64_t repeated_paths = 0;
  /// Found by walking a directory under AWSLogs/<account>/<service>/ of another
  /// service (a synced bucket often holds VPC flow logs, ELB and Config too).
  std::uint64_t other_service_files = 0;
  std::vector<std::string> other_services;  ///< their folder names, sorted, distinct
};

/// Walks the PATH arguments of a scan one file at a time, holding only the
/// directories on the way down to the current one: a year of an
/// organization trail is millions of files, and a list of them all was what
/// a scan's memory grew with (~180 bytes a file). Files named explicitly are
/// always read (by content); files found by walking a directory must look
/// like logs (.json, .jsonl, .ndjson, .gz, .log), not be hidden, and not be
/// another service's logs. Files come in the order of their paths, the same
/// every run: each directory's entries sorted by name, a directory's as if
/// its name ended in '/'. Links are followed, each directory walked once.
class InputWalk {
 public:
  /// A directory's names are held `listing_window` at a time (see list_window).
  static constexpr std::size_t kListingWindow = std::size_t{1} << 17;
  InputWalk(std::vector<std::string> paths, InputFilter filter, std::size_t listing_window = kListingWindow);
  ~InputWalk();
  InputWalk(const InputWalk&) = delete;
  InputWalk& operator=(const InputWalk&) = delete;

  /// The next file to read; false once every PATH is walked.
  bool next(InputFile& file);
  /// What was skipped, and the problems met, so far: all of them once
  /// next() has returned false. Its `files` stays empty.
  WalkResult& result() { return result_; }
  /// The most names of one directory held at once (at most twice the
  /// window), to show that a huge directory is not held whole.
  std::size_t names_held_peak() const { return names_held_peak_; }
  /// The directories this PATH's walk remembers to walk each once: its top
  /// and the links' targets walked, however many directories are under them.
  std::size_t directories_remembered() const { return walked_tops_.size(); }

 private:
  class Names;
  struct Frame;
  bool consider(std::string&& path, bool walked, InputFile& file);
  bool skipped(const FileIdentity& id) const;
  bool open_directory(std::string dir, std::string real, bool through_link);
  bool named_before(const FileIdentity& id) const;
  bool walked_already(const std::string& path) const;
  void list_window(Frame& frame, bool first);
  bool inside_walked_top(std::string_view real) const;
  void keep_first_problems(std::vector<Diagnostic>& problems, std::size_t keep);
  void finish_path();

  std::vector<std::string> paths_;
  InputFilter filter_;
  std::size_t listing_window_;
  WalkResult result_;
  std::size_t path_index_ = 0;
  std::vector<Frame> stack_;  // the directories being walked, the current one last
  std::set<std::string, std::less<>> walked_tops_;  // real paths: the PATHs', their links' targets walked
  std::vector<FileIdentity> named_files_;            // files named as PATHs, read
  bool stdin_named_ = false;
  std::set<std::string> other_services_, services_here_;
  std::uint64_t files_ = 0;  // handed out
  std::size_t names_held_peak_ = 0;
  // This PATH's counts when its walk began, for what to say if it finds nothing.
  bool in_directory_ = false;
  std::uint64_t found_before_ = 0, ignored_before_ = 0, others_before_ = 0;
};

/// All of a walk at once, for callers that want the list (tests, small inputs).
WalkResult walk_inputs(const std::vector<std::string>& paths, const InputFilter& filter);

/// Hands out the files of a scan to its workers, each with its index in the
/// input order (0, 1, ...), from a list or from a walk as it goes. Thread-safe.
class FileFeed {
 public:
  /// Default of read_ahead(): how many files ahead of the workers.
  static constexpr std::size_t kReadAheadFiles = 64;
  /// What read_ahead() does with each file; advise_will_read() unless a test says otherwise.
  using ReadAheadHint = std::function<ReadAdvice(const std::string& path)>;
  /// Once this many files in a row were cached already, the read-ahead only
  /// asks about one file in kCachedProbeEvery (a cached archive paid ~12%
  /// for asking about each of 20,000 files of three records), until one is not.
  static constexpr std::size_t kCachedStreak = 32;
  static constexpr std::size_t kCachedProbeEvery = 16;

  explicit FileFeed(const std::vector<InputFile>& files);
  explicit FileFeed(InputWalk& walk);
  ~FileFeed() { stop_read_ahead(); }
  FileFeed(const FileFeed&) = delete;
  FileFeed& operator=(const FileFeed&) = delete;

  /// Starts a thread that walks ahead of the workers, at most `files` files
  /// ahead of those handed out, and asks the kernel to read each
  /// (advise_will_read()), in input order. Without it a worker waits for
  /// the disk at every file it opens of an archive that is not in the page
  /// cache (a year of an organization trail never is): on this project's
  /// machine such a scan took 1.1x-1.3x as long as one of the cached
  /// archive, with it ~1.08x; of 20,000 small files 1.9x-2.4x, with it
  /// 1.4x-1.7x (tests/bench/cold_cache.sh). Directories are listed on that
  /// thread too. It uses next to no CPU. Call it once, before the workers
  /// start; 0 does nothing.
  void read_ahead(std::size_t files, ReadAheadHint hint = {});
  /// Stops the read-ahead. Waits for the thread a second at most: one
  /// blocked in open() on a hung network file system is left behind (it no
  /// longer touches the feed or the walk) rather than keep the scan from
  /// ending.
  void stop_read_ahead();
  /// The walk's counts and problems, once the workers are done (also when
  /// they stopped early: an interrupt, search --limit). Stops the read-ahead
  /// first, which may still be walking; read them through here, not from
  /// the walk. A feed of a list has no walk: not for it.
  WalkResult& walk_result();
  bool next(InputFile& file, std::size_t& index);
  /// Files handed out so far. Without the lock: a worker stuck in the walk
  /// (a hung network file system) must not keep the interrupt from saying so.
  std::size_t handed_out() const { return next_.load(std::memory_order_relaxed); }
  /// Files the read-ahead has passed (asked about, sampled past, or handed
  /// out before it got to them): for tests.
  std::size_t read_ahead_position() {
    std::lock_guard lock(shared_->mutex);
    return hinted_;
  }

 private:
  // What the read-ahead thread may still touch once the feed is gone.
  struct Shared {
    std::mutex mutex;  // guards the feed's state too
    std::condition_variable changed;
    bool stopping = false;  // the feed's members are off limits
    bool thread_done = false;
  };
  /// The path of file hinted_ (pulling it from the walk if need be); false
  /// at the end of the input. Called with the mutex held.
  bool path_to_hint(std::string& path);
  void read_ahead_loop(const std::shared_ptr<Shared>& shared, const ReadAheadHint& hint);
  /// Whether `refill_` files fit in the window. With the mutex held.
  bool read_ahead_has_room() const { return hinted_ + refill_ <= next_.load(std::memory_order_relaxed) + window_; }

  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  const std::vector<InputFile>* files_ = nullptr;
  InputWalk* walk_ = nullptr;
  // Files pulled from the walk by the read-ahead, not handed out yet: those
  // numbered next_, next_ + 1, ... (at most the window).
  std::deque<InputFile> pulled_;
  bool walk_done_ = false;
  std::size_t window_ = 0;  // 0: no read-ahead
  std::size_t refill_ = 1;  // the read-ahead waits until this many files fit in the window
  bool read_ahead_waiting_ = false;
  std::size_t hinted_ = 0;  // files [0, hinted_) are hinted or handed out
  std::atomic<std::size_t> next_{0};
  std::thread read_ahead_thread_;
};

/// True when a file with this S3 key cannot hold records inside the filter.
bool outside_filter(const S3Key& key, const InputFilter& filter);

}  // namespace trailsweep
