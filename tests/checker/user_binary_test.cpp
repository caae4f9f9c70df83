// A user's own test binary (user_binary/bank.cpp: WEFT_SCENARIO, register_scenario and
// weft::cli::main) offers the weft tool's commands over its own scenarios, and its reports end
// with a command that replays with that binary.
#include "child_process.hpp"
#include "process.hpp"

#include <weft/checker/catalogue.hpp>
#include <weft/checker/registry.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using result = weft::testing::shell_result;
using weft::testing::line_after;
using weft::testing::run_process;
using weft::testing::run_shell;

fs::path fresh_dir(const std::string& name) {
  return fs::absolute(weft::testing::fresh_dir("weft-user-binary-" + name));
}

// Runs the user's binary with `args` in `cwd`.
result bank(const std::vector<std::string>& args, const std::string& cwd = {}) {
  std::vector<std::string> argv{USER_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, cwd);
}

TEST(UserBinary, ListShowsItsOwnScenariosOnly) {
  const result r = bank({"list"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("bug  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bug:assertion"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("two deposits read and write the balance in two steps"), std::string::npos);
  EXPECT_NE(r.out.find("fixed"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("lost-update"), std::string::npos) << "the built-in catalogue leaked in:\n"
                                                          << r.out;
}

TEST(UserBinary, ExploreFindsTheBugAndItsReplayCommandReproducesIt) {
  const fs::path dir = fresh_dir("bug");
  fs::create_directories(dir / "here");
  fs::create_directories(dir / "elsewhere");
  const result r = bank({"explore", "bug", "--trace-dir", "my traces"}, (dir / "here").string());
  ASSERT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("weft: FAIL bug"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("got 110, expected 120"), std::string::npos) << r.out;
  const std::string trace = line_after(r.out, "  trace       ");
  EXPECT_EQ(fs::path(trace).parent_path(), dir / "here" / "my traces");
  EXPECT_TRUE(fs::exists(trace)) << r.out;
  const std::string command = line_after(r.out, "  replay      ");
  EXPECT_EQ(command, "'" + std::string(USER_BINARY) + "' replay '" + trace + "'");
  const auto replayed = run_shell(command, (dir / "elsewhere").string());
  EXPECT_EQ(replayed.code, 1) << command << "\n" << replayed.out;
  EXPECT_NE(replayed.out.find("weft: REPLAY bug: reproduced assertion"), std::string::npos)
      << replayed.out;

  // The trace tools work on it too.
  EXPECT_EQ(bank({"show", trace}).code, 0);
  EXPECT_EQ(bank({"show", "--html", trace}).code, 0);
  EXPECT_EQ(bank({"export", "--chrome-trace", trace}).code, 0);
  const result minimized = bank({"minimize", trace, "--time-limit", "5s"});
  EXPECT_EQ(minimized.code, 0) << minimized.out;
  EXPECT_EQ(run_shell(line_after(minimized.out, "  replay  "), "/").code, 1) << minimized.out;
}

TEST(UserBinary, ExploreOfTheFixedTwinPasses) {
  const result r = bank({"explore", "fixed", "--iterations", "2000", "--seed", "3"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("weft: PASS fixed"), std::string::npos) << r.out;
}

TEST(UserBinary, ExploreWithoutNamesChecksEveryExpectation) {
  const result r = bank({"explore", "--iterations", "2000", "--trace-dir",
                         (fresh_dir("all") / "t").string()});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("weft: every expectation held"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bug:"), std::string::npos);
}

TEST(UserBinary, SameFlagsAndExitCodesAsTheWeftTool) {
  EXPECT_EQ(bank({"explore", "lost-update"}).code, 64);  // not registered here
  EXPECT_EQ(bank({"explore", "bug", "--strategy", "frobnicate"}).code, 64);
  EXPECT_EQ(bank({"explore", "bug", "--time-limit", "nan"}).code, 64);
  EXPECT_EQ(bank({"frobnicate"}).code, 64);
  EXPECT_EQ(bank({"--help"}).code, 0);
}

TEST(UserBinary, AJsonReportNamesItsOwnReplayCommand) {
  const fs::path dir = fresh_dir("json-report");
  const result r = bank({"explore", "bug", "--seed", "1", "--trace-dir", (dir / "t").string(),
                         "--json", (dir / "r.json").string()});
  ASSERT_EQ(r.code, 1) << r.out;
  std::ifstream in(dir / "r.json");
  const nlohmann::json doc = nlohmann::json::parse(in);
  const nlohmann::json& f = doc["reports"][0]["failures"][0];
  EXPECT_EQ(doc["reports"][0]["scenario"], "bug");
  EXPECT_EQ(f["kind"], "assertion");
  EXPECT_EQ(f["message"], "got 110, expected 120");
  EXPECT_EQ(f["replay"], line_after(r.out, "  replay      "));
}

TEST(UserBinary, ATraceOfAnotherBinaryIsRefusedClearly) {
  const fs::path dir = fresh_dir("foreign");
  const result weft = run_process({WEFT_CLI, "explore", "lost-update", "--seed", "1", "--trace-dir",
                                   (dir / "t").string()});
  ASSERT_EQ(weft.code, 1) << weft.out;
  const result r = bank({"replay", line_after(weft.out, "  trace       ")});
  EXPECT_EQ(r.code, 64) << r.out;
  EXPECT_NE(r.out.find("of scenario \"lost-update\", which"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("does not have registered"), std::string::npos) << r.out;
}

// The registry itself, in this process (which registers nothing of its own).
TEST(Registry, ABinarySeesOnlyWhatItRegistersUntilItOptsIntoTheCatalogue) {
  EXPECT_EQ(weft::checker::find_registered("lost-update"), nullptr);
  EXPECT_TRUE(weft::checker::register_scenario({"registry-test-one", "", false,
                                                weft::sim::failure_kind::none, [] {}}));
  ASSERT_NE(weft::checker::find_registered("registry-test-one"), nullptr);
  const std::size_t before = weft::checker::registered_scenarios().size();
  weft::checker::register_catalogue();
  weft::checker::register_catalogue();  // twice is a no-op
  EXPECT_NE(weft::checker::find_registered("lost-update"), nullptr);
  EXPECT_EQ(weft::checker::registered_scenarios().size(),
            before + weft::checker::catalogue().size());
}

TEST(Registry, BadRegistrationsAreRefused) {
  using weft::checker::register_scenario;
  using weft::sim::failure_kind;
  EXPECT_THROW(register_scenario({"", "", false, failure_kind::none, [] {}}), std::invalid_argument);
  EXPECT_THROW(register_scenario({"two words", "", false, failure_kind::none, [] {}}),
               std::invalid_argument);
  EXPECT_THROW(register_scenario({"no-body", "", false, failure_kind::none, {}}),
               std::invalid_argument);
  EXPECT_TRUE(register_scenario({"registry-test-twice", "", false, failure_kind::none, [] {}}));
  EXPECT_THROW(register_scenario({"registry-test-twice", "", false, failure_kind::none, [] {}}),
               std::invalid_argument);
}

}  // namespace
