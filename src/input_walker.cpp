#include "trailsweep/input_walker.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "trailsweep/time_util.hpp"

namespace trailsweep {
namespace fs = std::filesystem;

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  // One allocation: this runs for every file the walk finds.
  parts.reserve(static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1);
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool all_digits(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with_ignoring_case(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

// What Firehose names an object it delivers to S3 uncompressed, without an
// extension: <stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid> (EventBridge rules
// and CloudWatch Logs subscriptions deliver CloudTrail this way).
bool looks_like_firehose_name(std::string_view name) {
  constexpr std::string_view kShape = "-dddd-dd-dd-dd-dd-dd-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  if (name.size() <= kShape.size()) return false;
  const std::string_view tail = name.substr(name.size() - kShape.size());
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const char c = tail[i];
    const bool ok = kShape[i] == '-'   ? c == '-'
                    : kShape[i] == 'd' ? c >= '0' && c <= '9'
                                       : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!ok) return false;
  }
  return true;
}

bool looks_like_log_name(std::string_view name) {
  if (name.empty() || name[0] == '.') return false;
  for (std::string_view ext : {".json", ".jsonl", ".ndjson", ".gz", ".log"}) {
    if (ends_with(name, ext)) return true;
  }
  return looks_like_firehose_name(name);
}

// A directory's entry as a path: what fs::path(dir) / name gives for a name
// read from the directory (no slash in it), without parsing `dir` into
// components and allocating their list for each file (~3% of the walk's
// thread over 20,000 small files, perf).
std::string child_path(const std::string& dir, std::string_view name) {
  std::string path;
  path.reserve(dir.size() + 1 + name.size());
  path.append(dir);
  if (!dir.empty() && dir.back() != '/') path.push_back('/');
  path.append(name);
  return path;
}

// What a directory entry that is neither a file nor a directory is, for the
// message that says it was not read.
std::string not_a_file(const fs::file_status& status, const std::error_code& ec) {
  switch (status.type()) {
    case fs::file_type::not_found: return "a symbolic link whose target does not exist";
    case fs::file_type::fifo: return "a named pipe";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::block: return "a block device";
    case fs::file_type::character: return "a character device";
    default: return ec ? fmt::format("cannot tell what it is: {}", ec.message()) : "not a regular file";
  }
}

enum class EntryType { kFile, kDirectory, kOther, kAsk };

EntryType entry_type(unsigned char d_type) {
  switch (d_type) {
    case DT_REG: return EntryType::kFile;
    case DT_DIR: return EntryType::kDirectory;
    case DT_LNK:
    case DT_UNKNOWN: return EntryType::kAsk;
    default: return EntryType::kOther;
  }
}

// What a link points to (or an entry of a file system whose listing has no
// types is); kOther when that cannot be told, for the message to say why.
EntryType stat_type(int dir_fd, const char* name) {
  struct stat st {};
  if (::fstatat(dir_fd, name, &st, 0) != 0) return EntryType::kOther;
  if (S_ISREG(st.st_mode)) return EntryType::kFile;
  if (S_ISDIR(st.st_mode)) return EntryType::kDirectory;
  return EntryType::kOther;
}

// A link itself, not what it points to (for a directory reached through it,
// whose real path the walk must resolve).
bool is_link(int dir_fd, const dirent& entry) {
  if (entry.d_type != DT_UNKNOWN) return entry.d_type == DT_LNK;
  struct stat st {};
  return ::fstatat(dir_fd, entry.d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

}  // namespace

S3Key parse_s3_key(std::string_view path) {
  S3Key key;
  auto parts = split_path(path);
  auto it = std::find(parts.begin(), parts.end(), std::string_view("AWSLogs"));
  if (it == parts.end()) return key;
  std::size_t i = static_cast<std::size_t>(it - parts.begin()) + 1;
  if (i < parts.size() && parts[i].substr(0, 2) == "o-") key.org_id = parts[i++];
  if (i + 1 >= parts.size() || !all_digits(parts[i], 12)) return key;
  key.account = parts[i++];
  std::string_view folder = parts[i++];
  if (folder == "CloudTrail") {
    key.folder = S3Folder::kCloudTrail;
  } else if (folder == "CloudTrail-Digest") {
    key.folder = S3Folder::kDigest;
  } else if (folder == "CloudTrail-Insight") {
    key.folder = S3Folder::kInsight;
  } else if (i < parts.size() && !starts_with_ignoring_case(folder, "cloudtrail")) {
    // Another service's folder (a file directly under the account, or a
    // CloudTrail folder this does not know, is read by its content).
    key.folder = S3Folder::kOtherService;
    key.other_service = folder;
    return key;
  } else {
    return S3Key{};
  }
  if (i < parts.size()) key.region = parts[i++];
  if (i + 2 < parts.size() && all_digits(parts[i], 4) && all_digits(parts[i + 1], 2) &&
      all_digits(parts[i + 2], 2)) {
    int y = to_int(parts[i]), m = to_int(parts[i + 1]), d = to_int(parts[i + 2]);
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31) {
      key.day_ms = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * kMsPerDay;
    }
  }
  // <account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<unique>.json.gz
  std::string_view name = parts.back();
  std::string_view marker = "_CloudTrail_";
  std::size_t at = name.find(marker);
  if (at != std::string_view::npos && !key.region.empty()) {
    std::size_t ts = at + marker.size() + key.region.size() + 1;
    if (ts + 14 <= name.size() && name[ts + 8] == 'T' && name[ts + 13] == 'Z' &&
        all_digits(name.substr(ts, 8), 8) && all_digits(name.substr(ts + 9, 4), 4)) {
      // YYYYMMDDTHHmm -> YYYY-MM-DDTHH:mm:00Z, in place (no format call and
      // string for every file), validated by the one RFC 3339 parser.
      char iso[] = "YYYY-MM-DDTHH:mm:00Z";
      std::memcpy(iso, name.data() + ts, 4);
      std::memcpy(iso + 5, name.data() + ts + 4, 2);
      std::memcpy(iso + 8, name.data() + ts + 6, 2);
      std::memcpy(iso + 11, name.data() + ts + 9, 2);
      std::memcpy(iso + 14, name.data() + ts + 11, 2);
      if (auto ms = parse_rfc3339_ms(std::string_view(iso, sizeof iso - 1))) key.delivery_ms = *ms;
    }
  }
  return key;
}

bool outside_filter(const S3Key& key, const InputFilter& filter) {
  if (key.folder == S3Folder::kNone) return false;
  if (!filter.accounts.empty() &&
      std::find(filter.accounts.begin(), filter.accounts.end(), key.account) ==
          filter.accounts.end()) {
    return true;
  }
  if (!filter.regions.empty() && !key.region.empty() &&
      std::find(filter.regions.begin(), filter.regions.end(), key.region) ==
          filter.regions.end()) {
    return true;
  }
  // A file delivered at T holds only records written before T.
  if (filter.since_ms) {
    if (key.delivery_ms >= 0 && key.delivery_ms < *filter.since_ms) return true;
    if (key.delivery_ms < 0 && key.day_ms >= 0 && key.day_ms + kMsPerDay <= *filter.since_ms) {
      return true;
    }
  }
  if (filter.until_ms) {
    if (key.delivery_ms >= 0 && key.delivery_ms - kDeliverySlackMs > *filter.until_ms) return true;
    if (key.delivery_ms < 0 && key.day_ms >= 0 && key.day_ms - kDeliverySlackMs > *filter.until_ms) {
      return true;
    }
  }
  return false;
}

// One window of a directory's listing: the names in one buffer (a name is
// ~75 bytes; as a std::string each it was ~130 with its header and heap
// block), a directory's with a '/' after it, which sorts the walk in path
// order and tells it is a directory (no file name holds a '/').
class InputWalk::Names {
 public:
  std::size_t size() const { return spans_.size(); }
  std::string_view operator[](std::size_t i) const { return view(spans_[i]); }
  /// Whether the name is a symbolic link (to a directory: files' are not kept).
  bool link(std::size_t i) const { return spans_[i].link; }
  void clear() {
    bytes_.clear();
    spans_.clear();
  }
  void add(std::string_view order, bool link) {
    spans_.push_back({static_cast<std::uint64_t>(bytes_.size()), static_cast<std::uint32_t>(order.size()), link});
    bytes_.append(order);
  }
  void sort() {
    std::sort(spans_.begin(), spans_.end(), [this](const Span& a, const Span& b) { return view(a) < view(b); });
  }
  /// Keeps the `keep` (> 0, < size()) smallest names and their bytes only,
  /// in no order but the largest last; returns that one.
  std::string_view keep_smallest(std::size_t keep) {
    std::nth_element(spans_.begin(), spans_.begin() + static_cast<std::ptrdiff_t>(keep - 1), spans_.end(),
                     [this](const Span& a, const Span& b) { return view(a) < view(b); });
    spans_.resize(keep);
    std::size_t kept_bytes = 0;
    for (const Span& span : spans_) kept_bytes += span.size;
    std::string kept;
    kept.reserve(kept_bytes);
    for (Span& span : spans_) {
      const std::string_view name = view(span);
      span.offset = kept.size();
      kept.append(name);
    }
    bytes_.swap(kept);
    return view(spans_.back());
  }

 private:
  struct Span {
    std::uint64_t offset;
    std::uint32_t size;
    bool link;
  };
  std::string_view view(const Span& span) const { return {bytes_.data() + span.offset, span.size}; }
  std::string bytes_;
  std::vector<Span> spans_;
};

struct InputWalk::Frame {
  std::string dir;
  std::string real;  // its path with no links in it
  std::uint64_t device = 0, inode = 0;
  Names names;  // this window's, sorted
  std::size_t at = 0;
  bool more = false;  // names after the window's last are left for the next window
};

InputWalk::InputWalk(std::vector<std::string> paths, InputFilter filter, std::size_t listing_window)
    : paths_(std::move(paths)), filter_(std::move(filter)), listing_window_(std::max<std::size_t>(listing_window, 1)) {}
InputWalk::~InputWalk() = default;

bool InputWalk::named_before(const FileIdentity& id) const {
  return std::find(named_files_.begin(), named_files_.end(), id) != named_files_.end();
}

bool InputWalk::skipped(const FileIdentity& id) const {
  return std::find(filter_.skip_files.begin(), filter_.skip_files.end(), id) != filter_.skip_files.end();
}

// Counts a file the filters skip; true (and `file` set) for one to read.
// `walked`: found in a walked directory, not named on the command line
// (which is always read).
bool InputWalk::consider(std::string&& path, bool walked, InputFile& file) {
  const S3Key key = parse_s3_key(path);
  if (key.folder == S3Folder::kOtherService && walked) {
    ++result_.other_service_files;
    other_services_.insert(key.other_service);
    services_here_.insert(key.other_service);
  } else if (key.folder == S3Folder::kDigest) {
    ++result_.digest_files;
  } else if (key.folder == S3Folder::kInsight) {
    ++result_.insight_files;
  } else if (outside_filter(key, filter_)) {
    ++result_.filtered_files;
  } else {
    file.path = std::move(path);
    ++files_;
    return true;
  }
  return false;
}

// Puts a directory on the stack and lists its first window, unless this
// PATH's walk has been there. Links are followed, to directories too, since
// an evidence folder is often links to where each account's logs were
// synced; a link back up, or two links to one place, read nothing twice.
// What the walk remembers for that is bounded by the links, not by the
// directories (a year of an organization trail is millions of them; a set
// of every one walked was ~50 bytes each): the real paths of the tops it
// walked (the PATH and each link's target outside those), and the device
// and inode of the directories on the way down (a loop no path shows, a
// bind mount of a folder above, is still not walked forever).
//
// `real` is the path with no links in it, empty when the directory was
// reached through a link (or is the PATH): then it is resolved here.
bool InputWalk::open_directory(std::string dir, std::string real, bool through_link) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    for (const Frame& up : stack_) {
      if (up.device == static_cast<std::uint64_t>(st.st_dev) && up.inode == static_cast<std::uint64_t>(st.st_ino)) {
        ++result_.repeated_paths;
        return false;
      }
    }
  }
  if (through_link) {
    if (char* resolved = ::realpath(dir.c_str(), nullptr)) {
      real = resolved;
      std::free(resolved);
    } else {
      real = dir;  // named in the problem its listing gives
    }
    // Inside a top already walked (or to be walked when its walk gets
    // there): read there, under its real path.
    if (inside_walked_top(real)) {
      ++result_.repeated_paths;
      return false;
    }
    walked_tops_.insert(real);
  } else if (walked_tops_.size() > 1 && walked_tops_.count(real) != 0) {
    ++result_.repeated_paths;  // a link's target, or an earlier PATH, walked before the walk got here
    return false;
  }
  Frame& frame = stack_.emplace_back();
  frame.dir = std::move(dir);
  frame.real = std::move(real);
  frame.device = static_cast<std::uint64_t>(st.st_dev);
  frame.inode = static_cast<std::uint64_t>(st.st_ino);
  list_window(frame, /*first=*/true);
  return true;
}

// Whether a file named as a PATH was read by an earlier PATH's walk: a name
// the walk reads, in a folder inside a walked top.
bool InputWalk::walked_already(const std::string& path) const {
  if (walked_tops_.empty()) return false;
  const fs::path p(path);
  if (!looks_like_log_name(p.filename().string())) return false;
  char* resolved = ::realpath(p.has_parent_path() ? p.parent_path().c_str() : ".", nullptr);
  if (!resolved) return false;
  const std::string folder = resolved;
  std::free(resolved);
  return inside_walked_top(folder);
}

// Whether a walked top holds `real` (a path with no links in it): it is one,
// or one is a folder above it with no hidden folder between, which the
// top's walk would not enter. A lookup per folder above, not a scan of the
// tops: an evidence folder may be thousands of links.
bool InputWalk::inside_walked_top(std::string_view real) const {
  if (walked_tops_.count(real) != 0) return true;
  for (std::size_t slash = real.rfind('/'); slash != std::string_view::npos;
       slash = slash == 0 ? std::string_view::npos : real.rfind('/', slash - 1)) {
    if (slash + 1 < real.size() && real[slash + 1] == '.') return false;
    if (walked_tops_.count(slash == 0 ? std::string_view("/") : real.substr(0, slash)) != 0) return true;
  }
  return false;
}

// Lists the next window of a directory: the `listing_window_` smallest names
// after the last window's. A directory is most often listed whole at once;
// one of millions of files (a flattened evidence folder) is read again per
// window, so what the walk holds stays bounded (a sorted list of a million
// names was ~260 MB). The first listing also counts what is ignored and
// names what cannot be read: a directory that cannot be read is named and
// the walk goes on with the rest; so is a log's name on something that is
// not a file (a named pipe would block the scan, a broken link has nothing
// to read).
void InputWalk::list_window(Frame& frame, bool first) {
  std::string after;
  if (!first && frame.names.size() != 0) after = frame.names[frame.names.size() - 1];
  frame.names.clear();
  frame.at = 0;
  frame.more = false;
  std::string cutoff;  // once the window is full (`more`): names at or past it wait for a later window
  std::string order;
  std::vector<Diagnostic> problems;
  std::error_code ec;
  // readdir, not std::filesystem's iterator: a window of a huge directory
  // reads all of it again, and the iterator built a path or two per name.
  DIR* listing = ::opendir(frame.dir.c_str());
  if (!listing) ec.assign(errno, std::generic_category());
  while (listing) {
    errno = 0;
    const dirent* entry = ::readdir(listing);
    if (!entry) {
      if (errno != 0) ec.assign(errno, std::generic_category());
      break;
    }
    const std::string_view name = entry->d_name;
    // The type the listing gave; stat (following links) only for links and
    // file systems that do not say, so most names cost no system call.
    EntryType type = entry_type(entry->d_type);
    if (type == EntryType::kAsk) type = stat_type(::dirfd(listing), entry->d_name);
    if (type == EntryType::kFile) {
      const FileIdentity id{frame.device, static_cast<std::uint64_t>(entry->d_ino)};
      if (skipped(id)) {
        if (first) ++result_.ignored_files;
        continue;
      }
      if (!named_files_.empty() && looks_like_log_name(name) && named_before(id)) {
        if (first) ++result_.repeated_paths;
        continue;
      }
    }
    if (type == EntryType::kDirectory) {
      if (name.empty() || name[0] == '.') continue;
      order.assign(name).push_back('/');
    } else if (!looks_like_log_name(name)) {
      if (first) ++result_.ignored_files;
      continue;
    } else if (type == EntryType::kFile) {
      order.assign(name);
    } else {
      if (first) {
        const std::string path = child_path(frame.dir, name);
        std::error_code status_ec;
        const fs::file_status status = fs::status(path, status_ec);  // of what a link points to
        problems.push_back(file_problem(path, fmt::format("not read: {}", not_a_file(status, status_ec))));
        // Only the first are listed (WalkResult::add_problem); a folder of
        // a million pipes must not be held whole.
        if (problems.size() >= 2 * WalkResult::kMaxErrorsListed) {
          keep_first_problems(problems, WalkResult::kMaxErrorsListed);
        }
      }
      continue;
    }
    if (!first && std::string_view(order) <= std::string_view(after)) continue;
    if (frame.more && order >= cutoff) continue;
    frame.names.add(order, type == EntryType::kDirectory && is_link(::dirfd(listing), *entry));
    names_held_peak_ = std::max(names_held_peak_, frame.names.size());
    if (frame.names.size() >= 2 * listing_window_) {
      cutoff.assign(frame.names.keep_smallest(listing_window_));
      frame.more = true;
    }
  }
  if (listing) ::closedir(listing);
  if (ec) problems.push_back(file_problem(frame.dir, fmt::format("cannot read directory: {}", ec.message())));
  if (frame.names.size() > listing_window_) {
    frame.names.keep_smallest(listing_window_);
    frame.more = true;
  }
  // The file system lists a directory in its own order; sorted, files and
  // messages come in the paths' order every run.
  keep_first_problems(problems, problems.size());
  for (auto& d : problems) result_.add_problem(std::move(d));
  frame.names.sort();
}

// Sorts `problems` by path and keeps the first `keep`, counting the rest as
// problems not listed.
void InputWalk::keep_first_problems(std::vector<Diagnostic>& problems, std::size_t keep) {
  std::sort(problems.begin(), problems.end(),
            [](const Diagnostic& a, const Diagnostic& b) { return a.pos.file < b.pos.file; });
  if (problems.size() <= keep) return;
  result_.unlisted_errors += problems.size() - keep;
  problems.resize(keep);
}

// A walked PATH where nothing was found to read says what was there.
void InputWalk::finish_path() {
  const std::string& path = paths_[path_index_ - 1];
  const std::uint64_t found = files_ + result_.digest_files + result_.insight_files + result_.filtered_files;
  if (found != found_before_) return;
  const std::uint64_t others = result_.other_service_files - others_before_;
  if (others) {
    // Pointed at another service's logs (or a bucket without a trail).
    result_.add_problem(file_problem(
        path, fmt::format("directory holds no CloudTrail logs ({} {} of other AWS services' logs skipped: {})",
                          others, others == 1 ? "file" : "files", fmt::join(services_here_, ", "))));
  } else if (result_.ignored_files == ignored_before_) {
    result_.add_problem(
        file_problem(path, "directory holds no log files (.json, .json.gz, .jsonl, .gz, Firehose deliveries)"));
  } else {
    result_.add_problem(file_problem(path, fmt::format("directory holds no log files ({} other files ignored)",
                                                       result_.ignored_files - ignored_before_)));
  }
}

bool InputWalk::next(InputFile& file) {
  for (;;) {
    if (stack_.empty()) {
      if (in_directory_) {
        in_directory_ = false;
        finish_path();
      }
      if (path_index_ >= paths_.size()) {
        result_.other_services.assign(other_services_.begin(), other_services_.end());
        return false;
      }
      const std::string& path = paths_[path_index_++];
      if (path == "-") {
        if (std::exchange(stdin_named_, true)) {  // a second read of it finds it empty
          ++result_.repeated_paths;
          continue;
        }
        file.path = "-";
        ++files_;
        return true;
      }
      std::error_code ec;
      const auto status = fs::status(path, ec);
      if (ec || !fs::exists(status)) {
        result_.add_problem(file_problem(path, "no such file or directory"));
        continue;
      }
      if (!fs::is_directory(status)) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0) {
          const FileIdentity id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
          if (skipped(id)) {
            ++result_.ignored_files;
            continue;
          }
          if (named_before(id) || walked_already(path)) {
            ++result_.repeated_paths;
            continue;
          }
          named_files_.push_back(id);
        }
        if (consider(std::string(path), false, file)) return true;
        continue;
      }
      found_before_ = files_ + result_.digest_files + result_.insight_files + result_.filtered_files;
      ignored_before_ = result_.ignored_files;
      others_before_ = result_.other_service_files;
      services_here_.clear();
      // The tops walked stay for the next PATHs: one inside another is read once.
      in_directory_ = open_directory(path, {}, /*through_link=*/true);
      continue;
    }
    Frame& frame = stack_.back();
    if (frame.at == frame.names.size()) {
      if (frame.more) {
        list_window(frame, /*first=*/false);
      } else {
        stack_.pop_back();
      }
      continue;
    }
    const std::size_t at = frame.at++;
    const std::string_view order = frame.names[at];
    const bool directory = order.back() == '/';
    const std::string_view name = directory ? order.substr(0, order.size() - 1) : order;
    std::string path = child_path(frame.dir, name);
    if (directory) {
      const bool link = frame.names.link(at);
      std::string real = link ? std::string() : child_path(frame.real, name);
      open_directory(std::move(path), std::move(real), link);  // may grow the stack: `frame` is not used after
      continue;
    }
    if (consider(std::move(path), true, file)) return true;
  }
}

WalkResult walk_inputs(const std::vector<std::string>& paths, const InputFilter& filter) {
  InputWalk walk(paths, filter);
  std::vector<InputFile> files;
  InputFile file;
  while (walk.next(file)) files.push_back(std::move(file));
  WalkResult result = std::move(walk.result());
  result.files = std::move(files);
  return result;
}

FileFeed::FileFeed(const std::vector<InputFile>& files) : files_(&files) {}
FileFeed::FileFeed(InputWalk& walk) : walk_(&walk) {}

void FileFeed::stop_read_ahead() {
  if (!read_ahead_thread_.joinable()) return;
  std::unique_lock lock(shared_->mutex);
  shared_->stopping = true;
  shared_->changed.notify_all();
  const bool done = shared_->changed.wait_for(lock, std::chrono::seconds(1), [&] { return shared_->thread_done; });
  lock.unlock();
  if (done) {
    read_ahead_thread_.join();
  } else {
    read_ahead_thread_.detach();
  }
}

WalkResult& FileFeed::walk_result() {
  stop_read_ahead();
  return walk_->result();
}

void FileFeed::read_ahead(std::size_t files, ReadAheadHint hint) {
  if (files == 0 || read_ahead_thread_.joinable()) return;
  if (!hint) hint = [](const std::string& path) { return advise_will_read(path); };
  std::lock_guard lock(shared_->mutex);
  if (shared_->stopping) return;
  try {
    read_ahead_thread_ = std::thread([this, shared = shared_, hint = std::move(hint)] { read_ahead_loop(shared, hint); });
  } catch (const std::system_error&) {
    return;  // refused by the system (pids.max): the workers read without it
  }
  window_ = files;
  refill_ = std::max<std::size_t>(1, files / 2);
  hinted_ = next_.load(std::memory_order_relaxed);
}

bool FileFeed::path_to_hint(std::string& path) {
  const std::size_t next = next_.load(std::memory_order_relaxed);
  if (files_) {
    if (hinted_ >= files_->size()) return false;
    path = (*files_)[hinted_].path;
    return true;
  }
  const std::size_t offset = hinted_ - next;  // hinted_ >= next_: next() keeps it so
  if (offset < pulled_.size()) {
    path = pulled_[offset].path;
    return true;
  }
  InputFile file;
  if (walk_done_ || !walk_->next(file)) {
    walk_done_ = true;
    return false;
  }
  path = file.path;
  pulled_.push_back(std::move(file));
  return true;
}

// Only `shared` and `hint` are touched once `stopping` is seen: the thread
// may outlive the feed (see stop_read_ahead). It sleeps until half the window
// is free and then fills it, so that the workers wake it once every
// window / 2 files, not at each (for files of a few records, waking it at
// each file cost more than the hints); it takes the lock once a file, not
// once a refill, as the workers wait for it while it walks. While the files
// are found in the page cache already it only samples them (see
// kCachedStreak): each hint is a stat, an open and a close, ~4 us here.
void FileFeed::read_ahead_loop(const std::shared_ptr<Shared>& shared, const ReadAheadHint& hint) {
  std::string path;
  bool filling = false;
  std::size_t cached_in_a_row = 0, since_probe = 0;
  for (;;) {
    {
      std::unique_lock lock(shared->mutex);
      if (!filling) {
        read_ahead_waiting_ = true;
        shared->changed.wait(lock, [&] { return shared->stopping || read_ahead_has_room(); });
        read_ahead_waiting_ = false;
      }
      if (shared->stopping) break;
      filling = hinted_ < next_.load(std::memory_order_relaxed) + window_;
      if (!filling) continue;
      if (!path_to_hint(path)) break;
      ++hinted_;
    }
    if (path == "-") continue;
    if (cached_in_a_row >= kCachedStreak && ++since_probe < kCachedProbeEvery) continue;
    since_probe = 0;
    switch (hint(path)) {
      case ReadAdvice::kCached:
        ++cached_in_a_row;
        break;
      case ReadAdvice::kAsked:
        cached_in_a_row = 0;
        break;
      case ReadAdvice::kNone:
        break;
    }
  }
  std::lock_guard lock(shared->mutex);
  shared->thread_done = true;
  shared->changed.notify_all();
}

bool FileFeed::next(InputFile& file, std::size_t& index) {
  {
    std::lock_guard lock(shared_->mutex);
    index = next_.load(std::memory_order_relaxed);
    if (files_) {
      if (index >= files_->size()) return false;
      file = (*files_)[index];
    } else if (!pulled_.empty()) {
      file = std::move(pulled_.front());
      pulled_.pop_front();
    } else if (walk_done_ || !walk_->next(file)) {
      walk_done_ = true;
      return false;
    }
    next_.store(index + 1, std::memory_order_relaxed);
    // The read-ahead fell behind the workers: it goes on from here.
    hinted_ = std::max(hinted_, index + 1);
    if (!read_ahead_waiting_ || !read_ahead_has_room()) return true;
  }
  shared_->changed.notify_all();
  return true;
}

}  // namespace trailsweep
