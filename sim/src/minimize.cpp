#include <weft/sim/minimize.hpp>

#include <weft/sim/explore.hpp>
#include "text.hpp"


#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

namespace weft::sim {
namespace {

using steady = std::chrono::steady_clock;

// A step after which its thread cannot go on: a switch there is forced, not a preemption.
bool ends_run(point_kind kind) noexcept {
  return kind == point_kind::block || kind == point_kind::finish;
}

point_kind kind_of(const traces::step& s) {
  point_kind k = point_kind::yield;
  if (!parse_point_kind(s.kind, k)) {
    throw std::invalid_argument(
        detail::text("trace step {}: unknown kind of point \"{}\"", s.index, s.kind));
  }
  return k;
}

struct light_step {
  std::uint32_t thread;
  point_kind kind;
  std::uint64_t value;
};

guided_schedule schedule_from(const std::vector<light_step>& steps,
                              std::optional<std::uint32_t> then) {
  guided_schedule out;
  std::vector<std::uint64_t> counts;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const light_step& s = steps[i];
    if (counts.size() <= s.thread) counts.resize(s.thread + 1, 0);
    const std::uint64_t n = ++counts[s.thread];
    if (s.value != 0) out.values.push_back(value_directive{s.thread, n, s.kind, s.value});
    if (i + 1 < steps.size() && steps[i + 1].thread != s.thread) {
      out.switches.push_back(switch_directive{s.thread, n, steps[i + 1].thread, !ends_run(s.kind)});
    }
    if (i + 1 == steps.size() && then && *then != s.thread) {
      out.switches.push_back(switch_directive{s.thread, n, *then, !ends_run(s.kind)});
    }
  }
  return out;
}

schedule_counts counts_from(const std::vector<light_step>& steps) {
  schedule_counts c;
  c.steps = steps.size();
  for (std::size_t i = 1; i < steps.size(); ++i) {
    if (steps[i].thread == steps[i - 1].thread) continue;
    ++c.switches;
    if (!ends_run(steps[i - 1].kind)) ++c.preemptions;
  }
  return c;
}

std::vector<light_step> light(const std::vector<step_record>& steps) {
  std::vector<light_step> out;
  out.reserve(steps.size());
  for (const step_record& s : steps) out.push_back(light_step{s.thread, s.kind, s.value});
  return out;
}

std::vector<light_step> light(const traces::trace& t) {
  std::vector<light_step> out;
  out.reserve(t.steps.size());
  for (const traces::step& s : t.steps) out.push_back(light_step{s.thread, kind_of(s), s.value});
  return out;
}

// Never more preemptions or steps; then lexicographic: fewer preemptions first, then fewer
// steps, then fewer switches.
bool smaller(const schedule_counts& a, const schedule_counts& b) {
  if (a.preemptions > b.preemptions || a.steps > b.steps) return false;
  if (a.preemptions != b.preemptions) return a.preemptions < b.preemptions;
  if (a.steps != b.steps) return a.steps < b.steps;
  return a.switches < b.switches;
}

struct candidate_run {
  failure failed;
  std::vector<step_record> steps;
  std::vector<step_record> notes;
  std::vector<std::string> thread_names;
  std::vector<std::pair<std::uint32_t, std::string>> object_names;
  schedule_counts counts;
};

class search {
 public:
  search(const std::function<void()>& body, const minimize_options& opts, runtime_config config)
      : body_(body), opts_(opts), rt_(config), start_(steady::now()) {}

  bool exhausted() const {
    if (runs_ >= opts_.max_runs) return true;
    return opts_.time_limit_s > 0 &&
           std::chrono::duration<double>(steady::now() - start_).count() >= opts_.time_limit_s;
  }

  candidate_run run(const guided_schedule& schedule) {
    ++runs_;
    guided_strategy strat(schedule);
    candidate_run out;
    out.failed = rt_.run(strat, 0, body_, true);
    out.steps = rt_.steps();
    out.notes = rt_.notes();
    for (std::uint32_t i = 0; i < rt_.thread_count(); ++i) {
      out.thread_names.emplace_back(rt_.thread_name(i));
    }
    for (const auto& [id, name] : rt_.object_names().entries()) out.object_names.emplace_back(id, name);
    std::sort(out.object_names.begin(), out.object_names.end());
    out.counts = count_schedule(out.steps);
    return out;
  }

  // Runs the candidate; adopts it as the best when it keeps the failure and is smaller.
  bool try_candidate(const guided_schedule& schedule) {
    if (exhausted()) return false;
    candidate_run c = run(schedule);
    if (!same_target(c.failed) || !smaller(c.counts, best_.counts)) return false;
    best_ = std::move(c);
    return true;
  }

  bool same_target(const failure& f) const {
    return f.kind == target_.kind && f.file == target_.file && f.line == target_.line;
  }

  // Delta debugging over the preemptive switches: remove chunks of them, halving the chunk
  // size when no chunk can go, until single ones have been tried (1-minimal).
  bool reduce_preemptions() {
    bool improved = false;
    std::size_t granularity = 2;
    for (;;) {
      const guided_schedule current = schedule_of(best_.steps, best_.failed.thread);
      std::vector<std::size_t> preemptive;
      for (std::size_t i = 0; i < current.switches.size(); ++i) {
        if (current.switches[i].preemptive) preemptive.push_back(i);
      }
      if (preemptive.empty()) return improved;
      granularity = std::min(granularity, preemptive.size());
      const std::size_t chunk = (preemptive.size() + granularity - 1) / granularity;
      bool reduced = false;
      for (std::size_t from = 0; from < preemptive.size() && !reduced; from += chunk) {
        if (exhausted()) return improved;
        const std::size_t to = std::min(from + chunk, preemptive.size());
        guided_schedule candidate;
        candidate.values = current.values;
        std::size_t next = from;
        for (std::size_t i = 0; i < current.switches.size(); ++i) {
          if (next < to && preemptive[next] == i) {
            ++next;
            continue;
          }
          candidate.switches.push_back(current.switches[i]);
        }
        reduced = try_candidate(candidate);
      }
      if (reduced) {
        improved = true;
        granularity = std::max<std::size_t>(granularity - 1, 2);
        continue;
      }
      if (granularity >= preemptive.size()) return improved;
      granularity = std::min(granularity * 2, preemptive.size());
    }
  }

  // Fewer steps: drop a switch, drop a value, move a preemption earlier.
  bool reduce_steps() {
    bool improved = false;
    bool again = true;
    while (again && !exhausted()) {
      again = false;
      const guided_schedule current = schedule_of(best_.steps, best_.failed.thread);
      if (!current.values.empty()) {
        guided_schedule candidate = current;
        candidate.values.clear();
        if (try_candidate(candidate)) {
          again = improved = true;
          continue;
        }
      }
      for (std::size_t i = 0; i < current.values.size() && !again; ++i) {
        guided_schedule candidate = current;
        candidate.values.erase(candidate.values.begin() + static_cast<std::ptrdiff_t>(i));
        again = try_candidate(candidate);
      }
      for (std::size_t i = 0; i < current.switches.size() && !again; ++i) {
        guided_schedule candidate = current;
        candidate.switches.erase(candidate.switches.begin() + static_cast<std::ptrdiff_t>(i));
        again = try_candidate(candidate);
      }
      for (std::size_t i = 0; i < current.switches.size() && !again; ++i) {
        const switch_directive& d = current.switches[i];
        if (!d.preemptive || d.after <= 1) continue;
        // Earliest first: the largest saving that still fails wins.
        for (std::uint64_t at = 1; at < d.after && !again; at = at == 1 ? 2 : at * 2) {
          guided_schedule candidate = current;
          candidate.switches[i].after = at;
          again = try_candidate(candidate);
        }
        for (std::uint64_t back = 1; back < d.after && back <= 4 && !again; ++back) {
          guided_schedule candidate = current;
          candidate.switches[i].after = d.after - back;
          again = try_candidate(candidate);
        }
      }
      improved = improved || again;
    }
    return improved;
  }

  std::uint64_t runs() const { return runs_; }
  candidate_run& best() { return best_; }
  void set_best(candidate_run c) { best_ = std::move(c); }
  void set_target(const failure& f) { target_ = f; }

 private:
  const std::function<void()>& body_;
  const minimize_options& opts_;
  runtime rt_;
  steady::time_point start_;
  std::uint64_t runs_ = 0;
  candidate_run best_;
  failure target_;
};

std::string counts_text(const schedule_counts& c) {
  return detail::text("{} steps, {} switches, {} preemptions", c.steps, c.switches, c.preemptions);
}

}  // namespace

guided_schedule schedule_of(const std::vector<step_record>& steps,
                            std::optional<std::uint32_t> then) {
  return schedule_from(light(steps), then);
}

guided_schedule schedule_of(const traces::trace& t) {
  return schedule_from(light(t), t.failure ? std::optional<std::uint32_t>(t.failure->thread)
                                           : std::nullopt);
}

schedule_counts count_schedule(const traces::trace& t) { return counts_from(light(t)); }

schedule_counts count_schedule(const std::vector<step_record>& steps) {
  return counts_from(light(steps));
}

guided_strategy::guided_strategy(const guided_schedule& schedule) {
  for (const switch_directive& d : schedule.switches) switches_[{d.thread, d.after}] = d.to;
  for (const value_directive& v : schedule.values) values_[{v.thread, v.at}] = v;
}

void guided_strategy::begin_execution(std::uint64_t) {
  counts_.assign(max_threads_per_execution, 0);
  any_step_ = false;
  last_step_ = 0;
}

std::uint64_t guided_strategy::note(const decision_context& ctx) {
  if (ctx.current >= counts_.size()) counts_.resize(ctx.current + 1, 0);
  if (!any_step_ || ctx.step != last_step_) {
    ++counts_[ctx.current];
    last_step_ = ctx.step;
    any_step_ = true;
  }
  return counts_[ctx.current];
}

std::uint32_t guided_strategy::pick_thread(const decision_context& ctx) {
  const std::uint64_t n = note(ctx);
  const auto can_run = [&ctx](std::uint32_t t) {
    return std::find(ctx.runnable.begin(), ctx.runnable.end(), t) != ctx.runnable.end();
  };
  if (const auto it = switches_.find({ctx.current, n}); it != switches_.end() && can_run(it->second)) {
    return it->second;
  }
  if (can_run(ctx.current)) return ctx.current;
  return *std::min_element(ctx.runnable.begin(), ctx.runnable.end());
}

std::uint64_t guided_strategy::pick_value(const decision_context& ctx, std::uint64_t bound) {
  const std::uint64_t n = note(ctx);
  const auto it = values_.find({ctx.current, n});
  if (it == values_.end() || it->second.kind != ctx.kind || it->second.value >= bound) return 0;
  return it->second.value;
}

bool guided_strategy::pick_fault(const decision_context& ctx) {
  const std::uint64_t n = note(ctx);
  const auto it = values_.find({ctx.current, n});
  return it != values_.end() && it->second.kind == ctx.kind && it->second.value != 0;
}

minimize_result minimize(const traces::trace& t, const std::function<void()>& body,
                         const minimize_options& opts) {
  validate_trace_params(t);
  if (!t.failure) throw std::invalid_argument("the trace records no failure: nothing to minimise");
  failure_kind recorded = failure_kind::none;
  if (!parse_failure_kind(t.failure->kind, recorded) || recorded == failure_kind::none ||
      recorded == failure_kind::nondeterminism) {
    throw std::invalid_argument(
        detail::text("trace failure kind \"{}\" is not one weft can minimise", t.failure->kind));
  }
  const runtime_config config = runtime_config_of(t, opts.runtime);
  minimize_result result;
  result.before = count_schedule(t);
  const guided_schedule original = schedule_of(t);

  search s(body, opts, config);
  candidate_run first = s.run(original);
  if (first.failed.kind != recorded) {
    throw std::runtime_error(detail::text(
        "running the trace's schedule {} instead of failing with {} (has the test changed?)",
        first.failed ? detail::text("failed with {}: {}", to_string(first.failed.kind),
                                   first.failed.message)
                     : std::string("passed"),
        t.failure->kind));
  }
  s.set_target(first.failed);
  s.set_best(std::move(first));
  for (bool changed = true; changed && !s.exhausted();) {
    changed = s.reduce_preemptions();
    changed = s.reduce_steps() || changed;
  }
  result.complete = !s.exhausted();
  result.runs = s.runs();

  candidate_run& best = s.best();
  result.target = best.failed;
  result.after = best.counts;
  report r;
  r.scenario = t.scenario;
  r.strategy = t.strategy;
  r.failed = best.failed;
  r.failing_steps = best.steps.size();
  r.steps = best.steps;
  r.notes = best.notes;
  r.thread_names = best.thread_names;
  r.object_names = best.object_names;
  result.minimal = to_trace(r, config);
  result.minimal.weft_version = t.weft_version;
  result.minimal.platform = t.platform;
  result.minimal.params.clear();
  for (const auto& p : t.params) {
    if (p.first != "minimized-from") result.minimal.params.push_back(p);
  }
  if (t.param("steps-max") == nullptr) {
    result.minimal.params.emplace_back("steps-max", std::to_string(config.steps_max));
  }
  if (t.param("livelock-repeats") == nullptr) {
    result.minimal.params.emplace_back("livelock-repeats",
                                       std::to_string(config.livelock_repeats));
  }
  result.minimal.params.emplace_back("minimized-from", counts_text(result.before));
  return result;
}

}  // namespace weft::sim
