#include "trailsweep/record_reader.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>

#include "trailsweep/time_util.hpp"

namespace trailsweep {
namespace {

constexpr std::size_t kChunk = 256 * 1024;

// Bytes that can change the splitter's state inside a record. Everything else
// (letters, digits, ':', ',') is skipped by one table lookup.
constexpr std::array<bool, 256> make_table(std::string_view chars) {
  std::array<bool, 256> t{};
  for (char c : chars) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kInRecord = make_table("\"{}[]\n");
constexpr auto kInString = make_table("\"\\\n");

// Index of the next byte in [i, len) that is special in the current state, or
// len. Most bytes of a record are plain, so this is where the time goes: on
// x86-64 (SSE2 is part of the base ISA) it looks at 16 bytes at a time.
template <bool kString>
std::size_t next_special(const char* buf, std::size_t i, std::size_t len) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), newline = _mm_set1_epi8('\n');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i lbrace = _mm_set1_epi8('{'), rbrace = _mm_set1_epi8('}');
  const __m128i lbracket = _mm_set1_epi8('['), rbracket = _mm_set1_epi8(']');
  for (; i + 16 <= len; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + i));
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, newline));
    if constexpr (kString) {
      m = _mm_or_si128(m, _mm_cmpeq_epi8(v, backslash));
    } else {
      m = _mm_or_si128(m, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lbrace), _mm_cmpeq_epi8(v, rbrace)),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, lbracket), _mm_cmpeq_epi8(v, rbracket))));
    }
    if (int mask = _mm_movemask_epi8(m)) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  const auto& table = kString ? kInString : kInRecord;
  while (i < len && !table[static_cast<unsigned char>(buf[i])]) ++i;
  return i;
}

// Whether `text` holds "Records", "Events" or "logEvents" as a string
// anywhere, as a wrapper's key of its records array would be (see
// is_records_key). Found by their capital letters, which JSON text holds few
// of: std::string_view::find would stop at every quote.
bool mentions_records_key(std::string_view text) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  auto mentions = [&](char capital, std::string_view rest, auto&& preceded_well) {
    for (const char* p = begin; p < end;) {
      const void* hit = std::memchr(p, capital, static_cast<std::size_t>(end - p));
      if (!hit) return false;
      const char* c = static_cast<const char*>(hit);
      if (static_cast<std::size_t>(end - c - 1) >= rest.size() && std::memcmp(c + 1, rest.data(), rest.size()) == 0 &&
          preceded_well(c)) {
        return true;
      }
      p = c + 1;
    }
    return false;
  };
  auto after_quote = [&](const char* c) { return c > begin && c[-1] == '"'; };
  auto after_quote_or_log = [&](const char* c) {
    return after_quote(c) || (c - begin >= 4 && std::memcmp(c - 4, "\"log", 4) == 0);
  };
  return mentions('R', "ecords\"", after_quote) || mentions('E', "vents\"", after_quote_or_log);
}

// The keys whose array holds the records: CloudTrail's {"Records":[...]},
// `aws cloudtrail lookup-events` output {"Events":[...]} and a CloudWatch Logs
// subscription's {"logEvents":[...]} (RecordParser reads the record each
// element wraps).
bool is_records_key(std::string_view key) { return key == "Records" || key == "Events" || key == "logEvents"; }

std::string printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("0x{:02x}", u);
}

}  // namespace

RecordReader::RecordReader(Decoder& in, ReaderLimits limits)
    : in_(in), limits_(limits), buf_(new char[kChunk + kRecordPadding]()), cap_(kChunk) {}

void RecordReader::problem(std::int64_t offset, std::int64_t record, std::string message) {
  problems_.push_back({offset, record, std::move(message), false});
}

void RecordReader::check_depth() {
  if (depth_ > limits_.max_depth && record_start_ >= 0 && !record_skipped_) {
    problem(base_ + record_start_, open_record_index_,
            fmt::format("JSON nested deeper than {} levels; record skipped", limits_.max_depth));
    record_skipped_ = true;
  }
}

void RecordReader::reset_structure() {
  depth_ = 0;
  in_string_ = escaped_ = false;
  records_depth_ = -1;
  record_start_ = -1;
  record_skipped_ = false;
  top_is_candidate_ = false;
  key_start_ = -1;
  records_key_pending_ = false;
  scalar_element_ = false;
}

bool RecordReader::refill() {
  if (eof_) return false;
  index_valid_ = false;  // the bytes move
  unconfirmed_close_ = JsonStructure::npos;
  bool keep_record = record_start_ >= 0 && !record_skipped_;
  if (keep_record && len_ - static_cast<std::size_t>(record_start_) > limits_.max_record_bytes) {
    problem(base_ + record_start_, open_record_index_,
            fmt::format("record larger than {} bytes (--max-record-size); skipped",
                        limits_.max_record_bytes));
    record_skipped_ = true;
    keep_record = false;
  }
  std::size_t keep_from = keep_record ? static_cast<std::size_t>(record_start_) : pos_;
  if (key_start_ >= 0) keep_from = std::min(keep_from, static_cast<std::size_t>(key_start_));
  if (keep_from > 0) {
    std::memmove(buf_.get(), buf_.get() + keep_from, len_ - keep_from);
    len_ -= keep_from;
    pos_ -= keep_from;
    base_ += static_cast<std::int64_t>(keep_from);
    if (record_start_ >= 0) record_start_ -= static_cast<std::int64_t>(keep_from);
    if (key_start_ >= 0) key_start_ -= static_cast<std::int64_t>(keep_from);
  }
  if (cap_ - len_ < kChunk / 2) {
    std::size_t new_cap = std::max(cap_ * 2, len_ + kChunk);
    std::unique_ptr<char[]> bigger(new char[new_cap + kRecordPadding]());
    std::memcpy(bigger.get(), buf_.get(), len_);
    buf_ = std::move(bigger);
    cap_ = new_cap;
  }
  std::size_t n = in_.read(buf_.get() + len_, cap_ - len_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  len_ += n;
  if (at_stream_start_ && len_ >= 3) {
    at_stream_start_ = false;
    if (std::memcmp(buf_.get(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;  // UTF-8 BOM
  }
  return true;
}

std::size_t RecordReader::ordinary_record_end(std::size_t open) {
  constexpr std::size_t npos = JsonStructure::npos;
  // The index read the text since the last record it found as the state
  // machine did only if the machine met no quote or backslash since: its
  // error recovery (a line cut inside a string, junk skipped to the end of
  // a line) leaves strings the index still counts as open.
  const char* const gap = buf_.get() + index_clean_to_;
  const char* const here = buf_.get() + open;
  if (!index_valid_ || open < index_clean_to_ ||
      std::any_of(gap, here, [](char c) { return c == '"' || c == '\\'; })) {
    // The text past len_ up to the padding is readable, as the index needs.
    index_.index(std::string_view(buf_.get() + open, len_ - open));
    index_from_ = index_clean_to_ = open;
    index_valid_ = true;
    unconfirmed_close_ = JsonStructure::npos;
  }
  const std::size_t at = open - index_from_;
  const std::size_t close = index_.matching_close(at);
  if (close == npos) return npos;  // runs past the buffer: read on byte by byte
  const char* const buf = buf_.get();
  // A newline ends a record of JSON lines, so the state machine judges
  // one there; in an array of records it is only whitespace (or text), as
  // in the indented output of `aws cloudtrail lookup-events`.
  const bool newlines_allowed = !lines_mode_ && depth_ > 0;
  bool newline_between_tokens = false;
  const bool ordinary =
      buf[index_from_ + close] == '}' &&
      (index_.plain(at, close + 1) ||
       index_.escapes_only_in_strings(at, close + 1, newlines_allowed, &newline_between_tokens)) &&
      static_cast<std::size_t>(depth_) + index_.opens_in(at, close + 1) <= static_cast<std::size_t>(limits_.max_depth) &&
      (depth_ != 0 || !mentions_records_key(std::string_view(buf + open, close + 1 - at)));
  if (!ordinary) {
    // The state machine reads this one. Where it ends the record at the
    // bracket the index found, both read the text alike up to there, and the
    // index stays good for what follows (hand_out confirms it); where it
    // does not (a backslash outside a string, broken JSON, is read
    // differently by the two), the unconfirmed stretch sends the next record
    // to a fresh index. Indexing afresh after every such record cost 8 KB of
    // index a record: 48% of a scan of a CloudWatch Logs subscription, whose
    // records are escaped strings.
    unconfirmed_close_ = index_from_ + close;
    return npos;
  }
  if (newline_between_tokens) top_had_newline_ = true;  // as the state machine notes each one
  index_clean_to_ = index_from_ + close + 1;
  return index_from_ + close;
}

void RecordReader::line_prefix(char c, std::size_t i) {
  if (prefix_len_ == 0) prefix_offset_ = base_ + static_cast<std::int64_t>(i);
  const bool time_byte = (c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' || c == '.' || c == 'Z' || c == '+';
  if (time_byte && prefix_len_ < prefix_.size()) {
    prefix_[prefix_len_++] = c;
    return;
  }
  const std::string_view prefix(prefix_.data(), prefix_len_);
  prefix_len_ = 0;
  if (c == ' ' && parse_rfc3339_ms(prefix)) return;  // the record follows
  problem(prefix_offset_, -1, fmt::format("unexpected {} at top level; skipping to the next line", printable(prefix[0])));
  skipping_garbage_ = c != '\n';
}

bool RecordReader::hand_out(std::size_t open, std::size_t close, RecordView* out) {
  out->json = std::string_view(buf_.get() + open, close + 1 - open);
  out->padded_capacity = cap_ + kRecordPadding - open;
  out->offset = base_ + static_cast<std::int64_t>(open);
  out->index = open_record_index_;
  pos_ = close + 1;
  return true;
}

bool RecordReader::next(RecordView* out) {
  for (;;) {
    if (pos_ >= len_ && !refill()) {
      if (prefix_len_ > 0) line_prefix('\n', len_);  // the stream ended in what began like a time
      if (in_string_ || depth_ > 0) {
        bool record_open = record_start_ >= 0 && !record_skipped_;
        ReaderProblem p;
        p.at_end = true;
        if (record_open) {
          p.offset = base_ + record_start_;
          p.record = open_record_index_;
          p.message = "input ends inside this record (truncated)";
        } else {
          p.offset = base_ + static_cast<std::int64_t>(len_);
          p.message = "input ends before the JSON is complete (truncated)";
        }
        problems_.push_back(std::move(p));
        reset_structure();
      }
      return false;
    }
    char* const buf = buf_.get();
    const std::size_t len = len_;
    std::size_t i = pos_;
    for (; i < len; ++i) {
      const char c = buf[i];
      if (in_string_) {
        if (escaped_) {
          escaped_ = false;
          continue;
        }
        i = next_special<true>(buf, i, len);
        if (i == len) break;
        const char s = buf[i];
        if (s == '\\') {
          escaped_ = true;
        } else if (s == '"') {
          in_string_ = false;
          if (key_start_ >= 0) {
            const auto key_begin = static_cast<std::size_t>(key_start_) + 1;
            records_key_pending_ = is_records_key(std::string_view(buf + key_begin, i - key_begin));
            key_start_ = -1;
          }
        } else if (lines_mode_) {  // raw newline inside a string in a JSON-lines stream
          problem(record_start_ >= 0 ? base_ + record_start_ : base_ + static_cast<std::int64_t>(i),
                  record_start_ >= 0 ? open_record_index_ : -1,
                  "invalid JSON: the line ends inside a string");
          reset_structure();
        }
        continue;
      }
      if (skipping_garbage_) {
        if (c == '\n') skipping_garbage_ = false;
        continue;
      }
      if (prefix_len_ > 0) {
        line_prefix(c, i);
        continue;
      }
      const int shallow = std::max(1, records_depth_);
      if (depth_ > shallow && !kInRecord[static_cast<unsigned char>(c)]) {
        i = next_special<false>(buf, i, len) - 1;  // the loop's ++i lands on it
        continue;
      }
      switch (c) {
        case ' ':
        case '\t':
        case '\r':
        case ':':
          break;
        case '\n':
          if (depth_ > 0) {
            top_had_newline_ = true;
            if (lines_mode_) {
              bool record_open = record_start_ >= 0;
              problem(record_open ? base_ + record_start_ : base_ + static_cast<std::int64_t>(i),
                      record_open ? open_record_index_ : -1,
                      "invalid JSON: the line ends before the value is complete");
              reset_structure();
            }
          }
          break;
        case '"':
          if (depth_ == records_depth_ && !scalar_element_) {
            problem(base_ + static_cast<std::int64_t>(i), record_index_,
                    "record is a string, not a JSON object; skipped");
            scalar_element_ = true;
            ++record_index_;
          }
          if (depth_ == 1 && records_depth_ < 0 && top_is_candidate_) {
            key_start_ = static_cast<std::int64_t>(i);
          }
          records_key_pending_ = false;
          in_string_ = true;
          break;
        case '{':
          if (limits_.structure_index && (depth_ == 0 || (depth_ == records_depth_ && !scalar_element_))) {
            if (const std::size_t close = ordinary_record_end(i); close != JsonStructure::npos) {
              // What the state machine would have done, from this '{' to its '}'.
              open_record_index_ = record_index_++;
              if (depth_ == 0) {
                lines_mode_ = true;  // the record had no newline
                top_is_candidate_ = top_had_newline_ = false;
              }
              record_start_ = -1;
              record_skipped_ = records_key_pending_ = false;
              return hand_out(i, close, out);
            }
          }
          if (depth_ == 0) {
            top_is_candidate_ = true;
            top_had_newline_ = false;
            record_start_ = static_cast<std::int64_t>(i);
            record_skipped_ = false;
            open_record_index_ = record_index_++;
          } else if (depth_ == records_depth_ && !scalar_element_) {
            record_start_ = static_cast<std::int64_t>(i);
            record_skipped_ = false;
            open_record_index_ = record_index_++;
          }
          ++depth_;
          check_depth();
          records_key_pending_ = false;
          break;
        case '[':
          if (depth_ == 0) {
            ++record_arrays_;
            records_depth_ = 1;
            top_is_candidate_ = false;
            top_had_newline_ = false;
          } else if (depth_ == 1 && records_key_pending_ && top_is_candidate_ &&
                     records_depth_ < 0) {
            // {"Records":[ ... the top-level object is a wrapper, not a record.
            ++record_arrays_;
            records_depth_ = 2;
            top_is_candidate_ = false;
            record_start_ = -1;
            --record_index_;
          } else if (depth_ == records_depth_ && !scalar_element_) {
            problem(base_ + static_cast<std::int64_t>(i), record_index_,
                    "record is an array, not a JSON object; skipped");
            scalar_element_ = true;
            ++record_index_;
          }
          ++depth_;
          check_depth();
          records_key_pending_ = false;
          break;
        case '}':
        case ']': {
          records_key_pending_ = false;
          if (depth_ == 0) {
            problem(base_ + static_cast<std::int64_t>(i), -1,
                    fmt::format("unexpected {} at top level", printable(c)));
            skipping_garbage_ = true;
            break;
          }
          --depth_;
          const bool closes_record =
              c == '}' && record_start_ >= 0 &&
              ((top_is_candidate_ && depth_ == 0) || (!top_is_candidate_ && depth_ == records_depth_));
          if (closes_record) {
            const std::size_t start = static_cast<std::size_t>(record_start_);
            const bool skipped = record_skipped_;
            record_start_ = -1;
            record_skipped_ = false;
            if (depth_ == 0) {
              if (!top_had_newline_) lines_mode_ = true;
              top_is_candidate_ = false;
            }
            if (index_valid_ && i == unconfirmed_close_) index_clean_to_ = i + 1;  // the index read it alike
            if (!skipped) return hand_out(start, i, out);
            break;
          }
          if (c == ']' && depth_ == records_depth_ - 1) records_depth_ = -1;
          if (depth_ == records_depth_) scalar_element_ = false;
          if (depth_ == 0) {
            if (!top_had_newline_) lines_mode_ = true;
            top_is_candidate_ = false;
            records_depth_ = -1;
          }
          break;
        }
        case ',':
          records_key_pending_ = false;
          if (depth_ == records_depth_) scalar_element_ = false;
          break;
        default:
          records_key_pending_ = false;
          if (depth_ == 0 && c >= '0' && c <= '9') {
            line_prefix(c, i);  // perhaps the time CloudWatch Logs puts before each exported event
          } else if (depth_ == 0) {
            problem(base_ + static_cast<std::int64_t>(i), -1,
                    fmt::format("unexpected {} at top level; skipping to the next line",
                                printable(c)));
            skipping_garbage_ = true;
          } else if (depth_ == records_depth_ && !scalar_element_) {
            problem(base_ + static_cast<std::int64_t>(i), record_index_,
                    "record is not a JSON object; skipped");
            scalar_element_ = true;
            ++record_index_;
          }
          break;
      }
    }
    pos_ = i;
  }
}

}  // namespace trailsweep
