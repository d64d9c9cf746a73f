#pragma once
// Rendering a long report on several threads into the bytes one thread would
// write. A noisy rule over many principals makes tens of thousands of
// findings, and every format's text for them was written on one thread after
// the scan, with the other cores idle: 140 ms of text and 100 ms of CSV for
// 20,000 findings at -j 2. Each finding's text depends on that finding alone
// (and its index), so chunks of them are rendered apart and joined in order.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "trailsweep/finding.hpp"
#include "trailsweep/reporter.hpp"

namespace trailsweep {

/// Appends one finding's text (the finding at `index` of the report) to `out`.
/// Called on several threads at once, for different findings.
using RenderFinding =
    std::function<void(std::string& out, const Finding& finding, std::size_t index)>;

/// Findings are rendered this many at a time; a report with fewer than two
/// chunks' worth is rendered on the caller's thread alone.
inline constexpr std::size_t kRenderChunk = 128;

/// Appends render_one's text for every finding to `out`, in the findings'
/// order, handing `out` to `flush` as it grows (maybe_flush, between chunks).
/// Up to `threads_allowed` threads render (0: all cores), the caller's
/// among them: it also writes finished chunks in order, and renders the next
/// free chunk itself while the one it must write next is not ready. At most
/// four chunks a thread are ahead of the writer, so memory stays bounded
/// however long the report. Helpers the system refuses to start are done
/// without: the caller renders what they would have.
void render_in_order(const std::vector<Finding>& findings, std::string& out, const ReportFlush& flush,
                     unsigned threads_allowed, const RenderFinding& render_one);

}  // namespace trailsweep
