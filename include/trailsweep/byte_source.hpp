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
