// The HTML report: golden file, structure, escaping, and (where Chromium is
// installed) a headless render that must not be blank.
#include "trailsweep/report_html.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.hpp"

namespace trailsweep {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(ReportHtml, MatchesGoldenFile) {
  auto r = testing::run_trailsweep("scan --deterministic --no-summary --format html testdata/archive");
  auto golden = std::filesystem::path(TRAILSWEEP_SOURCE_DIR) / "tests/golden/archive.html";
  if (std::getenv("TRAILSWEEP_UPDATE_GOLDEN")) testing::write_file(golden, r.out);
  EXPECT_TRUE(r.out == testing::read_file(golden)) << "rerun with TRAILSWEEP_UPDATE_GOLDEN=1 if intended";
}

TEST(ReportHtml, OneTimelinePerSequenceOneLanePerStageOneRowPerEvidence) {
  auto r = testing::run_trailsweep("scan --deterministic --no-summary --format html testdata/");
  auto json = testing::run_trailsweep("scan --deterministic --no-summary --format json testdata/");
  // 11 sequences in testdata (8 critical, 3 partial), each with a timeline.
  EXPECT_EQ(count(r.out, "<svg class=\"timeline\""), 11u);
  EXPECT_EQ(count(r.out, "<section class=\"finding\""), 11u);
  // Lanes: one per matched stage, across all findings; evidence rows: as many as kept.
  EXPECT_EQ(count(r.out, "<g class=\"lane\">"), count(json.out, "\"first_seen\"") - 11);
  EXPECT_EQ(count(r.out, "<tr class=\"ev\">"), count(json.out, "\"event_id\":"));
  EXPECT_NE(r.out.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  EXPECT_EQ(r.out.find("http://"), std::string::npos);
  EXPECT_EQ(r.out.find("src=\"http"), std::string::npos);
}

TEST(ReportHtml, AttackerStringsAreOnlyText) {
  Finding f;
  f.rule_name = "r";
  f.title = "t";
  f.level = Level::kCritical;
  f.principal = "arn:aws:iam::1:user/<script>alert(1)</script>";
  f.user_agents = {"\"onmouseover=alert(1) x=\"", "</style><script>alert(2)</script>"};
  f.regions = {"us-east-1"};
  f.resources = {{"ecs_cluster", "</style><img src=x onerror=alert(3)>", "us-east-1"}};
  Stage s;
  s.name = "stage<b>";
  s.title = "Stage \"one\" <i>";
  s.count = 2;
  f.stages = {s};
  Evidence e;
  e.set_call("<svg onload=alert(4)>", "us-east-1\"><script>", "");
  e.user_agent = "'><script>alert(5)</script>";
  e.stage = 0;
  e.file = "x.json";
  f.evidence = {e};
  RunSummary summary;
  ReportContext ctx;
  std::string html = render_html_report({f}, summary, ctx, {"<script>path</script>"});
  // Our own script block is the only one.
  EXPECT_EQ(count(html, "<script>"), 1u);
  EXPECT_EQ(count(html, "</style>"), 1u);
  EXPECT_EQ(html.find("onmouseover=alert(1) x=\""), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<svg onload"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;onmouseover=alert(1) x=&quot;"), std::string::npos);
  EXPECT_NE(html.find("&#39;&gt;&lt;script&gt;alert(5)"), std::string::npos);
  EXPECT_EQ(html_escape("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&#39;");
}

TEST(ReportHtml, RendersInHeadlessChromiumWhenInstalled) {
  const char* chromium = "/usr/bin/chromium";
  if (!std::filesystem::exists(chromium)) GTEST_SKIP() << "Chromium is not installed (Debian package chromium)";
  testing::TempDir tmp;
  auto html = tmp.path() / "r.html", png = tmp.path() / "r.png";
  auto r = testing::run_trailsweep("scan --deterministic --no-summary --format html --output " + html.string() +
                                   " testdata/archive");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::string cmd = std::string("timeout 120 ") + chromium +
                    " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                    "--disable-background-networking --disable-component-update --disable-sync --user-data-dir='" +
                    (tmp.path() / "profile").string() + "' --window-size=1400,1600 --screenshot='" + png.string() +
                    "' 'file://" + html.string() + "' >/dev/null 2>&1";
  std::system(cmd.c_str());
  ASSERT_TRUE(std::filesystem::exists(png));
  // A blank 1400x1600 page compresses to a few KB; the report with its chart does not.
  EXPECT_GT(std::filesystem::file_size(png), 60000u);
}

}  // namespace
}  // namespace trailsweep
