// weft/sim/minimize.hpp — shrink a failing trace to a simpler schedule with the same failure.
//
//   const weft::traces::trace t = weft::traces::read_file("x.wtrace");
//   weft::sim::minimize_result m = weft::sim::minimize(t, body);
//   // m.minimal fails with the same kind at the same source location as t, with no more
//   // preemptions and no more steps; m.before / m.after count both.
//
// A schedule is described by its context switches: "after thread A's n-th step, run B". A
// candidate is a set of such switches (and of recorded values: random draws, injected faults)
// run with guided_strategy, which follows a switch when its target can run and otherwise lets
// the current thread go on (or, when it cannot, the lowest-numbered runnable thread). The real
// schedule of a candidate is recorded; it replaces the best one when it fails with the same
// failure kind at the same file and line and is smaller: neither more preemptions nor more
// steps, and fewer preemptions, or as many and fewer steps (or switches). Preemptions are removed by delta debugging (chunks, then single ones, until no single
// preemption can be removed); steps by dropping switches and values and by moving preemptions
// earlier. Phases repeat until nothing improves, or a bound is reached.
//
// Deterministic: no randomness, so the same trace and body give the same result, unless the
// time limit cuts the search short (result.complete is then false).
//
// Thread-safety: minimize() runs the simulator on the calling OS thread and touches no global
// state; calls on different OS threads are independent. The body must not be run elsewhere at
// the same time if it shares state between runs.
#pragma once

#include <weft/sim/point.hpp>
#include <weft/sim/runtime.hpp>
#include <weft/sim/strategy.hpp>
#include <weft/traces/trace.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft::sim {

// "After `thread`'s `after`-th step (counting from 1), run `to` if it can."
struct switch_directive {
  std::uint32_t thread = 0;
  std::uint64_t after = 0;
  std::uint32_t to = 0;
  bool preemptive = true;  // `thread` could have gone on (its step was not a block or finish)

  bool operator==(const switch_directive&) const = default;
};

// "The value drawn at `thread`'s `at`-th step, if it is a point of `kind`, is `value`."
struct value_directive {
  std::uint32_t thread = 0;
  std::uint64_t at = 0;
  point_kind kind = point_kind::random;
  std::uint64_t value = 0;

  bool operator==(const value_directive&) const = default;
};

struct guided_schedule {
  std::vector<switch_directive> switches;
  std::vector<value_directive> values;
};

// The switches and values of a recorded schedule (steps in execution order, as in a trace);
// `then` is the thread that runs after the last step (the failing one), when known.
guided_schedule schedule_of(const std::vector<step_record>& steps,
                            std::optional<std::uint32_t> then = std::nullopt);
// With the trace's failing thread as `then`. Throws std::invalid_argument for a step kind weft does not know.
guided_schedule schedule_of(const traces::trace& t);

// Follows a guided_schedule, with no preemption where it says nothing (see the file comment).
// Unmatched values are 0 (no fault, the first value). Sees every step, to count each thread's.
class guided_strategy final : public strategy {
 public:
  explicit guided_strategy(const guided_schedule& schedule);
  std::string_view name() const noexcept override { return "guided"; }
  strategy_params params() const override { return {}; }
  void begin_execution(std::uint64_t execution_seed) override;
  std::uint32_t pick_thread(const decision_context& ctx) override;
  std::uint64_t pick_value(const decision_context& ctx, std::uint64_t bound) override;
  bool pick_fault(const decision_context& ctx) override;
  bool sees_every_step() const noexcept override { return true; }

 private:
  // Counts ctx.current's step the first time a decision about step ctx.step is asked.
  std::uint64_t note(const decision_context& ctx);
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::uint32_t> switches_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, value_directive> values_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t last_step_ = 0;
  bool any_step_ = false;
};

struct schedule_counts {
  std::uint64_t steps = 0;
  std::uint64_t switches = 0;     // steps run by a different thread than the step before
  std::uint64_t preemptions = 0;  // switches away from a thread that could have gone on

  bool operator==(const schedule_counts&) const = default;
};
schedule_counts count_schedule(const traces::trace& t);
schedule_counts count_schedule(const std::vector<step_record>& steps);

struct minimize_options {
  std::uint64_t max_runs = 5000;  // candidate executions at most (the first run included)
  double time_limit_s = 10;       // stop searching after this long; 0 = no limit
  runtime_config runtime;         // steps_max is taken from the trace's steps-max when present
};

struct minimize_result {
  traces::trace minimal;     // the smallest failing schedule found, as a trace
  schedule_counts before;    // of the input trace
  schedule_counts after;     // of `minimal`
  std::uint64_t runs = 0;    // candidate executions run
  bool complete = false;     // false if max_runs or the time limit stopped the search
  failure target;            // the failure every accepted candidate reproduced (kind, file, line)
};

// Throws std::invalid_argument if the trace records no failure, a failure kind weft does not
// know, or a step kind it does not know; std::runtime_error if running the trace's schedule
// does not fail with the recorded kind (a changed or nondeterministic body).
minimize_result minimize(const traces::trace& t, const std::function<void()>& body,
                         const minimize_options& opts = {});

}  // namespace weft::sim
