// `weft minimize` run as a separate process: writes the minimal trace beside the input
// without touching it, prints before/after, replays to the same failure, and rejects bad input.
#include "process.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
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
  return weft::testing::fresh_dir("weft-tools-" + name);
}

TEST(MinimizeCli, WritesBesideTheInputAndReplaysTheSameFailure) {
  const fs::path dir = fresh_dir("minimize");
  ASSERT_EQ(
      run_weft("explore bounded-buffer-deadlock --seed 1 --trace-dir " + dir.string()).code, 2);
  const fs::path input = files_in(dir).at(0);
  const std::string before = read_file(input);
  const result r = run_weft("minimize " + input.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("before  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("after   "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("preemptions"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(input), before);
  fs::path minimal = input;
  minimal.replace_extension(".min.wtrace");
  ASSERT_TRUE(fs::exists(minimal)) << r.out;
  const result replayed = run_weft("replay " + minimal.string());
  EXPECT_EQ(replayed.code, 2) << replayed.out;
  EXPECT_NE(replayed.out.find("reproduced deadlock"), std::string::npos) << replayed.out;
  // A second run never overwrites the first result.
  ASSERT_EQ(run_weft("minimize " + input.string()).code, 0);
  EXPECT_EQ(files_in(dir).size(), 3u);
  // -o names the output; the input itself is refused.
  const fs::path named = dir / "named.wtrace";
  EXPECT_EQ(run_weft("minimize " + input.string() + " -o " + named.string()).code, 0);
  EXPECT_EQ(read_file(named), read_file(minimal));
  EXPECT_EQ(run_weft("minimize " + input.string() + " -o " + input.string()).code, 64);
  EXPECT_EQ(read_file(input), before);
}

TEST(MinimizeCli, BadInputIsAUsageErrorWithTheLineNumber) {
  const fs::path dir = fresh_dir("minimize-bad");
  const fs::path garbage = dir / "garbage.wtrace";
  std::ofstream(garbage, std::ios::binary) << "not a trace\n";
  const result g = run_weft("minimize " + garbage.string());
  EXPECT_EQ(g.code, 64) << g.out;
  EXPECT_NE(g.out.find(garbage.string() + ":1: "), std::string::npos) << g.out;
  EXPECT_EQ(run_weft("minimize " + (dir / "missing.wtrace").string()).code, 64);
  const fs::path traces = dir / "traces";
  ASSERT_EQ(run_weft("explore lost-update --seed 3 --trace-dir " + traces.string()).code, 1);
  const result t = run_weft("minimize --time-limit nonsense " + files_in(traces).at(0).string());
  EXPECT_EQ(t.code, 64) << t.out;
  EXPECT_EQ(files_in(traces).size(), 1u);
}

TEST(ExportCli, ChromeTraceGoesToStdoutAndBadFilesAreUsageErrors) {
  const fs::path dir = fresh_dir("export");
  ASSERT_EQ(run_weft("explore abba-deadlock --seed 1 --trace-dir " + dir.string()).code, 2);
  const fs::path input = files_in(dir).at(0);
  const std::string cmd = std::string(WEFT_CLI) + " export --chrome-trace " + input.string() +
                          " > " + (dir / "out.json").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string json = read_file(dir / "out.json");
  EXPECT_EQ(json.rfind("{\"displayTimeUnit\"", 0), 0u) << json;
  EXPECT_NE(json.find("\"traceEvents\": ["), std::string::npos);
  EXPECT_NE(json.find("\"FAIL: deadlock\""), std::string::npos);
  const fs::path garbage = dir / "garbage.wtrace";
  std::ofstream(garbage, std::ios::binary) << "weft-trace 1\nnonsense\n";
  const result g = run_weft("export --chrome-trace " + garbage.string());
  EXPECT_EQ(g.code, 64) << g.out;
  EXPECT_NE(g.out.find(garbage.string() + ":"), std::string::npos) << g.out;
  EXPECT_EQ(run_weft("export").code, 64);
}

}  // namespace
