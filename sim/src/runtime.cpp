#include <weft/sim/runtime.hpp>

#include <weft/sim/detail/invariant.hpp>

#include "fiber_switch.hpp"
#include "reports.hpp"

#include "sanitizer_fibers.hpp"
#include "text.hpp"


#include <algorithm>
#include <stdexcept>

namespace weft::sim {
namespace {

namespace bcd = boost::context::detail;

// The configuration a runtime runs with: checked, and with larger stacks where the sanitizers
// need them.
runtime_config checked(runtime_config config) {
  if constexpr (detail::sanitizer::fibers_annotated) {
    config.stack_size = std::max<std::size_t>(config.stack_size, 1024 * 1024);
  }
  if (config.steps_max == 0) throw std::invalid_argument("weft: steps_max must be at least 1");
  if (config.steps_max > max_steps_per_execution) {
    throw std::invalid_argument(detail::text(
        "weft: steps_max is {}, more than the {} steps an execution may take", config.steps_max,
        max_steps_per_execution));
  }
  if (config.livelock_repeats > max_livelock_repeats) {
    throw std::invalid_argument(detail::text(
        "weft: livelock_repeats is {}, more than {} (0 turns the livelock check off)",
        config.livelock_repeats, max_livelock_repeats));
  }
  if (config.stack_size < 16 * 1024) {
    throw std::invalid_argument("weft: fiber stack_size must be at least 16 KiB");
  }
  return config;
}

}  // namespace

runtime::runtime(runtime_config config)
    : config_(checked(config)), fibers_(config_.stack_size) {}

runtime::~runtime() = default;

// Resets the per-execution state; runs on the host, or on fiber 0 between executions of a batch.
void runtime::reset_execution() {
  if (++generation_ == 0) generation_ = 1;
  step_ = 0;
  time_.reset();
  next_object_ = 1;
  failures_.reset();
  if (!steps_.empty()) steps_.clear();
  if (!notes_.empty()) notes_.clear();
  names_.clear();
  threads_.reset();
  clocks_.reset();
  scheduler_.clear();
  scheduler_.add(0);
  WEFT_ASSERT(detail::invariant, threads_.count() == 1, "an execution starts with thread 0 alone");
  WEFT_ASSERT(detail::invariant, clocks_.lanes() == threads_.count(),
              "one clock lane per thread");
  WEFT_ASSERT(detail::invariant, scheduler_.size() == 1, "only thread 0 is runnable at the start");
  pending_[0] = pending_op{};
  livelock_.reset(config_.livelock_repeats);
}

runtime::batch_result runtime::run_batch_prepared(strategy& strat, std::uint64_t run_seed,
                                                  std::uint64_t first, std::uint64_t count,
                                                  bool record, bool explicit_seed) {
  if (active_ != nullptr) {
    throw std::logic_error("weft: a simulation cannot be started from inside a simulated thread");
  }
  if (count == 0) throw std::invalid_argument("weft: a batch needs at least one execution");
  WEFT_ASSERT(detail::invariant, current_ == host, "a run starts on the host");
  scheduler_.begin_run(strat, pending_.data());
  observes_events_ = strat.observes_events();
  record_ = record;
  complete_ = false;
  cut_ = 0;
  batch_.begin(run_seed, first, count, explicit_seed);
  reset_execution();
  if (explicit_seed) {
    strat.begin_execution(run_seed);
  } else if (!strat.prepare_execution(run_seed, first)) {
    threads_[0].body.reset();
    return batch_result{0, batch_.end(), true, 0};
  }
  strat.on_spawn(0);
  fibers_.ensure(0, &runtime::fiber_entry);

  active_ = this;
  fibers_.begin_run();
  current_ = host;
  switch_to(0);
  if (failures_.aborting()) unwind_all();
  active_ = nullptr;
  WEFT_ASSERT(detail::invariant, current_ == host, "a run ends back on the host");
  threads_[0].body.reset();

  failure& f = failures_.get();
  if (complete_) {
    // The strategy had no execution left after the last one it ran (already ended).
    return batch_result{batch_.index() - batch_.first(), batch_.end(), true, cut_};
  }
  if (failures_.was_cut()) ++cut_;
  if (!f && !failures_.was_cut() && !strat.finished_cleanly(step_)) {
    f.kind = failure_kind::nondeterminism;
    f.message = strat.divergence();
    f.step = step_;
  }
  strat.end_execution(step_);
  return batch_result{batch_.index() - batch_.first() + 1, f ? batch_.index() : batch_.end(),
                      false, cut_};
}

const failure& runtime::run_prepared(strategy& strat, std::uint64_t execution_seed, bool record) {
  run_batch_prepared(strat, execution_seed, 0, 1, record, true);
  return failures_.get();
}

void runtime::switch_to(std::uint32_t next) {
  const std::uint32_t self = current_;
  current_ = next;
  fibers_.jump(self, next, this);
}

void runtime::fiber_entry(bcd::transfer_t transfer) {
  auto* self = static_cast<runtime*>(transfer.data);
  self->fibers_.entered(transfer);
  self->fiber_main(self->current_);
}

// Runs thread bodies forever: between two bodies the fiber is parked in thread_exit, with no
// live object on its stack, which is what lets the destructor free the stack without resuming.
void runtime::fiber_main(std::uint32_t t) {
  for (;;) {
    run_body(t);
    bool aborted = false;
    try {
      thread_exit(t);
    } catch (const execution_aborted&) {
      aborted = true;  // never switch inside a handler
    }
    if (aborted) switch_to(host);
  }
}

void runtime::run_body(std::uint32_t t) {
  detail::thread_slot& self = threads_[t];
  if (!failures_.aborting()) {
    try {
      self.body();
    } catch (const execution_aborted&) {
      // unwound on purpose
    } catch (const std::exception& e) {
      note_failure(failure_kind::exception,
                   detail::text("uncaught exception in {}: {}",
                               detail::thread_label(t, self.name), e.what()),
                   self.spawned_at);
    } catch (...) {
      note_failure(failure_kind::exception,
                   detail::text("uncaught exception of unknown type in {}",
                               detail::thread_label(t, self.name)),
                   self.spawned_at);
    }
  }
  if (t == 0) return;  // the body's task lives for the whole batch; the host resets it
  try {
    self.body.reset();
  } catch (const execution_aborted&) {
  }
}

void runtime::thread_exit(std::uint32_t t) {
  detail::thread_slot& self = threads_[t];
  WEFT_ASSERT(detail::invariant, t == current_, "a thread exits on its own fiber");
  if (!failures_.aborting()) {
    WEFT_ASSERT(detail::invariant, self.state == thread_state::runnable,
                "a thread finishes running, unless an abort unwinds it from a wait");
  }
  self.state = thread_state::finished;
  scheduler_.remove(t);
  if (failures_.aborting()) {
    switch_to(host);
    return;
  }
  event(event_kind::finish, t);
  if (self.joiner != no_thread) wake(self.joiner);
  if (t == 0) {
    check_leaks();
    if (!failures_.aborting() && batch_.has_next()) {
      // Roll straight into the next execution of the batch, without visiting the host, if the
      // strategy has one.
      strategy& strat = scheduler_.strat();
      strat.end_execution(step_);
      reset_execution();
      if (strat.prepare_execution(batch_.run_seed(), batch_.next())) {
        strat.on_spawn(0);
        return;  // fiber_main runs the body again
      }
      complete_ = true;
    }
    switch_to(host);
    return;
  }
  point(point_kind::finish, 0, order_none, self.spawned_at, t);
}

// Nothing may stay alive on a fiber's stack while it is parked, so this has its own frame.
void runtime::check_leaks() {
  weft::source_location first_spawn{};
  bool all_finished = true;
  for (std::uint32_t i = 1; i < threads_.count(); ++i) {
    if (threads_[i].state != thread_state::finished) {
      first_spawn = threads_[i].spawned_at;
      all_finished = false;
      break;
    }
  }
  if (all_finished) return;
  note_failure(failure_kind::leak, detail::leak_report(threads_, names_), first_spawn);
}

void runtime::unwind_all() {
  for (std::uint32_t t = 0; t < threads_.count(); ++t) {
    if (threads_[t].state == thread_state::runnable || threads_[t].state == thread_state::blocked) {
      switch_to(t);
    }
  }
}

void runtime::note_failure(failure_kind kind, std::string message,
                           const weft::source_location& where) {
  failures_.note(kind, std::move(message), where, current_ == host ? 0 : current_, step_);
}

void runtime::fail(failure_kind kind, std::string message, const weft::source_location& where) {
  note_failure(kind, std::move(message), where);
  failures_.abort_check();
}

void runtime::step_bound_exceeded(const weft::source_location& where) {
  fail(failure_kind::livelock,
       detail::text("step bound exceeded: {} scheduling decisions without finishing (a livelock, "
                   "or a spin loop that never yields; raise steps_max if the test is just long)",
                   config_.steps_max),
       where);
  throw execution_aborted{};
}

void runtime::record(std::uint64_t s, point_kind kind, std::uint32_t object, std::uint8_t order,
                     std::uint64_t value, const weft::source_location& where) {
  last_recorded_[current_] = steps_.size();
  step_record r;
  r.index = s;
  r.thread = current_;
  r.kind = kind;
  r.order = order;
  r.object = object;
  r.value = value;
  r.where = where;
  steps_.push_back(r);
}

void runtime::record_note(point_kind kind, std::uint32_t object,
                          const weft::source_location& where, std::uint8_t facts,
                          std::uint64_t bits) {
  if (failures_.aborting() || current_ >= max_threads_per_execution) return;
  step_record r;
  r.index = step_;
  r.thread = current_;
  r.kind = kind;
  r.object = object;
  r.facts = facts;
  if ((facts & step_record::has_read) != 0) r.read = bits;
  if ((facts & step_record::has_written) != 0) r.written = bits;
  r.where = where;
  notes_.push_back(r);
}

void runtime::var_first_use(var_header& v) {
  fasttrack::reset(v, generation_, next_object_++);
  if (v.name != nullptr) names_.note(v.id, v.name);
  if (livelock_.on()) note_object_memory(&v, sizeof v);
}

void runtime::note_object_memory(const void* at, std::size_t size) {
  for (std::uint32_t t = 0; t < threads_.count(); ++t) {
    if (fibers_.on_stack(t, at)) {
      livelock_.mask(at, size);
      return;
    }
  }
}

void runtime::decide(std::uint64_t s, point_kind kind, std::uint32_t object) {
  while (scheduler_.size() == 0) {
    if (!advance_time()) deadlock();
  }
  const std::uint32_t next = scheduler_.pick(current_, s, kind, object, next_object_);
  if (next == strategy::cut) [[unlikely]] {
    failures_.cut();
    failures_.abort_check();
    return;  // reached only while an exception unwinds this thread
  }
  if (next == strategy::diverged) [[unlikely]] {
    fail(failure_kind::nondeterminism, scheduler_.strat().divergence(),
         threads_[current_].blocked_at);
    return;  // reached only while an exception unwinds this thread: it must not switch
  }
  if (next == detail::scheduler::not_runnable) [[unlikely]] {
    fail(failure_kind::internal,
         detail::bad_pick_report(scheduler_.strat().name(), scheduler_.rejected(),
                                 scheduler_.runnable(), s),
         threads_[current_].blocked_at);
    return;  // as above
  }
  if (next != current_) switch_to(next);
  if (failures_.aborting()) failures_.abort_check();
}

std::uint64_t runtime::value_point(point_kind kind, std::uint32_t object, std::uint64_t bound,
                                   bool fault, const weft::source_location& where,
                                   bool choose_thread) {
  if (failures_.aborting()) {
    failures_.abort_check();
    return 0;
  }
  if (step_ >= config_.steps_max) step_bound_exceeded(where);
  const std::uint64_t s = step_++;
  pending_[current_] = pending_op{kind, order_none, access_of(kind), 0, object};
  const std::uint64_t value =
      fault ? (scheduler_.pick_fault(current_, s, kind, object, next_object_) ? 1 : 0)
            : scheduler_.pick_value(current_, s, kind, object, bound, next_object_);
  if (scheduler_.strategy_sees_every_step()) {
    std::string diverged = scheduler_.strat().divergence();
    if (!diverged.empty()) fail(failure_kind::nondeterminism, std::move(diverged), where);
  }
  // A draw or an injected fault is progress for the livelock check: a randomised back-off ends.
  if (livelock_.on() && (!fault || value != 0)) livelock_.drew();
  if (record_) record(s, kind, object, order_none, value, where);
  if (choose_thread && !scheduler_.continues(current_)) decide(s, kind, object);
  return value;
}

void runtime::capture(const std::uint64_t* saved, point_kind kind,
                      const weft::source_location& where) {
  livelock_.capture(current_, saved, fibers_.stack_top(current_), step_, kind, where);
}

void runtime::check_cycle(const weft::source_location& where) {
  if (!livelock_.check(current_, step_, threads_, pending_.data(), time_.now_ns())) return;
  std::string lines;
  for (std::uint32_t t = 0; t < threads_.count(); ++t) {
    const detail::thread_slot& s = threads_[t];
    if (s.state == thread_state::finished) continue;
    const detail::livelock_check::position& p = livelock_.position_of(t);
    const bool captured = livelock_.captured(t, current_, pending_.data());
    const point_kind kind = captured ? p.kind : point_kind::block;
    const weft::source_location& at = captured ? p.where : s.blocked_at;
    lines += "\n  ";
    if (!captured) {
      lines += detail::thread_label(t, s.name) + " " + describe_wait(t);
    } else {
      lines += detail::text("{} spins: {} at {}", detail::thread_label(t, s.name),
                            kind == point_kind::sleep ? "sleeps" : "yields",
                            detail::where_text(at));
    }
  }
  // No step numbers in the message: where the first repetition is seen can depend on what an
  // earlier call left in the unused slots of the threads' frames, which differs between an
  // execution that records its steps and one that does not; the cycle itself does not.
  fail(failure_kind::livelock,
       detail::text("the program is back in a state it was in before (every atomic, var and "
                    "mutex, and each thread's stack and registers), and every thread that "
                    "could run has run since: this schedule can repeat for ever, and no thread "
                    "gets anywhere:{}",
                    lines),
       where);
}

void runtime::yield_captured(void* args, const std::uint64_t* saved) {
  const capture_args& a = *static_cast<const capture_args*>(args);
  a.self->capture(saved, point_kind::yield, *a.where);
  a.self->check_cycle(*a.where);
  a.self->point(point_kind::yield, 0, order_none, *a.where);
}

void runtime::sleep_captured(void* args, const std::uint64_t* saved) {
  const capture_args& a = *static_cast<const capture_args*>(args);
  a.self->capture(saved, point_kind::sleep, *a.where);
  a.self->check_cycle(*a.where);
  a.self->sleep_ns(a.ns, *a.where);
}

void runtime::block(wait_reason why, std::uint32_t object, const weft::source_location& where,
                    std::int64_t deadline_ns, std::uint32_t owner) {
  WEFT_ASSERT(detail::invariant, current_ < threads_.count(), "only a simulated thread blocks");
  WEFT_ASSERT(detail::invariant, threads_[current_].state == thread_state::runnable,
              "a blocking thread was running");
  threads_.block(current_, why, object, where, deadline_ns, owner);
  scheduler_.remove(current_);
  point(point_kind::block, why == wait_reason::join ? 0 : object, order_none, where,
        static_cast<std::uint64_t>(why));
}

void runtime::wake(std::uint32_t t) noexcept {
  WEFT_ASSERT(detail::invariant, t < threads_.count(), "only a thread of this execution wakes");
  detail::thread_slot& s = threads_[t];
  if (s.state != thread_state::blocked) return;
  s.state = thread_state::runnable;
  s.reason = wait_reason::none;
  s.deadline_ns = -1;
  scheduler_.add(t);
  if (observes_events_) [[unlikely]] {
    if (current_ < threads_.count()) scheduler_.strat().on_event(current_, event_kind::wake, t);
  }
  WEFT_ASSERT(detail::invariant, scheduler_.size() <= threads_.count(),
              "every runnable thread is in the thread table");
}

std::uint32_t runtime::wake_all(wait_reason why, std::uint32_t object) noexcept {
  std::uint32_t woken = 0;
  for (std::uint32_t t = 0; t < threads_.count(); ++t) {
    const detail::thread_slot& s = threads_[t];
    if (s.state == thread_state::blocked && s.reason == why && s.wait_object == object) {
      wake(t);
      ++woken;
    }
  }
  return woken;
}

bool runtime::wake_one(wait_reason why, std::uint32_t object) noexcept {
  const std::uint32_t longest = threads_.longest_waiting(why, object);
  if (longest == no_thread) return false;
  wake(longest);
  return true;
}

bool runtime::advance_time() noexcept {
  WEFT_ASSERT(detail::invariant, scheduler_.size() == 0, "time moves only when no thread can run");
  const std::int64_t earliest = threads_.earliest_deadline();
  if (earliest < 0) return false;
  time_.advance_to(earliest);
  for (std::uint32_t t = 0; t < threads_.count(); ++t) {
    detail::thread_slot& s = threads_[t];
    if (s.state == thread_state::blocked && s.deadline_ns >= 0 &&
        s.deadline_ns <= time_.now_ns()) {
      if (observes_events_) [[unlikely]] {
        scheduler_.strat().on_event(current_, event_kind::timeout, t);
      }
      wake(t);
      s.timed_out = true;
    }
  }
  return true;
}

std::string runtime::describe_wait(std::uint32_t t) const {
  return detail::describe_wait(threads_, names_, t);
}

void runtime::deadlock() {
  fail(failure_kind::deadlock, detail::deadlock_report(threads_, names_), threads_[current_].blocked_at);
  throw execution_aborted{};
}

std::uint32_t runtime::allocate_thread(const char* name, const weft::source_location& where) {
  if (threads_.full()) {
    fail(failure_kind::assertion,
         detail::text("too many threads: an execution may have at most {} (the body's included)",
                     max_threads_per_execution),
         where);
  }
  WEFT_ASSERT(detail::invariant, current_ < threads_.count(), "a simulated thread spawns");
  const std::uint32_t t = threads_.allocate(name, where);
  clocks_.fork(current_, t);
  WEFT_ASSERT(detail::invariant, clocks_.lanes() == threads_.count(),
              "one clock lane per thread");
  fibers_.ensure(t, &runtime::fiber_entry);
  return t;
}

// Spawning is not a scheduling point: the child can do nothing visible before the parent's
// next point, where the strategy may choose it.
void runtime::start_thread(std::uint32_t t, const weft::source_location& where) {
  static_cast<void>(where);
  if (failures_.aborting()) failures_.abort_check();
  threads_[t].state = thread_state::runnable;
  pending_[t] = pending_op{};
  event(event_kind::spawn, t);
  scheduler_.add(t);
  WEFT_ASSERT(detail::invariant, scheduler_.size() <= threads_.count(),
              "every runnable thread is in the thread table");
  clocks_.tick(current_);  // spawn releases the parent's history to the child
  scheduler_.strat().on_spawn(t);
}

void runtime::join(std::uint32_t t, const weft::source_location& where) {
  if (t >= threads_.count() || t == current_) {
    fail(failure_kind::assertion, detail::text("join of t{}: not a joinable thread", t), where);
  }
  // Not a scheduling point: joining a running thread blocks (a decision), and joining a
  // finished one observes nothing another thread could change.
  if (failures_.aborting()) failures_.abort_check();
  while (threads_[t].state != thread_state::finished) {
    if (failures_.aborting()) return;
    threads_[t].joiner = current_;
    block(wait_reason::join, t, where);
  }
  clocks_.acquire(current_, clocks_.clock(t));
  event(event_kind::join, t);
}

void runtime::detach_failure(std::uint32_t t, const weft::source_location& where) {
  static_cast<void>(where);  // a destructor has no caller location: name the spawn site
  const detail::thread_slot& s = threads_[t];
  note_failure(failure_kind::leak,
               detail::text("{} (spawned at {}) destroyed while joinable: join() it before it goes "
                           "out of scope",
                           detail::thread_label(t, s.name), detail::where_text(s.spawned_at)),
               s.spawned_at);
}

std::int64_t runtime::clock_read(const weft::source_location& where) {
  point(point_kind::now, 0, order_none, where);
  if (livelock_.on()) livelock_.clock_read(time_.now_ns());
  return time_.now_ns();
}

void runtime::sleep_ns(std::int64_t ns, const weft::source_location& where) {
  point(point_kind::sleep, 0, order_none, where, ns > 0 ? static_cast<std::uint64_t>(ns) : 0);
  if (ns <= 0 || failures_.aborting()) return;
  block(wait_reason::sleep, 0, where, time_.now_ns() + ns);
}

void runtime::fence(std::memory_order mo, const weft::source_location& where) {
  point(point_kind::fence, 0, order_code(mo), where);
  clocks_.fence(current_, mo);
}

void runtime::check_reads(var_header& v, const weft::source_location& where) {
  const std::uint32_t unordered = fasttrack::reads_unordered(v, current_, clocks_.clock(current_));
  for (std::uint32_t others = unordered; others != 0; others &= others - 1) {
    const auto t = static_cast<std::uint32_t>(__builtin_ctz(others));
    race(v, false, true, t, v.read_thread == t ? v.read_where : weft::source_location{}, where);
  }
}

void runtime::race(const var_header& v, bool write_write, bool current_writes,
                   std::uint32_t other, const weft::source_location& other_where,
                   const weft::source_location& where) {
  fail(failure_kind::data_race,
       detail::race_report(threads_, names_.label(v.id), write_write, current_writes, current_, where, other,
                           other_where),
       where);
}

}  // namespace weft::sim
