// The partial-order-aware sampling strategies:
//
// pos — partial order sampling (Yuan, Yang, Gu, "Partial Order Aware Concurrency Sampling",
// CAV'18). Every pending operation carries a random priority; the runnable thread whose
// pending operation has the highest priority runs. When an operation runs, the pending
// operations of other threads that conflict with it (same object, one of them writes) draw
// fresh priorities, as does the next operation of the thread that ran. Independent operations
// keep their relative order, so each partial order, not each interleaving, is what is sampled
// (nearly) uniformly. weft's one addition: a yield or sleep conflicts with every pending
// operation, so that a spinning thread cannot starve one whose priority happens to be low.
//
// surw — selectively uniform random walk (Zhao, Gu et al., ASPLOS'25). A uniform random walk
// over the interleavings of the *interesting* events (operations on objects that more than one
// thread touches): at each decision a thread is chosen with probability proportional to the
// number of interesting events it still has to run, estimated from the executions before
// (per thread id, the most seen so far); a thread with none left weighs 1. For threads with
// known counts this draws every interleaving of the interesting events with equal probability,
// which a plain random walk does not (it favours schedules that finish one thread early).
//
// Both are seeded: an execution follows from (name, params, execution seed); surw's estimates
// are learnt from the seeds of the run alone (begin_run probes), not from earlier executions,
// so any one execution can be re-run by itself.
#include "strategy_set.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace weft::sim {
namespace {

constexpr std::uint32_t max_threads = max_threads_per_execution;

bool writes(access a) noexcept { return a == access::write || a == access::read_write; }

bool conflicts(const pending_op& a, const pending_op& b) noexcept {
  if (a.object == 0 || a.object != b.object) return false;
  if (a.acc == access::none || b.acc == access::none) return false;
  return writes(a.acc) || writes(b.acc);
}

class pos_strategy final : public strategy {
 public:
  explicit pos_strategy(std::uint32_t fault_per_mille) : fault_per_mille_(fault_per_mille) {}
  std::string_view name() const noexcept override { return "pos"; }
  strategy_params params() const override {
    return {{"fault-per-mille", std::to_string(fault_per_mille_)}};
  }
  void begin_execution(std::uint64_t seed) override {
    rng_.reseed(seed);
    fresh_.fill(true);
  }
  void on_spawn(std::uint32_t thread) override { fresh_[thread] = true; }
  std::uint32_t pick_thread(const decision_context& ctx) override {
    // The thread that just ran announced a new operation: it draws a new priority.
    fresh_[ctx.current] = true;
    for (const std::uint8_t t : ctx.runnable) {
      if (fresh_[t]) {
        priority_[t] = rng_.next();
        fresh_[t] = false;
      }
    }
    std::uint32_t best = ctx.runnable[0];
    for (const std::uint8_t t : ctx.runnable) {
      if (priority_[t] > priority_[best]) best = t;
    }
    // What `best` does conflicts with the pending operations that race with it: they are
    // re-drawn before the next decision.
    // A yield or sleep is the program asking for the others to run: it races with every
    // pending operation. Without that a thread whose pending priority is low would starve
    // while another spins with yields, each spin drawing the spinner a fresh priority.
    const pending_op& run = ctx.pending[best];
    const bool yields = run.kind == point_kind::yield || run.kind == point_kind::sleep;
    for (const std::uint8_t t : ctx.runnable) {
      if (t != best && (yields || conflicts(run, ctx.pending[t]))) fresh_[t] = true;
    }
    fresh_[best] = true;
    return best;
  }
  std::uint64_t pick_value(const decision_context&, std::uint64_t bound) override {
    return rng_.below(bound);
  }
  bool pick_fault(const decision_context&) override {
    return fault_per_mille_ != 0 && rng_.below(1000) < fault_per_mille_;
  }

 private:
  std::uint32_t fault_per_mille_;
  rng rng_;
  std::array<std::uint64_t, max_threads> priority_{};
  std::array<bool, max_threads> fresh_{};
};

class surw_strategy final : public strategy {
 public:
  explicit surw_strategy(std::uint32_t fault_per_mille) : fault_per_mille_(fault_per_mille) {}
  std::string_view name() const noexcept override { return "surw"; }
  strategy_params params() const override {
    return {{"fault-per-mille", std::to_string(fault_per_mille_)}};
  }
  // The estimates come from probe executions of the run seed (uniform walks), counted per
  // thread id: interesting events are operations on objects touched by two threads or more.
  void begin_run(std::uint64_t run_seed, const probe_function& probe) override {
    if (!probe) return;
    for (std::uint64_t j = 0; j < 4; ++j) {
      seen_.clear();
      probe_ = true;
      static_cast<void>(probe(*this, execution_seed(run_seed ^ 0x5u, j)));
      probe_ = false;
      // Interesting objects: touched by at least two threads.
      std::array<std::uint64_t, max_threads> interesting{};
      for (const auto& [object, who] : seen_) {
        if (__builtin_popcount(who.mask) < 2) continue;
        for (std::uint32_t t = 0; t < max_threads; ++t) interesting[t] += who.per_thread[t];
      }
      for (std::uint32_t t = 0; t < max_threads; ++t) {
        estimate_[t] = std::max(estimate_[t], interesting[t]);
      }
    }
  }
  void begin_execution(std::uint64_t seed) override {
    rng_.reseed(seed);
    done_.fill(0);
  }
  std::uint32_t pick_thread(const decision_context& ctx) override {
    if (probe_) {
      // Learning: a uniform walk that notes who touches what.
      const std::uint32_t t = ctx.runnable[rng_.below(ctx.runnable.size())];
      note(t, ctx.pending[t]);
      return t;
    }
    std::array<std::uint64_t, max_threads> weight{};
    std::uint64_t total = 0;
    for (const std::uint8_t t : ctx.runnable) {
      const std::uint64_t left = estimate_[t] > done_[t] ? estimate_[t] - done_[t] : 0;
      weight[t] = std::max<std::uint64_t>(left, 1);
      total += weight[t];
    }
    std::uint64_t r = rng_.below(total);
    std::uint32_t chosen = ctx.runnable[0];
    for (const std::uint8_t t : ctx.runnable) {
      if (r < weight[t]) {
        chosen = t;
        break;
      }
      r -= weight[t];
    }
    if (ctx.pending[chosen].object != 0 && ctx.pending[chosen].acc != access::none) ++done_[chosen];
    return chosen;
  }
  std::uint64_t pick_value(const decision_context&, std::uint64_t bound) override {
    return rng_.below(bound);
  }
  bool pick_fault(const decision_context&) override {
    return fault_per_mille_ != 0 && rng_.below(1000) < fault_per_mille_;
  }

 private:
  struct touchers {
    std::uint32_t mask = 0;
    std::array<std::uint64_t, max_threads> per_thread{};
  };
  void note(std::uint32_t t, const pending_op& op) {
    if (op.object == 0 || op.acc == access::none || t >= max_threads) return;
    auto it = std::find_if(seen_.begin(), seen_.end(),
                           [&](const auto& kv) { return kv.first == op.object; });
    if (it == seen_.end()) {
      seen_.emplace_back(op.object, touchers{});
      it = seen_.end() - 1;
    }
    it->second.mask |= 1u << t;
    ++it->second.per_thread[t];
  }

  std::uint32_t fault_per_mille_;
  rng rng_;
  bool probe_ = false;
  std::vector<std::pair<std::uint32_t, touchers>> seen_;
  std::array<std::uint64_t, max_threads> estimate_{};
  std::array<std::uint64_t, max_threads> done_{};
};

strategy_option fault_option() {
  return {"fault-per-mille", 50, 0, 1000,
          "chance in 1000 of a spurious wake-up or weak-CAS failure at each such point"};
}

}  // namespace

namespace detail {

std::vector<strategy_info> sampling_strategies() {
  std::vector<strategy_info> out;
  out.push_back({"pos", "partial order sampling: random priorities per operation, re-drawn on conflict",
                 {fault_option()}, false,
                 [](const strategy_params& p) -> std::unique_ptr<strategy> {
                   return std::make_unique<pos_strategy>(
                       static_cast<std::uint32_t>(option_value(p, "fault-per-mille")));
                 }});
  out.push_back({"surw",
                 "selectively uniform random walk: threads weighted by their remaining shared "
                 "operations",
                 {fault_option()}, false,
                 [](const strategy_params& p) -> std::unique_ptr<strategy> {
                   return std::make_unique<surw_strategy>(
                       static_cast<std::uint32_t>(option_value(p, "fault-per-mille")));
                 }});
  return out;
}

}  // namespace detail
}  // namespace weft::sim
