#include "trailsweep/decoder.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace trailsweep {
namespace {
constexpr std::size_t kInputBufferSize = 256 * 1024;
}

struct Decoder::ZState {
  z_stream strm{};
  bool initialised = false;
  ~ZState() {
    if (initialised) inflateEnd(&strm);
  }
};

Decoder::Decoder(ByteSource& in, std::uint64_t max_output_bytes)
    : in_(in),
      max_output_(max_output_bytes),
      in_buf_(new char[kInputBufferSize]),
      z_(std::make_unique<ZState>()) {}

Decoder::~Decoder() = default;

void Decoder::fail(std::string message, std::uint64_t offset) {
  if (error_.empty()) {
    error_ = std::move(message);
    error_offset_ = offset;
  }
  done_ = true;
}

// Moves unread input to the front and reads more. False when nothing more came.
bool Decoder::fill_input() {
  if (source_done_) return false;
  if (in_pos_ > 0) {
    std::memmove(in_buf_.get(), in_buf_.get() + in_pos_, in_len_ - in_pos_);
    in_len_ -= in_pos_;
    in_pos_ = 0;
  }
  std::int64_t n = in_.read(in_buf_.get() + in_len_, kInputBufferSize - in_len_);
  if (n < 0) {
    fail(fmt::format("read error: {}", in_.error()), in_total_);
    source_done_ = true;
    return false;
  }
  if (n == 0) {
    source_done_ = true;
    return false;
  }
  in_len_ += static_cast<std::size_t>(n);
  in_total_ += static_cast<std::uint64_t>(n);
  return true;
}

bool Decoder::sniff() {
  sniffed_ = true;
  while (in_len_ - in_pos_ < 2 && fill_input()) {
  }
  if (failed()) return false;
  gzip_ = in_len_ - in_pos_ >= 2 && static_cast<unsigned char>(in_buf_[in_pos_]) == 0x1f &&
          static_cast<unsigned char>(in_buf_[in_pos_ + 1]) == 0x8b;
  if (gzip_) {
    // 16 + MAX_WBITS: expect a gzip header and check the CRC32/ISIZE trailer.
    if (inflateInit2(&z_->strm, 16 + MAX_WBITS) != Z_OK) {
      fail("cannot initialise zlib", 0);
      return false;
    }
    z_->initialised = true;
    member_open_ = true;
  }
  return true;
}

std::size_t Decoder::read(char* out, std::size_t cap) {
  if (!sniffed_ && !sniff()) return 0;
  if (done_ || cap == 0) return 0;
  std::uint64_t room = max_output_ - std::min(max_output_, out_total_);
  std::size_t want = room >= cap ? cap : static_cast<std::size_t>(room + 1);
  std::size_t produced = 0;
  if (!gzip_) {
    if (in_pos_ < in_len_) {
      produced = std::min(want, in_len_ - in_pos_);
      std::memcpy(out, in_buf_.get() + in_pos_, produced);
      in_pos_ += produced;
    } else if (!source_done_) {
      std::int64_t n = in_.read(out, want);
      if (n < 0) {
        fail(fmt::format("read error: {}", in_.error()), in_total_);
        return 0;
      }
      if (n == 0) source_done_ = true;
      produced = static_cast<std::size_t>(n);
      in_total_ += produced;
    }
    if (produced == 0) done_ = true;
  } else {
    produced = inflate_some(out, want);
  }
  if (produced > room) {
    produced = static_cast<std::size_t>(room);
    hit_cap_ = true;
    fail(fmt::format("decompressed size exceeds the cap of {} bytes (--max-decompressed-size); "
                     "rest of file skipped",
                     max_output_),
         in_total_ - (in_len_ - in_pos_));
  }
  out_total_ += produced;
  return produced;
}

std::size_t Decoder::inflate_some(char* out, std::size_t cap) {
  z_stream& strm = z_->strm;
  std::size_t produced = 0;
  while (produced == 0 && !done_) {
    if (!member_open_) {
      // Between members: more gzip (cat a.gz b.gz), trailing zero padding, or the end.
      while (in_len_ - in_pos_ < 2 && fill_input()) {
      }
      if (failed()) break;
      while (in_pos_ < in_len_ && in_buf_[in_pos_] == '\0') {
        ++in_pos_;
        if (in_pos_ == in_len_) fill_input();
      }
      if (in_pos_ == in_len_) {
        done_ = true;
        break;
      }
      if (in_len_ - in_pos_ < 2 || static_cast<unsigned char>(in_buf_[in_pos_]) != 0x1f ||
          static_cast<unsigned char>(in_buf_[in_pos_ + 1]) != 0x8b) {
        fail("data after the end of the gzip stream is not gzip", in_total_ - (in_len_ - in_pos_));
        break;
      }
      inflateReset(&strm);
      member_open_ = true;
    }
    if (in_pos_ == in_len_ && !fill_input()) {
      if (!failed()) fail("gzip stream truncated (input ends inside a member)", in_total_);
      break;
    }
    strm.next_in = reinterpret_cast<Bytef*>(in_buf_.get() + in_pos_);
    strm.avail_in = static_cast<uInt>(in_len_ - in_pos_);
    strm.next_out = reinterpret_cast<Bytef*>(out + produced);
    strm.avail_out = static_cast<uInt>(std::min<std::size_t>(cap - produced, UINT32_MAX));
    int rc = inflate(&strm, Z_NO_FLUSH);
    in_pos_ = in_len_ - strm.avail_in;
    produced = cap - strm.avail_out;
    if (rc == Z_STREAM_END) {
      member_open_ = false;
    } else if (rc == Z_BUF_ERROR) {
      if (strm.avail_in == 0) continue;  // needs input; loop fills or reports truncation
      break;
    } else if (rc != Z_OK) {
      fail(fmt::format("corrupt gzip data: {}", strm.msg ? strm.msg : "inflate error"),
           in_total_ - (in_len_ - in_pos_));
      break;
    }
  }
  return produced;
}

}  // namespace trailsweep
