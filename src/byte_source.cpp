#include "trailsweep/byte_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace trailsweep {

FileSource::FileSource(const std::string& path) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    return;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = std::strerror(errno);
  } else {
    owns_fd_ = true;
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  }
}

FileSource::~FileSource() {
  if (owns_fd_) ::close(fd_);
}

std::int64_t FileSource::read(char* buf, std::size_t cap) {
  for (;;) {
    ssize_t n = ::read(fd_, buf, cap);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    error_ = std::strerror(errno);
    return -1;
  }
}

ReadAdvice advise_will_read(const std::string& path, std::uint64_t max_bytes) {
  if (path == "-" || max_bytes == 0) return ReadAdvice::kNone;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return ReadAdvice::kNone;
  // O_NONBLOCK: should the path have become a FIFO since the stat, opening it
  // does not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return ReadAdvice::kNone;
  const std::uint64_t range = std::min(static_cast<std::uint64_t>(st.st_size), max_bytes);
  ReadAdvice advice = ReadAdvice::kAsked;
#ifdef RWF_NOWAIT
  // One byte, only if no disk read is needed for it (EAGAIN otherwise;
  // EOPNOTSUPP where the file system cannot tell: then it is asked for).
  char last = 0;
  struct iovec byte = {&last, 1};
  if (::preadv2(fd, &byte, 1, static_cast<off_t>(range - 1), RWF_NOWAIT) == 1) advice = ReadAdvice::kCached;
#endif
  if (advice == ReadAdvice::kAsked) {
#ifdef POSIX_FADV_WILLNEED
    ::posix_fadvise(fd, 0, static_cast<off_t>(range), POSIX_FADV_WILLNEED);
#endif
  }
  ::close(fd);
  return advice;
}

std::int64_t MemorySource::read(char* buf, std::size_t cap) {
  std::size_t n = std::min({cap, chunk_, data_.size() - pos_});
  std::memcpy(buf, data_.data() + pos_, n);
  pos_ += n;
  return static_cast<std::int64_t>(n);
}

}  // namespace trailsweep
