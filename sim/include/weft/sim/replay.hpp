// weft/sim/replay.hpp — the replay strategy: follows a recorded schedule step by step.
//
// At every step it checks that the program does what the trace recorded (same thread, same
// kind of point, same object) and hands back the recorded choice and values. The first step
// where the program does something else stops the execution with
// "nondeterminism at step N: expected ..., got ...", which is how weft tells a changed or
// nondeterministic test (pointer hashes, real time, real threads inside a sim test) apart
// from a reproduced bug.
//
// Thread-safety: as every strategy (strategy.hpp), a replay_strategy is used by one runtime
// at a time on one OS thread; it owns a copy of the steps it follows, so the trace it was
// built from may be read or dropped meanwhile.
#pragma once

#include <weft/sim/strategy.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weft::sim {

struct expected_step {
  std::uint32_t thread = 0;
  point_kind kind = point_kind::yield;
  std::uint32_t object = 0;
  std::uint64_t value = 0;
};

class replay_strategy final : public strategy {
 public:
  // `last_thread` is the thread that runs after the last recorded step (a trace's failing
  // thread); absent, the current thread goes on when it can.
  explicit replay_strategy(std::vector<expected_step> steps,
                           std::optional<std::uint32_t> last_thread = std::nullopt);
  std::string_view name() const noexcept override { return "replay"; }
  strategy_params params() const override { return {}; }
  void begin_execution(std::uint64_t seed) override;
  std::uint32_t pick_thread(const decision_context& ctx) override;
  std::uint64_t pick_value(const decision_context& ctx, std::uint64_t bound) override;
  bool pick_fault(const decision_context& ctx) override;
  bool sees_every_step() const noexcept override { return true; }
  std::string divergence() const override { return divergence_; }
  bool finished_cleanly(std::uint64_t steps) override;

 private:
  bool verify(const decision_context& ctx);
  std::vector<expected_step> steps_;
  std::optional<std::uint32_t> last_thread_;
  std::string divergence_;
};

// Follows a list of choices, in the order the simulator asks for them (a thread id at each
// thread decision, forced ones included; a value at each value or fault decision), then hands
// every later decision to `then` (absent: the current thread goes on when it can, else the
// first runnable one, no faults, values 0). This is replay as a prefix: follow a recorded
// schedule, then continue under a strategy; and it is how a search's execution is re-run from
// strategy::last_choices(). A choice that does not fit (a thread that cannot run, a value out
// of range) ends the execution as nondeterminism, naming the decision.
class prefix_strategy final : public strategy {
 public:
  explicit prefix_strategy(std::vector<std::uint64_t> choices,
                           std::unique_ptr<strategy> then = nullptr);
  std::string_view name() const noexcept override { return then_ ? then_->name() : "prefix"; }
  strategy_params params() const override { return then_ ? then_->params() : strategy_params{}; }
  void begin_execution(std::uint64_t seed) override;
  void on_spawn(std::uint32_t thread) override;
  std::uint32_t pick_thread(const decision_context& ctx) override;
  std::uint64_t pick_value(const decision_context& ctx, std::uint64_t bound) override;
  bool pick_fault(const decision_context& ctx) override;
  bool sees_every_step() const noexcept override { return true; }
  std::string divergence() const override { return divergence_; }
  // How many choices were followed in the last execution.
  std::size_t followed() const noexcept { return next_; }

 private:
  std::vector<std::uint64_t> choices_;
  std::unique_ptr<strategy> then_;
  std::size_t next_ = 0;
  std::string divergence_;
};

// The choices of a recorded schedule (for prefix_strategy): at each step its value if it is a
// value point (random, a condition-variable wait, a weak CAS), then the thread of the next
// step if it is a scheduling point.
std::vector<std::uint64_t> choices_of(const std::vector<expected_step>& steps);

}  // namespace weft::sim
