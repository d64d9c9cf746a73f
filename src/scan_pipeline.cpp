#include "trailsweep/scan_pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "trailsweep/parallel_stretches.hpp"

namespace trailsweep {

ScanPipeline::ScanPipeline(const RuleSet& rules, ScanOptions options, DetectorOptions detector_options,
                           unsigned jobs)
    : rules_(rules), options_(std::move(options)), detector_options_(detector_options), jobs_(std::max(1u, jobs)) {}

SinkScanResult scan_with_sinks(const std::vector<InputFile>& files, const ScanOptions& options, unsigned jobs,
                               const std::function<std::unique_ptr<EventSink>()>& make_sink,
                               const std::function<void(std::size_t, std::uint64_t)>& progress,
                               const std::atomic<bool>* stop, bool split_streams,
                               const std::function<void(std::vector<std::unique_ptr<EventSink>>&)>& combine_sinks) {
  FileFeed feed(files);
  // More workers than files only help when a file may be split among them.
  if (!split_streams) {
    jobs = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, jobs), std::max<std::size_t>(1, files.size())));
  }
  return scan_with_sinks(feed, options, jobs, make_sink, progress, stop, split_streams, combine_sinks);
}

SinkScanResult scan_with_sinks(FileFeed& files, const ScanOptions& options, unsigned jobs,
                               const std::function<std::unique_ptr<EventSink>()>& make_sink,
                               const std::function<void(std::size_t, std::uint64_t)>& progress,
                               const std::atomic<bool>* stop, bool split_streams,
                               const std::function<void(std::vector<std::unique_ptr<EventSink>>&)>& combine_sinks) {
  struct Worker {
    std::unique_ptr<EventSink> sink;
    RunSummary summary;
    std::vector<std::pair<std::size_t, Diagnostic>> errors;  // (file index, problem)
    std::map<std::size_t, OrderedProblems> ordered;          // of split streams, by file index
    // Bytes read so far of the long file this worker is reading, so that
    // progress moves while one file of gigabytes is scanned.
    std::atomic<std::uint64_t> file_bytes_in_progress{0};
  };
  // A walk's length is not known: a worker that finds no file left ends.
  const unsigned n_workers = std::max(1u, jobs);
  std::vector<Worker> workers(n_workers);
  std::atomic<std::size_t> files_done{0};
  std::atomic<std::uint64_t> bytes_done{0};
  std::atomic<bool> interrupted{false};
  std::atomic<unsigned> finished{0};
  std::atomic<unsigned> running{n_workers};  // workers started (set once they are)
  // The calling thread wakes for progress every 50 ms, and at once when the
  // last worker is done: a plain sleep cost up to 50 ms a run.
  std::mutex finished_mutex;
  std::condition_variable all_finished;

  // Batches of split streams wait here for any worker. Bounded: when it is
  // full, the worker reading the stream parses its batch itself.
  std::mutex batches_mutex;
  std::condition_variable batches_changed;
  std::deque<RecordBatch> batches;
  const std::size_t max_batches = 2 * static_cast<std::size_t>(n_workers);
  unsigned files_in_progress = 0;  // a file in progress may still hand out batches

  class WorkerOutlet : public BatchOutlet {
   public:
    WorkerOutlet(std::size_t batch_bytes, const std::function<bool(RecordBatch&)>& queue,
                 const std::function<void(const RecordBatch&)>& parse_here, std::atomic<std::uint64_t>& bytes_read)
        : batch_bytes_(batch_bytes), queue_(queue), parse_here_(parse_here), bytes_read_(bytes_read) {}
    std::size_t batch_bytes() const override { return batch_bytes_; }
    void hand_off(RecordBatch&& batch) override {
      if (batch.file_bytes_read) bytes_read_.store(batch.file_bytes_read, std::memory_order_relaxed);
      if (!queue_(batch)) parse_here_(batch);
    }

   private:
    std::size_t batch_bytes_;
    const std::function<bool(RecordBatch&)>& queue_;
    const std::function<void(const RecordBatch&)>& parse_here_;
    std::atomic<std::uint64_t>& bytes_read_;
  };
  const std::function<bool(RecordBatch&)> queue_batch = [&](RecordBatch& batch) {
    {
      std::lock_guard lock(batches_mutex);
      if (batches.size() >= max_batches) return false;
      batches.push_back(std::move(batch));
    }
    batches_changed.notify_one();
    return true;
  };

  ScanOptions worker_options = options;
  worker_options.stop = stop;
  SharedPrincipalSet principals;
  auto work = [&](Worker& w) {
    Scanner scanner(worker_options);
    scanner.count_principals_into(&principals);
    w.sink = make_sink();
    const std::function<void(const RecordBatch&)> parse_batch = [&](const RecordBatch& batch) {
      RunSummary part;
      scanner.scan_batch(batch, *w.sink, part);
      w.summary.merge(part);
    };
    WorkerOutlet outlet(std::max<std::size_t>(1, options.batch_bytes), queue_batch, parse_batch,
                        w.file_bytes_in_progress);
    InputFile file;
    for (;;) {
      if (stop && stop->load(std::memory_order_relaxed)) {
        interrupted = true;
        break;
      }
      RecordBatch batch;
      {
        std::unique_lock lock(batches_mutex);
        if (!batches.empty()) {
          batch = std::move(batches.front());
          batches.pop_front();
        } else {
          ++files_in_progress;
        }
      }
      if (!batch.records.empty()) {
        parse_batch(batch);
        continue;
      }
      std::size_t i = 0;
      const bool got_file = files.next(file, i);
      if (got_file) {
        RunSummary file_summary;
        scanner.scan_file(file, *w.sink, file_summary, split_streams ? &outlet : nullptr, i);
        // Only the first kMaxErrorsKept problems by file are listed, and a
        // worker takes files in that order: its first that many hold all of
        // its that can be listed. (Kept all, an archive of a million empty
        // files held a million.) The count has them all.
        for (auto& e : file_summary.errors) {
          if (w.errors.size() < RunSummary::kMaxErrorsKept) w.errors.emplace_back(i, std::move(e));
        }
        file_summary.errors.clear();
        w.summary.merge(file_summary);
        files_done.fetch_add(1, std::memory_order_relaxed);
        w.file_bytes_in_progress.store(0, std::memory_order_relaxed);
        bytes_done.fetch_add(file_summary.bytes_compressed, std::memory_order_relaxed);
      }
      bool done = false;
      {
        std::unique_lock lock(batches_mutex);
        --files_in_progress;
        if (!got_file) {
          // No file left: help with the batches of streams others still
          // read, until none can come.
          batches_changed.wait_for(lock, std::chrono::milliseconds(50),
                                   [&] { return !batches.empty() || files_in_progress == 0; });
          done = batches.empty() && files_in_progress == 0;
        }
      }
      batches_changed.notify_all();
      if (done) break;
    }
    w.sink->on_worker_done();
    w.ordered = std::move(scanner.ordered_problems());
    scanner.flush_principals();
    std::lock_guard lock(finished_mutex);
    if (finished.fetch_add(1) + 1 == running.load()) all_finished.notify_all();
  };

  // As many workers as the system gives threads for (a pid limit may refuse
  // some); with none, the calling thread scans alone, without progress.
  std::vector<std::thread> threads;
  while (threads.size() < n_workers && start_thread(threads, work, std::ref(workers[threads.size()]))) {
  }
  unsigned started = static_cast<unsigned>(threads.size());
  if (started == 0) {
    work(workers[0]);
    started = 1;
  }
  running.store(started);
  // The calling thread only reports progress.
  while (finished.load() < started) {
    if (progress) {
      std::uint64_t bytes = bytes_done.load();
      for (const Worker& w : workers) bytes += w.file_bytes_in_progress.load(std::memory_order_relaxed);
      progress(files_done.load(), bytes);
    }
    {
      std::unique_lock lock(finished_mutex);
      all_finished.wait_for(lock, std::chrono::milliseconds(50), [&] { return finished.load() == started; });
    }
    if (stop && stop->load()) {
      // Workers stop between files; one blocked on a pipe or a slow disk may
      // not, so give them a moment and then report what is known.
      for (int i = 0; i < 40 && finished.load() < started; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (finished.load() < started) {
        for (auto& t : threads) t.detach();
        SinkScanResult partial;
        partial.interrupted = true;
        partial.stuck = true;
        partial.summary.files_read = files_done.load();
        partial.summary.bytes_compressed = bytes_done.load();
        return partial;
      }
      break;
    }
  }
  for (auto& t : threads) t.join();
  if (progress) progress(files_done.load(), bytes_done.load());

  SinkScanResult result;
  result.interrupted = interrupted.load();
  // Each file's problems, in input order; a split stream's as one worker
  // reading it alone lists them (OrderedProblems::list_into).
  std::map<std::size_t, std::vector<Diagnostic>> by_file;
  std::map<std::size_t, OrderedProblems> ordered;
  for (unsigned t = 0; t < started; ++t) {
    Worker& w = workers[t];
    result.summary.merge(w.summary);
    for (auto& [file, d] : w.errors) by_file[file].push_back(std::move(d));
    for (auto& [file, theirs] : w.ordered) ordered[file].merge(std::move(theirs), options.max_problems_per_file);
    result.sinks.push_back(std::move(w.sink));
  }
  for (auto& [file, problems] : ordered) {
    result.summary.errors_total += problems.total;
    std::vector<Diagnostic> listed;
    std::move(problems).list_into(listed, std::move(by_file[file]), options.max_problems_per_file);
    by_file[file] = std::move(listed);
  }
  result.summary.errors.clear();
  for (auto& [file, problems] : by_file) {
    for (Diagnostic& d : problems) {
      if (result.summary.errors.size() >= RunSummary::kMaxErrorsKept) break;
      result.summary.errors.push_back(std::move(d));
    }
  }
  if (combine_sinks && !result.interrupted) combine_sinks(result.sinks);
  const PrincipalSet::Count principal_count = principals.count();
  result.summary.principals = principal_count.size;
  result.summary.principals_estimated = principal_count.estimated;
  return result;
}

PipelineResult ScanPipeline::run(const std::vector<InputFile>& files,
                                 const std::function<void(std::size_t, std::uint64_t)>& progress,
                                 const std::atomic<bool>* stop) {
  FileFeed feed(files);
  return run(feed, progress, stop);
}

PipelineResult ScanPipeline::run(FileFeed& files, const std::function<void(std::size_t, std::uint64_t)>& progress,
                                 const std::atomic<bool>* stop) {
  // The detector's result does not depend on which worker saw which event
  // (fixed-rank caps, content-ordered hits), so long streams are split.
  Detector::SharedFloor floor;
  // One list per actor for all workers (see evidence_board.hpp); it goes
  // with the last detector.
  const auto evidence = std::make_shared<EvidenceBoard>();
  PipelineResult result;
  auto merge_detectors = [&](std::vector<std::unique_ptr<EventSink>>& sinks) {
    std::vector<Detector*> detectors;
    if (result.detector) detectors.push_back(result.detector.get());
    for (auto& sink : sinks) detectors.push_back(static_cast<Detector*>(sink.get()));
    Detector::drop_outranked(detectors, jobs_);
    for (auto& sink : sinks) {
      auto* detector = static_cast<Detector*>(sink.get());
      detector->share_eviction_floor(nullptr);  // `floor` goes with this call
      if (!result.detector) {
        sink.release();
        result.detector.reset(detector);
      } else {
        result.detector->merge(std::move(*detector));
      }
    }
    sinks.clear();
    if (result.detector) result.detector->apply_caps();
  };
  SinkScanResult scanned = scan_with_sinks(
      files, options_, jobs_,
      [&] {
        auto detector = std::make_unique<Detector>(rules_, detector_options_, evidence);
        detector->share_eviction_floor(&floor);
        return detector;
      },
      progress, stop, /*split_streams=*/true, merge_detectors);
  result.summary = std::move(scanned.summary);
  result.interrupted = scanned.interrupted;
  result.stuck = scanned.stuck;
  // After an interrupt the sinks come back unmerged (nothing reports them).
  if (!scanned.sinks.empty()) merge_detectors(scanned.sinks);
  return result;
}

}  // namespace trailsweep
