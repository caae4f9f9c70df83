// weft/sim/runtime.hpp — the execution engine of the deterministic simulator.
//
// One runtime runs every simulated thread of an execution as a fiber on the calling OS thread,
// switched with Boost.Context's fcontext primitives (one jump per switch). Fibers and their stacks are created once per thread slot and kept alive
// across executions: each parks when its thread finishes and is handed the next body, so
// starting an execution allocates nothing in steady state.
//
// At every scheduling point the runtime asks the strategy which runnable thread goes next and
// switches only when that is not the current one. It tracks happens-before with vector clocks
// (updated on release/acquire, lock/unlock, spawn/join, park/unpark) and FastTrack-style epochs
// on plain data, so a relaxed publish of plain data is reported as a data race even though the
// interleaving itself is sequentially consistent. Virtual time advances only when every thread
// waits: the clock then jumps to the earliest deadline.
//
// Thread-safety: a runtime belongs to the OS thread that runs it. There is no global mutable
// state: the only per-OS-thread variable is the pointer to the runtime running there, so two
// simulations run on two OS threads at once without interference.
//
// Users rarely touch this class: they use weft::sim::explore() (explore.hpp) and the platform
// types (platform.hpp). It is public for strategies, tools and the platform adapter.
#pragma once

#include <weft/sim/point.hpp>
#include <weft/sim/strategy.hpp>

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/stack_context.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <weft/core/source_location.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace weft::sim {

// Vector clock over the thread slots of one execution. Entries stay below 2^31 (an execution
// is bounded by steps_max), so lanes compare as signed 32-bit integers, four at a time.
struct vclock {
  static_assert(max_threads % 4 == 0);
  alignas(16) std::array<std::uint32_t, max_threads> c{};
  // Joins the first n entries (rounded up to 4): entries of threads not yet spawned are zero.
  void join(const vclock& other, std::uint32_t n) noexcept {
    using lanes = std::int32_t __attribute__((vector_size(16)));
    for (std::uint32_t i = 0; i < n; i += 4) {
      lanes a;
      lanes b;
      std::memcpy(&a, &c[i], sizeof a);
      std::memcpy(&b, &other.c[i], sizeof b);
      const lanes m = a > b ? a : b;
      std::memcpy(&c[i], &m, sizeof m);
    }
  }
  // Copies the first n entries (rounded up to 4); the rest are zero in both, as above.
  void assign(const vclock& other, std::uint32_t n) noexcept {
    // Constant sizes, so the copies inline as vector moves.
    if (n <= 4) {
      std::memcpy(c.data(), other.c.data(), 4 * sizeof(std::uint32_t));
    } else if (n <= 8) {
      std::memcpy(c.data(), other.c.data(), 8 * sizeof(std::uint32_t));
    } else {
      c = other.c;
    }
  }
  void clear() noexcept { c.fill(0); }
};

// State that every synchronising simulated object carries. It is reset lazily the first time
// the object is used in a new execution, so objects may outlive an execution.
struct object_header {
  std::uint32_t id = 0;
  std::uint32_t generation = 0;
  vclock sync;  // release clock (atomics), last unlock (mutex), unpark (parker)
};

// Race-detector state of a var<T> (FastTrack epochs).
struct var_header {
  static constexpr std::uint32_t no_thread = 0xffffffffu;
  std::uint32_t id = 0;
  std::uint32_t generation = 0;
  std::uint32_t write_thread = no_thread;
  std::uint32_t write_clock = 0;
  weft::source_location write_where{};
  std::uint32_t read_thread = no_thread;  // last reader, for the report
  std::uint32_t read_mask = 0;            // threads with a read since the last write
  weft::source_location read_where{};
  std::array<std::uint32_t, max_threads> read_clock{};  // valid where read_mask has a bit
};

// Thrown inside a fiber to unwind it when its execution is aborted. Not an error: user code
// must not swallow it (catch (...) blocks should rethrow).
struct execution_aborted {};

namespace detail {

// Type-erased, move-only callable with inline storage: spawning a thread does not allocate
// unless its closure is larger than the buffer.
class task {
 public:
  static constexpr std::size_t inline_size = 96;
  task() = default;
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  template <class F>
  void emplace(F&& f) {
    using fn = std::decay_t<F>;
    reset();
    if constexpr (sizeof(fn) <= inline_size && alignof(fn) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<fn>) {
      ::new (static_cast<void*>(buffer_)) fn(std::forward<F>(f));
      target_ = buffer_;
      invoke_ = [](void* p) { (*static_cast<fn*>(p))(); };
      destroy_ = [](void* p) { static_cast<fn*>(p)->~fn(); };
    } else {
      target_ = new fn(std::forward<F>(f));
      invoke_ = [](void* p) { (*static_cast<fn*>(p))(); };
      destroy_ = [](void* p) { delete static_cast<fn*>(p); };
    }
  }
  void operator()() { invoke_(target_); }
  explicit operator bool() const noexcept { return target_ != nullptr; }
  void reset() noexcept {
    if (target_ != nullptr) {
      destroy_(target_);
      target_ = nullptr;
    }
  }

 private:
  alignas(std::max_align_t) unsigned char buffer_[inline_size];
  void* target_ = nullptr;
  void (*invoke_)(void*) = nullptr;
  void (*destroy_)(void*) = nullptr;
};

}  // namespace detail

struct runtime_config {
  std::uint64_t steps_max = 20000;         // livelock bound: decisions per execution
  std::size_t stack_size = 256 * 1024;     // per fiber; sanitizer builds use more
};

class runtime {
 public:
  static constexpr std::uint32_t host = max_threads;  // the OS thread's own context
  static constexpr std::uint32_t no_thread = 0xffffffffu;

  enum class thread_state : std::uint8_t { free, runnable, blocked, finished };
  enum class wait_reason : std::uint8_t { none, mutex, condition, join, park, sleep };

  explicit runtime(runtime_config config = {});
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  ~runtime();

  // Runs `body` once as thread 0 with the given execution seed. `record` keeps every step (for
  // traces); otherwise only the choices are made. Returns the failure of this execution (kind
  // none if it passed). Calls strat.end_execution if it passed.
  template <class F>
  const failure& run(strategy& strat, std::uint64_t execution_seed, F& body, bool record) {
    slots_[0].body.emplace([&body] { body(); });
    return run_prepared(strat, execution_seed, record);
  }

  // Runs executions first, first+1, ... of a run with seed `run_seed` (execution i uses
  // execution_seed(run_seed, i)) until one fails or `count` have run. Executions follow each
  // other on the body's own fiber, without a round trip to the caller's stack. Calls
  // strat.end_execution after each passing execution.
  struct batch_result {
    std::uint64_t executed;  // executions run, the failing one included
    std::uint64_t failed_at; // index of the failing execution, or first + count if none failed
  };
  template <class F>
  batch_result run_batch(strategy& strat, std::uint64_t run_seed, std::uint64_t first,
                         std::uint64_t count, F& body) {
    slots_[0].body.emplace([&body] { body(); });
    return run_batch_prepared(strat, run_seed, first, count, false);
  }
  const failure& last_failure() const noexcept { return failure_; }

  const std::vector<step_record>& steps() const noexcept { return steps_; }
  std::uint64_t step_count() const noexcept { return step_; }
  std::uint32_t thread_count() const noexcept { return n_threads_; }
  const char* thread_name(std::uint32_t t) const noexcept { return slots_[t].name; }
  std::int64_t now_ns() const noexcept { return now_ns_; }

  // The runtime running on this OS thread, or nullptr outside an execution.
  static runtime* active() noexcept { return active_; }

  // ----- operations used by the platform types (platform.hpp) -----
  std::uint32_t current() const noexcept { return current_; }
  std::uint32_t object_id(object_header& h) noexcept {
    if (h.generation != generation_) [[unlikely]] {
      h.generation = generation_;
      h.id = next_object_++;
      h.sync.clear();
    }
    return h.id;
  }
  bool fresh(const object_header& h) const noexcept { return h.generation != generation_; }
  std::uint32_t generation() const noexcept { return generation_; }

  // A scheduling point by the current thread: records the step and lets the strategy choose.
  void point(point_kind kind, std::uint32_t object, std::uint8_t order,
             const weft::source_location& where, std::uint64_t value = 0) {
    if (aborting_) [[unlikely]] {
      abort_check();
      return;
    }
    if (step_ >= config_.steps_max) [[unlikely]] step_bound_exceeded(where);
    const std::uint64_t s = step_++;
    if (record_) [[unlikely]] record(s, kind, object, order, value, where);
    if (n_runnable_ == 1 && runnable_[0] == current_ && !verify_) [[likely]] return;
    decide(s, kind, object);
  }
  // A step whose outcome is a value chosen by the strategy (random draws, injected faults).
  // With choose_thread the strategy also picks who runs next (a scheduling point); without it
  // the current thread simply goes on. Returns the value.
  std::uint64_t value_point(point_kind kind, std::uint32_t object, std::uint64_t bound,
                            bool fault, const weft::source_location& where,
                            bool choose_thread = true);

  // Happens-before bookkeeping.
  void acquire(const vclock& from) noexcept { slots_[current_].clock.join(from, n_threads_); }
  void release_to(vclock& to) noexcept {  // to = clock of current; then advance own epoch
    auto& self = slots_[current_];
    to.assign(self.clock, n_threads_);
    ++self.clock.c[current_];
  }
  void release_join(vclock& to) noexcept {  // to |= clock of current (RMW in a release sequence)
    auto& self = slots_[current_];
    to.join(self.clock, n_threads_);
    ++self.clock.c[current_];
  }
  static bool is_acquire(std::memory_order mo) noexcept {
    return mo == std::memory_order_acquire || mo == std::memory_order_consume ||
           mo == std::memory_order_acq_rel || mo == std::memory_order_seq_cst;
  }
  static bool is_release(std::memory_order mo) noexcept {
    return mo == std::memory_order_release || mo == std::memory_order_acq_rel ||
           mo == std::memory_order_seq_cst;
  }
  void atomic_load_hb(object_header& h, std::memory_order mo) noexcept {
    slot& self = slots_[current_];
    if (is_acquire(mo)) {
      self.clock.join(h.sync, n_threads_);
    } else {
      self.acquire_fence.join(h.sync, n_threads_);  // for a later acquire fence
    }
  }
  void atomic_store_hb(object_header& h, std::memory_order mo) noexcept {
    if (is_release(mo)) {
      release_to(h.sync);
    } else {
      // A relaxed store starts no release sequence, unless a release fence came before it.
      h.sync = slots_[current_].release_fence;
    }
  }
  void atomic_rmw_hb(object_header& h, std::memory_order mo) noexcept {
    atomic_load_hb(h, mo);
    if (is_release(mo)) {
      release_join(h.sync);
    } else {
      // A relaxed RMW continues the release sequence it reads from.
      h.sync.join(slots_[current_].release_fence, n_threads_);
    }
  }
  void fence(std::memory_order mo, const weft::source_location& where);
  // Race checks on plain data (FastTrack-style epochs): inline fast paths, reports out of line.
  void var_read(var_header& v, const weft::source_location& where) {
    if (v.generation != generation_) [[unlikely]] reset_var(v);
    const vclock& now = slots_[current_].clock;
    if (v.write_thread != current_ && v.write_thread != var_header::no_thread &&
        now.c[v.write_thread] < v.write_clock) [[unlikely]] {
      race(v, false, false, v.write_thread, v.write_where, where);
    }
    v.read_clock[current_] = now.c[current_];
    v.read_mask |= 1u << current_;
    v.read_thread = current_;
    v.read_where = where;
  }
  void var_write(var_header& v, const weft::source_location& where) {
    if (v.generation != generation_) [[unlikely]] reset_var(v);
    const vclock& now = slots_[current_].clock;
    if (v.write_thread != current_ && v.write_thread != var_header::no_thread &&
        now.c[v.write_thread] < v.write_clock) [[unlikely]] {
      race(v, true, true, v.write_thread, v.write_where, where);
    }
    if ((v.read_mask & ~(1u << current_)) != 0) [[unlikely]] check_reads(v, where);
    v.write_thread = current_;
    v.write_clock = now.c[current_];
    v.write_where = where;
    v.read_mask = 0;
  }

  // Blocking: the current thread stops being runnable until wake(t) (or its deadline).
  // `owner` names the thread holding what is waited for (a mutex), for deadlock reports.
  void block(wait_reason why, std::uint32_t object, const weft::source_location& where,
             std::int64_t deadline_ns = -1, std::uint32_t owner = no_thread);
  void wake(std::uint32_t t) noexcept;
  // Wakes every thread blocked for `why` on `object`; returns how many.
  std::uint32_t wake_all(wait_reason why, std::uint32_t object) noexcept;
  // Wakes the thread that has waited longest for `why` on `object`; returns false if none.
  bool wake_one(wait_reason why, std::uint32_t object) noexcept;
  bool timed_out() const noexcept { return slots_[current_].timed_out; }

  // Threads.
  template <class F>
  std::uint32_t spawn(F&& f, const char* name, const weft::source_location& where) {
    const std::uint32_t t = allocate_thread(name, where);
    slots_[t].body.emplace(std::forward<F>(f));
    start_thread(t, where);
    return t;
  }
  void join(std::uint32_t t, const weft::source_location& where);
  void detach_failure(std::uint32_t t, const weft::source_location& where);
  bool finished(std::uint32_t t) const noexcept { return slots_[t].state == thread_state::finished; }

  // Time.
  std::int64_t clock_read(const weft::source_location& where);
  void sleep_ns(std::int64_t ns, const weft::source_location& where);

  // Failures. fail() records the first failure of the execution and unwinds the current thread
  // (unless an exception is already propagating, e.g. inside a destructor during unwinding).
  void fail(failure_kind kind, std::string message, const weft::source_location& where);
  // Records the failure and marks the execution aborted without throwing (for destructors).
  void note_failure(failure_kind kind, std::string message, const weft::source_location& where);
  bool aborting() const noexcept { return aborting_; }
  void abort_check();

  // Describes what a thread waits on, for deadlock reports ("t1 waits for mutex o3 held by t2").
  std::string describe_wait(std::uint32_t t) const;

 private:
  // Room for the C++ runtime's per-thread exception-handling globals of one fiber.
  struct eh_state {
    void* words[2];
  };
  struct slot {
    boost::context::stack_context stack{};
    detail::task body;
    thread_state state = thread_state::free;
    wait_reason reason = wait_reason::none;
    bool timed_out = false;
    bool has_fiber = false;
    std::uint32_t wait_object = 0;
    std::int64_t deadline_ns = -1;
    std::uint64_t wait_seq = 0;
    vclock clock;
    vclock acquire_fence;  // joined clocks of relaxed loads, for a later acquire fence
    vclock release_fence;  // clock at the last release fence, for later relaxed stores
    weft::source_location spawned_at{};
    weft::source_location blocked_at{};
    std::uint32_t wait_owner = no_thread;
    std::uint32_t joiner = no_thread;  // the thread blocked joining this one
    const char* name = "";  // a string literal or other storage that outlives the run
    void* stack_bottom = nullptr;  // for sanitizer fiber annotations
    std::size_t stack_size = 0;
    void* tsan_fiber = nullptr;
  };

  const failure& run_prepared(strategy& strat, std::uint64_t execution_seed, bool record);
  batch_result run_batch_prepared(strategy& strat, std::uint64_t run_seed, std::uint64_t first,
                                  std::uint64_t count, bool record);
  void reset_execution(std::uint64_t execution_seed);
  void decide(std::uint64_t s, point_kind kind, std::uint32_t object);
  std::uint32_t choose_other(std::uint64_t s, point_kind kind, std::uint32_t object);
  [[noreturn]] void step_bound_exceeded(const weft::source_location& where);
  void record(std::uint64_t s, point_kind kind, std::uint32_t object, std::uint8_t order,
              std::uint64_t value, const weft::source_location& where);
  std::uint32_t allocate_thread(const char* name, const weft::source_location& where);
  void start_thread(std::uint32_t t, const weft::source_location& where);
  void make_runnable(std::uint32_t t) noexcept;
  void remove_runnable(std::uint32_t t) noexcept;
  bool advance_time() noexcept;
  [[noreturn]] void deadlock();
  void switch_to(std::uint32_t next);
  // Indexed by thread id, the host (the caller's own stack) at index `host`: no branch.
  boost::context::detail::fcontext_t& context_of(std::uint32_t t) noexcept { return contexts_[t]; }
  void ensure_fiber(std::uint32_t t);
  static void fiber_entry(boost::context::detail::transfer_t transfer);
  [[noreturn]] void fiber_main(std::uint32_t t);
  void run_body(std::uint32_t t);
  void check_leaks();
  eh_state* eh_of(std::uint32_t t) noexcept { return &eh_[t]; }
  void thread_exit(std::uint32_t t);
  void unwind_all();
  void reset_var(var_header& v) noexcept {
    v.generation = generation_;
    v.id = next_object_++;
    v.write_thread = var_header::no_thread;
    v.write_clock = 0;
    v.read_thread = var_header::no_thread;
    v.read_mask = 0;
  }
  void check_reads(var_header& v, const weft::source_location& where);
  void race(const var_header& v, bool write_write, bool current_writes, std::uint32_t other,
            const weft::source_location& other_where, const weft::source_location& where);

  runtime_config config_;
  strategy* strategy_ = nullptr;
  rng* uniform_ = nullptr;  // the strategy's generator when it picks uniformly (see strategy.hpp)
  std::uint32_t fault_per_mille_ = 0;
  std::array<slot, max_threads> slots_;
  std::array<boost::context::detail::fcontext_t, max_threads + 1> contexts_{};
  std::array<eh_state, max_threads + 1> eh_{};
  void* eh_globals_ = nullptr;  // this OS thread's exception-handling globals
  static inline thread_local runtime* active_ = nullptr;
  std::array<std::uint8_t, max_threads> runnable_{};
  std::uint32_t n_runnable_ = 0;
  std::uint32_t n_threads_ = 0;
  std::uint32_t current_ = host;
  std::uint32_t from_ = host;
  std::uint64_t step_ = 0;
  std::int64_t now_ns_ = 0;
  std::uint64_t wait_seq_ = 0;
  std::uint32_t generation_ = 0;
  std::uint32_t next_object_ = 1;
  bool record_ = false;
  bool batch_explicit_seed_ = false;  // run(): the seed given is the execution seed itself
  std::uint64_t batch_seed_ = 0;
  std::uint64_t batch_index_ = 0;
  std::uint64_t batch_end_ = 0;
  bool verify_ = false;
  bool aborting_ = false;
  std::uint64_t abort_rethrows_ = 0;
  failure failure_;
  std::vector<step_record> steps_;
  void* host_stack_bottom_ = nullptr;
  std::size_t host_stack_size_ = 0;
  void* host_tsan_fiber_ = nullptr;
};

}  // namespace weft::sim
