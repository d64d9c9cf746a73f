#include "trailsweep/sigma_condition.hpp"

#include <gtest/gtest.h>

#include <set>

namespace trailsweep {
namespace {

const std::vector<std::string> kNames = {"selection", "filter_a", "filter_b", "sel_x", "_hidden"};

bool eval(const std::string& cond, std::set<int> true_selections) {
  std::string err;
  auto node = parse_condition(cond, kNames, &err);
  EXPECT_TRUE(node.has_value()) << cond << ": " << err;
  if (!node) return false;
  return node->evaluate([&](int i) { return true_selections.count(i) > 0; });
}

std::string error_of(const std::string& cond) {
  std::string err;
  auto node = parse_condition(cond, kNames, &err);
  EXPECT_FALSE(node.has_value()) << cond;
  return err;
}

TEST(SigmaCondition, BooleanOperatorsAndPrecedence) {
  EXPECT_TRUE(eval("selection", {0}));
  EXPECT_FALSE(eval("selection and filter_a", {0}));
  EXPECT_TRUE(eval("selection or filter_a", {1}));
  EXPECT_TRUE(eval("selection and not filter_a", {0}));
  EXPECT_FALSE(eval("selection and not filter_a", {0, 1}));
  // and binds tighter than or: sel_x or (selection and filter_a)
  EXPECT_TRUE(eval("sel_x or selection and filter_a", {3}));
  EXPECT_FALSE(eval("(sel_x or selection) and filter_a", {3}));
  EXPECT_TRUE(eval("not not selection", {0}));
  EXPECT_TRUE(eval("selection AND NOT filter_a", {0}));
}

TEST(SigmaCondition, OfForms) {
  EXPECT_TRUE(eval("1 of filter_*", {2}));
  EXPECT_FALSE(eval("all of filter_*", {2}));
  EXPECT_TRUE(eval("all of filter_*", {1, 2}));
  EXPECT_TRUE(eval("selection and not 1 of filter_*", {0}));
  EXPECT_FALSE(eval("selection and not 1 of filter_*", {0, 1}));
  EXPECT_TRUE(eval("1 of them", {3}));
  // "them" leaves out names starting with an underscore.
  EXPECT_FALSE(eval("1 of them", {4}));
  EXPECT_FALSE(eval("all of them", {0, 1, 2}));
  EXPECT_TRUE(eval("all of them", {0, 1, 2, 3}));
  EXPECT_TRUE(eval("any of sel*", {3}));
}

TEST(SigmaCondition, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(error_of("selection and filter"), "unknown selection 'filter' at column 15");
  EXPECT_EQ(error_of("(selection or filter_a"), "expected ')' at column 23");
  EXPECT_EQ(error_of("selection and"), "condition ends where a selection name was expected");
  EXPECT_EQ(error_of("1 of nothing_*"), "'nothing_*' at column 6 matches no selection");
  EXPECT_EQ(error_of("selection | count() > 5"),
            "aggregation expressions ('| count() ...') are not supported at column 11; write a "
            "correlation rule instead");
  EXPECT_EQ(error_of("selection filter_a"), "unexpected 'filter_a' at column 11");
}

}  // namespace
}  // namespace trailsweep
