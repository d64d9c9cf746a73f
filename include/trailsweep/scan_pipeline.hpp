#pragma once
// ScanPipeline: scans many files on a pool of worker threads. Each worker owns
// its Scanner (parser, buffers) and Detector, and takes the next file from a
// shared counter; nothing else is shared while scanning. At the end the
// workers' summaries and detectors are merged, errors are put back in file
// order, and correlation (which sorts by event time) makes the findings
// independent of which worker read what: the output is the same for any -j.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "trailsweep/detector.hpp"
#include "trailsweep/input_walker.hpp"
#include "trailsweep/run_summary.hpp"
#include "trailsweep/scanner.hpp"

namespace trailsweep {

struct PipelineResult {
  RunSummary summary;                 ///< merged; errors in input order
  std::unique_ptr<Detector> detector;  ///< all workers' hits and aggregates
  bool interrupted = false;            ///< stopped early by `stop`
  bool stuck = false;  ///< a worker did not stop in time: only file/byte counts are known, detector is null
};

/// What a scan with caller-made sinks returns: one sink per worker, to be
/// merged by the caller in this (fixed) order.
struct SinkScanResult {
  RunSummary summary;  ///< merged; errors in input order
  std::vector<std::unique_ptr<EventSink>> sinks;
  bool interrupted = false;
  bool stuck = false;  ///< a worker did not stop in time; sinks is empty
};

/// Scans `files` on `jobs` threads, each feeding its own sink from
/// `make_sink` (called once per worker, from that worker's thread). With
/// `split_streams`, a file read record by record (a JSON-lines export, an
/// array, a stream too long to read whole, stdin) is read by one worker and
/// parsed by all: its records reach several sinks, so only sinks whose
/// result does not depend on which events each saw may ask for it.
/// `combine_sinks`, if given, runs on the calling thread once the workers
/// are done (not after an interrupt) and may fold the sinks together, while
/// the workers' principals are counted on another thread: neither waits for
/// the other.
SinkScanResult scan_with_sinks(FileFeed& files, const ScanOptions& options, unsigned jobs,
                               const std::function<std::unique_ptr<EventSink>()>& make_sink,
                               const std::function<void(std::size_t, std::uint64_t)>& progress,
                               const std::atomic<bool>* stop = nullptr, bool split_streams = false,
                               const std::function<void(std::vector<std::unique_ptr<EventSink>>&)>& combine_sinks = {});
/// The same over a list.
SinkScanResult scan_with_sinks(const std::vector<InputFile>& files, const ScanOptions& options, unsigned jobs,
                               const std::function<std::unique_ptr<EventSink>()>& make_sink,
                               const std::function<void(std::size_t, std::uint64_t)>& progress,
                               const std::atomic<bool>* stop = nullptr, bool split_streams = false,
                               const std::function<void(std::vector<std::unique_ptr<EventSink>>&)>& combine_sinks = {});

class ScanPipeline {
 public:
  ScanPipeline(const RuleSet& rules, ScanOptions options, DetectorOptions detector_options, unsigned jobs);

  /// Scans `files`. `progress(files_done, bytes_done)` is called now and then
  /// from the calling thread. Setting `*stop` makes workers finish the file
  /// they are on and return.
  PipelineResult run(FileFeed& files, const std::function<void(std::size_t, std::uint64_t)>& progress,
                     const std::atomic<bool>* stop = nullptr);
  PipelineResult run(const std::vector<InputFile>& files,
                     const std::function<void(std::size_t, std::uint64_t)>& progress,
                     const std::atomic<bool>* stop = nullptr);

 private:
  const RuleSet& rules_;
  ScanOptions options_;
  DetectorOptions detector_options_;
  unsigned jobs_;
};

}  // namespace trailsweep
