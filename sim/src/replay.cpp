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

}  // namespace weft::sim
