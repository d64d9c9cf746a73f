// The reference line, rebuilt so that it runs on the same machine as
// trailsweep: libdeflate inflates each file whole, simdjson On-Demand reads
// each record's eventName and nothing else, and records whose name is one of
// the campaign's are counted. No principal, time, summary or rule: the least
// any CloudTrail reader that looks at every record can do. The benchmark
// script puts trailsweep's time next to it.
// --fields reads instead what trailsweep's skim reads of every record: the
// top-level strings an Event holds and the userIdentity strings (with
// sessionContext's issuer and attributes), so the two readers can be
// compared on the same work.
//
// Usage: trailsweep_prototype_ondemand [-j N] [--fields] [FILE|FOLDER...]   (file names also from stdin)
// Prints: seconds, records, matching records (--fields: records with no
// string read), kernel.
#include <libdeflate.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_inputs.hpp"

namespace {

constexpr std::array<std::string_view, 8> kPrefilter = {
    "RunInstances",   "CreateCluster", "RegisterTaskDefinition", "CreateService",
    "GetServiceQuota", "CreateUser",   "CreateAccessKey",        "CreateLoginProfile"};

// On-Demand's kernel is the one this file was compiled for (the library's
// builtin_implementation() names the library's own, not this one).
#define TRAILSWEEP_STRINGIFY_IMPL(x) #x
#define TRAILSWEEP_STRINGIFY(x) TRAILSWEEP_STRINGIFY_IMPL(x)
constexpr const char* kKernel = TRAILSWEEP_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION);

// The string members trailsweep's Event holds.
bool event_string_key(std::string_view key) {
  static constexpr std::array<std::string_view, 13> kKeys = {
      "eventVersion", "eventTime",    "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
      "errorCode",    "errorMessage", "eventID",     "eventType", "recipientAccountId", "readOnly"};
  return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

// Sums the lengths of the string values of `object` and, `depth` levels
// down, of its sessionContext, sessionIssuer and attributes objects (what the
// skim reads of userIdentity), so that the compiler cannot drop the reads.
std::size_t read_strings(simdjson::ondemand::object object, int depth) {
  std::size_t sum = 0;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return sum;
    simdjson::ondemand::value value;
    if (field.value().get(value)) return sum;
    std::string_view text;
    if (!value.get_string().get(text)) {
      sum += text.size();
    } else if (depth > 0 && (key == "sessionContext" || key == "sessionIssuer" || key == "attributes")) {
      simdjson::ondemand::object inner;
      if (!value.get_object().get(inner)) sum += read_strings(inner, depth - 1);
    }
  }
  return sum;
}

std::size_t read_fields(simdjson::ondemand::object record) {
  std::size_t sum = 0;
  for (auto field : record) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return sum;
    if (event_string_key(key)) {
      std::string_view text;
      if (!field.value().get_string().get(text)) sum += text.size();
    } else if (key == "userIdentity") {
      simdjson::ondemand::object identity;
      if (!field.value().get_object().get(identity)) sum += read_strings(identity, 2);
    }
  }
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = trailsweep::bench::parse_args(argc, argv, {"-j"});
  const auto jobs = static_cast<unsigned>(args.number("-j", std::thread::hardware_concurrency()));
  const bool fields = args.has("--fields");
  const std::vector<std::string>& files = args.files;
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> records_total{0}, matches_total{0};
  auto start = std::chrono::steady_clock::now();
  auto work = [&] {
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    simdjson::ondemand::parser parser;
    std::vector<char> in, out;
    std::uint64_t records = 0, matches = 0;
    for (std::size_t i; (i = next.fetch_add(1)) < files.size();) {
      const std::size_t isize = trailsweep::bench::read_gzip_file(files[i], in);
      if (isize == 0) continue;
      out.resize(isize + simdjson::SIMDJSON_PADDING);
      std::size_t got = 0;
      if (libdeflate_gzip_decompress(d, in.data(), in.size(), out.data(), isize, &got) != LIBDEFLATE_SUCCESS) continue;
      simdjson::ondemand::document doc;
      if (parser.iterate(out.data(), got, out.size()).get(doc)) continue;
      simdjson::ondemand::array list;
      if (doc["Records"].get_array().get(list)) continue;
      for (auto element : list) {
        simdjson::ondemand::object record;
        if (element.get_object().get(record)) break;
        ++records;
        if (fields) {
          matches += read_fields(record) == 0;
          continue;
        }
        std::string_view name;
        if (record["eventName"].get_string().get(name)) continue;
        matches += std::find(kPrefilter.begin(), kPrefilter.end(), name) != kPrefilter.end();
      }
    }
    records_total += records;
    matches_total += matches;
    libdeflate_free_decompressor(d);
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.3f %llu %llu %s\n", secs, static_cast<unsigned long long>(records_total.load()),
              static_cast<unsigned long long>(matches_total.load()),
              kKernel);
  return 0;
}
