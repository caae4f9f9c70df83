#include <weft/sim/explore.hpp>
#include <weft/version.hpp>

#include <weft/sim/replay.hpp>
#include <weft/traces/numbers.hpp>
#include <weft/traces/trace.hpp>
#include <weft/traces/trace_io.hpp>
#include "text.hpp"


#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <random>
#include <regex>
#include <stdexcept>

namespace weft::sim {
namespace {

constexpr std::string_view weft_version = WEFT_VERSION_STRING;

using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

std::uint64_t random_seed() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

std::string object_text(std::uint32_t id,
                        const std::vector<std::pair<std::uint32_t, std::string>>& names) {
  for (const auto& [named, name] : names) {
    if (named == id) return name;
  }
  return detail::text("o{}", id);
}

std::string step_text(const step_record& s,
                      const std::vector<std::pair<std::uint32_t, std::string>>& names) {
  std::string text = detail::text("{} t{} {}", s.index, s.thread, to_string(s.kind));
  if (s.object != 0) text += " " + object_text(s.object, names);
  if (s.order != order_none) text += detail::text(" {}", order_name(s.order));
  return text;
}

std::vector<std::string> names_of(const runtime& rt) {
  std::vector<std::string> names;
  for (std::uint32_t t = 0; t < rt.thread_count(); ++t) names.emplace_back(rt.thread_name(t));
  return names;
}

// A failure's message names source locations ("at /src/x.hpp:212"); a trace recorded in one
// checkout must replay in another, and survive edits that move lines, so locations are left
// out of the comparison.
std::string without_locations(const std::string& message) {
  static const std::regex location(R"(\bat ([^\s:]*[/.][^\s:]*|unknown location)(:[0-9]+)?)");
  return std::regex_replace(message, location, "at <location>");
}

bool same_failure(const failure& a, const failure& b) {
  return a.kind == b.kind && without_locations(a.message) == without_locations(b.message);
}

std::vector<expected_step> expected_steps(const traces::trace& t) {
  std::vector<expected_step> out;
  out.reserve(t.steps.size());
  for (const traces::step& s : t.steps) {
    expected_step e;
    e.thread = s.thread;
    if (!parse_point_kind(s.kind, e.kind)) {
      throw std::invalid_argument(
          detail::text("trace step {}: unknown kind of point \"{}\"", s.index, s.kind));
    }
    e.object = s.object;
    e.value = s.value;
    out.push_back(e);
  }
  return out;
}

// Fills the failure-side fields of a report from a run of the runtime.
void capture(report& r, const runtime& rt, const failure& f) {
  r.failed = f;
  r.failing_steps = rt.step_count();
  r.steps = rt.steps();
  r.notes = rt.notes();
  r.thread_names = names_of(rt);
  r.object_names.clear();
  for (const auto& [id, name] : rt.object_names().entries()) r.object_names.emplace_back(id, name);
  std::sort(r.object_names.begin(), r.object_names.end());
}

// The parameters weft writes into a trace, with the values it accepts for them: those of the
// strategies and of runtime_config (as weft explore --fault-per-mille, --depth and --steps-max
// and the runtime check them).
struct param_range {
  std::string_view key;
  std::uint64_t min;
  std::uint64_t max;
};
constexpr std::array<param_range, 8> trace_param_ranges{{
    {"seed", 0, UINT64_MAX},
    {"execution", 0, UINT64_MAX},
    {"execution-seed", 0, UINT64_MAX},
    {"steps-max", 1, max_steps_per_execution},
    {"livelock-repeats", 0, max_livelock_repeats},
    {"fault-per-mille", 0, 1000},
    {"depth", 1, 64},
    {"pct-steps", 1, UINT64_MAX},
}};

}  // namespace

void validate_trace_params(const traces::trace& t) {
  for (const param_range& range : trace_param_ranges) {
    const std::string* text = t.param(range.key);
    if (text == nullptr) continue;
    const std::uint64_t v = parse_u64(*text, detail::text("trace parameter {}", range.key));
    if (v < range.min || v > range.max) {
      throw std::invalid_argument(detail::text("trace parameter {} is {}, out of range ({} to {})",
                                              range.key, *text, range.min, range.max));
    }
  }
}

runtime_config runtime_config_of(const traces::trace& t, runtime_config config) {
  if (const std::string* steps_max = t.param("steps-max")) {
    config.steps_max = parse_u64(*steps_max, "trace parameter steps-max");
  }
  const std::string* repeats = t.param("livelock-repeats");
  config.livelock_repeats = repeats != nullptr
                                ? static_cast<std::uint32_t>(
                                      parse_u64(*repeats, "trace parameter livelock-repeats"))
                                : 0;
  return config;
}

shard parse_shard(std::string_view text, std::string_view what) {
  const std::size_t slash = text.find('/');
  const auto bad = [&] {
    return std::invalid_argument(detail::text(
        "{}: \"{}\" is not a shard: I/N, with N at least 1 and I from 0 to N-1 (\"0/4\")", what,
        text));
  };
  if (slash == std::string_view::npos) throw bad();
  const traces::number_result i = traces::parse_u64(text.substr(0, slash));
  const traces::number_result n = traces::parse_u64(text.substr(slash + 1));
  if (!i.ok() || !n.ok() || n.value == 0 || i.value >= n.value || n.value > 0xffffffffu) {
    throw bad();
  }
  return shard{static_cast<std::uint32_t>(i.value), static_cast<std::uint32_t>(n.value)};
}

std::string format_seed(std::uint64_t seed) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%016llx", static_cast<unsigned long long>(seed));
  return buffer;
}

std::uint64_t parse_u64(std::string_view text, std::string_view what) {
  const traces::number_result n = traces::parse_u64(text);
  if (!n.ok()) {
    throw std::invalid_argument(
        detail::text("{}: \"{}\" is not a number (decimal or 0x-hex, at most 64 bits)", what, text));
  }
  return n.value;
}

// Executions go to shards and workers in blocks of this many consecutive indices.
constexpr std::uint64_t block_size = 256;

// A group of failures while going on after them (options::keep_going): same kind, same place.
struct failure_key {
  failure_kind kind;
  std::string file;
  std::uint32_t line;
  bool operator==(const failure_key&) const = default;
};
failure_key key_of(const failure& f) { return failure_key{f.kind, f.file, f.line}; }

struct failures_seen {
  struct entry {
    failure_key key;
    std::uint64_t first = 0;  // its lowest failing execution
    failure first_failure;
    std::uint64_t count = 0;
  };
  std::vector<entry> entries;
  // `count` failures of group `key`, the first of them at `index`.
  void add(const failure_key& key, std::uint64_t index, const failure& f, std::uint64_t count) {
    for (entry& e : entries) {
      if (e.key != key) continue;
      e.count += count;
      if (index < e.first) {
        e.first = index;
        e.first_failure = f;
      }
      return;
    }
    entries.push_back(entry{key, index, f, count});
  }
  void note(std::uint64_t index, const failure& f) { add(key_of(f), index, f, 1); }
  void merge(const failures_seen& other) {
    for (const entry& o : other.entries) add(o.key, o.first, o.first_failure, o.count);
  }
};

// A group's first failure as reproduced into report `t`.
void take_outcome(failure_group& g, const report& t) {
  g.failed = t.failed;
  g.first_execution_seed = t.failing_execution_seed;
  g.trace_path = t.trace_path;
  g.trace_error = t.trace_error;
  g.reproduced_from_seed = t.reproduced_from_seed;
  g.reproduced_from_trace = t.reproduced_from_trace;
}

struct seeded_outcome {
  std::uint64_t executions = 0;  // run; for a failure, those of the shard up to it
  bool failed = false;
  std::uint64_t failed_at = 0;
  failure first_failure;
  stop_reason stopped_by = stop_reason::none;
  failures_seen seen;  // with options::keep_going: every failure, by group
};

// The executions of shard `opts.shard_index` among [first, last), on opts.jobs OS threads, each
// with its own runtime and strategy. Deterministic: the failure kept is the lowest failing
// index of the shard, whichever worker found it and whenever.
seeded_outcome run_seeded(const options& opts, const std::function<void()>& body,
                          std::uint64_t seed, std::uint64_t first, std::uint64_t last,
                          steady::time_point start, std::uint64_t iterations) {
  const std::uint64_t blocks = (last - first + block_size - 1) / block_size;
  const auto block_of = [&](std::uint64_t k) { return opts.shard_index + k * opts.shard_count; };
  // The shard's executions with an index up to `index` (which is in the shard).
  const auto count_up_to = [&](std::uint64_t index) {
    const std::uint64_t b = (index - first) / block_size;
    const std::uint64_t k = (b - opts.shard_index) / opts.shard_count;  // blocks of it before
    return k * block_size + (index - (first + b * block_size)) + 1;
  };

  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> lowest{UINT64_MAX};
  std::atomic<std::uint64_t> executed{0};
  std::atomic<bool> stop{false};
  std::atomic<int> stopped_by{static_cast<int>(stop_reason::none)};
  std::mutex found_mutex;
  seeded_outcome out;

  const auto work = [&](bool coordinator) {
    failures_seen seen;  // this worker's, with keep_going
    runtime rt(opts.runtime);
    std::unique_ptr<strategy> strat = make_strategy(opts.strategy);
    const strategy::probe_function probe = [&rt, &body](strategy& st, std::uint64_t sd) {
      static_cast<void>(rt.run(st, sd, body, false));
      return rt.step_count();
    };
    strat->begin_run(seed, probe);
    steady::time_point next_progress = start + std::chrono::milliseconds(100);
    for (;;) {
      if (stop.load(std::memory_order_relaxed)) break;
      const std::uint64_t b = block_of(next.fetch_add(1));
      if (b >= blocks) break;
      const std::uint64_t begin = first + b * block_size;
      if (begin > lowest.load()) break;  // every later block is past the first failure
      const std::uint64_t end = std::min(begin + block_size, last);
      for (std::uint64_t i = begin; i < end;) {
        const runtime::batch_result res = rt.run_batch(*strat, seed, i, end - i, body);
        executed.fetch_add(res.executed);
        if (res.failed_at < end && opts.keep_going) {
          seen.note(res.failed_at, rt.last_failure());
        } else if (res.failed_at < end) {
          const std::scoped_lock lock(found_mutex);
          if (!out.failed || res.failed_at < out.failed_at) {
            out.failed = true;
            out.failed_at = res.failed_at;
            out.first_failure = rt.last_failure();
            lowest.store(res.failed_at);
          }
          break;
        }
        i += res.executed;
      }
      if (opts.time_limit_s > 0 && seconds_since(start) >= opts.time_limit_s) {
        stopped_by.store(static_cast<int>(stop_reason::time_limit));
        stop.store(true);
        break;
      }
      if (!coordinator) continue;
      const steady::time_point now = steady::now();
      if (opts.on_progress && now >= next_progress) {
        next_progress = now + std::chrono::milliseconds(100);
        opts.on_progress(progress{executed.load(), iterations, seconds_since(start)});
      }
      if (opts.should_stop && opts.should_stop()) {
        stopped_by.store(static_cast<int>(stop_reason::requested));
        stop.store(true);
        break;
      }
    }
    if (opts.keep_going) {
      const std::scoped_lock lock(found_mutex);
      out.seen.merge(seen);
    }
  };

  std::vector<std::thread> workers;
  std::exception_ptr error;
  std::mutex error_mutex;
  const auto guarded = [&](bool coordinator) {
    try {
      work(coordinator);
    } catch (...) {
      const std::scoped_lock lock(error_mutex);
      if (!error) error = std::current_exception();
      stop.store(true);
    }
  };
  for (std::uint32_t w = 1; w < opts.jobs; ++w) workers.emplace_back(guarded, false);
  guarded(true);
  for (std::thread& t : workers) t.join();
  if (error) std::rethrow_exception(error);

  std::sort(out.seen.entries.begin(), out.seen.entries.end(),
            [](const failures_seen::entry& a, const failures_seen::entry& b) {
              return a.first < b.first;
            });
  out.executions = out.failed ? count_up_to(out.failed_at) : executed.load();
  if (!out.failed) out.stopped_by = static_cast<stop_reason>(stopped_by.load());
  return out;
}

report explore_erased(const options& opts, const std::function<void()>& body) {
  if (opts.execution && !opts.seed) {
    throw std::invalid_argument("an execution index needs the run seed it belongs to");
  }
  if (opts.iterations == 0 && !opts.execution) {
    throw std::invalid_argument("iterations must be at least 1");
  }
  if (opts.time_limit_s < 0) throw std::invalid_argument("time limit must not be negative");
  if (opts.jobs == 0) throw std::invalid_argument("jobs must be at least 1");
  if (opts.shard_count == 0 || opts.shard_index >= opts.shard_count) {
    throw std::invalid_argument(detail::text(
        "shard {} of {}: a run has at least one shard, and shards are numbered from 0 to "
        "the count less one",
        opts.shard_index, opts.shard_count));
  }
  if (opts.keep_going && opts.execution) {
    throw std::invalid_argument("keep_going needs a run: one execution (options::execution) has "
                                "one failure at most");
  }
  if (opts.shard_count > 1 && opts.execution) {
    throw std::invalid_argument("one execution (options::execution) is not split in shards");
  }

  report r;
  r.scenario = opts.scenario;
  r.seed = opts.seed ? *opts.seed : random_seed();
  runtime rt(opts.runtime);
  std::unique_ptr<strategy> strat = make_strategy(opts.strategy);
  r.strategy = std::string(strat->name());
  if (opts.execution && !strat->seeded()) {
    throw std::invalid_argument(detail::text(
        "strategy {} is a search: its executions are not reproduced from a seed alone, so "
        "one execution cannot be run by itself (replay its trace instead)",
        r.strategy));
  }
  // Once per run: a strategy may measure the body first (pct its step horizon).
  const strategy::probe_function probe = [&rt, &body](strategy& s, std::uint64_t seed) {
    static_cast<void>(rt.run(s, seed, body, false));
    return rt.step_count();
  };
  strat->begin_run(r.seed, probe);

  const std::uint64_t first = opts.execution.value_or(0);
  const std::uint64_t last = opts.execution ? first + 1 : opts.iterations;
  r.iterations = last - first;
  r.shard_index = opts.shard_index;
  r.shard_count = opts.shard_count;
  if (opts.shard_count > 1) {
    if (!strat->seeded()) {
      throw std::invalid_argument(detail::text(
          "strategy {} is a search: it cannot be split in shards (its executions follow from "
          "the ones before); shard a sampling strategy, or give the search a bound",
          r.strategy));
    }
    // The shard's executions: blocks b of [first, last) with b % count == index.
    const std::uint64_t blocks = (r.iterations + block_size - 1) / block_size;
    std::uint64_t mine = 0;
    for (std::uint64_t b = opts.shard_index; b < blocks; b += opts.shard_count) {
      mine += std::min(block_size, r.iterations - b * block_size);
    }
    r.iterations = mine;
  }
  const steady::time_point start = steady::now();
  steady::time_point next_progress = start + std::chrono::milliseconds(100);
  const bool parallel = strat->seeded() && (opts.jobs > 1 || opts.shard_count > 1);

  // Batches keep the progress line and the time limit responsive without a check per execution.
  constexpr std::uint64_t batch = 256;
  bool search_complete = false;
  // A failure at execution `failed_at`: reproduce it into `target`, from the seed or from the
  // choices.
  const auto reproduce = [&](report& target, std::uint64_t failed_at,
                             const failure first_failure) {
    target.params = strat->params();
    target.failing_execution = failed_at;
    const failure* second = nullptr;
    if (strat->seeded()) {
      // Reproduce from (strategy, params, seed) alone, recording every step this time.
      const std::uint64_t seed_i = execution_seed(target.seed, failed_at);
      target.failing_execution_seed = seed_i;
      // What a strategy learns in begin_run (surw's estimates) follows from the run seed, so
      // the re-run learns it again from the same one.
      std::unique_ptr<strategy> again = make_strategy(target.strategy, target.params);
      again->begin_run(target.seed, probe);
      second = &rt.run(*again, seed_i, body, true);
    } else {
      // A search: reproduce from the choices it made.
      prefix_strategy again(strat->last_choices());
      second = &rt.run(again, 0, body, true);
    }
    capture(target, rt, *second);
    target.reproduced_from_seed = same_failure(first_failure, *second);
    if (!target.reproduced_from_seed) {
      target.failed.kind = failure_kind::nondeterminism;
      target.failed.message = detail::text(
          "nondeterminism: execution {} failed ({}: {}) but its re-run from the same {} {}",
          failed_at, to_string(first_failure.kind), first_failure.message,
          strat->seeded() ? "seed" : "choices",
          *second ? detail::text("failed differently ({}: {})", to_string(second->kind),
                                second->message)
                  : std::string("passed"));
    }
  };
  // Writes the failure's trace (before anything is printed: a crash while reporting loses
  // nothing) and replays it.
  const auto finish = [&](report& target) {
    if (opts.write_trace) {
      try {
        const traces::trace t = to_trace(target, opts.runtime);
        target.trace_path = std::filesystem::absolute(
            traces::write_new_file(opts.trace_dir, traces::file_base_name(t), t));
      } catch (const std::exception& e) {
        target.trace_error = e.what();
      }
    }
    if (opts.verify_replay && target.failed.kind != failure_kind::nondeterminism) {
      const report replayed = replay_trace(to_trace(target, opts.runtime), body, opts.runtime);
      target.reproduced_from_trace = replayed.reproduced_from_trace;
    }
  };
  // keep_going: the failures so far, by group; a new group's first failure is reproduced at
  // once (a search's choices are those of now), the report's own at the end.
  std::vector<failure_key> group_keys;
  const auto note_failure = [&](std::uint64_t index, const failure& f, std::uint64_t count) {
    r.failures += count;
    const failure_key k = key_of(f);
    for (std::size_t g = 0; g < group_keys.size(); ++g) {
      if (group_keys[g] == k) {
        r.groups[g].count += count;
        return;
      }
    }
    group_keys.push_back(k);
    failure_group g;
    g.count = count;
    g.first_execution = index;
    if (r.groups.empty()) {
      reproduce(r, index, f);  // the report's own failure; its trace is written at the end
    } else {
      report t;
      t.scenario = r.scenario;
      t.seed = r.seed;
      t.strategy = r.strategy;
      t.iterations = r.iterations;
      t.shard_index = r.shard_index;
      t.shard_count = r.shard_count;
      t.executions = index + 1;
      reproduce(t, index, f);
      finish(t);
      take_outcome(g, t);
    }
    r.groups.push_back(std::move(g));
  };
  std::optional<seeded_outcome> seeded_run;
  if (parallel) {
    seeded_run = run_seeded(opts, body, r.seed, first, last, start, r.iterations);
    r.executions = seeded_run->executions;
    r.stopped_by = seeded_run->stopped_by;
    if (seeded_run->failed) reproduce(r, seeded_run->failed_at, seeded_run->first_failure);
    for (const failures_seen::entry& e : seeded_run->seen.entries) {
      note_failure(e.first, e.first_failure, e.count);
    }
  }
  for (std::uint64_t i = first; i < last && !parallel;) {
    const std::uint64_t count = std::min(batch, last - i);
    const runtime::batch_result b = rt.run_batch(*strat, r.seed, i, count, body);
    r.executions += b.executed;
    r.cut += b.cut;
    if (b.failed_at < i + count) {
      if (!opts.keep_going) {
        reproduce(r, b.failed_at, rt.last_failure());
        break;
      }
      note_failure(b.failed_at, rt.last_failure(), 1);
    }
    i += b.executed;
    if (b.complete) {
      search_complete = true;
      break;
    }
    const steady::time_point now = steady::now();
    if (opts.on_progress && now >= next_progress) {
      next_progress = now + std::chrono::milliseconds(100);
      opts.on_progress(progress{r.executions, r.iterations, seconds_since(start)});
    }
    if (i >= last) break;
    if (opts.time_limit_s > 0 && seconds_since(start) >= opts.time_limit_s) {
      r.stopped_by = stop_reason::time_limit;
      break;
    }
    if (opts.should_stop && opts.should_stop()) {
      r.stopped_by = stop_reason::requested;
      break;
    }
  }
  r.search = strat->summary();
  r.search.complete = search_complete && r.search.exhaustive;
  if (r.search.exhaustive && !r.search.complete && r.ok() && r.stopped_by == stop_reason::none) {
    r.stopped_by = stop_reason::max_executions;
  }
  r.seconds = seconds_since(start);
  if (r.ok()) {
    r.params = strat->params();
    return r;
  }

  finish(r);
  if (!r.groups.empty()) take_outcome(r.groups.front(), r);
  return r;
}

traces::trace to_trace(const report& r, const runtime_config& config) {
  traces::trace t;
  t.scenario = r.scenario.empty() ? "test" : r.scenario;
  for (char& c : t.scenario) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') c = '_';
  }
  t.weft_version = std::string(weft_version);
  t.platform = "sim";
  t.strategy = r.strategy;
  t.params.emplace_back("seed", format_seed(r.seed));
  t.params.emplace_back("execution", std::to_string(r.failing_execution));
  t.params.emplace_back("execution-seed", format_seed(r.failing_execution_seed));
  t.params.emplace_back("steps-max", std::to_string(config.steps_max));
  t.params.emplace_back("livelock-repeats", std::to_string(config.livelock_repeats));
  for (const auto& p : r.params) t.params.push_back(p);
  if (r.failed) {
    traces::failure_info f;
    f.kind = std::string(to_string(r.failed.kind));
    f.message = r.failed.message;
    f.where.file = r.failed.file;
    f.where.line = r.failed.line;
    f.thread = r.failed.thread < r.thread_names.size() ? r.failed.thread : 0;
    t.failure = f;
  }
  for (std::uint32_t i = 0; i < r.thread_names.size(); ++i) {
    t.threads.push_back(traces::thread_info{i, r.thread_names[i]});
  }
  if (t.threads.empty()) t.threads.push_back(traces::thread_info{0, "main"});
  for (const auto& [id, name] : r.object_names) t.objects.push_back(traces::object_info{id, name});
  const auto convert = [](const step_record& s) {
    traces::step out;
    out.index = s.index;
    out.thread = s.thread;
    out.kind = std::string(to_string(s.kind));
    out.object = s.object;
    out.order = std::string(order_name(s.order));
    out.value = s.value;
    if (s.where.file_name() != nullptr && s.where.file_name()[0] != '\0') {
      out.where.file = s.where.file_name();
      out.where.line = s.where.line();
    }
    if ((s.facts & step_record::has_read) != 0) out.read = s.read;
    if ((s.facts & step_record::has_written) != 0) out.written = s.written;
    if ((s.facts & step_record::succeeded) != 0) out.succeeded = true;
    if ((s.facts & step_record::failed) != 0) out.succeeded = false;
    return out;
  };
  t.steps.reserve(r.steps.size());
  for (const step_record& s : r.steps) t.steps.push_back(convert(s));
  t.notes.reserve(r.notes.size());
  for (const step_record& s : r.notes) t.notes.push_back(convert(s));
  return t;
}

report replay_trace(const traces::trace& t, const std::function<void()>& body,
                    const runtime_config& config) {
  report r;
  r.scenario = t.scenario;
  r.strategy = "replay";
  validate_trace_params(t);
  const runtime_config cfg = runtime_config_of(t, config);
  if (const std::string* seed = t.param("seed")) r.seed = parse_u64(*seed, "trace parameter seed");
  if (const std::string* e = t.param("execution")) {
    r.failing_execution = parse_u64(*e, "trace parameter execution");
  }
  replay_strategy strat(expected_steps(t), t.failure ? std::optional<std::uint32_t>(t.failure->thread)
                                                    : std::nullopt);
  runtime rt(cfg);
  const steady::time_point start = steady::now();
  const failure& f = rt.run(strat, 0, body, true);
  r.seconds = seconds_since(start);
  r.executions = 1;
  r.iterations = 1;
  capture(r, rt, f);

  failure expected;
  if (t.failure) {
    if (!parse_failure_kind(t.failure->kind, expected.kind)) {
      throw std::invalid_argument(
          detail::text("trace failure kind \"{}\" is not one weft knows", t.failure->kind));
    }
    expected.message = t.failure->message;
  }
  if (f.kind == failure_kind::nondeterminism) return r;  // the divergence names its step
  if (f && rt.step_count() != t.steps.size()) {
    r.failed.kind = failure_kind::nondeterminism;
    r.failed.message = detail::text(
        "nondeterminism at step {}: the program failed here ({}: {}), but the trace records {} "
        "steps",
        rt.step_count(), to_string(f.kind), f.message, t.steps.size());
    return r;
  }
  if (same_failure(f, expected)) {
    // Reproduced: the report carries the recorded failure (or the recorded pass).
    r.reproduced_from_trace = true;
    return r;
  }
  r.failed.kind = failure_kind::nondeterminism;
  r.failed.message =
      detail::text("replay diverged: the trace records {}, this run {}",
                  expected ? detail::text("{}: {}", to_string(expected.kind), expected.message)
                           : std::string("a pass"),
                  f ? detail::text("failed with {}: {}", to_string(f.kind), f.message)
                    : std::string("passed"));
  return r;
}

report replay_file(const std::filesystem::path& file, const std::function<void()>& body,
                   const runtime_config& config) {
  const traces::trace t = traces::read_file(file);
  report r = replay_trace(t, body, config);
  r.trace_path = file;
  return r;
}

std::string report::text(std::string_view replay_command) const {
  std::string params_text;
  for (const auto& [k, v] : params) {
    if (k == "fault-per-mille") continue;
    params_text += detail::text(" {}={}", k, v);
  }
  if (shard_count > 1) params_text += detail::text(" shard={}/{}", shard_index, shard_count);
  if (ok()) {
    const double rate = seconds > 0 ? static_cast<double>(executions) / seconds : 0.0;
    std::string cut_text;
    if (stopped_by == stop_reason::time_limit) {
      cut_text = detail::text(" (stopped by the time limit after {} of {} executions)", executions,
                        iterations);
    } else if (stopped_by == stop_reason::requested) {
      cut_text = detail::text(" (stopped on request after {} of {} executions)", executions, iterations);
    } else if (stopped_by == stop_reason::max_executions) {
      cut_text = detail::text(" (stopped after {} executions, the most allowed)", executions);
    }
    if (search.exhaustive) {
      std::string sleep = cut != 0 ? detail::text(", {} of them cut short by sleep sets",
                                                        cut)
                                         : std::string();
      cut_text += search.complete
                 ? detail::text("\n  complete: every execution of this body was explored{}{} "
                                "(a proof at this size)",
                                search.bound.empty() ? "" : " up to ", search.bound)
                 : detail::text("\n  NOT complete: the search was cut short (a sample, not a "
                                "proof){}",
                                search.estimate > 0
                                    ? detail::text("; {} of ~{} executions",
                                                   executions,
                                                   static_cast<std::uint64_t>(search.estimate))
                                    : std::string());
      cut_text += sleep;
    }
    char timing[64];
    std::snprintf(timing, sizeof timing, "%.3f s (%.0f/s)", seconds, rate);
    return detail::text("weft: PASS {}  strategy={}{} seed={}  {} executions in {}{}\n",
                       scenario, strategy, params_text, format_seed(seed), executions, timing,
                       cut_text);
  }
  std::string out = detail::text("weft: FAIL {}  strategy={}{} seed={} execution={} ({} of {} run)\n",
                                scenario, strategy, params_text, format_seed(seed),
                                failing_execution, executions, iterations);
  out += detail::text("  failure     {}: {}\n", to_string(failed.kind), failed.message);
  const std::string name =
      failed.thread < thread_names.size() && !thread_names[failed.thread].empty()
          ? detail::text(" \"{}\"", thread_names[failed.thread])
          : std::string();
  out += detail::text("  at          {}:{} in thread {}{}, step {} of {}\n",
                     failed.file.empty() ? "-" : failed.file, failed.line, failed.thread, name,
                     failed.step, failing_steps);
  if (!steps.empty()) {
    std::string last;
    const std::size_t from = steps.size() > 4 ? steps.size() - 4 : 0;
    for (std::size_t i = from; i < steps.size(); ++i) {
      if (!last.empty()) last += " | ";
      last += step_text(steps[i], object_names);
    }
    out += detail::text("  last steps  {}\n", last);
  }
  out += detail::text("  seed        execution seed {}\n", format_seed(failing_execution_seed));
  if (!trace_path.empty()) {
    out += detail::text("  trace       {}\n", trace_path.string());
  } else if (!trace_error.empty()) {
    out += detail::text("  trace       not written: {}\n", trace_error);
  }
  if (strategy != "replay") {
    out += detail::text("  determinism re-run from seed: {}; replay of trace: {}\n",
                       reproduced_from_seed ? "same failure" : "DIFFERENT",
                       reproduced_from_trace ? "same failure" : "not confirmed");
  }
  if (groups.size() > 1 || failures > 1) {
    out += detail::text("  failures    {} of {} executions failed, in {} group{} (kind and place; "
                        "each group's first failure has its own trace):\n",
                        failures, executions, groups.size(), groups.size() == 1 ? "" : "s");
    for (const failure_group& g : groups) {
      out += detail::text("    {} at {}:{}: {} execution{}, the first {}{}\n",
                          to_string(g.failed.kind), g.failed.file.empty() ? "-" : g.failed.file,
                          g.failed.line, g.count, g.count == 1 ? "" : "s", g.first_execution,
                          g.trace_path.empty() ? std::string()
                                               : detail::text(", trace {}", g.trace_path.string()));
    }
  }
  // Last, so that the report ends with what to do next.
  if (!trace_path.empty()) {
    out += detail::text("  replay      {}\n",
                       replay_command.empty() ? replay_command_for(trace_path)
                                              : std::string(replay_command));
  }
  return out;
}

}  // namespace weft::sim
