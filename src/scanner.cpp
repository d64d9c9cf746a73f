#include "trailsweep/scanner.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "trailsweep/byte_source.hpp"
#include "trailsweep/decoder.hpp"

namespace trailsweep {

Scanner::Scanner(ScanOptions options) : options_(std::move(options)) {}

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

void Scanner::scan_file(const InputFile& file, EventSink& sink, RunSummary& summary) {
  const std::string name = file.path == "-" ? "<stdin>" : file.path;
  FileSource source(file.path);
  if (!source.ok()) {
    ++summary.files_failed;
    summary.add_error(file_problem(name, fmt::format("cannot open: {}", source.error())));
    return;
  }
  scan_source(source, name, sink, summary);
}

void Scanner::scan_source(ByteSource& source, const std::string& name, EventSink& sink,
                          RunSummary& summary) {
  Decoder decoder(source, options_.max_decompressed_bytes);
  RecordReader reader(decoder, options_.reader);
  std::size_t listed = 0;
  std::uint64_t unlisted = 0;
  auto report = [&](std::int64_t offset, std::int64_t record, std::string message) {
    if (listed >= options_.max_problems_per_file) {
      ++unlisted;
      return;
    }
    ++listed;
    Diagnostic d = file_problem(name, std::move(message));
    d.pos.offset = offset;
    d.pos.record = record;
    summary.add_error(std::move(d));
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
  while (reader.next(&view)) {
    drain();
    ParseOutcome outcome = parser_.parse(view, &event_);
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
    if (outcome.kind == RecordKind::kInsight) {
      ++summary.insight_records;
      continue;
    }
    if (!accepted(event_)) {
      ++summary.records_filtered;
      continue;
    }
    ++summary.records;
    if (principals_.find(event_.principal) == principals_.end()) {
      principals_.insert(event_.principal);
    }
    sink.on_event(event_);
  }
  drain();

  summary.bytes_compressed += decoder.compressed_bytes();
  summary.bytes_uncompressed += decoder.decompressed_bytes();
  if (digest) {
    ++summary.digest_files;
    return;
  }
  ++summary.files_read;
  if (decoder.failed()) {
    ++summary.files_failed;
    if (end_record >= 0) ++summary.records_rejected;
    Diagnostic d = file_problem(name, decoder.error());
    d.pos.offset = static_cast<std::int64_t>(decoder.error_offset());
    d.pos.record = end_record;
    d.pos.compressed = decoder.is_gzip();
    ++listed;
    summary.add_error(std::move(d));
  } else if (end_problem) {
    if (end_record >= 0) ++summary.records_rejected;
    report(end_problem_detail.offset, end_problem_detail.record,
           std::move(end_problem_detail.message));
  } else if (decoder.decompressed_bytes() == 0) {
    report(-1, -1, "file is empty");
  } else if (reader.records_seen() == 0 && reader.record_arrays_seen() == 0 && listed == 0) {
    report(-1, -1, "no CloudTrail records found");
  }
  if (unlisted) {
    summary.add_error(file_problem(name, fmt::format("{} more problems in this file not listed", unlisted)));
    summary.errors_total += unlisted - 1;
  }
}

}  // namespace trailsweep
