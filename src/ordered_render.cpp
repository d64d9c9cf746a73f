#include "trailsweep/ordered_render.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "trailsweep/parallel_stretches.hpp"

namespace trailsweep {

void render_in_order(const std::vector<Finding>& findings, std::string& out, const ReportFlush& flush,
                     unsigned threads_allowed, const RenderFinding& render_one) {
  // One thread allowed: the caller renders alone (-j 1 means one thread).
  const std::size_t threads = thread_limit(threads_allowed);
  if (findings.size() < 2 * kRenderChunk || threads == 1) {
    for (std::size_t i = 0; i < findings.size(); ++i) {
      render_one(out, findings[i], i);
      maybe_flush(out, flush);
    }
    return;
  }
  const std::size_t chunks = (findings.size() + kRenderChunk - 1) / kRenderChunk;
  const std::size_t window = 4 * threads;
  struct Slot {
    std::string text;
    bool ready = false;
  };
  std::vector<Slot> slots(window);
  std::mutex mutex;
  std::condition_variable chunk_ready, room;
  std::size_t next_chunk = 0, written = 0;
  // Under the lock: the next chunk to render, if it may start (within the window).
  auto take = [&](std::size_t& chunk) {
    if (next_chunk >= chunks || next_chunk >= written + window) return false;
    chunk = next_chunk++;
    return true;
  };
  auto render = [&](std::size_t chunk, std::string& text) {
    text.clear();
    const std::size_t end = std::min(findings.size(), (chunk + 1) * kRenderChunk);
    for (std::size_t i = chunk * kRenderChunk; i < end; ++i) render_one(text, findings[i], i);
    {
      std::lock_guard lock(mutex);
      Slot& slot = slots[chunk % window];
      slot.text.swap(text);
      slot.ready = true;
    }
    chunk_ready.notify_all();
  };
  auto work = [&] {
    std::string text;
    for (;;) {
      std::size_t chunk = 0;
      {
        std::unique_lock lock(mutex);
        room.wait(lock, [&] { return next_chunk >= chunks || next_chunk < written + window; });
        if (!take(chunk)) return;
      }
      render(chunk, text);
    }
  };
  std::vector<std::thread> helpers;
  // With fewer helpers than asked for (the system refused some), the
  // caller renders the chunks no helper takes.
  while (helpers.size() + 1 < threads && start_thread(helpers, work)) {
  }
  std::string text, rendered_here;
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
    Slot& slot = slots[chunk % window];
    for (;;) {
      std::size_t mine = 0;
      {
        std::unique_lock lock(mutex);
        if (!slot.ready && !take(mine)) chunk_ready.wait(lock, [&] { return slot.ready; });
        if (slot.ready) {
          text.swap(slot.text);
          slot.ready = false;
          written = chunk + 1;
          break;
        }
      }
      render(mine, rendered_here);  // not ready, and a chunk was free to take
    }
    room.notify_all();
    out += text;
    maybe_flush(out, flush);
  }
  for (auto& h : helpers) h.join();
}

}  // namespace trailsweep
