#include <weft/sim/strategy.hpp>

#include <weft/sim/replay.hpp>
#include <weft/traces/numbers.hpp>
#include "text.hpp"


#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace weft::sim {
namespace {

std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t parse_param(const strategy_params& params, std::string_view key,
                          std::uint64_t fallback, std::uint64_t max = UINT64_MAX) {
  for (const auto& [k, v] : params) {
    if (k != key) continue;
    const traces::number_result n = traces::parse_u64(v);
    if (n.ok() && n.value <= max) return n.value;
    if (n.ok() || n.error == traces::number_error::out_of_range) {
      throw std::invalid_argument(
          detail::text("strategy parameter {}: \"{}\" is out of range (at most {})", key, v, max));
    }
    throw std::invalid_argument(detail::text("strategy parameter {}: not a number: \"{}\"", key, v));
  }
  return fallback;
}

// Uniform random walk: every runnable thread is equally likely at every decision.
class random_strategy final : public strategy {
 public:
  explicit random_strategy(std::uint32_t fault_per_mille) : fault_per_mille_(fault_per_mille) {
    uniform_ = &rng_;
    uniform_fault_per_mille_ = fault_per_mille;
  }
  std::string_view name() const noexcept override { return "random"; }
  strategy_params params() const override {
    return {{"fault-per-mille", std::to_string(fault_per_mille_)}};
  }
  void begin_execution(std::uint64_t seed) override { rng_.reseed(seed); }
  std::uint32_t pick_thread(const decision_context& ctx) override {
    return ctx.runnable[rng_.below(ctx.runnable.size())];
  }
  std::uint64_t pick_value(const decision_context&, std::uint64_t bound) override {
    return rng_.below(bound);
  }
  bool pick_fault(const decision_context&) override {
    return fault_per_mille_ != 0 && rng_.below(1000) < fault_per_mille_;
  }

 private:
  rng rng_;
  std::uint32_t fault_per_mille_;
};

// PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS'10): threads get random distinct
// priorities; the highest-priority runnable thread always runs; at d-1 change points drawn
// uniformly from the first k steps, the running thread drops below every initial priority.
// A bug of depth d is found with probability at least 1/(n * k^(d-1)) per execution.
// Yields and sleeps also demote the caller, so spin-with-yield loops make progress.
class pct_strategy final : public strategy {
 public:
  pct_strategy(std::uint32_t depth, std::uint64_t fixed_steps, std::uint32_t fault_per_mille)
      : depth_(depth), fixed_steps_(fixed_steps), fault_per_mille_(fault_per_mille) {
    if (depth_ < 1) throw std::invalid_argument("pct: depth must be at least 1");
    if (depth_ > 64) throw std::invalid_argument("pct: depth must be at most 64");
  }
  std::string_view name() const noexcept override { return "pct"; }
  strategy_params params() const override {
    return {{"depth", std::to_string(depth_)},
            {"pct-steps", std::to_string(steps_)},
            {"fault-per-mille", std::to_string(fault_per_mille_)}};
  }
  void begin_execution(std::uint64_t seed) override {
    rng_.reseed(seed);
    // Without a configured k (explore() always configures one), adapt to the longest execution
    // seen so far; that makes an execution depend on the ones before it.
    steps_ = fixed_steps_ != 0 ? fixed_steps_ : std::max<std::uint64_t>(longest_, 16);
    changes_ = 0;
    for (std::uint32_t i = 0; i + 1 < depth_; ++i) {
      change_points_[changes_++] = 1 + rng_.below(steps_);
    }
    std::sort(change_points_.begin(), change_points_.begin() + changes_);
    next_change_ = 0;
    lowest_ = 0;
  }
  void end_execution(std::uint64_t steps) override { longest_ = std::max(longest_, steps); }
  void on_spawn(std::uint32_t thread) override {
    // Initial priorities sit above every value a change point or a yield can assign.
    priority_[thread] = (std::int64_t{1} << 40) + static_cast<std::int64_t>(rng_.next() >> 25);
  }
  std::uint32_t pick_thread(const decision_context& ctx) override {
    while (next_change_ < changes_ && ctx.step >= change_points_[next_change_]) {
      priority_[ctx.current] = static_cast<std::int64_t>(depth_) - 1 -
                               static_cast<std::int64_t>(next_change_);
      ++next_change_;
    }
    if (ctx.kind == point_kind::yield || ctx.kind == point_kind::sleep) {
      priority_[ctx.current] = --lowest_;
    }
    std::uint32_t best = ctx.runnable[0];
    for (const std::uint8_t t : ctx.runnable) {
      if (priority_[t] > priority_[best] || (priority_[t] == priority_[best] && t < best)) best = t;
    }
    return best;
  }
  std::uint64_t pick_value(const decision_context&, std::uint64_t bound) override {
    return rng_.below(bound);
  }
  bool pick_fault(const decision_context&) override {
    return fault_per_mille_ != 0 && rng_.below(1000) < fault_per_mille_;
  }

 private:
  std::uint32_t depth_;
  std::uint64_t fixed_steps_;
  std::uint32_t fault_per_mille_;
  std::uint64_t steps_ = 16;
  std::uint64_t longest_ = 0;
  rng rng_;
  std::array<std::int64_t, max_threads_per_execution> priority_{};
  std::array<std::uint64_t, 64> change_points_{};
  std::uint32_t changes_ = 0;
  std::uint32_t next_change_ = 0;
  std::int64_t lowest_ = 0;
};

}  // namespace

void rng::reseed(std::uint64_t seed) noexcept {
  // splitmix64 outputs as the state, as xoshiro's authors recommend; never all zero.
  s_[0] = splitmix64(seed);
  s_[1] = splitmix64(seed + 0x9e3779b97f4a7c15ULL);
  s_[2] = splitmix64(seed + 0x3c6ef372fe94f82aULL);
  s_[3] = splitmix64(seed + 0xdaa66d2c7ddf743fULL);
}

std::uint64_t execution_seed(std::uint64_t run_seed, std::uint64_t index) noexcept {
  return splitmix64(run_seed ^ splitmix64(index + 0x632be59bd9b4e019ULL));
}

std::unique_ptr<strategy> make_strategy(const strategy_config& config) {
  if (config.fault_per_mille > 1000) {
    throw std::invalid_argument("fault-per-mille must be between 0 and 1000");
  }
  if (config.name == "random") return std::make_unique<random_strategy>(config.fault_per_mille);
  if (config.name == "pct") {
    return std::make_unique<pct_strategy>(config.depth, config.pct_steps, config.fault_per_mille);
  }
  throw std::invalid_argument(
      detail::text("unknown strategy \"{}\" (known: random, pct)", config.name));
}

std::unique_ptr<strategy> make_strategy(std::string_view name, const strategy_params& params) {
  strategy_config config;
  config.name = std::string(name);
  config.fault_per_mille = static_cast<std::uint32_t>(
      parse_param(params, "fault-per-mille", config.fault_per_mille, UINT32_MAX));
  config.depth = static_cast<std::uint32_t>(parse_param(params, "depth", config.depth, UINT32_MAX));
  config.pct_steps = parse_param(params, "pct-steps", 0);
  if (config.name == "pct" && config.pct_steps == 0) {
    throw std::invalid_argument("pct: a reproduction needs its pct-steps parameter");
  }
  return make_strategy(config);
}

}  // namespace weft::sim
