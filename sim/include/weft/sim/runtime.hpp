// weft/sim/runtime.hpp — the execution engine of the deterministic simulator.
//
// One runtime runs every simulated thread of an execution as a fiber on the calling OS thread.
// It composes one small part per concern, each in its own header:
//   detail/fibers.hpp         fibers, their stacks, the context switch (and sanitizer hooks)
//   detail/thread_table.hpp   each thread's state, body and what it waits for
//   detail/scheduler.hpp      the runnable set and the calls into the strategy
//   happens_before.hpp        vector clocks: release/acquire, lock/unlock, spawn/join, park
//   race_detector.hpp         FastTrack epochs on plain data (var<T>)
//   detail/virtual_time.hpp   the simulated clock
//   detail/failure_state.hpp  the execution's failure and its abort
//   detail/batch.hpp          the executions of a run one call goes through, and their seeds
//   detail/invariant.hpp      the checks of the runtime's own state (WEFT_ASSERT policy)
//   detail/livelock.hpp       the fair-cycle livelock check: a state that comes back with every
//                             runnable thread having run in between
// The switch itself is inline in src/fiber_switch.hpp; the text of reports is src/reports.cpp.
//
// At every scheduling point the runtime asks the scheduler whether the current thread simply
// continues (inline, the common case) and otherwise lets the strategy choose who runs next,
// switching only when that is another thread. Happens-before is tracked with vector clocks and
// FastTrack-style epochs on plain data, so a relaxed publish of plain data is reported as a
// data race even though the interleaving itself is sequentially consistent. Virtual time
// advances only when every thread waits: the clock then jumps to the earliest deadline.
//
// Thread-safety: a runtime belongs to the OS thread that runs it. There is no global mutable
// state: the only per-OS-thread variable is the pointer to the runtime running there, so two
// simulations run on two OS threads at once without interference.
//
// Users rarely touch this class: they use weft::sim::explore() (explore.hpp) and the platform
// types (platform.hpp). It is public for strategies, tools and the platform adapter.
#pragma once

#include <weft/sim/detail/batch.hpp>
#include <weft/sim/detail/failure_state.hpp>
#include <weft/sim/detail/fibers.hpp>
#include <weft/sim/detail/livelock.hpp>
#include <weft/sim/detail/object_names.hpp>
#include <weft/sim/detail/scheduler.hpp>
#include <weft/sim/detail/task.hpp>
#include <weft/sim/detail/thread_table.hpp>
#include <weft/sim/detail/virtual_time.hpp>
#include <weft/sim/happens_before.hpp>
#include <weft/sim/point.hpp>
#include <weft/sim/race_detector.hpp>
#include <weft/sim/strategy.hpp>

#include <weft/core/source_location.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace weft::sim {

struct runtime_config {
  std::uint64_t steps_max = 20000;         // livelock bound: decisions per execution, 1 to
                                           // max_steps_per_execution (2^30)
  std::size_t stack_size = 256 * 1024;     // per fiber; sanitizer builds use more
  // The fair-cycle livelock check (detail/livelock.hpp): a livelock is reported when the
  // program's state comes back this many times, each time with every runnable thread having
  // run since; 0 turns the check off (the step bound still holds). At most max_livelock_repeats.
  std::uint32_t livelock_repeats = 1;
};
inline constexpr std::uint32_t max_livelock_repeats = 1000;

class runtime {
 public:
  static constexpr std::uint32_t host = detail::fibers::host;  // the OS thread's own context
  static constexpr std::uint32_t no_thread = detail::no_thread;

  using thread_state = detail::thread_state;
  using wait_reason = detail::wait_reason;

  explicit runtime(runtime_config config = {});
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  ~runtime();

  // Runs `body` once as thread 0 with the given execution seed. `record` keeps every step (for
  // traces); otherwise only the choices are made. Returns the failure of this execution (kind
  // none if it passed). Calls strat.end_execution if it passed.
  template <class F>
  const failure& run(strategy& strat, std::uint64_t execution_seed, F& body, bool record) {
    threads_[0].body.emplace([&body] { body(); });
    return run_prepared(strat, execution_seed, record);
  }

  // Runs executions first, first+1, ... of a run with seed `run_seed` (execution i uses
  // execution_seed(run_seed, i)) until one fails or `count` have run. Executions follow each
  // other on the body's own fiber, without a round trip to the caller's stack. Calls
  // strat.end_execution after each passing execution.
  // Executions are prepared by the strategy (strategy::prepare_execution): a search may end
  // the batch early because it is complete.
  struct batch_result {
    std::uint64_t executed;  // executions run, the failing one included
    std::uint64_t failed_at; // index of the failing execution, or first + count if none failed
    bool complete = false;   // the strategy's search had no execution left to run
    std::uint64_t cut = 0;   // executions the strategy ended early as redundant
  };
  template <class F>
  batch_result run_batch(strategy& strat, std::uint64_t run_seed, std::uint64_t first,
                         std::uint64_t count, F& body) {
    threads_[0].body.emplace([&body] { body(); });
    return run_batch_prepared(strat, run_seed, first, count, false, false);
  }
  const failure& last_failure() const noexcept { return failures_.get(); }

  const std::vector<step_record>& steps() const noexcept { return steps_; }
  // The accesses to plain data of a recorded execution (kinds var_read and var_write), in
  // order; each one's index is that of the step after it.
  const std::vector<step_record>& notes() const noexcept { return notes_; }
  // The objects the program named in this execution.
  const detail::object_names& object_names() const noexcept { return names_; }
  // "ready" for an object so named, else "o<id>".
  std::string object_label(std::uint32_t id) const { return names_.label(id); }
  std::uint64_t step_count() const noexcept { return step_; }
  std::uint32_t thread_count() const noexcept { return threads_.count(); }
  const char* thread_name(std::uint32_t t) const noexcept { return threads_[t].name; }
  std::int64_t now_ns() const noexcept { return time_.now_ns(); }

  // The runtime running on this OS thread, or nullptr outside an execution.
  static runtime* active() noexcept { return active_; }

  // ----- operations used by the platform types (platform.hpp) -----
  std::uint32_t current() const noexcept { return current_; }
  std::uint32_t object_id(object_header& h) noexcept {
    if (h.generation != generation_) [[unlikely]] {
      h.generation = generation_;
      h.id = next_object_++;
      h.sync.clear();
      if (h.name != nullptr) [[unlikely]] names_.note(h.id, h.name);
      if (livelock_.on()) note_object_memory(&h, sizeof h);
    }
    return h.id;
  }
  // Names an object; takes effect at once if it already has its id in this execution.
  void name_object(object_header& h, const char* name) {
    h.name = name;
    if (!fresh(h)) names_.note(h.id, name);
  }
  void name_object(var_header& v, const char* name) {
    v.name = name;
    if (v.generation == generation_) names_.note(v.id, name);
  }

  // Recording: whether this execution keeps its steps, and what the current thread's last
  // recorded step read, wrote and (a CAS) achieved. Call after the step's point returned,
  // only while recording; ignored while the execution aborts (the step may not be recorded).
  bool recording() const noexcept { return record_; }
  void record_outcome(std::uint8_t facts, std::uint64_t read, std::uint64_t written) noexcept {
    if (failures_.aborting() || current_ >= max_threads_per_execution) return;
    step_record& s = steps_[last_recorded_[current_]];
    s.facts = facts;
    s.read = read;
    s.written = written;
  }
  bool fresh(const object_header& h) const noexcept { return h.generation != generation_; }
  std::uint32_t generation() const noexcept { return generation_; }

  // A scheduling point by the current thread: records the step and lets the strategy choose.
  void point(point_kind kind, std::uint32_t object, std::uint8_t order,
             const weft::source_location& where, std::uint64_t value = 0) {
    if (failures_.aborting()) [[unlikely]] {
      failures_.abort_check();
      return;
    }
    if (step_ >= config_.steps_max) [[unlikely]] step_bound_exceeded(where);
    // The step's index is step_ - 1 from here on; record() and decide() read it there, so that
    // it is never kept in the caller's frame or registers (the livelock check hashes those).
    ++step_;
    // A block point's value is its wait reason (what a blocked thread retries when it runs).
    pending_[current_] =
        pending_op{kind, order, access_of(kind), static_cast<std::uint8_t>(value), object};
    if (record_) [[unlikely]] record(step_ - 1, kind, object, order, value, where);
    if (scheduler_.continues(current_)) [[likely]] return;
    decide(step_ - 1, kind, object);
  }
  // A step whose outcome is a value chosen by the strategy (random draws, injected faults).
  // With choose_thread the strategy also picks who runs next (a scheduling point); without it
  // the current thread simply goes on. Returns the value.
  std::uint64_t value_point(point_kind kind, std::uint32_t object, std::uint64_t bound,
                            bool fault, const weft::source_location& where,
                            bool choose_thread = true);

  // An event that is not a scheduling point (strategy.hpp, event_kind), for a strategy that
  // observes events; free otherwise.
  void event(event_kind kind, std::uint32_t object) {
    if (observes_events_) [[unlikely]] scheduler_.strat().on_event(current_, kind, object);
  }
  bool observes_events() const noexcept { return observes_events_; }
  // What thread t announced at its last scheduling point.
  const pending_op& pending(std::uint32_t t) const noexcept { return pending_[t]; }

  // Happens-before bookkeeping (happens_before.hpp) for the current thread.
  void acquire(const vclock& from) noexcept { clocks_.acquire(current_, from); }
  void release_to(vclock& to) noexcept { clocks_.release_to(current_, to); }
  void release_join(vclock& to) noexcept { clocks_.release_join(current_, to); }
  static bool is_acquire(std::memory_order mo) noexcept { return happens_before::is_acquire(mo); }
  static bool is_release(std::memory_order mo) noexcept { return happens_before::is_release(mo); }
  void atomic_load_hb(object_header& h, std::memory_order mo) noexcept {
    clocks_.atomic_load(current_, h, mo);
  }
  void atomic_store_hb(object_header& h, std::memory_order mo) noexcept {
    clocks_.atomic_store(current_, h, mo);
  }
  void atomic_rmw_hb(object_header& h, std::memory_order mo) noexcept {
    clocks_.atomic_rmw(current_, h, mo);
  }
  void fence(std::memory_order mo, const weft::source_location& where);
  // Race checks on plain data (race_detector.hpp): inline fast paths, reports out of line.
  // `facts` and `bits` are the value read or written, for the trace (step_record::has_read
  // or has_written and the value, or 0 when it has no 64-bit form).
  void var_read(var_header& v, const weft::source_location& where, std::uint8_t facts = 0,
                std::uint64_t bits = 0) {
    if (v.generation != generation_) [[unlikely]] var_first_use(v);
    if (record_) [[unlikely]] record_note(point_kind::var_read, v.id, where, facts, bits);
    event(event_kind::var_read, v.id);
    const vclock& now = clocks_.clock(current_);
    if (fasttrack::write_unordered(v, current_, now)) [[unlikely]] {
      race(v, false, false, v.write_thread, v.write_where, where);
    }
    fasttrack::note_read(v, current_, now, where);
  }
  void var_write(var_header& v, const weft::source_location& where, std::uint8_t facts = 0,
                 std::uint64_t bits = 0) {
    if (v.generation != generation_) [[unlikely]] var_first_use(v);
    if (record_) [[unlikely]] record_note(point_kind::var_write, v.id, where, facts, bits);
    event(event_kind::var_write, v.id);
    const vclock& now = clocks_.clock(current_);
    if (fasttrack::write_unordered(v, current_, now)) [[unlikely]] {
      race(v, true, true, v.write_thread, v.write_where, where);
    }
    if (fasttrack::read_by_others(v, current_)) [[unlikely]] check_reads(v, where);
    fasttrack::note_write(v, current_, now, where);
  }

  // A yield by the current thread: a scheduling point, and where the livelock check looks.
  // Inline (as sim::yield), so that what the check hashes starts at the caller's own frame
  // and registers, with no frame of the simulator in between (detail/livelock.hpp).
  void yield_point(const weft::source_location& where) {
    if (!livelock_.on() || failures_.aborting()) {
      point(point_kind::yield, 0, order_none, where);
      return;
    }
    capture_args args{this, &where, 0};
    detail::weft_sim_with_registers(&args, &runtime::yield_captured);
  }
  // A sleep of `ns` by the current thread (as yield_point).
  void sleep_point(std::int64_t ns, const weft::source_location& where) {
    if (!livelock_.on() || failures_.aborting()) {
      sleep_ns(ns, where);
      return;
    }
    capture_args args{this, &where, ns};
    detail::weft_sim_with_registers(&args, &runtime::sleep_captured);
  }
  // The livelock check's view of the program's state (detail/livelock.hpp): the platform types
  // report each change of an object's value, as hashes of the value before and after.
  bool tracks_state() const noexcept { return livelock_.on(); }
  void state_changed(std::uint32_t id, std::uint64_t before, std::uint64_t after) noexcept {
    livelock_.changed(id, before, after);
  }
  void state_changed_opaque(std::uint32_t id) noexcept { livelock_.changed_opaque(id); }

  // Blocking: the current thread stops being runnable until wake(t) (or its deadline).
  // `owner` names the thread holding what is waited for (a mutex), for deadlock reports.
  void block(wait_reason why, std::uint32_t object, const weft::source_location& where,
             std::int64_t deadline_ns = -1, std::uint32_t owner = no_thread);
  void wake(std::uint32_t t) noexcept;
  // Wakes every thread blocked for `why` on `object`; returns how many.
  std::uint32_t wake_all(wait_reason why, std::uint32_t object) noexcept;
  // Wakes the thread that has waited longest for `why` on `object`; returns false if none.
  bool wake_one(wait_reason why, std::uint32_t object) noexcept;
  bool timed_out() const noexcept { return threads_[current_].timed_out; }

  // Threads.
  template <class F>
  std::uint32_t spawn(F&& f, const char* name, const weft::source_location& where) {
    const std::uint32_t t = allocate_thread(name, where);
    threads_[t].body.emplace(std::forward<F>(f));
    start_thread(t, where);
    return t;
  }
  void join(std::uint32_t t, const weft::source_location& where);
  void detach_failure(std::uint32_t t, const weft::source_location& where);
  bool finished(std::uint32_t t) const noexcept {
    return threads_[t].state == thread_state::finished;
  }

  // Time.
  std::int64_t clock_read(const weft::source_location& where);
  void sleep_ns(std::int64_t ns, const weft::source_location& where);

  // Failures. fail() records the first failure of the execution and unwinds the current thread
  // (unless an exception is already propagating, e.g. inside a destructor during unwinding).
  void fail(failure_kind kind, std::string message, const weft::source_location& where);
  // Records the failure and marks the execution aborted without throwing (for destructors).
  void note_failure(failure_kind kind, std::string message, const weft::source_location& where);
  bool aborting() const noexcept { return failures_.aborting(); }
  void abort_check() { failures_.abort_check(); }

  // Describes what a thread waits on, for deadlock reports ("t1 waits for mutex o3 held by t2").
  std::string describe_wait(std::uint32_t t) const;

 private:
  const failure& run_prepared(strategy& strat, std::uint64_t execution_seed, bool record);
  batch_result run_batch_prepared(strategy& strat, std::uint64_t run_seed, std::uint64_t first,
                                  std::uint64_t count, bool record, bool explicit_seed);
  void reset_execution();
  void decide(std::uint64_t s, point_kind kind, std::uint32_t object);
  [[noreturn]] void step_bound_exceeded(const weft::source_location& where);
  struct capture_args {
    runtime* self;
    const weft::source_location* where;
    std::int64_t ns;
  };
  // Called by weft_sim_with_registers: record where the thread stops (its registers and
  // stack), check for a fair cycle, then yield or sleep.
  static void yield_captured(void* args, const std::uint64_t* saved);
  static void sleep_captured(void* args, const std::uint64_t* saved);
  void capture(const std::uint64_t* saved, point_kind kind, const weft::source_location& where);
  void check_cycle(const weft::source_location& where);
  void record(std::uint64_t s, point_kind kind, std::uint32_t object, std::uint8_t order,
              std::uint64_t value, const weft::source_location& where);
  void record_note(point_kind kind, std::uint32_t object, const weft::source_location& where,
                   std::uint8_t facts, std::uint64_t bits);
  void var_first_use(var_header& v);
  // An object's header, for the livelock check: masked out of a stack's hash if on one.
  void note_object_memory(const void* at, std::size_t size);
  std::uint32_t allocate_thread(const char* name, const weft::source_location& where);
  void start_thread(std::uint32_t t, const weft::source_location& where);
  bool advance_time() noexcept;
  [[noreturn]] void deadlock();
  void switch_to(std::uint32_t next);
  static void fiber_entry(boost::context::detail::transfer_t transfer);
  [[noreturn]] void fiber_main(std::uint32_t t);
  void run_body(std::uint32_t t);
  void check_leaks();
  void thread_exit(std::uint32_t t);
  void unwind_all();
  void check_reads(var_header& v, const weft::source_location& where);
  void race(const var_header& v, bool write_write, bool current_writes, std::uint32_t other,
            const weft::source_location& other_where, const weft::source_location& where);

  // What the hot path reads first.
  runtime_config config_;
  detail::failure_state failures_;
  detail::scheduler scheduler_;
  std::uint32_t current_ = host;
  std::uint64_t step_ = 0;
  bool record_ = false;
  bool observes_events_ = false;
  bool complete_ = false;  // the strategy's search ran out during this batch
  std::uint64_t cut_ = 0;
  std::uint32_t generation_ = 0;
  std::uint32_t next_object_ = 1;
  // The parts.
  happens_before clocks_;
  detail::virtual_time time_;
  detail::batch batch_;
  detail::thread_table threads_;
  detail::fibers fibers_;
  std::vector<step_record> steps_;
  std::vector<step_record> notes_;
  std::array<std::size_t, max_threads_per_execution> last_recorded_{};  // per thread, in steps_
  std::array<pending_op, max_threads_per_execution> pending_{};  // per thread: its announcement
  detail::object_names names_;
  detail::livelock_check livelock_;
  static inline thread_local runtime* active_ = nullptr;
};

}  // namespace weft::sim
