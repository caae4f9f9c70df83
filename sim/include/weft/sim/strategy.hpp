// weft/sim/strategy.hpp — how the simulator chooses who runs next.
//
// A strategy is a small class behind this interface. The simulator calls it at scheduling
// points where a real choice exists (more than one runnable thread), for recorded values
// (P::random) and for injected faults (spurious wake-ups, spurious CAS failures). Everything a
// strategy decides must follow from the execution seed it is given and its parameters, so an
// execution is reproduced from (strategy name, parameters, execution seed) alone.
//
// Built in: random (uniform random walk), pct (Burckhardt et al., "A Randomized Scheduler with
// Probabilistic Guarantees of Finding Bugs", ASPLOS'10) and replay (follows a recorded trace and
// reports the first step where the program does something else). New strategies (DFS/DPOR,
// POS, URW) implement the same interface; the simulator core does not change.
//
// Thread-safety: a strategy object is used by one runtime at a time, on the OS thread that runs
// it, and keeps per-execution state: give each concurrent run its own (make_strategy builds a
// fresh one). make_strategy and execution_seed are pure functions, callable from any thread.
// An rng is a plain value: one thread at a time.
#pragma once

#include <weft/sim/point.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace weft::sim {

__extension__ typedef unsigned __int128 uint128;

struct decision_context {
  std::span<const std::uint8_t> runnable;  // ids of runnable threads; may be empty for values
  std::uint32_t current = 0;               // thread at the scheduling point
  std::uint64_t step = 0;                  // index of this decision
  point_kind kind = point_kind::yield;
  std::uint32_t object = 0;
};

using strategy_params = std::vector<std::pair<std::string, std::string>>;

class strategy {
 public:
  static constexpr std::uint32_t diverged = 0xffffffffu;

  strategy() = default;
  strategy(const strategy&) = delete;
  strategy& operator=(const strategy&) = delete;
  virtual ~strategy() = default;

  virtual std::string_view name() const noexcept = 0;
  // Everything besides the execution seed that determines its choices (for traces and repro).
  virtual strategy_params params() const = 0;
  virtual void begin_execution(std::uint64_t execution_seed) = 0;
  // Called after each execution with the number of steps it took.
  virtual void end_execution(std::uint64_t steps) { static_cast<void>(steps); }
  virtual void on_spawn(std::uint32_t thread) { static_cast<void>(thread); }
  // Returns one of ctx.runnable, or `diverged` (replay only; see divergence()).
  virtual std::uint32_t pick_thread(const decision_context& ctx) = 0;
  // Uniform value in [0, bound), bound >= 1.
  virtual std::uint64_t pick_value(const decision_context& ctx, std::uint64_t bound) = 0;
  // Whether to inject a spurious wake-up or spurious CAS failure here.
  virtual bool pick_fault(const decision_context& ctx) = 0;
  // True if pick_thread must see every step, even forced ones (replay verifies them).
  virtual bool sees_every_step() const noexcept { return false; }
  // For replay: the message when the program left the trace, empty otherwise.
  virtual std::string divergence() const { return {}; }
  // For replay: called when the execution ends; returns false if recorded steps remain.
  virtual bool finished_cleanly(std::uint64_t steps) { static_cast<void>(steps); return true; }

  // A strategy whose thread choice is "uniform over the runnable threads, drawn from this
  // generator" returns it here; the simulator then draws inline, without a virtual call, and
  // pick_thread is not called. nullptr (the default) means: call pick_thread.
  class rng* uniform_picker() const noexcept { return uniform_; }
  // With a uniform picker, faults are drawn inline too: uniform_picker()->below(1000) < this,
  // and not drawn at all when this is 0 (exactly what such a strategy's pick_fault does).
  std::uint32_t uniform_fault_per_mille() const noexcept { return uniform_fault_per_mille_; }

 protected:
  class rng* uniform_ = nullptr;
  std::uint32_t uniform_fault_per_mille_ = 0;
};

struct strategy_config {
  std::string name = "random";         // random | pct
  std::uint32_t depth = 3;             // pct: bug depth d (d - 1 priority change points)
  std::uint64_t pct_steps = 0;         // pct: k, the step horizon; 0 = explore() measures it
                                       // from the run seed (see explore.hpp)
  std::uint32_t fault_per_mille = 50;  // chance of a spurious wake-up / CAS failure, 0 = never
};

// Builds random or pct; throws std::invalid_argument with a clear message for bad settings.
std::unique_ptr<strategy> make_strategy(const strategy_config& config);
// Rebuilds a strategy from a trace's name and params (exact reproduction of one execution).
std::unique_ptr<strategy> make_strategy(std::string_view name, const strategy_params& params);

// The seed of execution `index` of a run with seed `run_seed`: a function of the two alone.
std::uint64_t execution_seed(std::uint64_t run_seed, std::uint64_t index) noexcept;

// Deterministic generator used by the strategies (xoshiro256**, seeded through splitmix64).
class rng {
 public:
  explicit rng(std::uint64_t seed = 0) noexcept { reseed(seed); }
  void reseed(std::uint64_t seed) noexcept;
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, bound) by multiply-shift (Lemire); bound 0 yields 0.
  std::uint64_t below(std::uint64_t bound) noexcept {
    return static_cast<std::uint64_t>((static_cast<uint128>(next()) * bound) >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace weft::sim
