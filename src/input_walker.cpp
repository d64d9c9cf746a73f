#include "trailsweep/input_walker.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include <sys/stat.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "trailsweep/time_util.hpp"

namespace trailsweep {
namespace fs = std::filesystem;

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
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

bool looks_like_log_name(std::string_view name) {
  if (name.empty() || name[0] == '.') return false;
  for (std::string_view ext : {".json", ".jsonl", ".ndjson", ".gz", ".log"}) {
    if (ends_with(name, ext)) return true;
  }
  return false;
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

// Collects the files under the directory `root` that look like logs into
// `found`. Links are followed, to directories too (an evidence folder is
// often links to where each account's logs were synced), and each directory
// is walked once, so a link back up or two links to one place read nothing
// twice. A directory that cannot be read is named and the walk goes on with
// the rest; so is a log's name on something that is not a file (a named pipe
// would block the scan, a broken link has nothing to read).
void walk_directory(const std::string& root, std::vector<std::string>& found, WalkResult& result) {
  std::set<std::pair<std::uint64_t, std::uint64_t>> walked;  // device and inode
  std::vector<fs::path> pending{fs::path(root)};
  while (!pending.empty()) {
    const fs::path dir = std::move(pending.back());
    pending.pop_back();
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0 &&
        !walked.emplace(static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)).second) {
      continue;
    }
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    std::vector<fs::path> subdirectories;
    std::vector<Diagnostic> problems;
    for (; !ec && it != end; it.increment(ec)) {
      const fs::directory_entry& entry = *it;
      const std::string name = entry.path().filename().string();
      std::error_code type_ec;
      const fs::file_status status = entry.status(type_ec);  // of what a link points to
      if (fs::is_directory(status)) {
        if (name.empty() || name[0] != '.') subdirectories.push_back(entry.path());
      } else if (!looks_like_log_name(name)) {
        ++result.ignored_files;
      } else if (fs::is_regular_file(status)) {
        found.push_back(entry.path().string());
      } else {
        problems.push_back(file_problem(entry.path().string(),
                                        fmt::format("not read: {}", not_a_file(status, type_ec))));
      }
    }
    if (ec) problems.push_back(file_problem(dir.string(), fmt::format("cannot read directory: {}", ec.message())));
    // A directory lists its entries in the file system's order: the
    // messages, like the files, in the paths' order.
    std::sort(problems.begin(), problems.end(),
              [](const Diagnostic& a, const Diagnostic& b) { return a.pos.file < b.pos.file; });
    for (auto& d : problems) result.add_problem(std::move(d));
    // Taken in name order (the stack's top is the first): a directory that
    // two paths reach is walked, and its files named, by the same path
    // every run, whatever order the file system lists them in.
    std::sort(subdirectories.rbegin(), subdirectories.rend());
    for (auto& d : subdirectories) pending.push_back(std::move(d));
  }
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
      auto iso = fmt::format("{}-{}-{}T{}:{}:00Z", name.substr(ts, 4), name.substr(ts + 4, 2),
                             name.substr(ts + 6, 2), name.substr(ts + 9, 2),
                             name.substr(ts + 11, 2));
      if (auto ms = parse_rfc3339_ms(iso)) key.delivery_ms = *ms;
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

WalkResult walk_inputs(const std::vector<std::string>& paths, const InputFilter& filter) {
  WalkResult result;
  std::set<std::string> other_services;
  // `walked_from`: the services seen in the directory being walked, or
  // nullptr for a file named on the command line (always read).
  auto consider = [&](std::string&& path, std::set<std::string>* walked_from) {
    const S3Key key = parse_s3_key(path);
    if (key.folder == S3Folder::kOtherService && walked_from) {
      ++result.other_service_files;
      other_services.insert(key.other_service);
      walked_from->insert(key.other_service);
    } else if (key.folder == S3Folder::kDigest) {
      ++result.digest_files;
    } else if (key.folder == S3Folder::kInsight) {
      ++result.insight_files;
    } else if (outside_filter(key, filter)) {
      ++result.filtered_files;
    } else {
      result.files.push_back(InputFile{std::move(path)});
    }
  };
  for (const std::string& path : paths) {
    if (path == "-") {
      result.files.push_back(InputFile{"-"});
      continue;
    }
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      result.add_problem(file_problem(path, "no such file or directory"));
      continue;
    }
    if (!fs::is_directory(status)) {
      consider(std::string(path), nullptr);
      continue;
    }
    std::vector<std::string> found;
    std::uint64_t ignored_before = result.ignored_files;
    walk_directory(path, found, result);
    std::sort(found.begin(), found.end());
    std::size_t before = result.files.size() + result.digest_files + result.insight_files +
                         result.filtered_files;
    const std::uint64_t others_before = result.other_service_files;
    std::set<std::string> services_here;
    // Moved, not copied: the paths are most of what a walk of millions of
    // files holds.
    for (auto& f : found) consider(std::move(f), &services_here);
    found = std::vector<std::string>();
    std::size_t after = result.files.size() + result.digest_files + result.insight_files +
                        result.filtered_files;
    if (before == after && result.other_service_files != others_before) {
      // Pointed at another service's logs (or a bucket without a trail): say
      // what was there rather than "no log files".
      result.add_problem(file_problem(
          path, fmt::format("directory holds no CloudTrail logs ({} {} of other AWS services' logs skipped: {})",
                            result.other_service_files - others_before,
                            result.other_service_files - others_before == 1 ? "file" : "files",
                            fmt::join(services_here, ", "))));
    } else if (before == after && result.ignored_files == ignored_before) {
      result.add_problem(file_problem(path, "directory holds no log files (.json, .json.gz, .jsonl, .gz)"));
    } else if (before == after) {
      result.add_problem(
          file_problem(path, fmt::format("directory holds no log files ({} other files ignored)",
                               result.ignored_files - ignored_before)));
    }
  }
  result.other_services.assign(other_services.begin(), other_services.end());
  return result;
}

}  // namespace trailsweep
