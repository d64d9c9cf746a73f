#pragma once
// InputWalker: turns the PATH arguments of a scan into an ordered list of files.
// Directories are walked recursively and sorted, so every run sees the same
// order. S3 delivery keys (AWSLogs/[o-org/]<account>/CloudTrail/<region>/Y/M/D/
// <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json.gz) are decoded so
// that digest and insight files, other AWS services' logs in the same bucket
// (VPC flow logs, ELB, Config, ...: AWSLogs/<account>/<service>/), and files
// outside --since/--until, --account or --region, are skipped before they are
// opened.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

struct InputFilter {
  std::optional<std::int64_t> since_ms, until_ms;  ///< inclusive bounds on eventTime
  std::vector<std::string> accounts, regions;      ///< empty: all
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
  std::vector<Diagnostic> errors;     ///< missing paths, unreadable directories, empty dirs: the first kMaxErrorsListed
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
  /// Found by walking a directory under AWSLogs/<account>/<service>/ of another
  /// service (a synced bucket often holds VPC flow logs, ELB and Config too).
  std::uint64_t other_service_files = 0;
  std::vector<std::string> other_services;  ///< their folder names, sorted, distinct
};

/// Expands `paths`. Files named explicitly are always read (by content);
/// files found by walking a directory must look like logs (.json, .jsonl,
/// .ndjson, .gz, .log), not be hidden, and not be another service's logs.
WalkResult walk_inputs(const std::vector<std::string>& paths, const InputFilter& filter);

/// True when a file with this S3 key cannot hold records inside the filter.
bool outside_filter(const S3Key& key, const InputFilter& filter);

}  // namespace trailsweep
