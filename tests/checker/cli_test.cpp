// The `weft` tool, run as a separate process: exit codes per failure class, byte-identical
// traces for the same seed across processes, replay, show, and clear errors for bad input.
#include "process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using weft::testing::files_in;
using weft::testing::read_file;
using weft::testing::run_weft;
using result = weft::testing::command_result;

fs::path fresh_dir(const std::string& name) {
  return weft::testing::fresh_dir("weft-cli-" + name);
}

TEST(Cli, SameSeedGivesByteIdenticalTracesInTwoProcesses) {
  for (const char* strategy : {"random", "pct"}) {
    const fs::path a = fresh_dir(std::string("same-seed-a-") + strategy);
    const fs::path b = fresh_dir(std::string("same-seed-b-") + strategy);
    const std::string args =
        std::string("explore bounded-buffer-deadlock --seed 0x1234 --strategy ") + strategy;
    const result ra = run_weft(args + " --trace-dir " + a.string());
    const result rb = run_weft(args + " --trace-dir " + b.string());
    EXPECT_EQ(ra.code, 2) << ra.out;
    EXPECT_EQ(rb.code, 2) << rb.out;
    const auto ta = files_in(a);
    const auto tb = files_in(b);
    ASSERT_EQ(ta.size(), 1u);
    ASSERT_EQ(tb.size(), 1u);
    EXPECT_EQ(ta[0].filename(), tb[0].filename());
    const std::string text = read_file(ta[0]);
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text, read_file(tb[0])) << "traces of the same seed differ";
  }
}

// --jobs changes nothing but the time: the same trace, byte for byte; --shard I/N splits the
// run and the shards' failures hold the serial one's.
TEST(Cli, JobsAndShardsReportWhatTheSerialRunReports) {
  const std::string args = "explore bounded-buffer-deadlock --seed 0x77 --strategy random";
  const fs::path one = fresh_dir("jobs-1");
  const fs::path two = fresh_dir("jobs-2");
  const result r1 = run_weft(args + " --jobs 1 --trace-dir " + one.string());
  const result r2 = run_weft(args + " --jobs 2 --trace-dir " + two.string());
  EXPECT_EQ(r1.code, 2) << r1.out;
  EXPECT_EQ(r2.code, 2) << r2.out;
  const auto t1 = files_in(one);
  const auto t2 = files_in(two);
  ASSERT_EQ(t1.size(), 1u);
  ASSERT_EQ(t2.size(), 1u);
  EXPECT_EQ(t1[0].filename(), t2[0].filename());
  EXPECT_EQ(read_file(t1[0]), read_file(t2[0])) << "--jobs 2 wrote another trace";
  for (const char* shard : {"0/2", "1/2"}) {
    const result r = run_weft(args + " --shard " + shard + " --trace-dir " +
                              fresh_dir(std::string("shard-") + shard[0]).string());
    EXPECT_NE(r.out.find(std::string("shard=") + shard), std::string::npos) << r.out;
  }
  const fs::path td = fresh_dir("shard-bad");
  EXPECT_EQ(run_weft(args + " --shard 2/2 --trace-dir " + td.string()).code, 64);
  EXPECT_EQ(run_weft(args + " --shard 1 --trace-dir " + td.string()).code, 64);
  EXPECT_EQ(run_weft(args + " --jobs 0 --trace-dir " + td.string()).code, 64);
  const result search =
      run_weft("explore bounded-buffer-deadlock --strategy dpor --shard 0/2 --trace-dir " +
               td.string());
  EXPECT_EQ(search.code, 64) << search.out;
  EXPECT_NE(search.out.find("cannot be split in shards"), std::string::npos) << search.out;
}

TEST(Cli, ExitCodesTellFailureClassesApart) {
  const fs::path dir = fresh_dir("exit-codes");
  const std::string td = " --trace-dir " + dir.string();
  EXPECT_EQ(run_weft("explore lost-update --seed 1" + td).code, 1);        // data race: safety
  EXPECT_EQ(run_weft("explore abba-deadlock --seed 1" + td).code, 2);      // deadlock
  EXPECT_EQ(run_weft("explore abba-deadlock-fixed --seed 1 --iterations 2000" + td).code, 0);
  EXPECT_EQ(run_weft("explore no-such-scenario" + td).code, 64);
  EXPECT_EQ(run_weft("explore lost-update --strategy frobnicate" + td).code, 64);
  EXPECT_EQ(run_weft("explore lost-update --seed banana" + td).code, 64);
  EXPECT_EQ(run_weft("explore lost-update --iterations 0" + td).code, 64);
  EXPECT_EQ(run_weft("explore lost-update --time-limit 5parsecs" + td).code, 64);
  EXPECT_EQ(run_weft("frobnicate").code, 64);
  EXPECT_EQ(run_weft("").code, 64);
  EXPECT_EQ(run_weft("--help").code, 0);
}

TEST(Cli, EveryRegisteredStrategyAndItsOptionsAreOffered) {
  const result list = run_weft("strategies");
  EXPECT_EQ(list.code, 0) << list.out;
  for (const char* name : {"random", "pct", "pos", "surw", "dpor", "dfs"}) {
    EXPECT_NE(list.out.find(std::string(name) + "  ("), std::string::npos) << name << list.out;
  }
  EXPECT_NE(list.out.find("--preemption-bound"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("WEFT_MAX_FAULTS"), std::string::npos) << list.out;

  const fs::path dir = fresh_dir("dpor");
  const std::string td = " --trace-dir " + dir.string();
  // A search proves the fixed twin and finds the bug.
  const result proof = run_weft("explore abba-deadlock-fixed --strategy dpor" + td);
  EXPECT_EQ(proof.code, 0) << proof.out;
  EXPECT_NE(proof.out.find("complete: every execution of this body was explored"),
            std::string::npos)
      << proof.out;
  EXPECT_EQ(run_weft("explore abba-deadlock --strategy dpor" + td).code, 2);
  // Its bound and budget are flags; a search cut short says so.
  const result bounded =
      run_weft("explore abba-deadlock-fixed --strategy dpor --preemption-bound 0" + td);
  EXPECT_EQ(bounded.code, 0) << bounded.out;
  EXPECT_NE(bounded.out.find("up to 0 preemptions"), std::string::npos) << bounded.out;
  const result cut = run_weft("explore abba-deadlock-fixed --strategy dfs --max-executions 2" + td);
  EXPECT_EQ(cut.code, 0) << cut.out;
  EXPECT_NE(cut.out.find("NOT complete"), std::string::npos) << cut.out;
  // An option the chosen strategy does not have is a usage error that names its options.
  const result wrong = run_weft("explore lost-update --strategy random --max-faults 2" + td);
  EXPECT_EQ(wrong.code, 64) << wrong.out;
  EXPECT_NE(wrong.out.find("strategy random has no option \"max-faults\""), std::string::npos)
      << wrong.out;
  EXPECT_EQ(run_weft("explore lost-update --strategy dpor --await 2" + td).code, 64);
  EXPECT_EQ(run_weft("explore lost-update --strategy dpor --max-faults x" + td).code, 64);
  EXPECT_EQ(run_weft("explore lost-update --iterations 5 --max-executions 5" + td).code, 64);
}

TEST(Cli, FailureReportPrintsTraceAndReplayCommand) {
  const fs::path dir = fresh_dir("report");
  const result r = run_weft("explore missed-wakeup --seed 3 --trace-dir " + dir.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("weft: FAIL missed-wakeup"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("deadlock"), std::string::npos);
  EXPECT_NE(r.out.find("waits on condition_variable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay      weft replay "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("re-run from seed: same failure; replay of trace: same failure"),
            std::string::npos)
      << r.out;
}

TEST(Cli, ReplayReproducesWithTheSameExitCode) {
  const fs::path dir = fresh_dir("replay");
  ASSERT_EQ(run_weft("explore relaxed-publish --seed 5 --trace-dir " + dir.string()).code, 1);
  ASSERT_EQ(
      run_weft("explore abba-deadlock --seed 5 --strategy pct --trace-dir " + dir.string()).code,
      2);
  for (const fs::path& t : files_in(dir)) {
    const result r = run_weft("replay " + t.string());
    const bool deadlock = t.filename().string().rfind("abba", 0) == 0;
    EXPECT_EQ(r.code, deadlock ? 2 : 1) << r.out;
    EXPECT_NE(r.out.find("reproduced"), std::string::npos) << r.out;
  }
}

TEST(Cli, TwoRunsNeverOverwriteEachOthersTraces) {
  const fs::path dir = fresh_dir("no-overwrite");
  run_weft("explore lost-update --seed 9 --trace-dir " + dir.string());
  run_weft("explore lost-update --seed 9 --trace-dir " + dir.string());
  const auto files = files_in(dir);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(read_file(files[0]), read_file(files[1]));
}

TEST(Cli, CorruptedTraceGivesAClearErrorWithItsLineNumber) {
  const fs::path dir = fresh_dir("corrupt");
  ASSERT_EQ(run_weft("explore lost-update --seed 2 --trace-dir " + dir.string()).code, 1);
  const fs::path good = files_in(dir).at(0);
  std::string text = read_file(good);
  // Truncate after the header and first step lines.
  const fs::path truncated = dir / "truncated.wtrace";
  std::size_t cut = 0;
  for (int lines = 0; lines < 14 && cut != std::string::npos; ++lines) cut = text.find('\n', cut + 1);
  std::ofstream(truncated, std::ios::binary) << text.substr(0, cut + 1);
  const result r = run_weft("replay " + truncated.string());
  EXPECT_EQ(r.code, 64) << r.out;
  EXPECT_NE(r.out.find(truncated.string() + ":"), std::string::npos) << r.out;
  // Garbage, an empty file, a missing file, and the same errors from show.
  const fs::path garbage = dir / "garbage.wtrace";
  std::ofstream(garbage, std::ios::binary) << "\x7f" "ELF\x02\x01\x01\0\0\0binary";
  const result g = run_weft("replay " + garbage.string());
  EXPECT_EQ(g.code, 64);
  EXPECT_NE(g.out.find(":1: "), std::string::npos) << g.out;
  EXPECT_EQ(run_weft("replay " + (dir / "missing.wtrace").string()).code, 64);
  EXPECT_EQ(run_weft("show " + garbage.string()).code, 64);
}

TEST(Cli, ReplayOfAnEditedTraceReportsDivergenceWithExitCode3) {
  const fs::path dir = fresh_dir("diverge");
  ASSERT_EQ(run_weft("explore abba-deadlock --seed 4 --trace-dir " + dir.string()).code, 2);
  std::string text = read_file(files_in(dir).at(0));
  // Claim the trace belongs to another scenario: its steps no longer match the program.
  const std::string from = "scenario abba-deadlock\n";
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "scenario missed-wakeup\n");
  const fs::path edited = dir / "edited.wtrace";
  std::ofstream(edited, std::ios::binary) << text;
  const result r = run_weft("replay " + edited.string());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("nondeterminism at step "), std::string::npos) << r.out;
}

TEST(Cli, ShowDrawsOneSwimlanePerThread) {
  const fs::path dir = fresh_dir("show");
  ASSERT_EQ(
      run_weft("explore bounded-buffer-deadlock --seed 8 --trace-dir " + dir.string()).code, 2);
  const result r = run_weft("show " + files_in(dir).at(0).string());
  EXPECT_EQ(r.code, 0) << r.out;
  for (const char* lane : {"t0 main", "t1 producer", "t2 consumer-1", "t3 consumer-2"}) {
    EXPECT_NE(r.out.find(lane), std::string::npos) << lane << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("<-- FAIL: deadlock"), std::string::npos) << r.out;
}

TEST(Cli, DemonstrationHoldsEveryExpectation) {
  const fs::path dir = fresh_dir("demo");
  const result r = run_weft("explore --iterations 3000 --trace-dir " + dir.string());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("weft: every expectation held"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bounded-buffer-deadlock-fixed"), std::string::npos);
}

TEST(Cli, ListNamesEveryScenario) {
  const result r = run_weft("list");
  EXPECT_EQ(r.code, 0);
  for (const char* name : {"lost-update", "abba-deadlock", "missed-wakeup", "relaxed-publish",
                           "dcl-no-acquire", "bounded-buffer-deadlock"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
    EXPECT_NE(r.out.find(std::string(name) + "-fixed"), std::string::npos) << name;
  }
}

// Bad input found by trying the tool as a new user would: each is a usage error (64) that says
// what was wrong, never a silent default.
TEST(Cli, AnUnknownOrMissingCommandNamesTheCommands) {
  for (const char* args : {"frobnicate", ""}) {
    const result r = run_weft(args);
    EXPECT_EQ(r.code, 64) << args << "\n" << r.out;
    EXPECT_NE(r.out.find("list, strategies, explore, replay, show, minimize, export"), std::string::npos)
        << args << "\n" << r.out;
  }
  EXPECT_NE(run_weft("frobnicate").out.find("unknown command \"frobnicate\""), std::string::npos);
}

TEST(Cli, ATimeLimitThatIsNotAFiniteDurationIsRefused) {
  for (const char* limit : {"nan", "inf", "-inf", "-1s"}) {
    const result r =
        run_weft(std::string("explore lost-update --iterations 10 --time-limit ") + limit);
    EXPECT_EQ(r.code, 64) << limit << "\n" << r.out;
    EXPECT_NE(r.out.find("--time-limit"), std::string::npos) << limit << "\n" << r.out;
  }
}

TEST(Cli, DepthWithTheRandomStrategyIsRefusedInsteadOfIgnored) {
  const result r = run_weft("explore lost-update --strategy random --depth 5");
  EXPECT_EQ(r.code, 64) << r.out;
  EXPECT_NE(r.out.find("--depth is the pct strategy's bug depth"), std::string::npos) << r.out;
  const fs::path dir = fresh_dir("depth-pct");
  EXPECT_EQ(
      run_weft("explore lost-update --strategy pct --depth 2 --seed 1 --trace-dir " + dir.string())
          .code,
      1);
}

// --steps-max is 1 to 2^30, the runtime's max_steps_per_execution.
TEST(Cli, StepsMaxAboveTheRuntimeLimitIsRefused) {
  for (const char* bad : {"1073741825", "4294967296", "0"}) {
    const result r = run_weft(std::string("explore lost-update-fixed --iterations 10 --steps-max ") + bad);
    EXPECT_EQ(r.code, 64) << bad << "\n" << r.out;
    EXPECT_NE(r.out.find("--steps-max"), std::string::npos) << bad << "\n" << r.out;
  }
  const result r = run_weft("explore lost-update-fixed --iterations 10 --steps-max 1073741824");
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST(Cli, ShowRefusesANegativeStepCount) {
  const fs::path dir = fresh_dir("show-last");
  ASSERT_EQ(run_weft("explore lost-update --seed 1 --trace-dir " + dir.string()).code, 1);
  const std::string file = files_in(dir).at(0).string();
  const result r = run_weft("show " + file + " --last -1");
  EXPECT_EQ(r.code, 64) << r.out;
  EXPECT_NE(r.out.find("not a whole number"), std::string::npos) << r.out;
  EXPECT_EQ(run_weft("show " + file + " --last 1").code, 0);
}

}  // namespace
