// weft/sim/detail/scheduler.hpp — the runnable set and the calls into the strategy.
//
// The runnable set keeps thread ids in the order they became runnable: strategies index it,
// so its order is part of what makes an execution reproducible. At a scheduling point the
// runtime first asks continues(): one runnable thread that is the current one, and a strategy
// that need not see forced steps, means no decision at all (the common case, inline). Otherwise
// pick() decides: inline from the strategy's uniform generator when it has one, else through
// strategy::pick_thread.
//
// Thread-safety: belongs to one runtime, used on the OS thread that runs it.
#pragma once

#include <weft/sim/detail/invariant.hpp>
#include <weft/sim/point.hpp>
#include <weft/sim/strategy.hpp>

#include <array>
#include <cstdint>
#include <span>

namespace weft::sim::detail {

class scheduler {
 public:
  // Binds the strategy of a run.
  void begin_run(strategy& strat, const pending_op* pending) noexcept {
    strategy_ = &strat;
    pending_ = pending;
    strategy_sees_every_step_ = strat.sees_every_step();
    uniform_ = strategy_sees_every_step_ ? nullptr : strat.uniform_picker();
    fault_per_mille_ = strat.uniform_fault_per_mille();
  }
  strategy& strat() const noexcept { return *strategy_; }
  // True when the strategy's pick_thread must see every step, forced ones included.
  bool strategy_sees_every_step() const noexcept { return strategy_sees_every_step_; }

  // The hot check: thread t goes on without a decision.
  bool continues(std::uint32_t t) const noexcept {
    return n_ == 1 && runnable_[0] == t && !strategy_sees_every_step_;
  }
  // pick()'s answer when strategy::pick_thread returned a thread that is not runnable (a
  // broken strategy); rejected() then says which.
  static constexpr std::uint32_t not_runnable = 0xfffffffeu;
  static_assert(not_runnable != strategy::diverged && not_runnable != strategy::cut);

  // The next thread at decision `step`: a runnable thread, strategy::diverged, strategy::cut
  // or not_runnable. Requires a non-empty runnable set. `objects`: the next object id.
  std::uint32_t pick(std::uint32_t current, std::uint64_t step, point_kind kind,
                     std::uint32_t object, std::uint32_t objects) {
    if (n_ == 1 && !strategy_sees_every_step_) return runnable_[0];
    if (uniform_ != nullptr) return runnable_[uniform_->below(n_)];
    const std::uint32_t next =
        strategy_->pick_thread(context(current, step, kind, object, objects));
    if (next != strategy::diverged && next != strategy::cut && !contains(next)) [[unlikely]] {
      rejected_ = next;
      return not_runnable;
    }
    return next;
  }
  std::uint32_t rejected() const noexcept { return rejected_; }
  std::uint64_t pick_value(std::uint32_t current, std::uint64_t step, point_kind kind,
                           std::uint32_t object, std::uint64_t bound, std::uint32_t objects) {
    return strategy_->pick_value(context(current, step, kind, object, objects), bound);
  }
  bool pick_fault(std::uint32_t current, std::uint64_t step, point_kind kind,
                  std::uint32_t object, std::uint32_t objects) {
    if (uniform_ != nullptr) {
      return fault_per_mille_ != 0 && uniform_->below(1000) < fault_per_mille_;
    }
    return strategy_->pick_fault(context(current, step, kind, object, objects));
  }

  // The runnable set.
  void clear() noexcept {
    n_ = 0;
    members_ = 0;
  }
  void add(std::uint32_t t) noexcept {
    WEFT_ASSERT(invariant, n_ < max_threads_per_execution, "the runnable set has room");
    WEFT_ASSERT(invariant, t < max_threads_per_execution, "only simulated threads become runnable");
    WEFT_ASSERT(invariant, !contains(t), "a thread is in the runnable set at most once");
    runnable_[n_++] = static_cast<std::uint8_t>(t);
    members_ |= 1u << t;
  }
  void remove(std::uint32_t t) noexcept {
    for (std::uint32_t i = 0; i < n_; ++i) {
      if (runnable_[i] == t) {
        for (std::uint32_t j = i + 1; j < n_; ++j) runnable_[j - 1] = runnable_[j];
        --n_;
        members_ &= ~(1u << t);
        return;
      }
    }
  }
  bool contains(std::uint32_t t) const noexcept {
    return t < max_threads_per_execution && (members_ & (1u << t)) != 0;
  }
  std::uint32_t size() const noexcept { return n_; }
  std::span<const std::uint8_t> runnable() const noexcept { return {runnable_.data(), n_}; }

 private:
  decision_context context(std::uint32_t current, std::uint64_t step, point_kind kind,
                           std::uint32_t object, std::uint32_t objects) const noexcept {
    return decision_context{runnable(), current, step, kind, object, pending_, objects};
  }

  std::array<std::uint8_t, max_threads_per_execution> runnable_{};
  std::uint32_t n_ = 0;
  std::uint32_t members_ = 0;  // bit t: t is in runnable_, for contains() in O(1)
  static_assert(max_threads_per_execution <= 32);
  bool strategy_sees_every_step_ = false;
  strategy* strategy_ = nullptr;
  const pending_op* pending_ = nullptr;  // the runtime's, indexed by thread id
  rng* uniform_ = nullptr;  // the strategy's generator when it picks uniformly (strategy.hpp)
  std::uint32_t fault_per_mille_ = 0;
  std::uint32_t rejected_ = 0;
};

}  // namespace weft::sim::detail
