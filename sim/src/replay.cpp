#include <weft/sim/replay.hpp>
#include "text.hpp"


#include <algorithm>

namespace weft::sim {
namespace {

std::string doing(std::uint32_t thread, point_kind kind, std::uint32_t object) {
  if (object == 0) return detail::text("t{} doing {}", thread, to_string(kind));
  return detail::text("t{} doing {} o{}", thread, to_string(kind), object);
}

}  // namespace

replay_strategy::replay_strategy(std::vector<expected_step> steps,
                                 std::optional<std::uint32_t> last_thread)
    : steps_(std::move(steps)), last_thread_(last_thread) {}

void replay_strategy::begin_execution(std::uint64_t) { divergence_.clear(); }

bool replay_strategy::verify(const decision_context& ctx) {
  if (!divergence_.empty()) return false;
  if (ctx.step >= steps_.size()) {
    divergence_ = detail::text(
        "nondeterminism at step {}: the trace ends after {} steps, but the program went on ({})",
        ctx.step, steps_.size(), doing(ctx.current, ctx.kind, ctx.object));
    return false;
  }
  const expected_step& e = steps_[ctx.step];
  if (e.thread != ctx.current || e.kind != ctx.kind || e.object != ctx.object) {
    divergence_ = detail::text("nondeterminism at step {}: expected {}, got {}", ctx.step,
                              doing(e.thread, e.kind, e.object),
                              doing(ctx.current, ctx.kind, ctx.object));
    return false;
  }
  return true;
}

std::uint32_t replay_strategy::pick_thread(const decision_context& ctx) {
  if (!verify(ctx)) return diverged;
  if (ctx.step + 1 >= steps_.size()) {
    // After the last step runs the thread the trace names (the one that failed), else the
    // current one if it can.
    if (last_thread_ && std::find(ctx.runnable.begin(), ctx.runnable.end(), *last_thread_) !=
                            ctx.runnable.end()) {
      return *last_thread_;
    }
    if (std::find(ctx.runnable.begin(), ctx.runnable.end(), ctx.current) != ctx.runnable.end()) {
      return ctx.current;
    }
    return ctx.runnable[0];
  }
  const std::uint32_t next = steps_[ctx.step + 1].thread;
  if (std::find(ctx.runnable.begin(), ctx.runnable.end(), next) == ctx.runnable.end()) {
    divergence_ = detail::text(
        "nondeterminism at step {}: the trace runs t{} next, but t{} cannot run now", ctx.step + 1,
        next, next);
    return diverged;
  }
  return next;
}

std::uint64_t replay_strategy::pick_value(const decision_context& ctx, std::uint64_t bound) {
  if (!verify(ctx)) return 0;
  const std::uint64_t v = steps_[ctx.step].value;
  if (v >= bound) {
    divergence_ = detail::text(
        "nondeterminism at step {}: recorded value {} is out of the range [0, {}) asked for now",
        ctx.step, v, bound);
    return 0;
  }
  return v;
}

bool replay_strategy::pick_fault(const decision_context& ctx) {
  if (!verify(ctx)) return false;
  return steps_[ctx.step].value != 0;
}

bool replay_strategy::finished_cleanly(std::uint64_t steps) {
  if (!divergence_.empty()) return false;
  if (steps != steps_.size()) {
    divergence_ = detail::text(
        "nondeterminism at step {}: the program finished, but the trace has {} steps", steps,
        steps_.size());
    return false;
  }
  return true;
}

prefix_strategy::prefix_strategy(std::vector<std::uint64_t> choices, std::unique_ptr<strategy> then)
    : choices_(std::move(choices)), then_(std::move(then)) {}

void prefix_strategy::begin_execution(std::uint64_t seed) {
  next_ = 0;
  divergence_.clear();
  if (then_) then_->begin_execution(seed);
}

void prefix_strategy::on_spawn(std::uint32_t thread) {
  if (then_) then_->on_spawn(thread);
}

std::uint32_t prefix_strategy::pick_thread(const decision_context& ctx) {
  if (!divergence_.empty()) return diverged;
  if (next_ < choices_.size()) {
    const std::uint64_t t = choices_[next_++];
    if (std::find(ctx.runnable.begin(), ctx.runnable.end(), t) == ctx.runnable.end()) {
      divergence_ = detail::text(
          "nondeterminism at step {}: the schedule runs t{} next (choice {}), but it cannot run now",
          ctx.step, t, next_ - 1);
      return diverged;
    }
    return static_cast<std::uint32_t>(t);
  }
  if (then_) return then_->pick_thread(ctx);
  if (std::find(ctx.runnable.begin(), ctx.runnable.end(), ctx.current) != ctx.runnable.end()) {
    return ctx.current;
  }
  return ctx.runnable[0];
}

std::uint64_t prefix_strategy::pick_value(const decision_context& ctx, std::uint64_t bound) {
  if (!divergence_.empty()) return 0;
  if (next_ < choices_.size()) {
    const std::uint64_t v = choices_[next_++];
    if (v >= bound) {
      divergence_ = detail::text(
          "nondeterminism at step {}: the schedule's value {} is out of the range [0, {}) asked "
          "for now",
          ctx.step, v, bound);
      return 0;
    }
    return v;
  }
  return then_ ? then_->pick_value(ctx, bound) : 0;
}

bool prefix_strategy::pick_fault(const decision_context& ctx) {
  if (!divergence_.empty()) return false;
  if (next_ < choices_.size()) return choices_[next_++] != 0;
  return then_ ? then_->pick_fault(ctx) : false;
}

std::vector<std::uint64_t> choices_of(const std::vector<expected_step>& steps) {
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const point_kind k = steps[i].kind;
    const bool value = k == point_kind::random || k == point_kind::cv_wait ||
                       k == point_kind::cv_wait_timed || k == point_kind::atomic_cas_weak;
    if (value) out.push_back(steps[i].value);
    if (k != point_kind::random && i + 1 < steps.size()) out.push_back(steps[i + 1].thread);
  }
  return out;
}

}  // namespace weft::sim
