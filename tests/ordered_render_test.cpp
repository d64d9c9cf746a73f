// render_in_order: chunks of findings rendered on several threads, joined in
// the findings' order, written in parts, with a bounded number ahead.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"
#include "trailsweep/ordered_render.hpp"

namespace trailsweep {
namespace {

std::vector<Finding> numbered_findings(std::size_t n) {
  std::vector<Finding> findings(n);
  for (std::size_t i = 0; i < n; ++i) findings[i].principal = "p" + std::to_string(i);
  return findings;
}

// Each finding's line names its index and its principal; the first chunk is
// slow, so helpers finish later chunks before it and the writer must wait.
void slow_first_chunk(std::string& out, const Finding& f, std::size_t index) {
  if (index < kRenderChunk) std::this_thread::sleep_for(std::chrono::microseconds(50));
  out += std::to_string(index) + " " + f.principal + "\n";
}

std::string in_order(std::size_t n) {
  std::string want;
  for (std::size_t i = 0; i < n; ++i) want += std::to_string(i) + " p" + std::to_string(i) + "\n";
  return want;
}

TEST(OrderedRender, JoinsEveryFindingInOrderWhateverFinishesFirst) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, 2 * kRenderChunk - 1, 2 * kRenderChunk, 2 * kRenderChunk + 1,
                        20 * kRenderChunk + 7}) {
    const std::vector<Finding> findings = numbered_findings(n);
    for (unsigned threads : {1u, 2u, 3u, 8u, 0u}) {
      std::string out = "head\n";
      render_in_order(findings, out, {}, threads, slow_first_chunk);
      EXPECT_EQ(out, "head\n" + in_order(n)) << n << " findings, " << threads << " threads";
    }
  }
}

TEST(OrderedRender, EachFindingIsRenderedOnce) {
  const std::vector<Finding> findings = numbered_findings(10 * kRenderChunk + 3);
  std::vector<std::atomic<int>> calls(findings.size());
  std::string out;
  render_in_order(findings, out, {}, 4, [&](std::string& text, const Finding& f, std::size_t index) {
    calls[index].fetch_add(1);
    EXPECT_EQ(&f, &findings[index]);
    text += 'x';
  });
  for (std::size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << "finding " << i;
  EXPECT_EQ(out.size(), findings.size());
}

// A report smaller than two chunks is not worth a thread: the caller renders it.
TEST(OrderedRender, ASmallReportIsRenderedOnTheCallersThread) {
  const std::vector<Finding> findings = numbered_findings(2 * kRenderChunk - 1);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  std::string out;
  render_in_order(findings, out, {}, 8, [&](std::string&, const Finding&, std::size_t) {
    elsewhere += std::this_thread::get_id() != caller;
  });
  EXPECT_EQ(elsewhere.load(), 0);
}

// With a flush, the report leaves in parts as chunks are written, and no
// chunk is rendered more than the window (four chunks a thread) ahead of
// the last one written: memory stays bounded however long the report.
TEST(OrderedRender, WritesInPartsAndRendersABoundedWindowAhead) {
  // Each chunk a little over kReportFlushBytes: every chunk written is flushed.
  const std::size_t bytes_each = kReportFlushBytes / kRenderChunk + 64;
  const std::vector<Finding> findings = numbered_findings(40 * kRenderChunk);
  for (unsigned threads : {1u, 2u, 4u}) {
    std::atomic<std::size_t> chunks_flushed{0}, furthest_ahead{0};
    std::string flushed;
    std::string out;
    render_in_order(
        findings, out, [&](const std::string& part) {
          flushed += part;
          chunks_flushed.store(flushed.size() / (bytes_each * kRenderChunk));
        },
        threads, [&](std::string& text, const Finding&, std::size_t index) {
          const std::size_t chunk = index / kRenderChunk, written = chunks_flushed.load();
          const std::size_t ahead = chunk > written ? chunk - written : 0;
          for (std::size_t seen = furthest_ahead.load(); ahead > seen && !furthest_ahead.compare_exchange_weak(seen, ahead);) {
          }
          text.append(bytes_each - 1, static_cast<char>('a' + index % 26));
          text += '\n';
        });
    EXPECT_TRUE(out.empty()) << "the last chunk was flushed too";
    ASSERT_EQ(flushed.size(), findings.size() * bytes_each);
    for (std::size_t i = 0; i < findings.size(); i += 97) {
      EXPECT_EQ(flushed[i * bytes_each], static_cast<char>('a' + i % 26)) << "finding " << i;
    }
    // Chunk c may start once c < written + window; the writer flushes a
    // chunk just after it counts it written, so one more may be under way.
    EXPECT_LE(furthest_ahead.load(), 4 * std::max(threads, 1u) + 1) << threads << " threads";
  }
}

// A pid limit that refuses helper threads: the caller renders everything.
TEST(OrderedRender, HelpersTheSystemRefusesAreDoneWithout) {
  const std::vector<Finding> findings = numbered_findings(12 * kRenderChunk);
  for (int allowed : {0, 1}) {
    testing::ThreadStartsRefused refused(allowed);
    std::string out;
    render_in_order(findings, out, {}, 4, slow_first_chunk);
    EXPECT_EQ(out, in_order(findings.size())) << allowed << " thread starts allowed";
  }
}

}  // namespace
}  // namespace trailsweep
