#include "trailsweep/decoder.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "trailsweep/gzip_member.hpp"

#if defined(TRAILSWEEP_HAVE_ISAL)
#include <isa-l/igzip_lib.h>
#endif

namespace trailsweep {
using namespace std::string_view_literals;
namespace {
constexpr std::size_t kInputBufferSize = 256 * 1024;
// Consumed bytes kept in front of the unread ones when the buffer is
// refilled. At a member's end ISA-L hands back the whole bytes left in its
// 64-bit bit buffer by moving its input pointer back, up to eight bytes and
// possibly into what an earlier call consumed; and a checksum error's
// trailer is read from the eight bytes before the position it stopped at.
constexpr std::size_t kKeepBehind = 8;

#if defined(TRAILSWEEP_HAVE_ISAL)
constexpr std::array kEngines = {Decoder::Engine::kIsal, Decoder::Engine::kZlib};
#else
constexpr std::array kEngines = {Decoder::Engine::kZlib};
#endif
}  // namespace

struct Decoder::ZState {
  z_stream strm{};
  bool initialised = false;
  ~ZState() {
    if (initialised) inflateEnd(&strm);
  }
};

#if defined(TRAILSWEEP_HAVE_ISAL)
struct Decoder::IsalState {
  inflate_state st;  // 85 KB with its window: made once per file that needs it
};
#else
struct Decoder::IsalState {};
#endif

std::span<const Decoder::Engine> Decoder::engines() { return kEngines; }

Decoder::Decoder(ByteSource& in, std::uint64_t max_output_bytes, Engine engine)
    : in_(in),
      max_output_(max_output_bytes),
      in_buf_(new char[kInputBufferSize]),
      engine_(engine),
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
  if (in_pos_ > kKeepBehind) {
    const std::size_t from = in_pos_ - kKeepBehind;
    std::memmove(in_buf_.get(), in_buf_.get() + from, in_len_ - from);
    in_len_ -= from;
    in_pos_ = kKeepBehind;
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

namespace {

// What a stream is when its first bytes say it is neither gzip nor JSON
// (which starts with '{', '[', white space or a UTF-8 byte-order mark), and
// what to do about it; empty otherwise. Said once for the file, instead of a
// parse error for every line of binary the reader would skip to.
std::string foreign_format(std::string_view head) {
  auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  auto compressed = [](std::string_view name, std::string_view tool) {
    return fmt::format("{}-compressed, not gzip: decompress it first ({} -dc FILE | trailsweep scan -); not read",
                       name, tool);
  };
  if (starts("\x28\xb5\x2f\xfd")) return compressed("zstd", "zstd");
  if (starts("\xfd" "7zXZ" "\x00"sv)) return compressed("xz", "xz");
  if (starts("\x04\x22\x4d\x18")) return compressed("lz4", "lz4");
  if (head.size() >= 4 && starts("BZh") && head[3] >= '1' && head[3] <= '9') return compressed("bzip2", "bzip2");
  if (starts("PK\x03\x04")) return "a zip archive: unzip it and scan what it holds; not read";
  if (starts("PAR1")) return "a Parquet file, not JSON: export the records as JSON lines first; not read";
  if (starts("\xff\xfe") || starts("\xfe\xff")) {
    // What Windows PowerShell's `>` writes.
    return "UTF-16 text, not UTF-8 JSON: convert it first (iconv -f UTF-16 -t UTF-8 FILE | trailsweep scan -); "
           "not read";
  }
  return {};
}

}  // namespace

bool Decoder::sniff() {
  sniffed_ = true;
  constexpr std::size_t kHead = 6;  // the longest magic foreign_format knows (xz's)
  while (in_len_ - in_pos_ < kHead && fill_input()) {
  }
  if (failed()) return false;
  gzip_ = in_len_ - in_pos_ >= 2 && static_cast<unsigned char>(in_buf_[in_pos_]) == 0x1f &&
          static_cast<unsigned char>(in_buf_[in_pos_ + 1]) == 0x8b;
  if (!gzip_) {
    std::string what =
        foreign_format(std::string_view(in_buf_.get() + in_pos_, std::min(kHead, in_len_ - in_pos_)));
    if (!what.empty()) {
      fail(std::move(what), 0);
      return false;
    }
  }
  return true;  // a gzip stream's first member starts in inflate_some, as the others do
}

#if defined(TRAILSWEEP_HAVE_ISAL)
namespace {

enum class Header { kComplete, kIncomplete, kForZlib };

// Whether the gzip header at p[0, n) is all there. ISA-L 2.30 reads
// uninitialised state when an optional field (FEXTRA, FNAME, FCOMMENT)
// spans two of its calls (valgrind; fuzz_gzip_member saw the decoded bytes
// change from run to run), so it only gets members whose header it can read
// in one; flags it judges unlike zlib go to zlib (isal_reads_flags_like_zlib).
Header gzip_header(const unsigned char* p, std::size_t n) {
  constexpr unsigned char kFextra = 0x04, kFname = 0x08, kFcomment = 0x10;
  if (n < 10) return Header::kIncomplete;
  const unsigned char flags = p[3];
  if (!isal_reads_flags_like_zlib(flags)) return Header::kForZlib;
  std::size_t at = 10;
  if (flags & kFextra) {
    if (n < at + 2) return Header::kIncomplete;
    at += 2 + (p[at] | (static_cast<std::size_t>(p[at + 1]) << 8));
  }
  for (unsigned char field : {kFname, kFcomment}) {
    if (!(flags & field)) continue;
    if (at >= n) return Header::kIncomplete;
    const void* nul = std::memchr(p + at, 0, n - at);
    if (!nul) return Header::kIncomplete;
    at = static_cast<std::size_t>(static_cast<const unsigned char*>(nul) - p) + 1;
  }
  return at <= n ? Header::kComplete : Header::kIncomplete;
}

}  // namespace
#endif

bool Decoder::start_member() {
  while (in_len_ - in_pos_ < 4 && fill_input()) {
  }
  if (failed()) return false;
  member_open_ = true;
  member_isal_ = false;
#if defined(TRAILSWEEP_HAVE_ISAL)
  if (engine_ == Engine::kIsal) {
    auto header = [&] {
      return gzip_header(reinterpret_cast<const unsigned char*>(in_buf_.get() + in_pos_), in_len_ - in_pos_);
    };
    Header h = header();
    // Read on while the buffer has room; a header longer than that, or cut
    // short by the end of the input, is zlib's to read and report.
    while (h == Header::kIncomplete && in_len_ - in_pos_ + kKeepBehind < kInputBufferSize && fill_input()) {
      h = header();
    }
    if (failed()) return false;
    if (h == Header::kComplete) {
      if (!isal_) isal_ = std::make_unique<IsalState>();
      isal_inflate_init(&isal_->st);
      isal_->st.crc_flag = ISAL_GZIP;  // parse the header, verify CRC-32 and length
      member_isal_ = true;
      return true;
    }
  }
#endif
  if (z_->initialised) {
    inflateReset(&z_->strm);
  } else {
    // 16 + MAX_WBITS: expect a gzip header and check the CRC32/ISIZE trailer.
    if (inflateInit2(&z_->strm, 16 + MAX_WBITS) != Z_OK) {
      fail("cannot initialise zlib", 0);
      return false;
    }
    z_->initialised = true;
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
  std::size_t produced = 0;
  while (produced == 0 && !done_) {
    if (!member_open_) {
      // Before a member: the first, more gzip (cat a.gz b.gz), trailing zero padding, or the end.
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
        fail("data after the end of the gzip stream is not gzip", consumed_offset());
        break;
      }
      if (!start_member()) break;
    }
    if (in_pos_ == in_len_ && !fill_input()) {
      if (!failed()) fail("gzip stream truncated (input ends inside a member)", in_total_);
      break;
    }
    const std::size_t step = std::min<std::size_t>(cap, UINT32_MAX);
    produced = member_isal_ ? inflate_isal(out, step) : inflate_zlib(out, step);
  }
  return produced;
}

std::size_t Decoder::inflate_zlib(char* out, std::size_t cap) {
  z_stream& strm = z_->strm;
  strm.next_in = reinterpret_cast<Bytef*>(in_buf_.get() + in_pos_);
  strm.avail_in = static_cast<uInt>(in_len_ - in_pos_);
  strm.next_out = reinterpret_cast<Bytef*>(out);
  strm.avail_out = static_cast<uInt>(cap);
  const int rc = inflate(&strm, Z_NO_FLUSH);
  in_pos_ = in_len_ - strm.avail_in;
  if (rc == Z_STREAM_END) {
    member_open_ = false;
  } else if (rc == Z_BUF_ERROR && strm.avail_in == 0) {
    // Needs input: the caller's loop reads more or reports the truncation.
  } else if (rc != Z_OK) {
    fail(fmt::format("corrupt gzip data: {}", strm.msg ? strm.msg : "inflate error"), consumed_offset());
  }
  return cap - strm.avail_out;
}

#if defined(TRAILSWEEP_HAVE_ISAL)
namespace {

// zlib's wording where it has one for the same fault. A checksum error:
// ISA-L reports a wrong CRC-32 and a wrong length alike, after the whole
// trailer; zlib checks the CRC first and stops after its four bytes, so the
// trailer (CRC-32 then length, little-endian) tells which, and where.
struct IsalFault {
  std::string text;
  std::uint64_t bytes_before_end = 0;  ///< how far before the end of what was consumed it lies
};

IsalFault isal_fault(int rc, const unsigned char* trailer, std::uint32_t crc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK:
      return {"invalid deflate block"};
    case ISAL_INVALID_SYMBOL:
      return {"invalid literal/length or distance code"};
    case ISAL_INVALID_LOOKBACK:
      return {"invalid distance too far back"};
    case ISAL_INVALID_WRAPPER:
      return {"invalid gzip header"};
    case ISAL_UNSUPPORTED_METHOD:
      return {"unknown compression method"};
    case ISAL_INCORRECT_CHECKSUM: {
      if (!trailer) return {"incorrect data check"};
      if (gzip_trailer_field(trailer) != crc) return {"incorrect data check", 4};
      return {"incorrect length check"};
    }
    default:
      return {fmt::format("inflate error {}", rc)};
  }
}

}  // namespace

std::size_t Decoder::inflate_isal(char* out, std::size_t cap) {
  inflate_state& st = isal_->st;
  const std::size_t before = in_pos_;
  st.next_in = reinterpret_cast<std::uint8_t*>(in_buf_.get() + in_pos_);
  st.avail_in = static_cast<std::uint32_t>(in_len_ - in_pos_);
  st.next_out = reinterpret_cast<std::uint8_t*>(out);
  st.avail_out = static_cast<std::uint32_t>(cap);
  const int rc = isal_inflate(&st);
  const std::size_t produced = cap - st.avail_out;
  if (st.avail_in > in_len_) {  // handed back more than kKeepBehind holds: cannot happen with a 64-bit bit buffer
    fail("corrupt gzip data: inflate lost its input position", consumed_offset());
    return produced;
  }
  in_pos_ = in_len_ - st.avail_in;
  // The streaming call reports running out of input or output as success;
  // the stateless codes are taken as such too.
  if (rc != ISAL_DECOMP_OK && rc != ISAL_END_INPUT && rc != ISAL_OUT_OVERFLOW) {
    const unsigned char* trailer =
        in_pos_ >= 8 ? reinterpret_cast<const unsigned char*>(in_buf_.get() + in_pos_ - 8) : nullptr;
    const IsalFault fault = isal_fault(rc, trailer, st.crc);
    fail(fmt::format("corrupt gzip data: {}", fault.text), consumed_offset() - fault.bytes_before_end);
  } else if (st.block_state == ISAL_BLOCK_FINISH) {
    member_open_ = false;
  } else if (produced == 0 && in_pos_ == before) {
    // isal_inflate returns when its input is used up or its output full;
    // neither, and no progress, would loop here for ever.
    fail("corrupt gzip data: inflate made no progress", consumed_offset());
  }
  return produced;
}
#else
std::size_t Decoder::inflate_isal(char*, std::size_t) { return 0; }  // never chosen without ISA-L
#endif

}  // namespace trailsweep
