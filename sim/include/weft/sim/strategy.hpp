// weft/sim/strategy.hpp — how the simulator chooses who runs next, and what runs after that.
//
// A strategy is a *search* behind this interface:
//   * between executions it decides what the next one is (prepare_execution: a fresh seed, or a
//     schedule prefix it follows before it takes over) and when the search is complete
//     (prepare_execution returns false: an exhaustive strategy has nothing left);
//   * during one it picks threads (pick_thread), values (pick_value: P::random) and injected
//     faults (pick_fault: spurious wake-ups and weak-CAS failures).
// At each decision it sees, for every runnable thread, the operation that thread will perform
// when it runs (decision_context::pending: kind, object, memory order and whether it reads,
// writes or both), and, when it asks for them (observes_events), it is told of the events that
// are not scheduling points but order things (on_event: unlock, notify, spawn, join, finish,
// wake-ups, var reads and writes), so that partial-order reduction can compute dependencies.
//
// Strategies are found by name in one registry (strategy_registry below), each with its own
// typed options (strategy_option: key, range, default, help) from which the tool's flags and
// the WEFT_* environment variables are derived. Built in: random (uniform random walk), pct
// (Burckhardt et al., ASPLOS'10), pos (Yuan et al., CAV'18), surw (Zhao et al., ASPLOS'25),
// dfs (exhaustive, no reduction) and dpor (exhaustive, source sets and sleep sets, Abdulla et
// al., POPL'14), plus replay and prefix (replay.hpp), which are built from a trace, not by
// name. Adding a strategy touches no file of the runtime or of explore().
//
// Reproduction: a seeded strategy's execution follows from (name, params, execution seed)
// alone; a search's (dfs, dpor) from the choices it made, which it hands back through
// last_choices() and which a prefix strategy follows again.
//
// Thread-safety: a strategy object is used by one runtime at a time, on the OS thread that runs
// it, and keeps per-execution state: give each concurrent run its own (make_strategy builds a
// fresh one). make_strategy, the registry's lookups and execution_seed are callable from any
// thread. An rng is a plain value: one thread at a time.
#pragma once

#include <weft/sim/point.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace weft::sim {

__extension__ typedef unsigned __int128 uint128;

// Whether an operation reads or writes its object, for dependency (partial-order reduction).
enum class access : std::uint8_t { none, read, write, read_write };

// What a runnable thread will do when it runs next: the operation it announced at its last
// scheduling point. A thread that has not run yet announces nothing (kind spawn, access none).
struct pending_op {
  point_kind kind = point_kind::spawn;
  std::uint8_t order = order_none;  // memory order (order_code), or order_none
  access acc = access::none;
  std::uint8_t reason = 0;          // kind block: why (detail::wait_reason as a number)
  std::uint32_t object = 0;         // object id in this execution (0: none)
};
// The access of an operation of kind `kind` (atomic_load: read; stores, RMWs, CAS, mutex and
// condition-variable operations, park/unpark, block: write; yield, sleep, now, random, spawn,
// join, finish: none).
constexpr access access_of(point_kind kind) noexcept {
  switch (kind) {
    case point_kind::atomic_load:
    case point_kind::var_read:
      return access::read;
    case point_kind::atomic_store:
    case point_kind::var_write:
      return access::write;
    case point_kind::atomic_rmw:
    case point_kind::atomic_cas:
    case point_kind::atomic_cas_weak:
    case point_kind::mutex_lock:
    case point_kind::mutex_try_lock:
    case point_kind::mutex_unlock:
    case point_kind::cv_wait:
    case point_kind::cv_wait_timed:
    case point_kind::cv_notify_one:
    case point_kind::cv_notify_all:
    case point_kind::park:
    case point_kind::unpark:
    case point_kind::block:
      return access::read_write;
    case point_kind::fence:
    case point_kind::spawn:
    case point_kind::join:
    case point_kind::finish:
    case point_kind::yield:
    case point_kind::sleep:
    case point_kind::now:
    case point_kind::random:
      return access::none;
  }
  return access::none;
}

// Events that are not scheduling points but order things, told to a strategy that observes
// events (on_event), in the order they happen, by the thread that does them.
enum class event_kind : std::uint8_t {
  lock_acquired,  // object: the mutex (after a lock, try_lock or wait re-acquired it)
  unlock,         // object: the mutex
  notify,         // object: the condition variable or atomic notified (whether or not it woke)
  wake,           // object: the thread woken (a thread id), by notify, unlock, unpark, finish
  spawn,          // object: the new thread's id
  join,           // object: the joined thread's id; it has finished
  finish,         // object: the finishing thread's id (the current one)
  var_read,       // object: the var's id
  var_write,      // object: the var's id
  timeout,        // object: the thread whose timed wait ran out (virtual time moved)
  unchanged,      // object: the atomic the current thread's last operation left as it was (a
                  // failed CAS, or a store or RMW of the value already there): it only read
};
std::string_view to_string(event_kind kind) noexcept;

struct decision_context {
  std::span<const std::uint8_t> runnable;  // ids of runnable threads; may be empty for values
  std::uint32_t current = 0;               // thread at the scheduling point
  std::uint64_t step = 0;                  // index of this decision
  point_kind kind = point_kind::yield;
  std::uint32_t object = 0;
  // pending[t]: what thread t does when it runs next, for every t in runnable (and the current
  // thread's own announcement, pending[current]). Indexed by thread id.
  const pending_op* pending = nullptr;
  // Objects with an id so far in this execution are 1 .. objects - 1 (ids are given at first
  // use, so an id at or above this one may name another object in another execution).
  std::uint32_t objects = 1;
};

using strategy_params = std::vector<std::pair<std::string, std::string>>;

// The seed of execution `index` of a run with seed `run_seed`: a function of the two alone.
std::uint64_t execution_seed(std::uint64_t run_seed, std::uint64_t index) noexcept;

// What a search says about itself, for the report (strategy::summary).
struct search_summary {
  bool exhaustive = false;        // the strategy enumerates; complete below means a proof
  bool complete = false;          // it ran out of executions to run: every one was explored
  std::uint64_t cut = 0;          // executions it stopped early as redundant (sleep sets)
  std::string bound;              // "", or what the search was bounded by ("2 preemptions")
  double estimate = 0;            // estimated executions of the whole search, 0 = unknown
};

class strategy {
 public:
  static constexpr std::uint32_t diverged = 0xffffffffu;
  // pick_thread's answer that ends the execution here as redundant, neither pass nor failure
  // (a search whose sleep set holds every runnable thread).
  static constexpr std::uint32_t cut = 0xfffffffdu;

  strategy() = default;
  strategy(const strategy&) = delete;
  strategy& operator=(const strategy&) = delete;
  virtual ~strategy() = default;

  virtual std::string_view name() const noexcept = 0;
  // Everything besides the execution seed that determines its choices (for traces and repro).
  virtual strategy_params params() const = 0;

  // ----- the search, between executions -----
  // Once per run, before its first execution: `probe(s, seed)` runs the body once under
  // strategy `s` (this one, or another it built) from that execution seed, not counted and
  // failures ignored, and returns its length in steps (pct measures its step horizon this
  // way, surw its per-thread event counts). The default does nothing.
  using probe_function = std::function<std::uint64_t(strategy&, std::uint64_t)>;
  virtual void begin_run(std::uint64_t run_seed, const probe_function& probe) {
    static_cast<void>(run_seed);
    static_cast<void>(probe);
  }
  // Prepares execution `index` of the run with seed `run_seed` (indices come in order, from
  // the run's first; index 0 starts a search afresh). Returns false when there is no such
  // execution: the search is complete. The default: a fresh execution seed, never complete.
  virtual bool prepare_execution(std::uint64_t run_seed, std::uint64_t index) {
    begin_execution(execution_seed(run_seed, index));
    return true;
  }
  // Starts one execution from its seed (what prepare_execution does by default; also how one
  // execution of a seeded strategy is re-run alone).
  virtual void begin_execution(std::uint64_t execution_seed) = 0;
  // Called after each execution (passed, failed or cut) with the number of steps it took.
  virtual void end_execution(std::uint64_t steps) { static_cast<void>(steps); }
  // True when one execution is reproduced from (name, params, execution seed); false for a
  // search, whose executions are reproduced from last_choices().
  virtual bool seeded() const noexcept { return true; }
  // A search: the choices of the execution that just ended, in the order they were asked
  // (thread ids at thread decisions, values at value and fault decisions), for a prefix
  // strategy (replay.hpp) to follow again. Empty for a seeded strategy.
  virtual std::vector<std::uint64_t> last_choices() const { return {}; }
  virtual search_summary summary() const { return {}; }

  // ----- one execution -----
  virtual void on_spawn(std::uint32_t thread) { static_cast<void>(thread); }
  // Returns one of ctx.runnable, `diverged` (replay only; see divergence()) or `cut`.
  virtual std::uint32_t pick_thread(const decision_context& ctx) = 0;
  // Uniform value in [0, bound), bound >= 1.
  virtual std::uint64_t pick_value(const decision_context& ctx, std::uint64_t bound) = 0;
  // Whether to inject a spurious wake-up or spurious CAS failure here.
  virtual bool pick_fault(const decision_context& ctx) = 0;
  // Events that are not scheduling points (see event_kind); called only when
  // observes_events() is true, by the thread `thread` that does them.
  virtual void on_event(std::uint32_t thread, event_kind kind, std::uint32_t object) {
    static_cast<void>(thread);
    static_cast<void>(kind);
    static_cast<void>(object);
  }
  bool observes_events() const noexcept { return observes_events_; }
  // True if pick_thread must see every step, even forced ones (replay verifies them; a search
  // records them).
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
  bool observes_events_ = false;
};

// ----- the registry -----

// One option of a strategy: a number (a flag is 0 or 1) in [min, max]. The tool offers it as
// --<key>, the WEFT_* environment as WEFT_<KEY> (upper case, '-' as '_'), and traces record it
// as a parameter.
struct strategy_option {
  std::string key;
  std::uint64_t default_value = 0;
  std::uint64_t min = 0;
  std::uint64_t max = UINT64_MAX;
  std::string help;
};

struct strategy_info {
  std::string name;
  std::string summary;
  std::vector<strategy_option> options;
  bool exhaustive = false;
  // Builds the strategy from options already checked against `options` (every key present).
  std::function<std::unique_ptr<strategy>(const strategy_params&)> make;
};

// The strategies this process knows: the built-in ones, then those registered. Thread-safe.
// Registering a name twice throws std::invalid_argument.
void register_strategy(strategy_info info);
std::vector<strategy_info> registered_strategies();
// std::nullopt if unknown.
std::optional<strategy_info> find_strategy(std::string_view name);
// The option `key` of options list `params` as a number (for a strategy's make function).
std::uint64_t option_value(const strategy_params& params, std::string_view key);
// The environment variable that sets option `key`: "max-faults" -> "WEFT_MAX_FAULTS".
std::string option_env_name(std::string_view key);

struct strategy_config {
  std::string name = "random";         // a registered strategy (registered_strategies())
  // Options by key (strategy_option::key); unknown keys and values out of range are errors.
  // The three fields below are shorthands for the options of the same names, used when the
  // strategy has such an option and `options` does not set it.
  strategy_params options;
  std::uint32_t depth = 3;             // pct: bug depth d (d - 1 priority change points)
  std::uint64_t pct_steps = 0;         // pct: k, the step horizon; 0 = measured at the start of
                                       // the run from the run seed (begin_run)
  std::uint32_t fault_per_mille = 50;  // chance of a spurious wake-up / CAS failure, 0 = never
};

// Builds a registered strategy; throws std::invalid_argument with a clear message for an
// unknown name, an unknown option or a value out of range.
std::unique_ptr<strategy> make_strategy(const strategy_config& config);
// Rebuilds a strategy from a trace's name and params (exact reproduction of one execution);
// parameters the strategy has no option for are ignored (a trace also records seeds).
std::unique_ptr<strategy> make_strategy(std::string_view name, const strategy_params& params);


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
