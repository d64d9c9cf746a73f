#include "trailsweep/yaml_guard.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.hpp"

namespace trailsweep {
namespace {

std::string loop_text() {
  return testing::read_file(std::string(TRAILSWEEP_SOURCE_DIR) +
                            "/tests/fuzz/regressions/rule_loader-timeout-yaml-cpp-loop.yml");
}

// Texts come back in their order, each once; the ones yaml-cpp never finishes
// are refused, and checking goes on after each of them (a second hang after
// the first is caught too, not parsed unchecked).
TEST(YamlGuard, ChecksEveryTextInOrderAndGoesOnAfterAHang) {
  const std::string good = "title: a\ndetection:\n  sel:\n    eventName: X\n  condition: sel\n";
  const std::string loop = loop_text();
  ASSERT_FALSE(loop.empty());
  const std::string comma = ",\n";
  const std::string syntax = "title: [unclosed\n";  // an error yaml-cpp reports: not the guard's
  const std::vector<const std::string*> texts = {&good, &loop, &good, &comma, &syntax, &loop, &good};
  std::vector<std::size_t> order;
  std::vector<bool> refused;
  for_each_checked_yaml(texts, 300, [&](std::size_t i, std::optional<YamlProblem> problem) {
    order.push_back(i);
    refused.push_back(problem.has_value());
    if (problem && (i == 1 || i == 5)) {
      EXPECT_NE(problem->message.find("did not finish within 0.3 s"), std::string::npos) << problem->message;
    }
    if (problem && i == 3) {
      EXPECT_EQ(problem->line, 1);
    }
  });
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(refused, (std::vector<bool>{false, true, false, true, false, true, false}));
}

TEST(YamlGuard, NoTextsAndOnlyRefusedTexts) {
  int calls = 0;
  for_each_checked_yaml({}, 300, [&](std::size_t, std::optional<YamlProblem>) { ++calls; });
  EXPECT_EQ(calls, 0);
  const std::string comma = ",\n";
  for_each_checked_yaml({&comma, &comma}, 300, [&](std::size_t, std::optional<YamlProblem> problem) {
    EXPECT_TRUE(problem.has_value());
    ++calls;
  });
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(yaml_text_problem("a: 1\n").has_value());
  EXPECT_TRUE(yaml_text_problem(loop_text(), 300).has_value());
}

}  // namespace
}  // namespace trailsweep
