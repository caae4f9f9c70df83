#include <weft/sim/strategy.hpp>

#include <weft/sim/replay.hpp>
#include <weft/traces/numbers.hpp>
#include "text.hpp"


#include "strategy_set.hpp"

#include <algorithm>
#include <cstdint>
#include <mutex>
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
  // Without a configured k, measure it from the run seed alone: a few random-walk executions
  // with seeds derived from it, so that every execution of the run, and any one of them run
  // alone, uses the same k (recorded in params as pct-steps).
  void begin_run(std::uint64_t run_seed, const probe_function& probe) override;
  void finish_calibration(std::uint64_t longest) {
    fixed_steps_ = std::max<std::uint64_t>(longest, 16);
    steps_ = fixed_steps_;
  }
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

void pct_strategy::begin_run(std::uint64_t run_seed, const probe_function& probe) {
  if (fixed_steps_ != 0 || !probe) return;
  random_strategy walk(fault_per_mille_);
  std::uint64_t longest = 0;
  for (std::uint64_t j = 0; j < 8; ++j) {
    longest = std::max(longest, probe(walk, execution_seed(~run_seed, j)));
  }
  finish_calibration(longest);
}

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

namespace {

strategy_option fault_option() {
  return {"fault-per-mille", 50, 0, 1000,
          "chance in 1000 of a spurious wake-up or weak-CAS failure at each such point"};
}

std::vector<strategy_info> builtin_strategies() {
  std::vector<strategy_info> out;
  out.push_back({"random", "uniform random walk: every runnable thread equally likely",
                 {fault_option()},
                 false,
                 [](const strategy_params& p) -> std::unique_ptr<strategy> {
                   return std::make_unique<random_strategy>(
                       static_cast<std::uint32_t>(option_value(p, "fault-per-mille")));
                 }});
  out.push_back({"pct", "probabilistic concurrency testing: random priorities, d-1 change points",
                 {{"depth", 3, 1, 64, "bug depth d: d - 1 priority change points"},
                  {"pct-steps", 0, 0, UINT64_MAX,
                   "k, the step horizon of the change points; 0 = measured from the run seed"},
                  fault_option()},
                 false,
                 [](const strategy_params& p) -> std::unique_ptr<strategy> {
                   return std::make_unique<pct_strategy>(
                       static_cast<std::uint32_t>(option_value(p, "depth")),
                       option_value(p, "pct-steps"),
                       static_cast<std::uint32_t>(option_value(p, "fault-per-mille")));
                 }});
  for (strategy_info& info : detail::sampling_strategies()) out.push_back(std::move(info));
  for (strategy_info& info : detail::search_strategies()) out.push_back(std::move(info));
  return out;
}

struct registry {
  std::mutex lock;
  std::vector<strategy_info> strategies = builtin_strategies();
};

registry& the_registry() {
  static registry r;
  return r;
}

std::string known_names(const std::vector<strategy_info>& all) {
  std::string names;
  for (const strategy_info& i : all) names += (names.empty() ? "" : ", ") + i.name;
  return names;
}

// Checks `given` against the strategy's options and fills in defaults; `strict`: an unknown
// key is an error (a user's setting), else it is dropped (a trace's other parameters).
strategy_params resolve_options(const strategy_info& info, const strategy_params& given,
                                bool strict) {
  strategy_params out;
  for (const auto& kv : given) {
    const std::string& k = kv.first;
    const std::string& v = kv.second;
    const auto it = std::find_if(info.options.begin(), info.options.end(),
                                 [&](const strategy_option& o) { return o.key == k; });
    if (it == info.options.end()) {
      if (!strict) continue;
      std::string keys;
      for (const strategy_option& o : info.options) keys += (keys.empty() ? "" : ", ") + o.key;
      throw std::invalid_argument(detail::text("strategy {} has no option \"{}\" (its options: {})",
                                               info.name, k, keys.empty() ? "none" : keys));
    }
    const std::uint64_t n = parse_param({{k, v}}, k, 0, UINT64_MAX);
    if (n < it->min || n > it->max) {
      throw std::invalid_argument(detail::text(
          "strategy {} option {}: \"{}\" is out of range ({} to {})", info.name, k, v, it->min,
          it->max));
    }
    bool replaced = false;
    for (auto& [ok, ov] : out) {
      if (ok == k) {
        ov = std::to_string(n);
        replaced = true;
      }
    }
    if (!replaced) out.emplace_back(k, std::to_string(n));
  }
  for (const strategy_option& o : info.options) {
    const bool set = std::any_of(out.begin(), out.end(), [&](const auto& kv) { return kv.first == o.key; });
    if (!set) out.emplace_back(o.key, std::to_string(o.default_value));
  }
  return out;
}

}  // namespace

void register_strategy(strategy_info info) {
  if (info.name.empty() || !info.make) {
    throw std::invalid_argument("register_strategy: a strategy needs a name and a make function");
  }
  registry& r = the_registry();
  const std::lock_guard<std::mutex> guard(r.lock);
  for (const strategy_info& i : r.strategies) {
    if (i.name == info.name) {
      throw std::invalid_argument(detail::text("strategy \"{}\" is registered already", info.name));
    }
  }
  r.strategies.push_back(std::move(info));
}

std::vector<strategy_info> registered_strategies() {
  registry& r = the_registry();
  const std::lock_guard<std::mutex> guard(r.lock);
  return r.strategies;
}

std::optional<strategy_info> find_strategy(std::string_view name) {
  registry& r = the_registry();
  const std::lock_guard<std::mutex> guard(r.lock);
  for (const strategy_info& i : r.strategies) {
    if (i.name == name) return i;
  }
  return std::nullopt;
}

std::string option_env_name(std::string_view key) {
  std::string name = "WEFT_";
  for (const char c : key) {
    name += c == '-' ? '_' : (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return name;
}

std::uint64_t option_value(const strategy_params& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return parse_param(params, key, 0);
  }
  throw std::invalid_argument(detail::text("strategy option {} is missing", key));
}

std::unique_ptr<strategy> make_strategy(const strategy_config& config) {
  const std::optional<strategy_info> info = find_strategy(config.name);
  if (!info) {
    throw std::invalid_argument(detail::text("unknown strategy \"{}\" (known: {})", config.name,
                                             known_names(registered_strategies())));
  }
  strategy_params given;
  const auto has = [&](std::string_view key) {
    return std::any_of(info->options.begin(), info->options.end(),
                       [&](const strategy_option& o) { return o.key == key; });
  };
  const auto set_by_options = [&](std::string_view key) {
    return std::any_of(config.options.begin(), config.options.end(),
                       [&](const auto& kv) { return kv.first == key; });
  };
  // The shorthand fields, where the strategy has such an option and options does not set it.
  if (has("fault-per-mille") && !set_by_options("fault-per-mille")) {
    given.emplace_back("fault-per-mille", std::to_string(config.fault_per_mille));
  }
  if (has("depth") && !set_by_options("depth")) {
    given.emplace_back("depth", std::to_string(config.depth));
  }
  if (has("pct-steps") && !set_by_options("pct-steps")) {
    given.emplace_back("pct-steps", std::to_string(config.pct_steps));
  }
  for (const auto& kv : config.options) given.push_back(kv);
  return info->make(resolve_options(*info, given, true));
}

std::unique_ptr<strategy> make_strategy(std::string_view name, const strategy_params& params) {
  const std::optional<strategy_info> info = find_strategy(name);
  if (!info) {
    throw std::invalid_argument(detail::text("unknown strategy \"{}\" (known: {})", name,
                                             known_names(registered_strategies())));
  }
  if (name == "pct") {
    const bool has_steps = std::any_of(params.begin(), params.end(), [](const auto& kv) {
      return kv.first == "pct-steps" && kv.second != "0";
    });
    if (!has_steps) throw std::invalid_argument("pct: a reproduction needs its pct-steps parameter");
  }
  return info->make(resolve_options(*info, params, false));
}

std::string_view to_string(event_kind kind) noexcept {
  switch (kind) {
    case event_kind::lock_acquired: return "lock.acquired";
    case event_kind::unlock: return "unlock";
    case event_kind::notify: return "notify";
    case event_kind::wake: return "wake";
    case event_kind::spawn: return "spawn";
    case event_kind::join: return "join";
    case event_kind::finish: return "finish";
    case event_kind::var_read: return "var.read";
    case event_kind::var_write: return "var.write";
    case event_kind::timeout: return "timeout";
    case event_kind::unchanged: return "unchanged";
  }
  return "?";
}

}  // namespace weft::sim
