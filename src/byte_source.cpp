#include "trailsweep/byte_source.hpp"

#include <fcntl.h>
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

std::int64_t MemorySource::read(char* buf, std::size_t cap) {
  std::size_t n = std::min({cap, chunk_, data_.size() - pos_});
  std::memcpy(buf, data_.data() + pos_, n);
  pos_ += n;
  return static_cast<std::int64_t>(n);
}

}  // namespace trailsweep
