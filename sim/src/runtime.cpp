#include <weft/sim/runtime.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#if defined(WEFT_ASAN_FIBERS)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(WEFT_TSAN_FIBERS)
#include <sanitizer/tsan_interface.h>
#endif

namespace weft::sim {
namespace {

thread_local runtime* active_runtime = nullptr;

// A fixed-size stack that reports where it lives, so sanitizers can be told about switches.
struct reporting_stack {
  std::size_t size;
  void** bottom_out;
  std::size_t* size_out;
  boost::context::stack_context allocate() {
    boost::context::fixedsize_stack alloc(size);
    boost::context::stack_context sc = alloc.allocate();
    *bottom_out = static_cast<char*>(sc.sp) - sc.size;
    *size_out = sc.size;
    return sc;
  }
  void deallocate(boost::context::stack_context& sc) noexcept {
    boost::context::fixedsize_stack(size).deallocate(sc);
  }
};

std::string thread_label(std::uint32_t t, const char* name) {
  if (name != nullptr && name[0] != '\0') return fmt::format("t{} \"{}\"", t, name);
  return fmt::format("t{}", t);
}

std::string where_text(const std::source_location& where) {
  if (where.file_name() == nullptr || where.file_name()[0] == '\0') return "unknown location";
  return fmt::format("{}:{}", where.file_name(), where.line());
}

bool is_acquire(std::memory_order mo) noexcept {
  return mo == std::memory_order_acquire || mo == std::memory_order_consume ||
         mo == std::memory_order_acq_rel || mo == std::memory_order_seq_cst;
}
bool is_release(std::memory_order mo) noexcept {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst;
}

}  // namespace

runtime* runtime::active() noexcept { return active_runtime; }

runtime::runtime(runtime_config config) : config_(config) {
#if defined(WEFT_ASAN_FIBERS) || defined(WEFT_TSAN_FIBERS)
  config_.stack_size = std::max<std::size_t>(config_.stack_size, 1024 * 1024);
#endif
  if (config_.steps_max == 0) throw std::invalid_argument("weft: steps_max must be at least 1");
  if (config_.stack_size < 16 * 1024) {
    throw std::invalid_argument("weft: fiber stack_size must be at least 16 KiB");
  }
#if defined(WEFT_TSAN_FIBERS)
  host_tsan_fiber_ = __tsan_get_current_fiber();
#endif
}

runtime::~runtime() {
  // Let every parked fiber return from fiber_main so its stack is released through our own
  // (sanitizer-annotated) switch rather than a forced unwind.
  runtime* previous = active_runtime;
  active_runtime = this;
  terminating_ = true;
  aborting_ = false;
  for (std::uint32_t t = 0; t < max_threads; ++t) {
    if (slots_[t].has_fiber && slots_[t].context) {
      current_ = host;  // the previous fiber terminated instead of switching back
      switch_to(t);
#if defined(WEFT_TSAN_FIBERS)
      __tsan_destroy_fiber(slots_[t].tsan_fiber);
#endif
    }
  }
  active_runtime = previous;
}

const failure& runtime::run_prepared(strategy& strat, std::uint64_t execution_seed, bool record) {
  if (active_runtime != nullptr) {
    throw std::logic_error("weft: a simulation cannot be started from inside a simulated thread");
  }
  strategy_ = &strat;
  if (++generation_ == 0) generation_ = 1;
  step_ = 0;
  now_ns_ = 0;
  wait_seq_ = 0;
  next_object_ = 1;
  record_ = record;
  verify_ = strat.sees_every_step();
  aborting_ = false;
  failure_ = failure{};
  steps_.clear();
  for (std::uint32_t t = 0; t < n_threads_; ++t) slots_[t].state = thread_state::free;
  n_threads_ = 1;
  slot& main = slots_[0];
  main.state = thread_state::runnable;
  main.reason = wait_reason::none;
  main.joined = true;  // the body's thread is joined by the runtime itself
  main.clock.clear();
  main.clock.c[0] = 1;
  main.acquire_fence.clear();
  main.release_fence.clear();
  std::snprintf(main.name, sizeof main.name, "%s", "main");
  runnable_[0] = 0;
  n_runnable_ = 1;
  strat.begin_execution(execution_seed);
  strat.on_spawn(0);
  ensure_fiber(0);

  active_runtime = this;
  current_ = host;
  switch_to(0);
  if (aborting_) unwind_all();
  active_runtime = nullptr;

  if (!failure_ && !strat.finished_cleanly(step_)) {
    failure_.kind = failure_kind::nondeterminism;
    failure_.message = strat.divergence();
    failure_.step = step_;
  }
  return failure_;
}

void runtime::ensure_fiber(std::uint32_t t) {
  slot& s = slots_[t];
  if (s.has_fiber) return;
  s.context = boost::context::fiber(
      std::allocator_arg, reporting_stack{config_.stack_size, &s.stack_bottom, &s.stack_size},
      [this, t](boost::context::fiber&& caller) { return fiber_main(t, std::move(caller)); });
  s.has_fiber = true;
#if defined(WEFT_TSAN_FIBERS)
  s.tsan_fiber = __tsan_create_fiber(0);
#endif
}

void runtime::switch_to(std::uint32_t next) {
  const std::uint32_t self = current_;
  current_ = next;
  from_ = self;
#if defined(WEFT_TSAN_FIBERS)
  __tsan_switch_to_fiber(next == host ? host_tsan_fiber_ : slots_[next].tsan_fiber, 0);
#endif
#if defined(WEFT_ASAN_FIBERS)
  void* fake_stack = nullptr;
  if (next == host) {
    __sanitizer_start_switch_fiber(&fake_stack, host_stack_bottom_, host_stack_size_);
  } else {
    __sanitizer_start_switch_fiber(&fake_stack, slots_[next].stack_bottom, slots_[next].stack_size);
  }
#endif
  boost::context::fiber previous = std::move(context_of(next)).resume();
#if defined(WEFT_ASAN_FIBERS)
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
  context_of(from_) = std::move(previous);
}

boost::context::fiber runtime::fiber_main(std::uint32_t t, boost::context::fiber&& caller) {
#if defined(WEFT_ASAN_FIBERS)
  {
    const void* bottom = nullptr;
    std::size_t size = 0;
    __sanitizer_finish_switch_fiber(nullptr, &bottom, &size);
    if (from_ == host) {
      host_stack_bottom_ = const_cast<void*>(bottom);
      host_stack_size_ = size;
    }
  }
#endif
  context_of(from_) = std::move(caller);
  while (!terminating_) {
    run_body(t);
    try {
      thread_exit(t);
    } catch (const execution_aborted&) {
      switch_to(host);
    }
  }
#if defined(WEFT_TSAN_FIBERS)
  __tsan_switch_to_fiber(host_tsan_fiber_, 0);
#endif
#if defined(WEFT_ASAN_FIBERS)
  __sanitizer_start_switch_fiber(nullptr, host_stack_bottom_, host_stack_size_);
#endif
  return std::move(host_context_);
}

void runtime::run_body(std::uint32_t t) {
  if (terminating_) return;
  if (!aborting_) {
    try {
      slots_[t].body();
    } catch (const execution_aborted&) {
      // unwound on purpose
    } catch (const boost::context::detail::forced_unwind&) {
      throw;
    } catch (const std::exception& e) {
      note_failure(failure_kind::exception,
                   fmt::format("uncaught exception in {}: {}", thread_label(t, slots_[t].name),
                               e.what()),
                   slots_[t].spawned_at);
    } catch (...) {
      note_failure(failure_kind::exception,
                   fmt::format("uncaught exception of unknown type in {}",
                               thread_label(t, slots_[t].name)),
                   slots_[t].spawned_at);
    }
  }
  try {
    slots_[t].body.reset();
  } catch (const execution_aborted&) {
  }
}

void runtime::thread_exit(std::uint32_t t) {
  if (terminating_) return;
  slot& self = slots_[t];
  self.state = thread_state::finished;
  remove_runnable(t);
  if (aborting_) {
    switch_to(host);
    return;
  }
  wake_all(wait_reason::join, t);
  if (t == 0) {
    std::string leaked;
    for (std::uint32_t i = 1; i < n_threads_; ++i) {
      if (slots_[i].state != thread_state::finished) {
        leaked += fmt::format("\n  {} spawned at {}: {}", thread_label(i, slots_[i].name),
                              where_text(slots_[i].spawned_at), describe_wait(i));
      }
    }
    if (!leaked.empty()) {
      note_failure(failure_kind::leak,
                   "threads still running when the test body returned (join every thread):" + leaked,
                   slots_[0].spawned_at);
    }
    switch_to(host);
    return;
  }
  point(point_kind::finish, 0, order_none, self.spawned_at, t);
}

void runtime::unwind_all() {
  for (std::uint32_t t = 0; t < n_threads_; ++t) {
    if (slots_[t].state == thread_state::runnable || slots_[t].state == thread_state::blocked) {
      switch_to(t);
    }
  }
}

void runtime::abort_check() {
  if (std::uncaught_exceptions() == 0) throw execution_aborted{};
}

void runtime::note_failure(failure_kind kind, std::string message,
                           const std::source_location& where) {
  if (!failure_) {
    failure_.kind = kind;
    failure_.message = std::move(message);
    failure_.file = where.file_name() != nullptr ? where.file_name() : "";
    failure_.line = where.line();
    failure_.thread = current_ == host ? 0 : current_;
    failure_.step = step_;
  }
  aborting_ = true;
}

void runtime::fail(failure_kind kind, std::string message, const std::source_location& where) {
  note_failure(kind, std::move(message), where);
  abort_check();
}

void runtime::step_bound_exceeded(const std::source_location& where) {
  fail(failure_kind::livelock,
       fmt::format("step bound exceeded: {} scheduling decisions without finishing (a livelock, "
                   "or a spin loop that never yields; raise steps_max if the test is just long)",
                   config_.steps_max),
       where);
  throw execution_aborted{};
}

void runtime::record(std::uint64_t s, point_kind kind, std::uint32_t object, std::uint8_t order,
                     std::uint64_t value, const std::source_location& where) {
  steps_.push_back(step_record{s, current_, kind, order, object, value, where});
}

void runtime::decide(std::uint64_t s, point_kind kind, std::uint32_t object) {
  while (n_runnable_ == 0) {
    if (!advance_time()) deadlock();
  }
  std::uint32_t next;
  if (n_runnable_ == 1 && !verify_) {
    next = runnable_[0];
  } else {
    const decision_context ctx{std::span<const std::uint8_t>(runnable_.data(), n_runnable_),
                               current_, s, kind, object};
    next = strategy_->pick_thread(ctx);
    if (next == strategy::diverged) {
      fail(failure_kind::nondeterminism, strategy_->divergence(), slots_[current_].blocked_at);
    }
  }
  if (next != current_) switch_to(next);
  if (aborting_) abort_check();
}

std::uint64_t runtime::value_point(point_kind kind, std::uint32_t object, std::uint64_t bound,
                                   bool fault, const std::source_location& where) {
  if (aborting_) {
    abort_check();
    return 0;
  }
  const std::uint64_t s = step_++;
  if (s >= config_.steps_max) step_bound_exceeded(where);
  const decision_context ctx{std::span<const std::uint8_t>(runnable_.data(), n_runnable_),
                             current_, s, kind, object};
  const std::uint64_t value =
      fault ? (strategy_->pick_fault(ctx) ? 1 : 0) : strategy_->pick_value(ctx, bound);
  if (verify_) {
    std::string diverged = strategy_->divergence();
    if (!diverged.empty()) fail(failure_kind::nondeterminism, std::move(diverged), where);
  }
  if (record_) record(s, kind, object, order_none, value, where);
  if (!(n_runnable_ == 1 && runnable_[0] == current_ && !verify_)) decide(s, kind, object);
  return value;
}

void runtime::make_runnable(std::uint32_t t) noexcept {
  runnable_[n_runnable_++] = static_cast<std::uint8_t>(t);
}

void runtime::remove_runnable(std::uint32_t t) noexcept {
  for (std::uint32_t i = 0; i < n_runnable_; ++i) {
    if (runnable_[i] == t) {
      // keep the order: strategies index this array, and order is part of determinism
      for (std::uint32_t j = i + 1; j < n_runnable_; ++j) runnable_[j - 1] = runnable_[j];
      --n_runnable_;
      return;
    }
  }
}

void runtime::block(wait_reason why, std::uint32_t object, const std::source_location& where,
                    std::int64_t deadline_ns, std::uint32_t owner) {
  slot& self = slots_[current_];
  self.state = thread_state::blocked;
  self.reason = why;
  self.wait_object = object;
  self.deadline_ns = deadline_ns;
  self.timed_out = false;
  self.wait_seq = ++wait_seq_;
  self.blocked_at = where;
  self.wait_owner = owner;
  remove_runnable(current_);
  point(point_kind::block, why == wait_reason::join ? 0 : object, order_none, where,
        static_cast<std::uint64_t>(why));
}

void runtime::wake(std::uint32_t t) noexcept {
  slot& s = slots_[t];
  if (s.state != thread_state::blocked) return;
  s.state = thread_state::runnable;
  s.reason = wait_reason::none;
  s.deadline_ns = -1;
  make_runnable(t);
}

std::uint32_t runtime::wake_all(wait_reason why, std::uint32_t object) noexcept {
  std::uint32_t woken = 0;
  for (std::uint32_t t = 0; t < n_threads_; ++t) {
    const slot& s = slots_[t];
    if (s.state == thread_state::blocked && s.reason == why && s.wait_object == object) {
      wake(t);
      ++woken;
    }
  }
  return woken;
}

bool runtime::wake_one(wait_reason why, std::uint32_t object) noexcept {
  std::uint32_t best = no_thread;
  for (std::uint32_t t = 0; t < n_threads_; ++t) {
    const slot& s = slots_[t];
    if (s.state == thread_state::blocked && s.reason == why && s.wait_object == object &&
        (best == no_thread || s.wait_seq < slots_[best].wait_seq)) {
      best = t;
    }
  }
  if (best == no_thread) return false;
  wake(best);
  return true;
}

bool runtime::advance_time() noexcept {
  std::int64_t earliest = -1;
  for (std::uint32_t t = 0; t < n_threads_; ++t) {
    const slot& s = slots_[t];
    if (s.state == thread_state::blocked && s.deadline_ns >= 0 &&
        (earliest < 0 || s.deadline_ns < earliest)) {
      earliest = s.deadline_ns;
    }
  }
  if (earliest < 0) return false;
  if (earliest > now_ns_) now_ns_ = earliest;
  for (std::uint32_t t = 0; t < n_threads_; ++t) {
    slot& s = slots_[t];
    if (s.state == thread_state::blocked && s.deadline_ns >= 0 && s.deadline_ns <= now_ns_) {
      wake(t);
      s.timed_out = true;
    }
  }
  return true;
}

std::string runtime::describe_wait(std::uint32_t t) const {
  const slot& s = slots_[t];
  switch (s.state) {
    case thread_state::free: return "not started";
    case thread_state::finished: return "finished";
    case thread_state::runnable: return "runnable";
    case thread_state::blocked: break;
  }
  const std::string at = where_text(s.blocked_at);
  switch (s.reason) {
    case wait_reason::mutex:
      if (s.wait_owner != no_thread) {
        return fmt::format("waits for mutex o{} held by {} at {}", s.wait_object,
                           thread_label(s.wait_owner, slots_[s.wait_owner].name), at);
      }
      return fmt::format("waits for mutex o{} at {}", s.wait_object, at);
    case wait_reason::condition:
      return fmt::format("waits on condition_variable o{}{} at {}", s.wait_object,
                         s.deadline_ns >= 0 ? " (timed)" : "", at);
    case wait_reason::join:
      return fmt::format("joins {} at {}", thread_label(s.wait_object, slots_[s.wait_object].name),
                         at);
    case wait_reason::park: return fmt::format("parked on o{} at {}", s.wait_object, at);
    case wait_reason::sleep: return fmt::format("sleeps at {}", at);
    case wait_reason::none: break;
  }
  return "blocked";
}

void runtime::deadlock() {
  std::string text = "deadlock: every thread is blocked and no timer is pending";
  for (std::uint32_t t = 0; t < n_threads_; ++t) {
    if (slots_[t].state == thread_state::blocked) {
      text += fmt::format("\n  {} {}", thread_label(t, slots_[t].name), describe_wait(t));
    }
  }
  fail(failure_kind::deadlock, std::move(text), slots_[current_].blocked_at);
  throw execution_aborted{};
}

std::uint32_t runtime::allocate_thread(const char* name, const std::source_location& where) {
  if (n_threads_ >= max_threads) {
    fail(failure_kind::assertion,
         fmt::format("too many threads: an execution may have at most {} (the body's included)",
                     max_threads),
         where);
  }
  const std::uint32_t t = n_threads_++;
  slot& child = slots_[t];
  const slot& parent = slots_[current_];
  child.state = thread_state::free;
  child.reason = wait_reason::none;
  child.joined = false;
  child.deadline_ns = -1;
  child.clock = parent.clock;
  child.clock.c[t] = 1;
  child.acquire_fence.clear();
  child.release_fence.clear();
  child.spawned_at = where;
  child.blocked_at = where;
  if (name != nullptr) {
    std::snprintf(child.name, sizeof child.name, "%s", name);
  } else {
    child.name[0] = '\0';
  }
  ensure_fiber(t);
  return t;
}

void runtime::start_thread(std::uint32_t t, const std::source_location& where) {
  slots_[t].state = thread_state::runnable;
  make_runnable(t);
  ++slots_[current_].clock.c[current_];  // spawn releases the parent's history to the child
  strategy_->on_spawn(t);
  point(point_kind::spawn, 0, order_none, where, t);
}

void runtime::join(std::uint32_t t, const std::source_location& where) {
  if (t >= n_threads_ || t == current_) {
    fail(failure_kind::assertion, fmt::format("join of t{}: not a joinable thread", t), where);
  }
  point(point_kind::join, 0, order_none, where, t);
  while (slots_[t].state != thread_state::finished) {
    if (aborting_) return;
    block(wait_reason::join, t, where);
  }
  slots_[t].joined = true;
  acquire(slots_[t].clock);
}

void runtime::detach_failure(std::uint32_t t, const std::source_location& where) {
  note_failure(failure_kind::leak,
               fmt::format("{} destroyed while joinable: join() it before it goes out of scope",
                           thread_label(t, slots_[t].name)),
               where);
}

std::int64_t runtime::clock_read(const std::source_location& where) {
  point(point_kind::now, 0, order_none, where);
  return now_ns_;
}

void runtime::sleep_ns(std::int64_t ns, const std::source_location& where) {
  point(point_kind::sleep, 0, order_none, where, ns > 0 ? static_cast<std::uint64_t>(ns) : 0);
  if (ns <= 0 || aborting_) return;
  block(wait_reason::sleep, 0, where, now_ns_ + ns);
}

void runtime::atomic_load_hb(object_header& h, std::memory_order mo) noexcept {
  if (is_acquire(mo)) {
    acquire(h.sync);
  } else {
    slots_[current_].acquire_fence.join(h.sync);
  }
}

void runtime::atomic_store_hb(object_header& h, std::memory_order mo) noexcept {
  if (is_release(mo)) {
    release_to(h.sync);
  } else {
    // A relaxed store starts no release sequence, unless a release fence came before it.
    h.sync = slots_[current_].release_fence;
  }
}

void runtime::atomic_rmw_hb(object_header& h, std::memory_order mo) noexcept {
  if (is_acquire(mo)) {
    acquire(h.sync);
  } else {
    slots_[current_].acquire_fence.join(h.sync);
  }
  if (is_release(mo)) {
    release_join(h.sync);
  } else {
    // A relaxed RMW continues the release sequence it reads from.
    h.sync.join(slots_[current_].release_fence);
  }
}

void runtime::fence(std::memory_order mo, const std::source_location& where) {
  point(point_kind::fence, 0, order_code(mo), where);
  slot& self = slots_[current_];
  if (is_acquire(mo)) self.clock.join(self.acquire_fence);
  if (is_release(mo)) {
    self.release_fence = self.clock;
    ++self.clock.c[current_];
  }
}

void runtime::var_read(var_header& v, const std::source_location& where) {
  if (v.generation != generation_) {
    v = var_header{};
    v.generation = generation_;
    v.id = next_object_++;
  }
  const vclock& now = slots_[current_].clock;
  if (v.write_thread != var_header::no_thread && v.write_thread != current_ &&
      now.c[v.write_thread] < v.write_clock) {
    race(v, false, false, v.write_thread, v.write_where, where);
  }
  v.read_clock[current_] = now.c[current_];
  v.read_thread = current_;
  v.read_where = where;
}

void runtime::var_write(var_header& v, const std::source_location& where) {
  if (v.generation != generation_) {
    v = var_header{};
    v.generation = generation_;
    v.id = next_object_++;
  }
  const vclock& now = slots_[current_].clock;
  if (v.write_thread != var_header::no_thread && v.write_thread != current_ &&
      now.c[v.write_thread] < v.write_clock) {
    race(v, true, true, v.write_thread, v.write_where, where);
  }
  for (std::uint32_t t = 0; t < max_threads; ++t) {
    if (t != current_ && v.read_clock[t] > now.c[t]) {
      race(v, false, true, t, v.read_thread == t ? v.read_where : std::source_location{}, where);
    }
  }
  v.write_thread = current_;
  v.write_clock = now.c[current_];
  v.write_where = where;
  v.read_clock.fill(0);
}

void runtime::race(const var_header& v, bool write_write, bool current_writes,
                   std::uint32_t other, const std::source_location& other_where,
                   const std::source_location& where) {
  const char* mine = current_writes ? "write" : "read";
  const char* theirs = (write_write || !current_writes) ? "write" : "read";
  fail(failure_kind::data_race,
       fmt::format("data race on var o{}: {} by {} at {} is not ordered with the earlier {} by {} "
                   "at {} (no happens-before: publish with release/acquire, or use one mutex)",
                   v.id, mine, thread_label(current_, slots_[current_].name), where_text(where),
                   theirs, thread_label(other, slots_[other].name), where_text(other_where)),
       where);
}

}  // namespace weft::sim
