// Optimizers by name from a rules file, literal rules and baselines; bad rule files fail with
// dslc's file:line:col diagnostics; the paper's rules file has every rule the issue names.
#include "apps/common/named_rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "optim/optimizer.h"

namespace nos::app {
namespace {
namespace fs = std::filesystem;

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("nos_transfer_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(TransferOptimizers, BadRulesFileGivesDslcDiagnostics) {
  const fs::path f = write_temp("bad.rules", "ok: g\nbad: mul g\ntypo: mul g exp sgn_m\n");
  const std::string err = error_of([&] { read_rules_file(f); });
  EXPECT_NE(err.find(f.string() + ":2:11: error: missing operand"), std::string::npos) << err;
  EXPECT_NE(err.find(f.string() + ":3:17: error: unknown symbol 'sgn_m'; did you mean 'sign_m'?"), std::string::npos)
      << err;
  fs::remove(f);
  EXPECT_NE(
      error_of([] { read_rules_file("/nonexistent/x.rules"); }).find("cannot read rules file /nonexistent/x.rules"),
      std::string::npos);
}

TEST(TransferOptimizers, NamesLiteralsAndBaselines) {
  const fs::path f = write_temp("ok.rules", "powersign_ld: mul g exp mul ld mul sign_g sign_m\nmine: mul g two\n");
  const auto rules = read_rules_file(f);
  fs::remove(f);
  const auto specs =
      resolve_optimizers({"PowerSign-LD", "mine", "momentum", "fast=mul g g", "mul m two"}, rules, "ok.rules");
  ASSERT_EQ(specs.size(), 5u);
  EXPECT_EQ(specs[0].name, "PowerSign-LD");  // shown as the user wrote it
  EXPECT_EQ(specs[0].rule, "mul g exp mul ld mul sign_g sign_m");
  EXPECT_EQ(specs[1].rule, "mul g two");
  EXPECT_EQ(specs[2].rule, "mom");  // a baseline, though ok.rules does not define it
  EXPECT_EQ(specs[3].name, "fast");
  EXPECT_EQ(specs[3].rule, "mul g g");
  EXPECT_EQ(specs[4].name, "mul m two");
  EXPECT_EQ(specs[4].infix, "m * 2");

  const std::string unknown = error_of([&] { resolve_optimizers({"powersgn"}, rules, "ok.rules"); });
  EXPECT_NE(unknown.find(
                "unknown optimizer 'powersgn': not a rule in ok.rules nor a baseline (names: powersign_ld, mine, sgd"),
            std::string::npos)
      << unknown;
  EXPECT_NE(unknown.find("<optimizer>:1:1: error: unknown symbol 'powersgn'"), std::string::npos) << unknown;
  EXPECT_NE(error_of([&] { resolve_optimizers({"adam", "ADAM"}, rules, ""); }).find("listed twice"), std::string::npos);
  EXPECT_NE(error_of([&] { resolve_optimizers({"x=mul g"}, rules, ""); }).find("optimizer 'x=mul g': bad rule"),
            std::string::npos);
}

TEST(TransferOptimizers, PaperRulesFileHasEveryNamedRuleAndEachCompiles) {
  const auto rules = read_rules_file(NOS_RULES_FILE);
  std::vector<std::string> want = {"sgd",       "momentum", "adam",       "rmsprop", "lion",
                                   "powersign", "addsign",  "rmsprop_tf", "adam_tf"};
  for (int i = 1; i <= 16; ++i) want.push_back((i < 10 ? "t1_0" : "t1_") + std::to_string(i));
  for (const char* base : {"powersign", "addsign"})
    for (const char* d : {"ld", "cd", "rd"}) want.push_back(std::string(base) + "-" + d);
  const auto specs = resolve_optimizers(want, rules, NOS_RULES_FILE);
  ASSERT_EQ(specs.size(), want.size());
  for (const auto& s : specs) {
    // Each is defined in the file itself (the paper spells powersign-ld, the file powersign_ld)
    // and compiles; decays need the run length.
    std::string file_name = s.name;
    std::replace(file_name.begin(), file_name.end(), '-', '_');
    EXPECT_TRUE(std::any_of(rules.begin(), rules.end(), [&](const OptimizerSpec& r) { return r.name == file_name; }))
        << s.name;
    EXPECT_NO_THROW(optim::Optimizer(s.rule, {.hyper = {.total_steps = 10}})) << s.name;
  }
  EXPECT_EQ(specs[5].rule, "mul g exp mul sign_g sign_m");
  EXPECT_EQ(specs[6].rule, "mul add one mul sign_g sign_m g");
  EXPECT_EQ(specs[7].rule, "rmsprop_tf");
  EXPECT_EQ(specs[8].rule, "adam_tf");
  EXPECT_EQ(specs.back().rule, "mul add one mul rd mul sign_g sign_m g");
}

}  // namespace
}  // namespace nos::app
