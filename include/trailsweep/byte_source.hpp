#pragma once
// ByteSource: where raw (possibly compressed) bytes come from. The first stage of
// the pipeline Source -> Decoder -> RecordReader -> RecordParser -> ... .
// FileSource reads a file or stdin through a file descriptor; MemorySource lets
// tests feed bytes without touching the disk. Not thread-safe; one per file.
#include <cstdint>
#include <string>
#include <string_view>

namespace trailsweep {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Reads up to `cap` bytes into `buf`. Returns the count, 0 at the end, -1 on
  /// an I/O error (then error() says why).
  virtual std::int64_t read(char* buf, std::size_t cap) = 0;
  virtual const std::string& error() const { return error_; }

 protected:
  std::string error_;
};

class FileSource final : public ByteSource {
 public:
  /// Opens `path`; "-" means standard input. Check ok() before reading.
  explicit FileSource(const std::string& path);
  FileSource(const FileSource&) = delete;  // owns a file descriptor
  FileSource& operator=(const FileSource&) = delete;
  ~FileSource() override;
  bool ok() const { return fd_ >= 0; }
  std::int64_t read(char* buf, std::size_t cap) override;

 private:
  int fd_ = -1;
  bool owns_fd_ = false;
};

/// How much of one file advise_will_read() asks for: CloudTrail's files are
/// well under it; of a bigger one the start is enough, as the worker's own
/// sequential reads keep the kernel reading ahead from there.
inline constexpr std::uint64_t kAdviseBytesPerFile = std::uint64_t{4} << 20;

/// What advise_will_read() found.
enum class ReadAdvice {
  kNone,    ///< "-", missing, or not a regular file: left to the worker, which reports it
  kCached,  ///< the end of the range asked for is in the page cache already: nothing asked
  kAsked,   ///< the kernel was asked to read it
};

/// Asks the kernel to start reading `path` (at most `max_bytes` of it) into
/// the page cache and returns at once, so that a worker opening the file
/// later finds it there instead of waiting for the disk. Only a regular file
/// is opened: opening a FIFO for this would take its writer's data, or block.
/// A file whose last byte of the range is cached already is taken for cached
/// (read without waiting, RWF_NOWAIT) and not asked for.
ReadAdvice advise_will_read(const std::string& path, std::uint64_t max_bytes = kAdviseBytesPerFile);

class MemorySource final : public ByteSource {
 public:
  /// `data` must outlive the source. `chunk` limits each read, so tests can
  /// exercise records and gzip members that straddle read boundaries.
  explicit MemorySource(std::string_view data, std::size_t chunk = SIZE_MAX)
      : data_(data), chunk_(chunk) {}
  std::int64_t read(char* buf, std::size_t cap) override;

 private:
  std::string_view data_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

}  // namespace trailsweep
