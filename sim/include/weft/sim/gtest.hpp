// weft/sim/gtest.hpp — GoogleTest integration for simulator tests.
//
//   TEST(MyQueue, NoLossUnderContention) {
//     weft::sim::testing::check([] { /* body with sim::threads and checks */ });
//   }
//
// check() explores the body (named after the running test) and, on failure, fails the test
// with the report and one command line that reproduces exactly that failure. Environment
// variables change a run without editing the test:
//   WEFT_REPLAY=FILE        replay this trace file instead of exploring
//   WEFT_SEED=S             run seed (decimal or 0x-hex)
//   WEFT_EXECUTION=I        run only execution I of that seed
//   WEFT_STRATEGY=NAME      a registered strategy (random, pct, pos, surw, dpor, dfs; `weft
//                           strategies` lists them and their options)
//   WEFT_<KEY>=V            the strategy's option KEY, upper case with '_' for '-':
//                           WEFT_DEPTH, WEFT_PCT_STEPS, WEFT_FAULT_PER_MILLE,
//                           WEFT_PREEMPTION_BOUND, WEFT_MAX_FAULTS, WEFT_AWAIT
//   WEFT_ITERATIONS=N       executions to run
//   WEFT_JOBS=N             run the executions on N OS threads (options::jobs; the body must
//                           keep its state inside it)
//   WEFT_SHARD=I/N          run shard I of N of the executions (options::shard_index,
//                           shard_count): N machines with I = 0..N-1 cover the run together.
//                           Not GTEST_SHARD_INDEX: GoogleTest's sharding gives each test to one
//                           shard whole, so it cannot split a test's executions as well
//   WEFT_KEEP_GOING=1       go on after a failure (options::keep_going): every group of
//                           failures is reported, each with its trace
//   WEFT_LIVELOCK_REPEATS=N the fair-cycle livelock check's runtime_config::livelock_repeats
//                           (0 = off)
//   WEFT_TRACE_DIR=DIR      where failing traces go (default ./weft-traces)
//   WEFT_MINIMIZE_TIME=S    seconds check() spends minimising a failing trace (default 2,
//                           0 = do not minimise); the minimal one is written beside the trace
//                           as <trace>.min.wtrace and both are reported
//   WEFT_REPORT_JSON=FILE   also write the reports of this binary's check() calls to FILE as
//                           JSON (docs/report-json.md); FILE holds every report so far
//
// The report ends with the commands that reproduce the failure, pasted anywhere: absolute
// paths, shell-quoted.
//
// expect_failure() is for tests that prove the checker has teeth: it expects the body to fail
// with a given kind and message, and checks that the failure was reproduced from its seed and
// from its trace file (Coyote's expected-error-plus-replay habit).
#pragma once

#include <weft/sim/explore.hpp>
#include <weft/sim/minimize.hpp>
#include <weft/traces/trace.hpp>
#include <weft/traces/trace_io.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <system_error>
#include <string>
#include <string_view>

namespace weft::sim::testing {

namespace detail {

inline const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] != '\0' ? value : nullptr;
}

// A WEFT_* value that must fit 32 bits: a larger one is refused, never truncated.
inline std::uint32_t env_u32(const char* value, std::string_view name) {
  const std::uint64_t v = parse_u64(value, name);
  if (v > 0xffffffffu) {
    throw std::invalid_argument(std::string(name) + "=" + value + " is out of range (at most 4294967295)");
  }
  return static_cast<std::uint32_t>(v);
}

// The options that options::strategy also takes as fields (WEFT_DEPTH, WEFT_PCT_STEPS,
// WEFT_FAULT_PER_MILLE are read into those).
inline bool shorthand_option(std::string_view key) {
  return key == "depth" || key == "pct-steps" || key == "fault-per-mille";
}

inline std::string current_test_name() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "test";
  return std::string(info->test_suite_name()) + "." + info->name();
}

inline std::string self_exe() {
  char buffer[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return "<test binary>";
  return std::string(buffer, static_cast<std::size_t>(n));
}

inline std::string absolute_text(const std::filesystem::path& p) {
  std::error_code ec;
  const std::filesystem::path a = std::filesystem::absolute(p, ec);
  return (ec ? p : a).string();
}

// Commands that reproduce the failure of `r` in this test, pasted into a shell anywhere: every
// path absolute and single-quoted, as is the test filter; the seed, strategy and numbers are
// plain words.
inline std::string repro_command(const report& r) {
  const std::string filter = " " + shell_quote("--gtest_filter=" + current_test_name());
  const std::string exe = shell_quote(self_exe());
  std::string cmd;
  if (!r.trace_path.empty()) {
    cmd = "WEFT_REPLAY=" + shell_quote(absolute_text(r.trace_path)) + " " + exe + filter;
  }
  std::string by_seed = "WEFT_SEED=" + format_seed(r.seed) +
                        " WEFT_EXECUTION=" + std::to_string(r.failing_execution) +
                        " WEFT_STRATEGY=" + r.strategy;  // a strategy's name is one plain word
  // The strategy's options (numbers), each as its WEFT_<KEY>.
  const std::optional<strategy_info> info = find_strategy(r.strategy);
  for (const auto& kv : r.params) {
    const std::string& key = kv.first;
    const std::string& value = kv.second;
    const bool option = info && std::any_of(info->options.begin(), info->options.end(),
                                            [&](const strategy_option& o) { return o.key == key; });
    if (option) by_seed += " " + option_env_name(key) + "=" + value;
  }
  by_seed += " " + exe + filter;
  if (cmd.empty()) return by_seed;
  return cmd + "\n  " + std::string(12, ' ') + "or " + by_seed;
}

// WEFT_REPORT_JSON=FILE: every check() of this process adds its report to FILE.
inline void json_report(const report& r, std::string_view replay_command) {
  const char* file = env("WEFT_REPORT_JSON");
  if (file == nullptr) return;
  try {
    append_json(file, r, replay_command);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "weft: WEFT_REPORT_JSON=" << file << ": " << e.what();
  }
}

// Minimises the failing trace of `r` within WEFT_MINIMIZE_TIME seconds (default 2) and
// returns the report lines naming the minimal trace, or why there is none.
inline std::string minimized_text(const report& r, const std::function<void()>& body,
                                  const runtime_config& config) {
  if (r.trace_path.empty() || r.failed.kind == failure_kind::nondeterminism) return {};
  double budget = 2;
  if (const char* v = env("WEFT_MINIMIZE_TIME")) {
    budget = static_cast<double>(parse_u64(v, "WEFT_MINIMIZE_TIME"));
  }
  if (budget == 0) return {};
  try {
    minimize_options mo;
    mo.time_limit_s = budget;
    mo.runtime = config;
    const minimize_result m = minimize(traces::read_file(r.trace_path), body, mo);
    const std::filesystem::path dir = r.trace_path.parent_path();
    const std::filesystem::path out =
        traces::write_new_file(dir.empty() ? std::filesystem::path(".") : dir,
                               r.trace_path.stem().string() + ".min", m.minimal);
    return "  minimized   " + out.string() + "\n              " +
           std::to_string(m.before.steps) + " -> " + std::to_string(m.after.steps) + " steps, " +
           std::to_string(m.before.switches) + " -> " + std::to_string(m.after.switches) +
           " switches, " + std::to_string(m.before.preemptions) + " -> " +
           std::to_string(m.after.preemptions) + " preemptions" +
           (m.complete ? "" : " (stopped by WEFT_MINIMIZE_TIME)") + "\n";
  } catch (const std::exception& e) {
    return std::string("  minimized   not written: ") + e.what() + "\n";
  }
}

}  // namespace detail

// Applies the WEFT_* environment variables to `base`; throws std::invalid_argument on bad ones.
inline options from_env(options base) {
  if (const char* v = detail::env("WEFT_SEED")) base.seed = parse_u64(v, "WEFT_SEED");
  if (const char* v = detail::env("WEFT_EXECUTION")) {
    base.execution = parse_u64(v, "WEFT_EXECUTION");
  }
  if (const char* v = detail::env("WEFT_STRATEGY")) base.strategy.name = v;
  // Every other option of the strategy, as WEFT_<KEY> (WEFT_MAX_FAULTS, WEFT_PREEMPTION_BOUND).
  if (const std::optional<strategy_info> info = find_strategy(base.strategy.name)) {
    for (const strategy_option& o : info->options) {
      if (detail::shorthand_option(o.key)) continue;
      const std::string name = option_env_name(o.key);
      if (const char* v = detail::env(name.c_str())) base.strategy.options.emplace_back(o.key, v);
    }
  }
  if (const char* v = detail::env("WEFT_DEPTH")) {
    base.strategy.depth = detail::env_u32(v, "WEFT_DEPTH");
  }
  if (const char* v = detail::env("WEFT_PCT_STEPS")) {
    base.strategy.pct_steps = parse_u64(v, "WEFT_PCT_STEPS");
  }
  if (const char* v = detail::env("WEFT_FAULT_PER_MILLE")) {
    base.strategy.fault_per_mille = detail::env_u32(v, "WEFT_FAULT_PER_MILLE");
  }
  if (const char* v = detail::env("WEFT_ITERATIONS")) {
    base.iterations = parse_u64(v, "WEFT_ITERATIONS");
  }
  if (const char* v = detail::env("WEFT_TRACE_DIR")) base.trace_dir = v;
  if (const char* v = detail::env("WEFT_JOBS")) base.jobs = detail::env_u32(v, "WEFT_JOBS");
  if (const char* v = detail::env("WEFT_SHARD")) {
    const shard s = parse_shard(v, "WEFT_SHARD");
    base.shard_index = s.index;
    base.shard_count = s.count;
  }
  if (const char* v = detail::env("WEFT_KEEP_GOING")) {
    base.keep_going = parse_u64(v, "WEFT_KEEP_GOING") != 0;
  }
  if (const char* v = detail::env("WEFT_LIVELOCK_REPEATS")) {
    base.runtime.livelock_repeats = detail::env_u32(v, "WEFT_LIVELOCK_REPEATS");
  }
  return base;
}

// Explores `body` (or replays WEFT_REPLAY) and fails the current test with the report if any
// execution fails. Returns the report.
template <class F>
report check(F&& body, options opts = {}) {
  if (opts.scenario == options{}.scenario) opts.scenario = detail::current_test_name();
  const std::function<void()> fn(std::forward<F>(body));
  report r;
  if (const char* file = detail::env("WEFT_REPLAY")) {
    const traces::trace t = traces::read_file(file);
    if (t.scenario != opts.scenario) {
      ADD_FAILURE() << "weft: WEFT_REPLAY=" << file << " is a trace of \"" << t.scenario
                    << "\", not of \"" << opts.scenario
                    << "\": run only its test (--gtest_filter=" << t.scenario << ")";
      return r;
    }
    r = replay_trace(t, fn, opts.runtime);
    r.trace_path = detail::absolute_text(file);
    const std::string again = "WEFT_REPLAY=" + shell_quote(r.trace_path.string()) + " " +
                              shell_quote(detail::self_exe()) + " " +
                              shell_quote("--gtest_filter=" + opts.scenario);
    detail::json_report(r, again);
    if (!r.ok()) {
      ADD_FAILURE() << "weft: replay of " << r.trace_path.string() << ": "
                    << to_string(r.failed.kind) << ": " << r.failed.message << "\n  replay again "
                    << again;
    }
    return r;
  }
  const runtime_config config = opts.runtime;
  r = explore(from_env(std::move(opts)), fn);
  if (!r.ok()) {
    const std::string command = detail::repro_command(r);
    detail::json_report(r, command.substr(0, command.find('\n')));
    // The minimised trace goes before the replay line, so that the report ends with the command.
    std::string text = r.text(command);
    const std::size_t replay_line = text.rfind("\n  replay ");
    text.insert(replay_line == std::string::npos ? text.size() : replay_line + 1,
                detail::minimized_text(r, fn, config));
    ADD_FAILURE() << text;
  } else {
    detail::json_report(r, {});
  }
  return r;
}

// Expects `body` to fail with `kind` and a message containing `message_part`, and expects that
// failure to come back both from its seed and from its trace file.
template <class F>
report expect_failure(F&& body, failure_kind kind, std::string_view message_part,
                      options opts = {}) {
  if (opts.scenario == options{}.scenario) opts.scenario = detail::current_test_name();
  const std::function<void()> fn(std::forward<F>(body));
  const runtime_config config = opts.runtime;
  report r = explore(from_env(std::move(opts)), fn);
  EXPECT_EQ(to_string(r.failed.kind), to_string(kind))
      << "weft did not find the expected bug in " << r.executions << " executions\n"
      << r.text();
  EXPECT_NE(r.failed.message.find(message_part), std::string::npos)
      << "message: " << r.failed.message;
  EXPECT_TRUE(r.reproduced_from_seed) << r.text();
  EXPECT_TRUE(r.reproduced_from_trace) << r.text();
  if (!r.trace_path.empty()) {
    const report again = replay_file(r.trace_path, fn, config);
    EXPECT_TRUE(again.reproduced_from_trace) << again.failed.message;
    EXPECT_EQ(again.failed.kind, r.failed.kind);
    EXPECT_EQ(again.failed.message, r.failed.message);
  } else {
    ADD_FAILURE() << "no trace was written: " << r.trace_error;
  }
  return r;
}

}  // namespace weft::sim::testing
