// `trailsweep search`: --where terms and one-line Sigma detections compile to
// one rule with Sigma's semantics, and matching records come out as text or raw JSON.
#include "trailsweep/search.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>

#include "test_util.hpp"

namespace trailsweep {
namespace {

using testing::run_trailsweep;

const std::string kArchive = std::string(TRAILSWEEP_SOURCE_DIR) + "/testdata/archive";

// search_files() over `paths`: what it printed and its totals.
struct FilesRun {
  std::string out;
  SearchTotals totals;
};

FilesRun search_with_jobs(const SearchQuery& q, SearchOutput output, std::uint64_t limit, unsigned jobs,
                          const std::vector<std::string>& paths = {kArchive}) {
  CompiledSearch compiled = compile_search(q);
  for (const auto& e : compiled.errors) ADD_FAILURE() << e;
  FilesRun run;
  if (!compiled.rules) return run;
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* mem = open_memstream(&buf, &len);
  auto files = walk_inputs(paths, InputFilter{}).files;
  run.totals = search_files(files, ScanOptions{}, *compiled.rules, output, mem, limit, jobs);
  std::fclose(mem);
  run.out.assign(buf, len);
  std::free(buf);
  return run;
}

struct SearchRun {
  std::string out;
  std::uint64_t matches = 0;
  std::uint64_t records = 0;
};

SearchRun search(const SearchQuery& q, SearchOutput output = SearchOutput::kText, std::uint64_t limit = 0) {
  FilesRun run = search_with_jobs(q, output, limit, 1);
  return {run.out, run.totals.matches, run.totals.summary.records};
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

TEST(Search, WhereTermsAreAndedAndFindTheDryRunProbes) {
  SearchRun run = search({{"eventName=RunInstances", "errorCode=Client.DryRunOperation"}, ""});
  // The campaign's two probes (p3.16xlarge, c5.24xlarge); Karpenter and the console probe elsewhere.
  auto out = lines(run.out);
  ASSERT_EQ(run.matches, out.size());
  for (const auto& l : out) {
    EXPECT_NE(l.find("RunInstances [Client.DryRunOperation]"), std::string::npos) << l;
    EXPECT_NE(l.find(" record "), std::string::npos) << l;
  }
  EXPECT_EQ(std::count_if(out.begin(), out.end(),
                          [](const std::string& l) { return l.find("user/ci-deployer 203.0.113.77") != std::string::npos; }),
            2);
  SearchRun all_runs = search({{"eventName=RunInstances"}, ""});
  EXPECT_GT(all_runs.matches, run.matches);
  EXPECT_EQ(all_runs.records, run.records);
}

TEST(Search, NegationNullAndModifiersFollowSigma) {
  SearchRun failed = search({{"eventName=RunInstances", "errorCode!=null"}, ""});
  SearchRun ok = search({{"eventName=RunInstances", "errorCode=null"}, ""});
  SearchRun all = search({{"eventName=RunInstances"}, ""});
  EXPECT_GT(failed.matches, 0u);
  EXPECT_GT(ok.matches, 0u);
  EXPECT_EQ(failed.matches + ok.matches, all.matches);
  for (const auto& l : lines(failed.out)) EXPECT_NE(l.find("RunInstances ["), std::string::npos) << l;
  SearchRun terraform = search({{"userAgent|contains=terraform"}, ""});
  SearchRun glob = search({{"userAgent=*Terraform*"}, ""});
  EXPECT_GT(terraform.matches, 0u);
  EXPECT_EQ(terraform.matches, glob.matches) << "contains is case-insensitive like a glob";
}

TEST(Search, OneLineSigmaDetectionWithFilter) {
  SearchRun run = search({{}, "{sel: {eventName|startswith: [CreateFunctionUrlConfig, AddPermission]}, "
                               "filter: {requestParameters.principal: s3.amazonaws.com}, condition: sel and not filter}"});
  EXPECT_GT(run.matches, 0u);
  for (const auto& l : lines(run.out)) {
    EXPECT_TRUE(l.find("CreateFunctionUrlConfig20211031") != std::string::npos ||
                l.find("AddPermission20150331v2") != std::string::npos)
        << l;
  }
  // --where narrows a --sigma detection further.
  SearchRun narrowed = search({{"userIdentity.userName=ci-deployer"},
                               "{sel: {eventName|startswith: [CreateFunctionUrlConfig, AddPermission]}, condition: sel}"});
  EXPECT_GT(narrowed.matches, 0u);
  EXPECT_LT(narrowed.matches, run.matches + 1);
  for (const auto& l : lines(narrowed.out)) EXPECT_NE(l.find("user/ci-deployer"), std::string::npos) << l;
}

TEST(Search, RawOutputIsOneParsableRecordPerLine) {
  SearchRun run = search({{"eventName=CreateUser"}, ""}, SearchOutput::kRaw);
  auto out = lines(run.out);
  ASSERT_GT(out.size(), 0u);
  ASSERT_EQ(out.size(), run.matches);
  simdjson::dom::parser parser;
  for (const auto& l : out) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(l).get(doc), simdjson::SUCCESS) << l;
    std::string_view name;
    ASSERT_EQ(doc["eventName"].get(name), simdjson::SUCCESS);
    EXPECT_EQ(name, "CreateUser");
    std::string_view id;
    EXPECT_EQ(doc["eventID"].get(id), simdjson::SUCCESS) << "the whole record, not a summary";
  }
}

TEST(Search, CountAndLimit) {
  SearchRun count = search({{"eventSource=ecs.amazonaws.com"}, ""}, SearchOutput::kCount);
  EXPECT_TRUE(count.out.empty());
  EXPECT_GT(count.matches, 10u);
  SearchRun limited = search({{"eventSource=ecs.amazonaws.com"}, ""}, SearchOutput::kText, 3);
  EXPECT_EQ(limited.matches, 3u);
  EXPECT_EQ(lines(limited.out).size(), 3u);
}

TEST(Search, OnEveryCoreMatchesComeOutInInputOrder) {
  // Workers read files ahead; what is printed, counted and reported must be
  // what one thread gives, also when --limit lands inside a file.
  const SearchQuery q{{"eventSource=ecs.amazonaws.com"}, ""};
  const std::vector<std::string> paths{kArchive, std::string(TRAILSWEEP_SOURCE_DIR) + "/testdata/broken"};
  const FilesRun one = search_with_jobs(q, SearchOutput::kText, 0, 1, paths);
  ASSERT_GT(one.totals.matches, 20u);
  ASSERT_FALSE(one.totals.summary.errors.empty()) << "the damaged files should be reported";
  for (unsigned jobs : {2u, 3u, 8u}) {
    for (std::uint64_t limit : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{7}, one.totals.matches - 1}) {
      for (SearchOutput output : {SearchOutput::kText, SearchOutput::kRaw, SearchOutput::kCount}) {
        const FilesRun serial = search_with_jobs(q, output, limit, 1, paths);
        const FilesRun parallel = search_with_jobs(q, output, limit, jobs, paths);
        EXPECT_EQ(parallel.out, serial.out) << jobs << " jobs, limit " << limit;
        EXPECT_EQ(parallel.totals.matches, serial.totals.matches) << jobs << " jobs, limit " << limit;
        EXPECT_EQ(parallel.totals.limit_reached, serial.totals.limit_reached) << jobs << " jobs, limit " << limit;
        EXPECT_EQ(parallel.totals.summary.records, serial.totals.summary.records) << jobs << " jobs, limit " << limit;
        ASSERT_EQ(parallel.totals.summary.errors.size(), serial.totals.summary.errors.size());
        for (std::size_t i = 0; i < serial.totals.summary.errors.size(); ++i) {
          EXPECT_EQ(parallel.totals.summary.errors[i].to_string(), serial.totals.summary.errors[i].to_string());
        }
      }
    }
  }
  EXPECT_EQ(lines(search_with_jobs(q, SearchOutput::kText, 7, 3, paths).out).size(), 7u);
  // With fewer threads than -j (a pid limit), none at all included.
  for (int allowed : {0, 1}) {
    testing::ThreadStartsRefused refused(allowed);
    const FilesRun limited = search_with_jobs(q, SearchOutput::kText, 0, 3, paths);
    EXPECT_EQ(limited.out, one.out) << allowed << " threads allowed";
    EXPECT_EQ(limited.totals.summary.errors.size(), one.totals.summary.errors.size()) << allowed << " threads allowed";
  }
}

TEST(Search, BadQueriesSayWhatIsWrong) {
  auto bad_term = compile_search({{"eventName"}, ""});
  ASSERT_EQ(bad_term.errors.size(), 1u);
  EXPECT_NE(bad_term.errors[0].find("--where 'eventName': expected FIELD=VALUE"), std::string::npos);
  EXPECT_FALSE(compile_search({{}, ""}).errors.empty());
  auto no_condition = compile_search({{}, "{sel: {eventName: CreateUser}}"});
  ASSERT_FALSE(no_condition.errors.empty());
  EXPECT_NE(no_condition.errors[0].find("with a condition"), std::string::npos);
  auto bad_yaml = compile_search({{}, "{sel: [unclosed"});
  ASSERT_FALSE(bad_yaml.errors.empty());
  EXPECT_EQ(bad_yaml.errors[0].rfind("--sigma: invalid YAML at its end: did not find expected ',' or ']'", 0), 0u)
      << bad_yaml.errors[0];
  auto stray_brace = compile_search({{}, "{sel: {eventName: X}}}"});
  ASSERT_FALSE(stray_brace.errors.empty());
  EXPECT_EQ(stray_brace.errors[0].rfind("--sigma: invalid YAML at column 22: ", 0), 0u) << stray_brace.errors[0];
  auto bad_modifier = compile_search({{"eventName|sounds_like=x"}, ""});
  ASSERT_FALSE(bad_modifier.errors.empty());
  EXPECT_NE(bad_modifier.errors[0].find("sounds_like"), std::string::npos) << bad_modifier.errors[0];
  // CloudTrail JSON is UTF-8: other bytes in a term can match nothing.
  auto not_utf8 = compile_search({{"eventName=Create\xffUser"}, ""});
  ASSERT_EQ(not_utf8.errors.size(), 1u);
  EXPECT_EQ(not_utf8.errors[0], "--where 'eventName=Create\xffUser': not UTF-8 text");
  auto not_utf8_sigma = compile_search({{}, "{sel: {eventName: \xff}, condition: sel}"});
  ASSERT_EQ(not_utf8_sigma.errors.size(), 1u);
  EXPECT_EQ(not_utf8_sigma.errors[0].rfind("--sigma: invalid YAML at column 19: invalid leading UTF-8 octet", 0), 0u)
      << not_utf8_sigma.errors[0];
  auto reserved = compile_search({{}, "{where_1: {eventName: x}, condition: where_1}"});
  ASSERT_FALSE(reserved.errors.empty());
}

TEST(Search, ExplainShowsTheCompiledRule) {
  auto compiled = compile_search({{"userAgent=*Terraform*", "errorCode!=null"}, ""});
  ASSERT_TRUE(compiled.errors.empty());
  EXPECT_NE(compiled.rule_yaml.find("userAgent: '*Terraform*'"), std::string::npos) << compiled.rule_yaml;
  EXPECT_NE(compiled.rule_yaml.find("condition: where_1 and not where_2"), std::string::npos) << compiled.rule_yaml;
  EXPECT_NE(compiled.rule_yaml.find("errorCode: ~"), std::string::npos) << compiled.rule_yaml;
  // A quoted value stays a string in the composed rule (yaml-cpp wrote it
  // bare, and the rule read it back as the number 5).
  auto quoted = compile_search({{}, "{sel: {requestParameters.maxCount: '5'}, condition: sel}"});
  ASSERT_TRUE(quoted.errors.empty());
  EXPECT_NE(quoted.rule_yaml.find("requestParameters.maxCount: '5'\n"), std::string::npos) << quoted.rule_yaml;
}

TEST(Search, CliPrintsRawRecordsForJq) {
  auto r = run_trailsweep(
      "search testdata/archive --where eventName=RunInstances --where errorCode=Client.DryRunOperation "
      "--where userIdentity.userName=ci-deployer --raw");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  for (const auto& l : out) {
    EXPECT_EQ(l.front(), '{');
    EXPECT_NE(l.find("\"errorCode\":\"Client.DryRunOperation\""), std::string::npos);
  }
  EXPECT_NE(r.err.find("2 matching record(s)"), std::string::npos) << r.err;
  auto usage = run_trailsweep("search testdata/archive");
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("give at least one --where"), std::string::npos) << usage.err;
  auto one = run_trailsweep("search -j 1 testdata/archive --where eventSource=iam.amazonaws.com --limit 9");
  auto three = run_trailsweep("search -j 3 testdata/archive --where eventSource=iam.amazonaws.com --limit 9");
  EXPECT_EQ(lines(one.out).size(), 9u);
  EXPECT_EQ(three.out, one.out);
  EXPECT_EQ(three.err, one.err);
  auto broken = run_trailsweep("search testdata/broken --where eventName=CreateUser --count");
  EXPECT_EQ(broken.exit_code, 3) << "skipped input shows in the exit status: " << broken.err;
}

}  // namespace
}  // namespace trailsweep
