// `weft minimize` run as a separate process: writes the minimal trace beside the input
// without touching it, prints before/after, replays to the same failure, and rejects bad input.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct result {
  int code = -1;
  std::string out;
};

result weft(const std::string& args) {
  const std::string cmd = std::string(WEFT_CLI) + " " + args + " 2>&1";
  result r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("weft-tools-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<fs::path> traces_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(MinimizeCli, WritesBesideTheInputAndReplaysTheSameFailure) {
  const fs::path dir = fresh_dir("minimize");
  ASSERT_EQ(weft("explore bounded-buffer-deadlock --seed 1 --trace-dir " + dir.string()).code, 2);
  const fs::path input = traces_in(dir).at(0);
  const std::string before = read(input);
  const result r = weft("minimize " + input.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("before  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("after   "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("preemptions"), std::string::npos) << r.out;
  EXPECT_EQ(read(input), before);
  fs::path minimal = input;
  minimal.replace_extension(".min.wtrace");
  ASSERT_TRUE(fs::exists(minimal)) << r.out;
  const result replayed = weft("replay " + minimal.string());
  EXPECT_EQ(replayed.code, 2) << replayed.out;
  EXPECT_NE(replayed.out.find("reproduced deadlock"), std::string::npos) << replayed.out;
  // A second run never overwrites the first result.
  ASSERT_EQ(weft("minimize " + input.string()).code, 0);
  EXPECT_EQ(traces_in(dir).size(), 3u);
  // -o names the output; the input itself is refused.
  const fs::path named = dir / "named.wtrace";
  EXPECT_EQ(weft("minimize " + input.string() + " -o " + named.string()).code, 0);
  EXPECT_EQ(read(named), read(minimal));
  EXPECT_EQ(weft("minimize " + input.string() + " -o " + input.string()).code, 64);
  EXPECT_EQ(read(input), before);
}

TEST(MinimizeCli, BadInputIsAUsageErrorWithTheLineNumber) {
  const fs::path dir = fresh_dir("minimize-bad");
  const fs::path garbage = dir / "garbage.wtrace";
  std::ofstream(garbage, std::ios::binary) << "not a trace\n";
  const result g = weft("minimize " + garbage.string());
  EXPECT_EQ(g.code, 64) << g.out;
  EXPECT_NE(g.out.find(garbage.string() + ":1: "), std::string::npos) << g.out;
  EXPECT_EQ(weft("minimize " + (dir / "missing.wtrace").string()).code, 64);
  const fs::path traces = dir / "traces";
  ASSERT_EQ(weft("explore lost-update --seed 3 --trace-dir " + traces.string()).code, 1);
  const result t = weft("minimize --time-limit nonsense " + traces_in(traces).at(0).string());
  EXPECT_EQ(t.code, 64) << t.out;
  EXPECT_EQ(traces_in(traces).size(), 1u);
}

TEST(ExportCli, ChromeTraceGoesToStdoutAndBadFilesAreUsageErrors) {
  const fs::path dir = fresh_dir("export");
  ASSERT_EQ(weft("explore abba-deadlock --seed 1 --trace-dir " + dir.string()).code, 2);
  const fs::path input = traces_in(dir).at(0);
  const std::string cmd = std::string(WEFT_CLI) + " export --chrome-trace " + input.string() +
                          " > " + (dir / "out.json").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string json = read(dir / "out.json");
  EXPECT_EQ(json.rfind("{\"displayTimeUnit\"", 0), 0u) << json;
  EXPECT_NE(json.find("\"traceEvents\": ["), std::string::npos);
  EXPECT_NE(json.find("\"FAIL: deadlock\""), std::string::npos);
  const fs::path garbage = dir / "garbage.wtrace";
  std::ofstream(garbage, std::ios::binary) << "weft-trace 1\nnonsense\n";
  const result g = weft("export --chrome-trace " + garbage.string());
  EXPECT_EQ(g.code, 64) << g.out;
  EXPECT_NE(g.out.find(garbage.string() + ":"), std::string::npos) << g.out;
  EXPECT_EQ(weft("export").code, 64);
}

}  // namespace
