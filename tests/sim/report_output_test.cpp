// What a report says and where it goes: a run stopped between executions, a pass cut short,
// shell-quoted absolute replay commands, JSON reports, and the GoogleTest helper's commands
// and WEFT_REPORT_JSON, checked by running this binary's own tests as child processes.
#include <weft/sim/explore.hpp>
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sim = weft::sim;
namespace fs = std::filesystem;

namespace {

void racy_counter() {
  sim::var<int> n{0};
  sim::thread a("writer", [&] { n.store(n.load() + 1); });
  n.store(n.load() + 1);
  a.join();
}

void clean_counter() {
  sim::mutex m;
  sim::var<int> n{0};
  sim::thread a("writer", [&] {
    std::scoped_lock l(m);
    n.store(n.load() + 1);
  });
  {
    std::scoped_lock l(m);
    n.store(n.load() + 1);
  }
  a.join();
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::absolute(fs::path(::testing::TempDir()) / ("weft-report-" + name));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string line_after(const std::string& out, const std::string& label) {
  const std::size_t at = out.find(label);
  if (at == std::string::npos) return {};
  const std::size_t from = at + label.size();
  return out.substr(from, out.find('\n', from) - from);
}

struct shell_result {
  int code = -1;
  std::string out;
};

shell_result shell(const std::string& command) {
  shell_result r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ReportOutput, ShouldStopEndsTheRunAtAnExecutionBoundary) {
  sim::options o;
  o.seed = 3;
  o.iterations = 1'000'000;
  o.write_trace = false;
  int asked = 0;
  o.should_stop = [&asked] { return ++asked == 2; };
  const sim::report r = sim::explore(o, clean_counter);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(r.stopped_by, sim::stop_reason::requested);
  EXPECT_FALSE(r.complete());
  EXPECT_GT(r.executions, 0u);
  EXPECT_LT(r.executions, o.iterations);
  EXPECT_NE(r.text().find(" (stopped on request after " + std::to_string(r.executions) +
                          " of 1000000 executions)"),
            std::string::npos)
      << r.text();
}

TEST(ReportOutput, ShouldStopIsNotAskedAfterTheLastExecution) {
  sim::options o;
  o.seed = 3;
  o.iterations = 256;  // one batch
  o.write_trace = false;
  o.should_stop = [] { return true; };
  const sim::report r = sim::explore(o, clean_counter);
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.executions, 256u);
  EXPECT_EQ(r.text().find("stopped"), std::string::npos) << r.text();
}

TEST(ReportOutput, APassCutShortByTheTimeLimitSaysSo) {
  sim::options o;
  o.seed = 3;
  o.iterations = 1'000'000'000;
  o.time_limit_s = 1e-6;
  o.write_trace = false;
  const sim::report r = sim::explore(o, clean_counter);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.stopped_by, sim::stop_reason::time_limit);
  EXPECT_NE(r.text().find("(stopped by the time limit after " + std::to_string(r.executions) +
                          " of 1000000000 executions)"),
            std::string::npos)
      << r.text();
}

TEST(ReportOutput, ShellQuoteSingleQuotesEveryWord) {
  EXPECT_EQ(sim::shell_quote("plain"), "'plain'");
  EXPECT_EQ(sim::shell_quote(""), "''");
  EXPECT_EQ(sim::shell_quote("a b"), "'a b'");
  EXPECT_EQ(sim::shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(sim::shell_quote("$HOME `x` \\ \"q\""), "'$HOME `x` \\ \"q\"'");
  // Whatever goes in, sh reads back.
  const std::string nasty = "a 'b' \"c\" $d `e` \\f\ng";
  const shell_result r = shell("printf %s " + sim::shell_quote(nasty));
  EXPECT_EQ(r.out, nasty);
}

TEST(ReportOutput, TheReplayCommandIsTheProgramAndTheAbsoluteQuotedTrace) {
  const std::string saved = sim::replay_program();
  sim::set_replay_program("'/opt/my tests' replay");
  const fs::path relative = "some dir/x'y.wtrace";
  EXPECT_EQ(sim::replay_command_for(relative),
            "'/opt/my tests' replay '" + (fs::current_path() / "some dir/x").string() +
                "'\\''y.wtrace'");
  sim::set_replay_program("");
  // Without a replay program (no weft::cli::main) the line says how to replay in code.
  EXPECT_EQ(sim::replay_command_for("/t/a.wtrace"),
            "call weft::sim::replay_file(\"/t/a.wtrace\", body) in this program, or run it under "
            "weft::cli::main for a command");
  sim::set_replay_program(saved);
}

TEST(ReportOutput, AFailureReportEndsWithItsReplayLineAndTheTraceIsAbsolute) {
  const fs::path dir = fresh_dir("ends");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir);
  sim::options o;
  o.seed = 1;
  o.trace_dir = "rel dir";
  const sim::report r = sim::explore(o, racy_counter);
  fs::current_path(cwd);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.trace_path.is_absolute()) << r.trace_path;
  EXPECT_EQ(r.trace_path.parent_path(), dir / "rel dir");
  const std::string text = r.text("my command");
  EXPECT_EQ(text.substr(text.rfind("\n  replay ") + 1), "  replay      my command\n") << text;
}

TEST(ReportOutput, JsonOfAPassAndOfAFailure) {
  sim::options o;
  o.seed = 0x77;
  o.iterations = 300;
  o.write_trace = false;
  const nlohmann::json pass = nlohmann::json::parse(sim::to_json(sim::explore(o, clean_counter)));
  EXPECT_EQ(pass["scenario"], "test");
  EXPECT_EQ(pass["result"], "pass");
  EXPECT_EQ(pass["seed"], "0x0000000000000077");
  EXPECT_EQ(pass["executions"], 300);
  EXPECT_EQ(pass["complete"], true);
  EXPECT_TRUE(pass["failures"].empty());

  o.scenario = "racy";
  o.trace_dir = fresh_dir("json");
  o.write_trace = true;
  const sim::report r = sim::explore(o, racy_counter);
  const nlohmann::json fail = nlohmann::json::parse(sim::to_json(r, "the command"));
  EXPECT_EQ(fail["scenario"], "racy");
  EXPECT_EQ(fail["result"], "fail");
  EXPECT_EQ(fail["exit_code"], 1);
  ASSERT_EQ(fail["failures"].size(), 1u);
  const nlohmann::json& f = fail["failures"][0];
  EXPECT_EQ(f["kind"], "data-race");
  EXPECT_EQ(f["message"], r.failed.message);
  EXPECT_EQ(f["location"]["file"], r.failed.file);
  EXPECT_EQ(f["location"]["line"], r.failed.line);
  EXPECT_EQ(f["thread"]["index"], r.failed.thread);
  EXPECT_EQ(f["trace"], r.trace_path.string());
  EXPECT_EQ(f["replay"], "the command");
  EXPECT_EQ(f["execution"], r.failing_execution);
  EXPECT_EQ(f["execution_seed"], sim::format_seed(r.failing_execution_seed));
}

// --- The GoogleTest helper, run as a child process of this binary -------------------------

// These two run only as children of the tests below (WEFT_REPORT_CHILD=1): one fails on
// purpose.
TEST(ReportChild, Racy) {
  if (std::getenv("WEFT_REPORT_CHILD") == nullptr) GTEST_SKIP() << "a child of GtestHelper tests";
  sim::options o;
  o.seed = 1;
  sim::testing::check(racy_counter, o);
}

TEST(ReportChild, Clean) {
  if (std::getenv("WEFT_REPORT_CHILD") == nullptr) GTEST_SKIP() << "a child of GtestHelper tests";
  sim::options o;
  o.seed = 1;
  o.iterations = 200;
  sim::testing::check(clean_counter, o);
}

std::string self() { return sim::testing::detail::self_exe(); }

TEST(GtestHelper, TheReplayCommandsWorkPastedIntoAShellInAnotherDirectory) {
  const fs::path root = fresh_dir("gtest-quoting");
  fs::create_directories(root / "here");
  fs::create_directories(root / "elsewhere");
  const std::string awkward = "trace dir 'q' $HOME";
  const shell_result first =
      shell("cd " + sim::shell_quote((root / "here").string()) + " && WEFT_REPORT_CHILD=1 " +
            "WEFT_MINIMIZE_TIME=0 WEFT_TRACE_DIR=" + sim::shell_quote(awkward) + " " +
            sim::shell_quote(self()) + " --gtest_filter=ReportChild.Racy");
  ASSERT_EQ(first.code, 1) << first.out;
  const std::string by_trace = line_after(first.out, "  replay      ");
  const std::string by_seed = line_after(first.out, "              or ");
  const std::string trace = line_after(first.out, "  trace       ");
  EXPECT_EQ(fs::path(trace).parent_path(), root / "here" / awkward);
  EXPECT_EQ(by_trace, "WEFT_REPLAY=" + sim::shell_quote(trace) + " " + sim::shell_quote(self()) +
                          " '--gtest_filter=ReportChild.Racy'");
  EXPECT_EQ(by_seed.rfind("WEFT_SEED=0x0000000000000001 WEFT_EXECUTION=", 0), 0u) << by_seed;
  for (const std::string& command : {by_trace, by_seed}) {
    const shell_result again =
        shell("cd " + sim::shell_quote((root / "elsewhere").string()) +
              " && export WEFT_REPORT_CHILD=1 WEFT_MINIMIZE_TIME=0 && " + command);
    EXPECT_EQ(again.code, 1) << command << "\n" << again.out;
    EXPECT_NE(again.out.find("data-race"), std::string::npos) << again.out;
    EXPECT_EQ(again.out.find("nondeterminism"), std::string::npos) << again.out;
  }
}

TEST(GtestHelper, WeftReportJsonHoldsEveryCheckOfTheBinary) {
  const fs::path dir = fresh_dir("gtest-json");
  const fs::path json = dir / "reports.json";
  const shell_result run =
      shell("cd " + sim::shell_quote(dir.string()) + " && WEFT_REPORT_CHILD=1 " +
            "WEFT_MINIMIZE_TIME=0 WEFT_REPORT_JSON=" + sim::shell_quote(json.string()) + " " +
            sim::shell_quote(self()) + " '--gtest_filter=ReportChild.*'");
  ASSERT_EQ(run.code, 1) << run.out;
  const nlohmann::json doc = nlohmann::json::parse(read(json));
  EXPECT_EQ(doc["schema"], "weft-report/1");
  ASSERT_EQ(doc["reports"].size(), 2u) << doc.dump(2);
  const nlohmann::json& racy = doc["reports"][0];
  const nlohmann::json& clean = doc["reports"][1];
  EXPECT_EQ(racy["scenario"], "ReportChild.Racy");
  EXPECT_EQ(racy["result"], "fail");
  EXPECT_EQ(racy["failures"][0]["kind"], "data-race");
  EXPECT_EQ(racy["failures"][0]["thread"]["name"], "writer");
  EXPECT_EQ(racy["failures"][0]["replay"], line_after(run.out, "  replay      "));
  EXPECT_EQ(racy["failures"][0]["trace"], line_after(run.out, "  trace       "));
  EXPECT_EQ(clean["scenario"], "ReportChild.Clean");
  EXPECT_EQ(clean["result"], "pass");
  EXPECT_EQ(clean["executions"], 200);
  EXPECT_EQ(clean["seed"], "0x0000000000000001");
}

}  // namespace
