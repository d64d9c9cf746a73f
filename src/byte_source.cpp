#include "trailsweep/byte_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
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

std::uint64_t advise_will_read(const std::string& path, std::uint64_t max_bytes) {
  if (path == "-" || max_bytes == 0) return 0;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  // O_NONBLOCK: should the path have become a FIFO since the stat, opening it
  // does not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return 0;
  std::uint64_t asked = 0;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    asked = std::min(static_cast<std::uint64_t>(st.st_size), max_bytes);
#ifdef POSIX_FADV_WILLNEED
    if (::posix_fadvise(fd, 0, static_cast<off_t>(asked), POSIX_FADV_WILLNEED) != 0) asked = 0;
#else
    asked = 0;
#endif
  }
  ::close(fd);
  return asked;
}

std::int64_t MemorySource::read(char* buf, std::size_t cap) {
  std::size_t n = std::min({cap, chunk_, data_.size() - pos_});
  std::memcpy(buf, data_.data() + pos_, n);
  pos_ += n;
  return static_cast<std::int64_t>(n);
}

}  // namespace trailsweep
