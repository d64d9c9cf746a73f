#include "trailsweep/timeline.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "trailsweep/json_writer.hpp"
#include "trailsweep/report_csv.hpp"
#include "trailsweep/reporter.hpp"
#include "trailsweep/time_util.hpp"

namespace trailsweep {

namespace {

bool row_before(const TimelineRow& a, const TimelineRow& b) {
  return std::tie(a.time_ms, a.event_id, a.file, a.record) < std::tie(b.time_ms, b.event_id, b.file, b.record);
}

}  // namespace

bool principal_matches(const Event& ev, std::string_view selector) {
  return any_principal_name(ev, [&](std::string_view name) { return name == selector; });
}

TimelineCollector::TimelineCollector(const RuleSet* rules, TimelineQuery query, std::size_t max_rows,
                                     std::shared_ptr<TimelineCutoff> cutoff)
    : rules_(rules), query_(std::move(query)), max_rows_(max_rows), cutoff_(std::move(cutoff)) {}

void TimelineCollector::trim(bool whatever_the_slack) {
  if (!capped() || rows_.size() <= max_rows_) return;
  // A slack of a quarter: each trim is linear in the rows held, and comes
  // after a quarter of them was added.
  if (!whatever_the_slack && rows_.size() <= max_rows_ + max_rows_ / 4 + 64) return;
  const auto last_kept = rows_.begin() + static_cast<std::ptrdiff_t>(max_rows_ - 1);
  std::nth_element(rows_.begin(), last_kept, rows_.end(), row_before);
  cutoff_->lower_to(last_kept->time_ms);
  dropped_ += rows_.size() - max_rows_;
  rows_.resize(max_rows_);
}

void TimelineCollector::on_event(const Event& ev) {
  if (!query_.principal.empty() && !principal_matches(ev, query_.principal)) return;
  if (!query_.access_key.empty() && ev.identity.access_key_id != query_.access_key) return;
  if (!query_.source_ip.empty() && ev.source_ip != query_.source_ip) return;
  if (!query_.account.empty() && ev.account != query_.account) return;
  // Strictly later than max_rows rows some worker holds: never shown.
  if (ev.time_ms > cutoff_->latest_kept.load(std::memory_order_relaxed)) {
    ++dropped_;
    return;
  }
  TimelineRow row;
  row.time_ms = ev.time_ms;
  row.region = ev.aws_region;
  row.event_source = ev.event_source;
  row.event_name = ev.event_name;
  row.error_code = ev.error_code;
  row.source_ip = ev.source_ip;
  row.user_agent = ev.user_agent;
  row.principal = ev.principal;
  row.event_id = ev.event_id;
  row.file = ev.pos.file;
  row.record = ev.pos.record;
  fields_.bind(ev);
  row.parameters = fields_.first_text("requestParameters");
  if (row.parameters.size() > 200) row.parameters = row.parameters.substr(0, 197) + "...";
  if (rules_) {
    matched_.clear();
    rules_->match(ev, fields_, &matched_);
    for (int r : matched_) row.rules.push_back(rules_->rules()[static_cast<std::size_t>(r)].display_id());
  }
  field_problems_.note(fields_);
  rows_.push_back(std::move(row));
  trim(false);
}

void TimelineCollector::merge(TimelineCollector&& other) {
  dropped_ += other.dropped_;
  field_problems_.merge(std::move(other.field_problems_));
  rows_.insert(rows_.end(), std::make_move_iterator(other.rows_.begin()), std::make_move_iterator(other.rows_.end()));
  other.rows_.clear();
  trim(false);
}

const std::vector<TimelineRow>& TimelineCollector::sorted_rows() {
  trim(true);
  std::sort(rows_.begin(), rows_.end(), row_before);
  return rows_;
}

std::string render_timeline_text(const std::vector<TimelineRow>& rows, const ReportFlush& flush) {
  std::string out;
  for (const auto& r : rows) {
    std::string name = r.event_name;
    if (!r.error_code.empty()) name += fmt::format(" [{}]", r.error_code);
    std::string marks;
    for (const auto& rule : r.rules) {
      marks += marks.empty() ? "  <= " : ", ";
      marks += rule;
    }
    out += fmt::format("{} {:<14} {:<28} {:<40} {:<15} {}{}\n", format_rfc3339_ms(r.time_ms),
                       sanitize_for_terminal(r.region), sanitize_for_terminal(r.event_source),
                       sanitize_for_terminal(name), sanitize_for_terminal(r.source_ip),
                       sanitize_for_terminal(r.parameters), sanitize_for_terminal(marks));
    maybe_flush(out, flush);
  }
  if (rows.empty()) out = "No events for this selection.\n";
  return out;
}

std::string render_timeline_jsonl(const std::vector<TimelineRow>& rows, const ReportFlush& flush) {
  std::string out;
  for (const auto& r : rows) {
    JsonWriter w(out);
    w.begin_object();
    w.field("time", format_rfc3339_ms(r.time_ms));
    w.field("region", r.region);
    w.field("event_source", r.event_source);
    w.field("event_name", r.event_name);
    if (!r.error_code.empty()) w.field("error_code", r.error_code);
    w.field("request_parameters", r.parameters);
    w.field("source_ip", r.source_ip);
    w.field("user_agent", r.user_agent);
    w.field("principal", r.principal);
    w.field("event_id", r.event_id);
    w.field("file", r.file);
    w.field("record", r.record);
    w.key("rules").begin_array();
    for (const auto& rule : r.rules) w.value(rule);
    w.end_array();
    w.end_object();
    out += '\n';
    maybe_flush(out, flush);
  }
  return out;
}

std::string render_timeline_csv(const std::vector<TimelineRow>& rows, const ReportFlush& flush) {
  std::string out = "time,region,event_source,event_name,error_code,request_parameters,source_ip,user_agent,"
                    "principal,event_id,file,record,rules\r\n";
  for (const auto& r : rows) {
    std::string rules;
    for (const auto& rule : r.rules) {
      if (!rules.empty()) rules += "; ";
      rules += rule;
    }
    std::vector<std::string> cells = {format_rfc3339_ms(r.time_ms), r.region, r.event_source, r.event_name,
                                      r.error_code, r.parameters, r.source_ip, r.user_agent, r.principal,
                                      r.event_id, r.file, fmt::format("{}", r.record), rules};
    append_csv_row(out, cells);
    maybe_flush(out, flush);
  }
  return out;
}

}  // namespace trailsweep
