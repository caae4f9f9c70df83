// The weft tool as a user meets it in a shell: a signal ends a run with its summary and seed,
// a pass cut short by the time limit says so, replay commands work pasted anywhere, and --json
// writes the reports as documented (docs/report-json.md).
#include "child_process.hpp"
#include "process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using weft::testing::child_process;
using weft::testing::line_after;
using weft::testing::read_file;
using weft::testing::run_shell;

fs::path fresh_dir(const std::string& name) {
  return fs::absolute(weft::testing::fresh_dir("weft-cli-process-" + name));
}

// What `weft explore` printed as its run seed ("... seed 0x... (resume with --seed 0x...)").
std::string seed_of(const std::string& out) {
  std::smatch m;
  static const std::regex seed_line(R"(seed (0x[0-9a-f]{16}) \(resume with --seed (0x[0-9a-f]{16})\))");
  if (!std::regex_search(out, m, seed_line) || m[1] != m[2]) return {};
  return m[1];
}

void expect_signal_stops_the_run(int signal, int expected_code, const char* name) {
  const fs::path dir = fresh_dir(std::string("signal-") + name);
  child_process weft({WEFT_CLI, "explore", "lost-update-fixed", "--iterations", "100000000",
                      "--trace-dir", (dir / "traces").string()});
  ASSERT_TRUE(weft.started());
  ASSERT_TRUE(weft.wait_for("(resume with --seed ")) << weft.output();
  // The whole line, so the seed is complete before we parse it.
  ASSERT_TRUE(weft.wait_for(")\n")) << weft.output();
  const std::string seed = seed_of(weft.output());
  ASSERT_FALSE(seed.empty()) << weft.output();
  weft.send(signal);
  EXPECT_EQ(weft.finish(), expected_code) << weft.output();
  const std::string& out = weft.output();
  EXPECT_NE(out.find(std::string("weft: STOPPED by ") + name + " after "), std::string::npos)
      << out;
  EXPECT_NE(out.find("0 failing; run seed " + seed + " (resume with --seed " + seed + ")"),
            std::string::npos)
      << out;
  // The scenario's own summary: a pass, cut short, with the executions it ran.
  EXPECT_NE(out.find("weft: PASS lost-update-fixed  strategy=random seed=" + seed),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("(stopped on request after "), std::string::npos) << out;
  EXPECT_NE(out.find(" of 100000000 executions)"), std::string::npos) << out;
}

TEST(CliProcess, SigintStopsExploreWithTheSummaryAndTheSeedAndExits130) {
  expect_signal_stops_the_run(SIGINT, 130, "SIGINT");
}

TEST(CliProcess, SigtermStopsExploreWithTheSummaryAndTheSeedAndExits143) {
  expect_signal_stops_the_run(SIGTERM, 143, "SIGTERM");
}

TEST(CliProcess, TheDemonstrationStopsOnASignalToo) {
  child_process weft({WEFT_CLI, "explore", "--iterations", "100000000", "--trace-dir",
                      (fresh_dir("signal-demo") / "traces").string()});
  ASSERT_TRUE(weft.wait_for("(resume with --seed ")) << weft.output();
  ASSERT_TRUE(weft.wait_for(")\n")) << weft.output();
  const std::string seed = seed_of(weft.output());
  ASSERT_FALSE(seed.empty()) << weft.output();
  weft.send(SIGINT);
  EXPECT_EQ(weft.finish(), 130) << weft.output();
  EXPECT_NE(weft.output().find("run seed " + seed), std::string::npos) << weft.output();
  EXPECT_EQ(weft.output().find("every expectation held"), std::string::npos) << weft.output();
}

TEST(CliProcess, ThePrintedSeedReproducesTheRun) {
  const fs::path dir = fresh_dir("seed-line");
  child_process first({WEFT_CLI, "explore", "lost-update", "--trace-dir", (dir / "a").string()});
  EXPECT_EQ(first.finish(), 1) << first.output();
  const std::string seed = seed_of(first.output());
  ASSERT_FALSE(seed.empty()) << first.output();
  EXPECT_NE(first.output().find("weft: FAIL lost-update  strategy=random seed=" + seed),
            std::string::npos)
      << first.output();
  child_process again(
      {WEFT_CLI, "explore", "lost-update", "--seed", seed, "--trace-dir", (dir / "b").string()});
  EXPECT_EQ(again.finish(), 1) << again.output();
  EXPECT_EQ(seed_of(again.output()), seed);
  EXPECT_EQ(line_after(first.output(), "  failure     "), line_after(again.output(), "  failure     "));
}

TEST(CliProcess, APassCutShortByTheTimeLimitSaysSo) {
  child_process weft({WEFT_CLI, "explore", "lost-update-fixed", "--time-limit", "1ms",
                      "--iterations", "100000000", "--trace-dir",
                      (fresh_dir("time-limit") / "traces").string()});
  EXPECT_EQ(weft.finish(), 0) << weft.output();
  EXPECT_NE(weft.output().find("weft: PASS lost-update-fixed"), std::string::npos)
      << weft.output();
  EXPECT_NE(weft.output().find("(stopped by the time limit after "), std::string::npos)
      << weft.output();
  EXPECT_NE(weft.output().find(" of 100000000 executions)"), std::string::npos) << weft.output();
}

TEST(CliProcess, APassThatRanEveryExecutionSaysNothingOfStopping) {
  child_process weft({WEFT_CLI, "explore", "lost-update-fixed", "--iterations", "300",
                      "--time-limit", "10m", "--trace-dir",
                      (fresh_dir("complete") / "traces").string()});
  EXPECT_EQ(weft.finish(), 0) << weft.output();
  EXPECT_NE(weft.output().find("300 executions in"), std::string::npos) << weft.output();
  EXPECT_EQ(weft.output().find("stopped"), std::string::npos) << weft.output();
}

// A directory name with a space, a single quote and a dollar sign.
const char* const awkward = "trace dir 'quoted' $HOME";

TEST(CliProcess, TheReplayCommandWorksPastedIntoAShellInAnotherDirectory) {
  const fs::path root = fresh_dir("quoting");
  const fs::path here = root / "here";
  const fs::path elsewhere = root / "elsewhere";
  fs::create_directories(here);
  fs::create_directories(elsewhere);
  // A relative trace directory, from `here`.
  child_process weft({WEFT_CLI, "explore", "abba-deadlock", "--seed", "7", "--trace-dir", awkward},
                     here.string());
  ASSERT_EQ(weft.finish(), 2) << weft.output();
  const std::string command = line_after(weft.output(), "  replay      ");
  // The binary by its absolute path (it is not on this test's PATH), the trace absolute, both
  // in single quotes, the quote inside written '\''.
  const std::string trace = line_after(weft.output(), "  trace       ");
  EXPECT_EQ(fs::path(trace).parent_path(), here / awkward) << weft.output();
  EXPECT_EQ(command, "'" + std::string(WEFT_CLI) + "' replay '" + (here / "trace dir '").string() +
                         "\\''quoted'\\'' $HOME/" + fs::path(trace).filename().string() + "'")
      << weft.output();
  // The report ends with it.
  EXPECT_EQ(weft.output().rfind("  replay      "), weft.output().find("  replay      "));
  const auto replayed = run_shell(command, elsewhere.string());
  EXPECT_EQ(replayed.code, 2) << command << "\n" << replayed.out;
  EXPECT_NE(replayed.out.find("reproduced deadlock"), std::string::npos) << replayed.out;
}

TEST(CliProcess, AWeftOnThePathIsNamedByItsBareName) {
  const fs::path dir = fresh_dir("bare-name");
  const std::string path_env = "PATH=" + fs::path(WEFT_CLI).parent_path().string() + ":/usr/bin:/bin";
  child_process weft({WEFT_CLI, "explore", "lost-update", "--seed", "1", "--trace-dir",
                      (dir / "t").string()},
                     {}, {path_env});
  ASSERT_EQ(weft.finish(), 1) << weft.output();
  const std::string command = line_after(weft.output(), "  replay      ");
  EXPECT_EQ(command.rfind("weft replay '" + (dir / "t").string() + "/", 0), 0u) << command;
  const auto replayed = run_shell(command, "/", {path_env});
  EXPECT_EQ(replayed.code, 1) << replayed.out;
}

TEST(CliProcess, AWeftThePathDoesNotFindFirstIsNamedByItsAbsolutePath) {
  const fs::path dir = fresh_dir("shadowed");
  const fs::path other = dir / "other-bin";
  fs::create_directories(other);
  {
    std::ofstream fake(other / "weft");
    fake << "#!/bin/sh\nexit 0\n";
  }
  fs::permissions(other / "weft", fs::perms::owner_all);
  const std::string real = fs::path(WEFT_CLI).parent_path().string();
  // Another weft first; a relative entry first (what it finds depends on the directory).
  for (const std::string& path : {other.string() + ":" + real, std::string(".:") + real}) {
    child_process weft({WEFT_CLI, "explore", "lost-update", "--seed", "1", "--trace-dir",
                        (dir / "t").string()},
                       {}, {"PATH=" + path + ":/usr/bin:/bin"});
    ASSERT_EQ(weft.finish(), 1) << weft.output();
    const std::string command = line_after(weft.output(), "  replay      ");
    EXPECT_EQ(command.rfind("'" + std::string(WEFT_CLI) + "' replay '", 0), 0u)
        << path << ": " << command;
  }
}

TEST(CliProcess, ReplayAndMinimizeEndWithAReplayCommandToo) {
  const fs::path dir = fresh_dir("replay-line");
  child_process weft({WEFT_CLI, "explore", "relaxed-publish", "--seed", "5", "--trace-dir",
                      (dir / "t 1").string()});
  ASSERT_EQ(weft.finish(), 1) << weft.output();
  const std::string trace = line_after(weft.output(), "  trace       ");
  child_process replay({WEFT_CLI, "replay", trace});
  ASSERT_EQ(replay.finish(), 1) << replay.output();
  const std::string again = line_after(replay.output(), "  replay again ");
  EXPECT_EQ(again, "'" + std::string(WEFT_CLI) + "' replay '" + trace + "'");
  EXPECT_EQ(run_shell(again, "/").code, 1);
  child_process minimize({WEFT_CLI, "minimize", trace, "--time-limit", "5s"});
  ASSERT_EQ(minimize.finish(), 0) << minimize.output();
  const std::string minimal = line_after(minimize.output(), "  replay  ");
  EXPECT_EQ(run_shell(minimal, "/").code, 1) << minimal;
}

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read_file(p)); }

TEST(CliProcess, JsonReportOfAFailingRun) {
  const fs::path dir = fresh_dir("json-fail");
  const fs::path json = dir / "report.json";
  child_process weft({WEFT_CLI, "explore", "lost-update", "--seed", "0x2a", "--iterations", "500",
                      "--trace-dir", (dir / "t").string(), "--json", json.string()});
  ASSERT_EQ(weft.finish(), 1) << weft.output();
  const nlohmann::json doc = read_json(json);
  EXPECT_EQ(doc["schema"], "weft-report/1");
  ASSERT_EQ(doc["reports"].size(), 1u) << doc.dump(2);
  const nlohmann::json& r = doc["reports"][0];
  EXPECT_EQ(r["scenario"], "lost-update");
  EXPECT_EQ(r["strategy"], "random");
  EXPECT_EQ(r["params"]["fault-per-mille"], "50");
  EXPECT_EQ(r["seed"], "0x000000000000002a");
  EXPECT_EQ(r["iterations"], 500);
  EXPECT_GE(r["executions"].get<int>(), 1);
  EXPECT_TRUE(r["seconds"].is_number());
  EXPECT_EQ(r["complete"], true);
  EXPECT_TRUE(r["stopped_by"].is_null());
  EXPECT_EQ(r["result"], "fail");
  EXPECT_EQ(r["exit_code"], 1);
  ASSERT_EQ(r["failures"].size(), 1u);
  const nlohmann::json& f = r["failures"][0];
  EXPECT_EQ(f["kind"], "data-race");
  EXPECT_NE(f["message"].get<std::string>().find("data race on var"), std::string::npos);
  EXPECT_EQ(f["message"], line_after(weft.output(), "  failure     data-race: "));
  EXPECT_NE(f["location"]["file"].get<std::string>().find("catalogue.cpp"), std::string::npos);
  EXPECT_GT(f["location"]["line"].get<int>(), 0);
  EXPECT_EQ(f["thread"]["index"], 2);
  EXPECT_EQ(f["thread"]["name"], "incrementer-b");
  EXPECT_EQ(f["trace"], line_after(weft.output(), "  trace       "));
  EXPECT_TRUE(fs::path(f["trace"].get<std::string>()).is_absolute());
  EXPECT_TRUE(fs::exists(f["trace"].get<std::string>()));
  EXPECT_EQ(f["replay"], line_after(weft.output(), "  replay      "));
  EXPECT_EQ(f["reproduced_from_seed"], true);
  EXPECT_EQ(f["reproduced_from_trace"], true);
  EXPECT_EQ(run_shell(f["replay"].get<std::string>(), "/").code, 1);

  const fs::path replay_json = dir / "replay.json";
  child_process replay({WEFT_CLI, "replay", f["trace"].get<std::string>(), "--json",
                        replay_json.string()});
  ASSERT_EQ(replay.finish(), 1) << replay.output();
  const nlohmann::json rr = read_json(replay_json)["reports"][0];
  EXPECT_EQ(rr["strategy"], "replay");
  EXPECT_EQ(rr["result"], "fail");
  EXPECT_EQ(rr["failures"][0]["kind"], "data-race");
  EXPECT_EQ(rr["failures"][0]["message"], f["message"]);
  EXPECT_EQ(rr["failures"][0]["trace"], f["trace"]);
}

TEST(CliProcess, JsonReportOfPassingRunsOneEachScenario) {
  const fs::path dir = fresh_dir("json-pass");
  const fs::path json = dir / "report.json";
  child_process weft({WEFT_CLI, "explore", "lost-update-fixed", "abba-deadlock-fixed", "--strategy",
                      "pct", "--depth", "2", "--seed", "9", "--iterations", "300", "--json",
                      json.string()});
  ASSERT_EQ(weft.finish(), 0) << weft.output();
  const nlohmann::json doc = read_json(json);
  ASSERT_EQ(doc["reports"].size(), 2u) << doc.dump(2);
  EXPECT_EQ(doc["reports"][0]["scenario"], "lost-update-fixed");
  EXPECT_EQ(doc["reports"][1]["scenario"], "abba-deadlock-fixed");
  for (const nlohmann::json& r : doc["reports"]) {
    EXPECT_EQ(r["strategy"], "pct");
    EXPECT_EQ(r["params"]["depth"], "2");
    EXPECT_TRUE(r["params"].contains("pct-steps"));
    EXPECT_EQ(r["seed"], "0x0000000000000009");
    EXPECT_EQ(r["executions"], 300);
    EXPECT_EQ(r["iterations"], 300);
    EXPECT_EQ(r["complete"], true);
    EXPECT_EQ(r["result"], "pass");
    EXPECT_EQ(r["exit_code"], 0);
    EXPECT_TRUE(r["failures"].empty());
  }
}

TEST(CliProcess, JsonReportOfARunCutShort) {
  const fs::path dir = fresh_dir("json-cut");
  const fs::path json = dir / "report.json";
  child_process weft({WEFT_CLI, "explore", "lost-update-fixed", "--time-limit", "1ms",
                      "--iterations", "100000000", "--json", json.string()});
  ASSERT_EQ(weft.finish(), 0) << weft.output();
  const nlohmann::json r = read_json(json)["reports"][0];
  EXPECT_EQ(r["complete"], false);
  EXPECT_EQ(r["stopped_by"], "time-limit");
  EXPECT_LT(r["executions"].get<std::uint64_t>(), 100000000u);
}

TEST(CliProcess, AJsonFileThatCannotBeWrittenIsAUsageError) {
  child_process weft({WEFT_CLI, "explore", "lost-update-fixed", "--iterations", "10", "--json",
                      (fresh_dir("json-bad") / "no-such-dir" / "r.json").string()});
  EXPECT_EQ(weft.finish(), 64) << weft.output();
  EXPECT_NE(weft.output().find("cannot write the JSON report"), std::string::npos)
      << weft.output();
}

}  // namespace
