// weft/sim/explore.hpp — run a closure under the simulator many times; get a report.
//
//   weft::sim::options opts;
//   opts.scenario = "my_queue.no_loss";
//   opts.strategy.name = "pct";
//   opts.iterations = 10'000;
//   weft::sim::report r = weft::sim::explore(opts, [] { /* spawn sim::threads, check(...) */ });
//   if (!r.ok()) std::cerr << r.text();
//
// Execution i of a run with seed s uses execution_seed(s, i) only, so a failing execution is
// reproduced by (strategy, parameters, execution seed) without replaying the others. On a
// failure, explore re-runs that execution from its seed with recording on (checking that the
// same failure comes back), writes the trace file before anything is printed, and replays the
// trace file to check it reproduces the failure too. Nothing here prints.
//
// Thread-safety: each call of explore, replay_trace or replay_file runs on the calling OS
// thread with a runtime of its own, so calls on different OS threads may run at once (with
// bodies that share nothing outside the simulation). The body, the on_progress callback and
// every simulated thread run on the calling thread only. A call from inside a simulated
// thread is refused (a nested simulation cannot share the fibers). options and report are
// plain values: read them from several threads at once, write them from one.
#pragma once

#include <weft/sim/point.hpp>
#include <weft/sim/runtime.hpp>
#include <weft/sim/strategy.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft::traces {
struct trace;
}

namespace weft::sim {

struct progress {
  std::uint64_t executions = 0;
  std::uint64_t iterations = 0;
  double seconds = 0;
};

struct options {
  std::string scenario = "test";           // names the trace file and the report
  strategy_config strategy;                // random | pct, depth, fault rate
  std::uint64_t iterations = 10'000;       // executions to run (stops at the first failure)
  std::optional<std::uint64_t> seed;       // run seed; drawn from std::random_device if absent
  std::optional<std::uint64_t> execution;  // run only this execution index (needs seed)
  double time_limit_s = 0;                 // stop early after this long; 0 = no limit
  runtime_config runtime;                  // steps_max, stack size
  std::filesystem::path trace_dir = "weft-traces";
  bool write_trace = true;
  bool verify_replay = true;  // replay the written trace and check the same failure comes back
  std::function<void(const progress&)> on_progress;  // called about 10 times a second
};

struct report {
  std::string scenario;
  failure failed;                     // kind none when every execution passed
  std::uint64_t executions = 0;
  std::uint64_t iterations = 0;
  double seconds = 0;
  std::uint64_t seed = 0;
  std::string strategy;
  strategy_params params;
  std::uint64_t failing_execution = 0;
  std::uint64_t failing_execution_seed = 0;
  std::uint64_t failing_steps = 0;
  std::vector<step_record> steps;     // the failing execution's schedule
  std::vector<std::string> thread_names;
  std::filesystem::path trace_path;   // empty if none was written
  std::string trace_error;            // why no trace could be written, if so
  bool reproduced_from_seed = false;  // the re-run from the seed failed the same way
  bool reproduced_from_trace = false; // replaying the trace file failed the same way

  bool ok() const noexcept { return !failed; }
  int exit_code() const noexcept { return sim::exit_code(failed.kind); }
  // The compact human report. `replay_command` is printed on the replay line (the caller
  // knows how it was run); empty prints "weft replay <trace>".
  std::string text(std::string_view replay_command = {}) const;
};

report explore_erased(const options& opts, const std::function<void()>& body);
template <class F>
report explore(const options& opts, F&& body) {
  return explore_erased(opts, std::function<void()>(std::forward<F>(body)));
}

// Replays a trace against `body`. When the recorded outcome comes back (the same failure, or a
// pass), reproduced_from_trace is true and `failed` is that outcome. When the program leaves the
// trace, `failed` has kind nondeterminism and names the step.
report replay_trace(const traces::trace& t, const std::function<void()>& body,
                    const runtime_config& config = {});
// Reads and replays a trace file; throws weft::traces::parse_error for a malformed file.
report replay_file(const std::filesystem::path& file, const std::function<void()>& body,
                   const runtime_config& config = {});

// Conversions between a report and the trace file format.
traces::trace to_trace(const report& r, const runtime_config& config);

std::string format_seed(std::uint64_t seed);
// Parses decimal or 0x-hex; throws std::invalid_argument naming `what` on bad input.
std::uint64_t parse_u64(std::string_view text, std::string_view what);

}  // namespace weft::sim
