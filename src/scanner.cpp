#include "trailsweep/scanner.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "trailsweep/byte_source.hpp"
#include "trailsweep/decoder.hpp"
#include "trailsweep/gzip_member.hpp"

namespace trailsweep {

namespace {

// The line that stands for a file's problems beyond the listed ones.
Diagnostic unlisted_problems(const std::string& file, std::uint64_t count) {
  Diagnostic d = file_problem(file, fmt::format("{} more problems in this file not listed", count));
  d.stands_for = count;
  return d;
}

// One file's problems: the first `limit` are listed with their place, the rest
// only counted and summed up in one line by finish(), so a file of garbage
// cannot flood the report. Every problem counts in errors_total.
class FileProblems {
 public:
  FileProblems(const std::string& name, std::size_t limit, RunSummary& into)
      : name_(name), limit_(limit), into_(into) {}
  void add(std::int64_t offset, std::int64_t record, std::string message) {
    if (listed_ >= limit_) {
      ++unlisted_;
      ++into_.errors_total;
      return;
    }
    ++listed_;
    Diagnostic d = file_problem(name_, std::move(message));
    d.pos.offset = offset;
    d.pos.record = record;
    into_.add_error(std::move(d));
  }
  std::size_t listed() const { return listed_; }
  void finish() {
    if (unlisted_ == 0) return;
    into_.add_error(unlisted_problems(name_, unlisted_));
    into_.errors_total -= 1;  // the summary line is not a problem of its own
  }

 private:
  const std::string& name_;
  std::size_t limit_;
  RunSummary& into_;
  std::size_t listed_ = 0;
  std::uint64_t unlisted_ = 0;
};

}  // namespace

void OrderedProblems::add(std::int64_t order, Diagnostic d, std::size_t limit) {
  ++total;
  kept.emplace_back(order, std::move(d));
  if (kept.size() > 2 * limit + 16) trim(limit);  // amortised: a file of garbage stays bounded
}

void OrderedProblems::merge(OrderedProblems&& other, std::size_t limit) {
  total += other.total;
  if (file_name.empty()) file_name = std::move(other.file_name);
  for (auto& p : other.kept) kept.push_back(std::move(p));
  other.kept.clear();
  other.total = 0;
  trim(limit);
}

void OrderedProblems::trim(std::size_t limit) {
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (kept.size() > limit) kept.resize(limit);
}

void OrderedProblems::list_into(std::vector<Diagnostic>& out, std::vector<Diagnostic> after, std::size_t limit) && {
  trim(limit);
  for (auto& [order, d] : kept) out.push_back(std::move(d));
  for (Diagnostic& d : after) out.push_back(std::move(d));
  if (total > kept.size()) {
    out.push_back(unlisted_problems(file_name, total - kept.size()));
  }
}

// Per-thread buffers of the whole-file path, reused from file to file.
struct Scanner::Buffers {
  GzipMemberInflater inflater;
  std::unique_ptr<char[]> in, out;
  std::size_t in_cap = 0, out_cap = 0;
  static void reserve(std::unique_ptr<char[]>& buf, std::size_t& cap, std::size_t need) {
    if (need <= cap) return;
    cap = std::max(need, cap * 2);
    buf.reset(new char[cap]);
  }
};

Scanner::Scanner(ScanOptions options)
    : options_(std::move(options)),
      filters_events_(options_.filter.selects_events()),
      buffers_(std::make_unique<Buffers>()) {}
Scanner::~Scanner() = default;

void Scanner::deliver(EventSink& sink, RunSummary& summary) {
  if (filters_events_ && !accepted(event_)) {
    ++summary.records_filtered;
    return;
  }
  ++summary.records;
  summary.first_event_ms = std::min(summary.first_event_ms, event_.time_ms);
  summary.last_event_ms = std::max(summary.last_event_ms, event_.time_ms);
  const std::uint64_t principal_hash = PrincipalSet::hash(event_.principal);
  event_.principal_hash = principal_hash;
  principal_batch_.add(principal_hash);
  sink.on_event(event_);
}

template <typename Reject>
void Scanner::take_record(const ParseOutcome& outcome, std::int64_t digest_offset, EventSink& sink,
                          RunSummary& summary, Reject&& reject) {
  if (!outcome.ok) {
    reject(outcome.error_offset, outcome.error);
  } else if (outcome.kind == RecordKind::kDigest) {
    reject(digest_offset, "digest object inside a log file; skipped");
  } else if (outcome.kind == RecordKind::kInsight) {
    ++summary.insight_records;
  } else if (outcome.kind == RecordKind::kNotCloudTrail) {
    ++summary.non_cloudtrail_records;
  } else {
    deliver(sink, summary);
  }
}

bool Scanner::scan_whole_file(const InputFile& file, const std::string& name, EventSink& sink,
                              RunSummary& summary, BatchOutlet* outlet, std::size_t file_index) {
  if (file.path == "-") return false;
  int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 2 ||
      static_cast<std::uint64_t>(st.st_size) > options_.whole_file_max_bytes) {
    ::close(fd);
    return false;
  }
  Buffers& b = *buffers_;
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  Buffers::reserve(b.in, b.in_cap, size + kRecordPadding);
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, b.in.get() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got != size) return false;
  std::memset(b.in.get() + size, 0, kRecordPadding);

  std::string_view text(b.in.get(), size);
  const auto* bytes = reinterpret_cast<const unsigned char*>(b.in.get());
  if (bytes[0] == 0x1f && bytes[1] == 0x8b) {
    if (size < 18) return false;
    // ISIZE: the decompressed size mod 2^32, from the gzip trailer.
    const std::uint32_t isize = gzip_trailer_field(bytes + size - 4);
    if (isize == 0 || isize > options_.whole_file_max_bytes || isize > options_.max_decompressed_bytes) return false;
    Buffers::reserve(b.out, b.out_cap, isize + kRecordPadding);
    // Anything unusual (damage, several members, a lying trailer) goes to the
    // streaming path, which locates the problem. The whole file is inflated
    // before the walk, so a 700 KB file's start has left the 1 MB L2 cache
    // by then; inflating in stretches just ahead of the walk would not pay:
    // files of 150 records (all in L2) skim no faster per record than files
    // of 700 (tests/bench/skim_only on two 300 MB archives, 2026-11-27), and
    // ISA-L's streaming inflate in 64 KB steps is ~5% slower.
    if (!b.inflater.inflate({bytes, size}, b.out.get(), isize)) return false;
    std::memset(b.out.get() + isize, 0, kRecordPadding);
    text = std::string_view(b.out.get(), isize);
  }
  event_.pos.file = name;
  RunSummary done;  // what the fast path counted, kept if it stops part way
  std::int64_t records_done = 0;
  if (!options_.validate_json) {
    FileProblems problems(name, options_.max_problems_per_file, done);
    auto reject = [&](std::int64_t index, std::int64_t offset, std::string message) {
      ++done.records_rejected;
      problems.add(offset, index, std::move(message));
    };
    auto result = parser_.parse_native_document(
        text,
        [&](std::int64_t index, const ParseOutcome& outcome, Event&) {
          take_record(outcome, outcome.error_offset, sink, done, [&](std::int64_t offset, std::string message) {
            reject(index, offset, std::move(message));
          });
        },
        &event_);
    if (result.complete) {
      problems.finish();
      ++done.files_read;
      done.bytes_compressed += size;
      done.bytes_uncompressed += text.size();
      summary.merge(done);
      return true;
    }
    records_done = result.records_done;
  }
  // Record by record through the full parser, from memory: for
  // --validate-json, or to locate the damage in a file whose structure broke
  // (the records the fast path already delivered are not read again).
  MemorySource source(text);
  RunSummary part;
  // Not a native document at all (JSON lines, an array): its records may
  // be shared among workers like a long stream's.
  scan_source(source, name, sink, part, records_done, records_done == 0 ? outlet : nullptr, file_index);
  part.bytes_compressed = size;  // what the file holds, whatever path decoded it
  summary.merge(done);
  summary.merge(part);
  return true;
}

void Scanner::flush_principals() { principal_batch_.flush(); }

PrincipalSet::Count Scanner::principal_count() {
  principal_batch_.flush();
  return principal_batch_.target()->count();
}

bool Scanner::accepted(const Event& ev) const {
  const InputFilter& f = options_.filter;
  if (f.since_ms && ev.time_ms < *f.since_ms) return false;
  if (f.until_ms && ev.time_ms > *f.until_ms) return false;
  if (!f.accounts.empty() &&
      std::find(f.accounts.begin(), f.accounts.end(), ev.account) == f.accounts.end()) {
    return false;
  }
  if (!f.regions.empty() &&
      std::find(f.regions.begin(), f.regions.end(), ev.aws_region) == f.regions.end()) {
    return false;
  }
  return true;
}

void Scanner::scan_file(const InputFile& file, EventSink& sink, RunSummary& summary, BatchOutlet* outlet,
                        std::size_t file_index) {
  const std::string name = file.path == "-" ? "<stdin>" : file.path;
  if (scan_whole_file(file, name, sink, summary, outlet, file_index)) return;
  FileSource source(file.path);
  if (!source.ok()) {
    ++summary.files_failed;
    summary.add_error(file_problem(name, fmt::format("cannot open: {}", source.error())));
    return;
  }
  scan_source(source, name, sink, summary, 0, outlet, file_index);
}

void Scanner::scan_batch(const RecordBatch& batch, EventSink& sink, RunSummary& summary) {
  event_.pos.file = batch.name;
  // Made at the batch's first problem: a scan of a million small streams
  // kept an empty entry for each of them on every worker.
  OrderedProblems* problems = nullptr;
  auto reject = [&](const RecordBatch::Item& item, std::int64_t offset, std::string message) {
    ++summary.records_rejected;
    Diagnostic d = file_problem(batch.name, std::move(message));
    d.pos.offset = offset;
    d.pos.record = item.index;
    if (!problems) {
      problems = &ordered_problems_[batch.file];
      if (problems->file_name.empty()) problems->file_name = batch.name;
    }
    problems->add(item.order, std::move(d), options_.max_problems_per_file);
  };
  for (const RecordBatch::Item& item : batch.records) {
    RecordView view;
    view.json = std::string_view(batch.bytes.data() + item.begin, item.size);
    view.padded_capacity = batch.bytes.size() - item.begin;
    view.offset = item.offset;
    view.index = item.index;
    take_record(read_record(view), view.offset, sink, summary,
                [&](std::int64_t offset, std::string message) { reject(item, offset, std::move(message)); });
  }
}

void Scanner::scan_source(ByteSource& source, const std::string& name, EventSink& sink,
                          RunSummary& summary, std::int64_t resume_at_record, BatchOutlet* outlet,
                          std::size_t file_index) {
  Decoder decoder(source, options_.max_decompressed_bytes);
  RecordReader reader(decoder, options_.reader);
  FileProblems problems(name, options_.max_problems_per_file, summary);
  // With an outlet, the problems of this stream are found on several threads:
  // each gets its place in the stream (`order`, shared with the records
  // handed out) and they are put back in order after the scan.
  // Made at the stream's first problem, as in scan_batch.
  OrderedProblems* ordered = nullptr;
  std::int64_t order = 0;
  auto report = [&](std::int64_t offset, std::int64_t record, std::string message) {
    if (!outlet) {
      problems.add(offset, record, std::move(message));
      return;
    }
    Diagnostic d = file_problem(name, std::move(message));
    d.pos.offset = offset;
    d.pos.record = record;
    if (!ordered) {
      ordered = &ordered_problems_[file_index];
      if (ordered->file_name.empty()) ordered->file_name = name;
    }
    ordered->add(order++, std::move(d), options_.max_problems_per_file);
  };
  // Records go out in batches once the stream has shown an event: until then
  // it may still turn out to be a digest file, which only its first record tells.
  bool batching = false;
  RecordBatch batch;
  const bool reading_a_file = dynamic_cast<FileSource*>(&source) != nullptr;
  bool handed_off = false;
  auto hand_off = [&] {
    if (batch.records.empty()) return;
    handed_off = true;
    batch.bytes.append(kRecordPadding, '\0');
    if (reading_a_file) batch.file_bytes_read = decoder.compressed_bytes();
    outlet->hand_off(std::move(batch));
    batch = RecordBatch{};
  };
  std::int64_t end_record = -1;  // record cut off by the end of the stream
  bool end_problem = false;
  ReaderProblem end_problem_detail;
  auto drain = [&] {
    for (auto& p : reader.problems()) {
      if (p.at_end) {
        end_problem = true;
        end_record = p.record;
        end_problem_detail = std::move(p);
        continue;
      }
      if (p.record >= 0) ++summary.records_rejected;
      report(p.offset, p.record, std::move(p.message));
    }
    reader.problems().clear();
  };

  event_.pos.file = name;
  bool digest = false;
  std::uint64_t events_in_file = 0;
  RecordView view;
  bool stopped = false;
  while (reader.next(&view)) {
    if (options_.stop && view.index % 256 == 0 && options_.stop->load(std::memory_order_relaxed)) {
      stopped = true;
      break;
    }
    drain();
    if (view.index < resume_at_record) {
      ++events_in_file;
      continue;
    }
    if (batching) {
      if (batch.records.empty()) {
        batch.file = file_index;
        batch.name = name;
        batch.bytes.reserve(outlet->batch_bytes() + view.json.size() + kRecordPadding);
      }
      batch.records.push_back({batch.bytes.size(), view.json.size(), view.offset, view.index, order++});
      batch.bytes.append(view.json);
      if (batch.bytes.size() >= outlet->batch_bytes()) hand_off();
      continue;
    }
    ParseOutcome outcome = read_record(view);
    if (!outcome.ok) {
      ++summary.records_rejected;
      report(outcome.error_offset, view.index, std::move(outcome.error));
      continue;
    }
    if (outcome.kind == RecordKind::kDigest) {
      digest = events_in_file == 0;
      if (digest) break;
      ++summary.records_rejected;
      report(view.offset, view.index, "digest object inside a log file; skipped");
      continue;
    }
    ++events_in_file;
    batching = outlet != nullptr;
    if (outcome.kind == RecordKind::kInsight) {
      ++summary.insight_records;
      continue;
    }
    if (outcome.kind == RecordKind::kNotCloudTrail) {
      ++summary.non_cloudtrail_records;
      continue;
    }
    deliver(sink, summary);
  }
  if (!stopped) {
    if (batching) hand_off();
    drain();
  }
  summary.bytes_compressed += decoder.compressed_bytes();
  summary.bytes_uncompressed += decoder.decompressed_bytes();
  if (stopped) return;  // what was read counts; the file does not, and its unread end is no problem
  if (digest) {
    ++summary.digest_files;
    problems.finish();  // what came before the digest record was counted: say so
    return;
  }
  ++summary.files_read;
  std::vector<Diagnostic> failure;  // the decoder's, listed after the records' problems
  if (decoder.failed()) {
    ++summary.files_failed;
    if (end_record >= 0) ++summary.records_rejected;
    Diagnostic d = file_problem(name, decoder.error());
    d.pos.offset = static_cast<std::int64_t>(decoder.error_offset());
    d.pos.record = end_record;
    d.pos.compressed = decoder.is_gzip();
    failure.push_back(std::move(d));
  } else if (end_problem) {
    if (end_record >= 0) ++summary.records_rejected;
    report(end_problem_detail.offset, end_problem_detail.record,
           std::move(end_problem_detail.message));
  } else if (decoder.decompressed_bytes() == 0) {
    report(-1, -1, "file is empty");
  } else if (reader.records_seen() == 0 && reader.record_arrays_seen() == 0 &&
             (outlet ? (ordered ? ordered->total : 0) : problems.listed()) == 0) {
    report(-1, -1, "no CloudTrail records found");
  }
  if (ordered && !handed_off) {
    // No record of this stream went to another worker, so all its problems
    // are here: listed now, as without an outlet, instead of kept by file
    // index until the scan ends (an archive of a million empty files kept a
    // million). The same lines as the scan's end would list.
    summary.errors_total += ordered->total + failure.size();
    std::vector<Diagnostic> listed;
    std::move(*ordered).list_into(listed, std::move(failure), options_.max_problems_per_file);
    for (Diagnostic& d : listed) {
      if (summary.errors.size() < RunSummary::kMaxErrorsKept) summary.errors.push_back(std::move(d));
    }
    ordered_problems_.erase(file_index);
    return;
  }
  for (Diagnostic& d : failure) summary.add_error(std::move(d));
  problems.finish();
}

}  // namespace trailsweep
