#include "trailsweep/scan_pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace trailsweep {

ScanPipeline::ScanPipeline(const RuleSet& rules, ScanOptions options, DetectorOptions detector_options,
                           unsigned jobs)
    : rules_(rules), options_(std::move(options)), detector_options_(detector_options), jobs_(std::max(1u, jobs)) {}

SinkScanResult scan_with_sinks(const std::vector<InputFile>& files, const ScanOptions& options, unsigned jobs,
                               const std::function<std::unique_ptr<EventSink>()>& make_sink,
                               const std::function<void(std::size_t, std::uint64_t)>& progress,
                               const std::atomic<bool>* stop) {
  struct Worker {
    std::unique_ptr<EventSink> sink;
    RunSummary summary;
    std::vector<std::pair<std::size_t, Diagnostic>> errors;  // (file index, problem)
    PrincipalSet principals;
  };
  const unsigned n_workers = static_cast<unsigned>(
      std::min<std::size_t>(std::max(1u, jobs), std::max<std::size_t>(1, files.size())));
  std::vector<Worker> workers(n_workers);
  std::atomic<std::size_t> next{0}, files_done{0};
  std::atomic<std::uint64_t> bytes_done{0};
  std::atomic<bool> interrupted{false};
  std::atomic<unsigned> finished{0};
  // The calling thread wakes for progress every 50 ms, and at once when the
  // last worker is done: a plain sleep cost up to 50 ms a run.
  std::mutex finished_mutex;
  std::condition_variable all_finished;

  auto work = [&](Worker& w) {
    Scanner scanner(options);
    w.sink = make_sink();
    for (;;) {
      if (stop && stop->load(std::memory_order_relaxed)) {
        interrupted = true;
        break;
      }
      std::size_t i = next.fetch_add(1);
      if (i >= files.size()) break;
      RunSummary file_summary;
      scanner.scan_file(files[i], *w.sink, file_summary);
      for (auto& e : file_summary.errors) w.errors.emplace_back(i, std::move(e));
      file_summary.errors.clear();
      w.summary.merge(file_summary);
      files_done.fetch_add(1, std::memory_order_relaxed);
      bytes_done.fetch_add(file_summary.bytes_compressed, std::memory_order_relaxed);
    }
    w.principals = scanner.take_principals();
    std::lock_guard lock(finished_mutex);
    if (finished.fetch_add(1) + 1 == n_workers) all_finished.notify_all();
  };

  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n_workers; ++t) threads.emplace_back(work, std::ref(workers[t]));
  std::thread first(work, std::ref(workers[0]));
  // The calling thread only reports progress.
  while (finished.load() < n_workers) {
    if (progress) progress(files_done.load(), bytes_done.load());
    {
      std::unique_lock lock(finished_mutex);
      all_finished.wait_for(lock, std::chrono::milliseconds(50), [&] { return finished.load() == n_workers; });
    }
    if (stop && stop->load()) {
      // Workers stop between files; one blocked on a pipe or a slow disk may
      // not, so give them a moment and then report what is known.
      for (int i = 0; i < 40 && finished.load() < n_workers; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (finished.load() < n_workers) {
        first.detach();
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
  first.join();
  for (auto& t : threads) t.join();
  if (progress) progress(files_done.load(), bytes_done.load());

  SinkScanResult result;
  result.interrupted = interrupted.load();
  std::vector<std::pair<std::size_t, Diagnostic>> errors;
  std::vector<const PrincipalSet*> principals;
  for (Worker& w : workers) {
    result.summary.merge(w.summary);
    for (auto& e : w.errors) errors.push_back(std::move(e));
    principals.push_back(&w.principals);
    result.sinks.push_back(std::move(w.sink));
  }
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  result.summary.errors.clear();
  for (auto& [index, d] : errors) {
    if (result.summary.errors.size() >= RunSummary::kMaxErrorsKept) break;
    result.summary.errors.push_back(std::move(d));
  }
  const PrincipalSet::Count principal_count = PrincipalSet::count_union(principals);
  result.summary.principals = principal_count.size;
  result.summary.principals_estimated = principal_count.estimated;
  return result;
}

PipelineResult ScanPipeline::run(const std::vector<InputFile>& files,
                                 const std::function<void(std::size_t, std::uint64_t)>& progress,
                                 const std::atomic<bool>* stop) {
  SinkScanResult scanned = scan_with_sinks(
      files, options_, jobs_, [&] { return std::make_unique<Detector>(rules_, detector_options_); }, progress, stop);
  PipelineResult result;
  result.summary = std::move(scanned.summary);
  result.interrupted = scanned.interrupted;
  result.stuck = scanned.stuck;
  for (auto& sink : scanned.sinks) {
    auto* detector = static_cast<Detector*>(sink.get());
    if (!result.detector) {
      sink.release();
      result.detector.reset(detector);
    } else {
      result.detector->merge(std::move(*detector));
    }
  }
  if (result.detector) result.detector->apply_caps();
  return result;
}

}  // namespace trailsweep
