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
  strategy_config strategy;                // a registered strategy and its options
  std::uint64_t iterations = 10'000;       // executions to run (stops at the first failure); for
                                           // a search (dpor, dfs), the most it may run
  std::optional<std::uint64_t> seed;       // run seed; drawn from std::random_device if absent
  std::optional<std::uint64_t> execution;  // run only this execution index (needs seed)
  double time_limit_s = 0;                 // stop early after this long; 0 = no limit
  runtime_config runtime;                  // steps_max, livelock_repeats, stack size
  // Every core: the executions run on this many OS threads at once, each with its own runtime
  // and strategy (seeded strategies; a search runs on one thread whatever this says). The
  // body is then called from several threads at once: it must keep its state inside it. The
  // report is the serial run's: the same first failure (index, seed, trace) and, for a failure,
  // the same count of executions up to it (the workers may have run a few more past it, which
  // are discarded); a pass counts every execution. At least 1.
  std::uint32_t jobs = 1;
  // Beyond one machine: this run is shard `shard_index` of `shard_count`. The executions go in
  // blocks of 256 consecutive indices, block b to shard b % shard_count: no gap, no overlap, and
  // the shards' failures together hold the serial run's first (the lowest failing index of
  // all). Seeded strategies only; shard_index < shard_count.
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  // Go on after a failure: every execution runs, the failures are grouped by kind and source
  // location, and each group's first failure is reproduced and gets its trace
  // (report::groups). The report's own failure is the first of all, as without it.
  bool keep_going = false;
  std::filesystem::path trace_dir = "weft-traces";
  bool write_trace = true;
  bool verify_replay = true;  // replay the written trace and check the same failure comes back
  std::function<void(const progress&)> on_progress;  // called about 10 times a second
  // Asked between executions (every batch of up to 256); true ends the run there, as a pass
  // cut short unless a failure was already found. An execution is never interrupted. The
  // weft tool answers it from its SIGINT/SIGTERM handlers.
  std::function<bool()> should_stop;
};

// Why a run ended before its last execution without a failure.
enum class stop_reason : std::uint8_t {
  none,            // it ran every execution, or stopped at a failure, or a search completed
  time_limit,      // options::time_limit_s ran out
  requested,       // options::should_stop answered true
  max_executions,  // a search (dpor, dfs) used up options::iterations before it completed
};
std::string_view to_string(stop_reason r) noexcept;

// The failures of one kind at one source location, in a run with options::keep_going.
struct failure_group {
  failure failed;                   // as the first one of the group was reproduced
  std::uint64_t first_execution = 0;
  std::uint64_t first_execution_seed = 0;  // for a seeded strategy
  std::uint64_t count = 0;          // executions that failed so
  std::filesystem::path trace_path; // the first one's trace; empty if none was written
  std::string trace_error;
  bool reproduced_from_seed = false;
  bool reproduced_from_trace = false;
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
  std::vector<step_record> notes;     // its accesses to plain data (runtime::notes())
  std::vector<std::string> thread_names;
  std::vector<std::pair<std::uint32_t, std::string>> object_names;  // named objects, by id
  std::filesystem::path trace_path;   // empty if none was written
  std::string trace_error;            // why no trace could be written, if so
  bool reproduced_from_seed = false;  // the re-run from the seed failed the same way
  bool reproduced_from_trace = false; // replaying the trace file failed the same way
  stop_reason stopped_by = stop_reason::none;
  // What the strategy says about its search: exhaustive strategies (dpor, dfs) report
  // complete = true when every execution was explored, which is a proof at this size.
  search_summary search;
  std::uint64_t cut = 0;  // executions a search ended early as redundant (counted in executions)
  std::uint32_t shard_index = 0;  // as options::shard_index, shard_count
  std::uint32_t shard_count = 1;
  // With options::keep_going: every group of failures, in the order of their first execution
  // (the first is the report's own failure); `failures` counts the failing executions.
  std::vector<failure_group> groups;
  std::uint64_t failures = 0;

  bool ok() const noexcept { return !failed; }
  // Every execution asked for ran (or one failed): not cut short by a time limit or a stop.
  bool complete() const noexcept { return stopped_by == stop_reason::none; }
  int exit_code() const noexcept { return sim::exit_code(failed.kind); }
  // The compact human report. A pass cut short says so ("PASS (stopped by the time limit
  // after N of M executions)"). A failure's report ends with the command that replays its
  // trace: `replay_command` when given (the caller knows how it was run), else
  // replay_command_for(trace_path).
  std::string text(std::string_view replay_command = {}) const;
};

// `text` as one word of a POSIX shell: in single quotes, each ' written '\''.
std::string shell_quote(std::string_view text);
// The program that replays a trace in this process, as a shell word or words (already quoted):
// set by weft::cli::main to this binary followed by "replay"; empty until someone sets it.
// Thread-safe.
void set_replay_program(std::string command_prefix);
std::string replay_program();
// The shell command that replays `trace` (made absolute, then quoted): the replay program
// followed by the trace when one is set, else a note naming weft::sim::replay_file (a program
// that explores without weft::cli::main has no command that replays).
std::string replay_command_for(const std::filesystem::path& trace);

// The report as JSON (schema in docs/report-json.md): `replay_command` as for text().
std::string to_json(const report& r, std::string_view replay_command = {});
// Writes {"schema": "weft-report/1", "reports": [...]} to `file` (through a temporary file and a
// rename, so a reader never sees half of it). Throws std::runtime_error when it cannot.
void write_json(const std::filesystem::path& file, const std::vector<std::string>& reports_json);
// Adds one report to the reports this process has written to `file` and rewrites the file
// with all of them: several check() calls in one test binary share one WEFT_REPORT_JSON.
// Thread-safe.
void append_json(const std::filesystem::path& file, const report& r,
                 std::string_view replay_command = {});

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
// A trace is input like any other: each parameter weft knows (seed, execution, execution-seed,
// steps-max, livelock-repeats, fault-per-mille, depth, pct-steps) must be a number in the range
// weft accepts for it, or this throws std::invalid_argument naming it ("trace parameter depth
// is 65, out of range (1 to 64)"). Unknown parameters are left alone. replay_trace and minimize
// call it before they run anything.
void validate_trace_params(const traces::trace& t);
// The runtime settings a trace records (steps-max, livelock-repeats) applied to `config`. A
// trace without livelock-repeats was written before the fair-cycle check existed: it replays
// with the check off, as it ran.
runtime_config runtime_config_of(const traces::trace& t, runtime_config config);
// Reads and replays a trace file; throws weft::traces::parse_error for a malformed file.
report replay_file(const std::filesystem::path& file, const std::function<void()>& body,
                   const runtime_config& config = {});

// Conversions between a report and the trace file format.
traces::trace to_trace(const report& r, const runtime_config& config);

std::string format_seed(std::uint64_t seed);
// "I/N" (shard I of N, 0 <= I < N): throws std::invalid_argument naming `what` otherwise.
struct shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};
shard parse_shard(std::string_view text, std::string_view what);
// Parses decimal or 0x-hex; throws std::invalid_argument naming `what` on bad input.
std::uint64_t parse_u64(std::string_view text, std::string_view what);

}  // namespace weft::sim
