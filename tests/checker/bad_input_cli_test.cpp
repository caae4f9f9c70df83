// The `weft` tool given something that is not a trace it should run: devices, FIFOs,
// directories, files over the size limit, endless standard input, and traces whose
// parameters are out of range. Each must be a usage error (exit 64) with a message, and must
// come back at once: every command runs under timeout(1), so a reader that blocks or reads
// without end fails the test (exit 124) instead of hanging it.
#include "process.hpp"
#include "trace_params.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <weft/checker/catalogue.hpp>
#include <weft/sim/explore.hpp>
#include <weft/sim/strategy.hpp>
#include <weft/traces/trace_io.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using result = weft::testing::command_result;
using weft::testing::read_file;

// Runs `weft <args>` through the shell (so args may redirect stdin), stopped after 20 s.
result run_weft(const std::string& args) { return weft::testing::run_weft(args, 20); }

fs::path fresh_dir(const std::string& name) {
  return weft::testing::fresh_dir("weft-bad-input-" + name);
}

// A trace of lost-update written by `weft explore`, in dir.
fs::path recorded_trace(const fs::path& dir) {
  const result r = run_weft("explore lost-update --seed 1 --iterations 1000 --trace-dir " + dir.string());
  EXPECT_EQ(r.code, 1) << r.out;
  for (const auto& e : fs::directory_iterator(dir)) return e.path();
  ADD_FAILURE() << "no trace written: " << r.out;
  return {};
}

// text with the line "param <key> <old>" made "param <key> <value>".
std::string with_param(std::string text, const std::string& key, const std::string& value) {
  const std::string prefix = "\nparam " + key + " ";
  const std::size_t at = text.find(prefix);
  EXPECT_NE(at, std::string::npos) << key;
  if (at == std::string::npos) return text;
  const std::size_t from = at + prefix.size();
  text.replace(from, text.find('\n', from) - from, value);
  return text;
}

void expect_usage_error(const std::string& args, const std::string& message) {
  const result r = run_weft(args);
  EXPECT_EQ(r.code, 64) << "weft " << args << "\n" << r.out;
  EXPECT_EQ(r.out, "weft: " + message + "\n") << "weft " << args;
}

}  // namespace

TEST(BadInputCli, DevicesAreRefusedAtOnce) {
  expect_usage_error("replay /dev/zero", "/dev/zero: is a character device, not a trace file");
  expect_usage_error("show /dev/urandom", "/dev/urandom: is a character device, not a trace file");
  expect_usage_error("show --html /dev/zero", "/dev/zero: is a character device, not a trace file");
  expect_usage_error("export --chrome-trace /dev/urandom",
                     "/dev/urandom: is a character device, not a trace file");
  expect_usage_error("minimize /dev/zero", "/dev/zero: is a character device, not a trace file");
}

TEST(BadInputCli, AFifoIsRefusedWithoutWaitingForAWriter) {
  const fs::path dir = fresh_dir("fifo");
  const fs::path fifo = dir / "t.wtrace";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_usage_error("show " + fifo.string(), fifo.string() + ": is a FIFO, not a trace file");
  expect_usage_error("replay " + fifo.string(), fifo.string() + ": is a FIFO, not a trace file");
  fs::remove_all(dir);
}

TEST(BadInputCli, ADirectoryIsRefused) {
  const fs::path dir = fresh_dir("dir");
  expect_usage_error("show " + dir.string(), dir.string() + ": is a directory, not a trace file");
  expect_usage_error("replay " + dir.string(), dir.string() + ": is a directory, not a trace file");
  fs::remove_all(dir);
}

TEST(BadInputCli, AFileOverTheSizeLimitIsRefused) {
  const fs::path dir = fresh_dir("big");
  const fs::path big = dir / "big.wtrace";
  fs::copy_file(recorded_trace(fresh_dir("big-source")), big);
  fs::resize_file(big, weft::traces::max_file_size + 1);  // sparse
  const std::string message =
      big.string() + ": the file is 67108865 bytes, more than the limit of 67108864 bytes for a trace";
  expect_usage_error("show " + big.string(), message);
  expect_usage_error("replay " + big.string(), message);
  fs::remove_all(dir);
}

TEST(BadInputCli, StandardInputIsReadUpToTheLimit) {
  const fs::path dir = fresh_dir("stdin");
  const fs::path trace = recorded_trace(dir);
  const result replayed = run_weft("replay - < " + trace.string());
  EXPECT_EQ(replayed.code, 1) << replayed.out;
  EXPECT_NE(replayed.out.find("weft: REPLAY lost-update: reproduced data-race"), std::string::npos)
      << replayed.out;
  const result shown = run_weft("show - < " + trace.string());
  EXPECT_EQ(shown.code, 0) << shown.out;
  EXPECT_EQ(shown.out, run_weft("show " + trace.string()).out);

  expect_usage_error("show - < /dev/zero",
                     "<stdin>: more than 67108864 bytes (the limit for a trace); stopped reading there");
  expect_usage_error("replay - < /dev/null", "<stdin>:1: empty file (expected \"weft-trace 1\")");
  fs::remove_all(dir);
}

TEST(BadInputCli, ReplayRefusesParametersOutOfRange) {
  const fs::path dir = fresh_dir("params");
  const fs::path trace = recorded_trace(dir);
  const std::string text = read_file(trace);
  const auto refused = [&](const std::string& key, const std::string& value, const std::string& why) {
    const fs::path bad = dir / ("bad-" + key + ".wtrace");
    std::ofstream(bad, std::ios::binary) << with_param(text, key, value);
    expect_usage_error("replay " + bad.string(), bad.string() + ": trace parameter " + key + why);
  };
  refused("fault-per-mille", "5000", " is 5000, out of range (0 to 1000)");
  refused("fault-per-mille", "1001", " is 1001, out of range (0 to 1000)");
  refused("steps-max", "0", " is 0, out of range (1 to 1073741824)");
  refused("steps-max", "1073741825", " is 1073741825, out of range (1 to 1073741824)");
  refused("steps-max", "18446744073709551616",
          ": \"18446744073709551616\" is not a number (decimal or 0x-hex, at most 64 bits)");
  refused("seed", "0x", ": \"0x\" is not a number (decimal or 0x-hex, at most 64 bits)");
  refused("execution-seed", "12ab",
          ": \"12ab\" is not a number (decimal or 0x-hex, at most 64 bits)");

  // The bounds themselves are accepted.
  const fs::path edge = dir / "edge.wtrace";
  std::ofstream(edge, std::ios::binary)
      << with_param(with_param(text, "fault-per-mille", "1000"), "steps-max", "1073741824");
  const result r = run_weft("replay " + edge.string());
  EXPECT_EQ(r.code, 1) << r.out;
  fs::remove_all(dir);
}

// minimize checks a trace's parameters as replay does, before it runs anything.
TEST(BadInputCli, MinimizeRefusesParametersOutOfRange) {
  const fs::path dir = fresh_dir("minimize-params");
  const fs::path trace = recorded_trace(dir);
  const fs::path bad = dir / "bad.wtrace";
  std::ofstream(bad, std::ios::binary) << with_param(read_file(trace), "fault-per-mille", "5000");
  expect_usage_error("minimize " + bad.string(),
                     bad.string() + ": trace parameter fault-per-mille is 5000, out of range (0 to 1000)");
  EXPECT_FALSE(fs::exists(dir / "bad.min.wtrace"));
  fs::remove_all(dir);
}

// `minimize -` has no directory to write FILE.min.wtrace in: without -o it is refused before
// reading anything (and writes no ./-.min.wtrace); with -o it minimises standard input.
TEST(BadInputCli, MinimizeOfStandardInputNeedsAnOutputFile) {
  const fs::path dir = fresh_dir("minimize-stdin");
  const fs::path trace = recorded_trace(dir);
  const result refused = weft::testing::run_command("cd " + dir.string() + " && timeout 20 " +
                                                    WEFT_CLI + " minimize - < " + trace.string());
  EXPECT_EQ(refused.code, 64) << refused.out;
  EXPECT_EQ(refused.out,
            "weft: minimize - needs -o OUT: a trace read from standard input has no directory to "
            "write FILE.min.wtrace in\n");
  EXPECT_EQ(weft::testing::files_in(dir), std::vector<fs::path>{trace});
  // Refused at once, without waiting for input that never ends.
  expect_usage_error("minimize - < /dev/zero",
                     "minimize - needs -o OUT: a trace read from standard input has no directory to "
                     "write FILE.min.wtrace in");

  const fs::path out = dir / "min.wtrace";
  const result minimized = run_weft("minimize - -o " + out.string() + " < " + trace.string());
  EXPECT_EQ(minimized.code, 0) << minimized.out;
  EXPECT_NE(minimized.out.find("  written " + out.string() + "\n"), std::string::npos)
      << minimized.out;
  EXPECT_EQ(run_weft("replay " + out.string()).code, 1);
  fs::remove_all(dir);
}

// The same checks, in process: replay_trace refuses what the command line would refuse.
TEST(TraceParams, ReplayTraceRefusesEveryParameterOutOfRange) {
  const weft::checker::scenario* s = weft::checker::find_scenario("lost-update");
  ASSERT_NE(s, nullptr);
  weft::sim::options o;
  o.scenario = "lost-update";
  o.seed = 1;
  o.iterations = 1000;
  o.write_trace = false;
  const weft::sim::report found = weft::sim::explore(o, s->body);
  ASSERT_FALSE(found.ok());
  const weft::traces::trace t = weft::sim::to_trace(found, o.runtime);
  ASSERT_TRUE(weft::sim::replay_trace(t, s->body).reproduced_from_trace);

  const auto refusal = [&](const std::string& key, const std::string& value) -> std::string {
    const weft::traces::trace bad = weft::testing::with_trace_param(t, key, value);
    try {
      (void)weft::sim::replay_trace(bad, s->body);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "replayed";
  };
  EXPECT_EQ(refusal("fault-per-mille", "5000"), "trace parameter fault-per-mille is 5000, out of range (0 to 1000)");
  EXPECT_EQ(refusal("depth", "0"), "trace parameter depth is 0, out of range (1 to 64)");
  EXPECT_EQ(refusal("depth", "65"), "trace parameter depth is 65, out of range (1 to 64)");
  EXPECT_EQ(refusal("pct-steps", "0"), "trace parameter pct-steps is 0, out of range (1 to 18446744073709551615)");
  EXPECT_EQ(refusal("steps-max", "0"), "trace parameter steps-max is 0, out of range (1 to 1073741824)");
  // runtime_config.steps_max is at most 2^30 (max_steps_per_execution), so is a trace's.
  EXPECT_EQ(refusal("steps-max", "1099511627776"),
            "trace parameter steps-max is 1099511627776, out of range (1 to 1073741824)");
  EXPECT_EQ(refusal("execution", "-1"),
            "trace parameter execution: \"-1\" is not a number (decimal or 0x-hex, at most 64 bits)");
  EXPECT_EQ(refusal("depth", "64"), "replayed");
  EXPECT_EQ(refusal("steps-max", "1073741824"), "replayed");
  EXPECT_EQ(refusal("fault-per-mille", "0"), "replayed");
  EXPECT_EQ(refusal("some-other-param", "anything"), "replayed");
}

// A strategy parameter beyond 32 bits is refused, not truncated (2^32 + 5 read as 5).
TEST(TraceParams, StrategyParametersAreNotTruncated) {
  const auto refusal = [](const std::string& name, const std::string& key, const std::string& value) {
    try {
      weft::sim::strategy_params params{{key, value}};
      if (name == "pct") params.emplace_back("pct-steps", "100");
      (void)weft::sim::make_strategy(name, params);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("made");
  };
  EXPECT_EQ(refusal("random", "fault-per-mille", "4294967301"),
            "strategy random option fault-per-mille: \"4294967301\" is out of range (0 to 1000)");
  EXPECT_EQ(refusal("pct", "depth", "4294967299"),
            "strategy pct option depth: \"4294967299\" is out of range (1 to 64)");
  EXPECT_EQ(refusal("random", "fault-per-mille", "0x"), "strategy parameter fault-per-mille: not a number: \"0x\"");
  EXPECT_EQ(refusal("random", "fault-per-mille", "1001"),
            "strategy random option fault-per-mille: \"1001\" is out of range (0 to 1000)");
  EXPECT_EQ(refusal("random", "fault-per-mille", "0x3e8"), "made");
  EXPECT_EQ(refusal("pct", "depth", "64"), "made");
}
