#include <weft/sim/runtime.hpp>

#include <boost/context/fixedsize_stack.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#if defined(WEFT_ASAN_FIBERS)
#include <sanitizer/common_interface_defs.h>
#endif

#include <cxxabi.h>
#if defined(WEFT_TSAN_FIBERS)
#include <sanitizer/tsan_interface.h>
#endif

// A context switch with the same stack layout as Boost.Context's x86-64 SysV jump_fcontext
// (contexts made by make_fcontext work with both), minus the save and restore of the SSE and
// x87 control words: every simulated thread runs with the floating-point environment of the
// OS thread, so there is nothing to switch, and ldmxcsr/fldcw cost more than the rest of the
// switch. Used on x86-64 Linux when no sanitizer needs to see Boost's own switch.
#if defined(__x86_64__) && defined(__linux__) && !defined(WEFT_ASAN_FIBERS) && \
    !defined(WEFT_TSAN_FIBERS)
#define WEFT_SIM_FAST_SWITCH 1
extern "C" boost::context::detail::transfer_t weft_sim_jump(
    boost::context::detail::fcontext_t to, void* data) noexcept;
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl weft_sim_jump\n"
    ".hidden weft_sim_jump\n"
    ".type weft_sim_jump,@function\n"
    "weft_sim_jump:\n"
    "  leaq -0x38(%rsp), %rsp\n"
    "  movq %r12, 0x8(%rsp)\n"
    "  movq %r13, 0x10(%rsp)\n"
    "  movq %r14, 0x18(%rsp)\n"
    "  movq %r15, 0x20(%rsp)\n"
    "  movq %rbx, 0x28(%rsp)\n"
    "  movq %rbp, 0x30(%rsp)\n"
    "  movq %rsp, %rax\n"
    "  movq %rdi, %rsp\n"
    "  movq 0x38(%rsp), %r8\n"
    "  movq 0x8(%rsp), %r12\n"
    "  movq 0x10(%rsp), %r13\n"
    "  movq 0x18(%rsp), %r14\n"
    "  movq 0x20(%rsp), %r15\n"
    "  movq 0x28(%rsp), %rbx\n"
    "  movq 0x30(%rsp), %rbp\n"
    "  leaq 0x40(%rsp), %rsp\n"
    "  movq %rsi, %rdx\n"
    "  movq %rax, %rdi\n"
    "  jmp *%r8\n"
    ".size weft_sim_jump,.-weft_sim_jump\n"
    ".section .note.GNU-stack,\"\",%progbits\n"
    ".text\n");
#endif

namespace weft::sim {
namespace {

namespace bcd = boost::context::detail;

// The C++ runtime keeps, per OS thread, the stack of exceptions being handled and the count of
// uncaught ones. Fibers share the OS thread, so each fiber gets its own copy, swapped on every
// switch: a fiber suspended inside a catch handler, or while unwinding, then cannot disturb
// another (and std::uncaught_exceptions() answers for the calling fiber).
struct eh_globals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};

std::string thread_label(std::uint32_t t, const char* name) {
  if (name != nullptr && name[0] != '\0') return fmt::format("t{} \"{}\"", t, name);
  return fmt::format("t{}", t);
}

std::string where_text(const weft::source_location& where) {
  if (where.file_name() == nullptr || where.file_name()[0] == '\0') return "unknown location";
  return fmt::format("{}:{}", where.file_name(), where.line());
}

}  // namespace

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
  // Every fiber is parked between executions, holding no live objects on its stack (see
  // fiber_main), so its stack is released without resuming it.
  for (slot& s : slots_) {
    if (!s.has_fiber) continue;
    boost::context::fixedsize_stack(config_.stack_size).deallocate(s.stack);
#if defined(WEFT_TSAN_FIBERS)
    __tsan_destroy_fiber(s.tsan_fiber);
#endif
  }
}

// Resets the per-execution state; runs on the host, or on fiber 0 between executions of a batch.
void runtime::reset_execution(std::uint64_t execution_seed) {
  if (++generation_ == 0) generation_ = 1;
  step_ = 0;
  now_ns_ = 0;
  wait_seq_ = 0;
  next_object_ = 1;
  aborting_ = false;
  abort_rethrows_ = 0;
  if (failure_) failure_ = failure{};
  if (!steps_.empty()) steps_.clear();
  for (std::uint32_t t = 0; t < n_threads_; ++t) slots_[t].state = thread_state::free;
  n_threads_ = 1;
  slot& main = slots_[0];
  main.state = thread_state::runnable;
  main.reason = wait_reason::none;
  main.joiner = no_thread;
  main.clock.clear();
  main.clock.c[0] = 1;
  main.acquire_fence.clear();
  main.release_fence.clear();
  main.name = "main";
  runnable_[0] = 0;
  n_runnable_ = 1;
  strategy_->begin_execution(execution_seed);
  strategy_->on_spawn(0);
}

runtime::batch_result runtime::run_batch_prepared(strategy& strat, std::uint64_t run_seed,
                                                  std::uint64_t first, std::uint64_t count,
                                                  bool record) {
  if (active_ != nullptr) {
    throw std::logic_error("weft: a simulation cannot be started from inside a simulated thread");
  }
  if (count == 0) throw std::invalid_argument("weft: a batch needs at least one execution");
  strategy_ = &strat;
  record_ = record;
  verify_ = strat.sees_every_step();
  uniform_ = verify_ ? nullptr : strat.uniform_picker();
  fault_per_mille_ = strat.uniform_fault_per_mille();
  batch_seed_ = run_seed;
  batch_index_ = first;
  batch_end_ = first + count;
  reset_execution(batch_explicit_seed_ ? run_seed : execution_seed(run_seed, first));
  ensure_fiber(0);

  active_ = this;
  eh_globals_ = abi::__cxa_get_globals();  // per OS thread: fetched once per run
  current_ = host;
  switch_to(0);
  if (aborting_) unwind_all();
  active_ = nullptr;
  slots_[0].body.reset();

  if (!failure_ && !strat.finished_cleanly(step_)) {
    failure_.kind = failure_kind::nondeterminism;
    failure_.message = strat.divergence();
    failure_.step = step_;
  }
  if (!failure_) strat.end_execution(step_);
  return batch_result{batch_index_ - first + 1, failure_ ? batch_index_ : batch_end_};
}

const failure& runtime::run_prepared(strategy& strat, std::uint64_t execution_seed, bool record) {
  batch_explicit_seed_ = true;
  try {
    run_batch_prepared(strat, execution_seed, 0, 1, record);
  } catch (...) {
    batch_explicit_seed_ = false;
    throw;
  }
  batch_explicit_seed_ = false;
  return failure_;
}

void runtime::ensure_fiber(std::uint32_t t) {
  slot& s = slots_[t];
  if (s.has_fiber) return;
  s.stack = boost::context::fixedsize_stack(config_.stack_size).allocate();
  s.stack_bottom = static_cast<char*>(s.stack.sp) - s.stack.size;
  s.stack_size = s.stack.size;
  contexts_[t] = bcd::make_fcontext(s.stack.sp, s.stack.size, &runtime::fiber_entry);
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
  auto* eh = static_cast<eh_globals*>(eh_globals_);
  static_assert(sizeof(eh_globals) <= sizeof(eh_state));
  eh_state& mine = eh_[self];
  eh_state& theirs = eh_[next];
  // Exception state is rare on a switch (a point inside a catch handler): swap only when
  // either side has some.
  if (eh->caught_exceptions != nullptr || eh->uncaught_exceptions != 0 ||
      theirs.words[0] != nullptr || theirs.words[1] != nullptr) [[unlikely]] {
    std::memcpy(&mine, eh, sizeof(eh_globals));
    std::memcpy(eh, &theirs, sizeof(eh_globals));
    theirs = eh_state{};
  }
  // The first jump into a fresh fiber passes the runtime to fiber_entry; later ones ignore it.
#if defined(WEFT_SIM_FAST_SWITCH)
  const bcd::transfer_t back = weft_sim_jump(context_of(next), this);
#else
  const bcd::transfer_t back = bcd::jump_fcontext(context_of(next), this);
#endif
#if defined(WEFT_ASAN_FIBERS)
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
  context_of(from_) = back.fctx;
}

void runtime::fiber_entry(bcd::transfer_t transfer) {
  runtime* self = static_cast<runtime*>(transfer.data);
#if defined(WEFT_ASAN_FIBERS)
  {
    const void* bottom = nullptr;
    std::size_t size = 0;
    __sanitizer_finish_switch_fiber(nullptr, &bottom, &size);
    if (self->from_ == host) {
      self->host_stack_bottom_ = const_cast<void*>(bottom);
      self->host_stack_size_ = size;
    }
  }
#endif
  self->context_of(self->from_) = transfer.fctx;
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
  if (!aborting_) {
    try {
      slots_[t].body();
    } catch (const execution_aborted&) {
      // unwound on purpose
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
  if (t == 0) return;  // the body's task lives for the whole batch; the host resets it
  try {
    slots_[t].body.reset();
  } catch (const execution_aborted&) {
  }
}

void runtime::thread_exit(std::uint32_t t) {
  slot& self = slots_[t];
  self.state = thread_state::finished;
  remove_runnable(t);
  if (aborting_) {
    switch_to(host);
    return;
  }
  if (self.joiner != no_thread) wake(self.joiner);
  if (t == 0) {
    check_leaks();
    if (!aborting_ && batch_index_ + 1 < batch_end_) {
      // Roll straight into the next execution of the batch, without visiting the host.
      strategy_->end_execution(step_);
      ++batch_index_;
      reset_execution(execution_seed(batch_seed_, batch_index_));
      return;  // fiber_main runs the body again
    }
    switch_to(host);
    return;
  }
  point(point_kind::finish, 0, order_none, self.spawned_at, t);
}

// Nothing may stay alive on a fiber's stack while it is parked, so this has its own frame.
void runtime::check_leaks() {
  bool all_finished = true;
  for (std::uint32_t i = 1; i < n_threads_; ++i) {
    all_finished = all_finished && slots_[i].state == thread_state::finished;
  }
  if (all_finished) return;
  {
    std::string leaked;
    for (std::uint32_t i = 1; i < n_threads_; ++i) {
      if (slots_[i].state != thread_state::finished) {
        leaked += fmt::format("\n  {} spawned at {}: {}", thread_label(i, slots_[i].name),
                              where_text(slots_[i].spawned_at), describe_wait(i));
      }
    }
    if (!leaked.empty()) {
      weft::source_location first_spawn{};
      for (std::uint32_t i = 1; i < n_threads_; ++i) {
        if (slots_[i].state != thread_state::finished) {
          first_spawn = slots_[i].spawned_at;
          break;
        }
      }
      note_failure(failure_kind::leak,
                   "threads still running when the test body returned (join every thread):" + leaked,
                   first_spawn);
    }
  }
}

void runtime::unwind_all() {
  for (std::uint32_t t = 0; t < n_threads_; ++t) {
    if (slots_[t].state == thread_state::runnable || slots_[t].state == thread_state::blocked) {
      switch_to(t);
    }
  }
}

void runtime::abort_check() {
  if (std::uncaught_exceptions() != 0) return;
  // A thread that keeps running after its execution was aborted has swallowed
  // execution_aborted (a catch (...) that does not rethrow, in a loop): stop loudly rather
  // than spin forever.
  if (++abort_rethrows_ > 1'000'000) {
    std::fprintf(stderr,
                 "weft: a simulated thread keeps catching weft::sim::execution_aborted without "
                 "rethrowing it (catch (...) blocks must rethrow); giving up\n");
    std::abort();
  }
  throw execution_aborted{};
}

void runtime::note_failure(failure_kind kind, std::string message,
                           const weft::source_location& where) {
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

void runtime::fail(failure_kind kind, std::string message, const weft::source_location& where) {
  note_failure(kind, std::move(message), where);
  abort_check();
}

void runtime::step_bound_exceeded(const weft::source_location& where) {
  fail(failure_kind::livelock,
       fmt::format("step bound exceeded: {} scheduling decisions without finishing (a livelock, "
                   "or a spin loop that never yields; raise steps_max if the test is just long)",
                   config_.steps_max),
       where);
  throw execution_aborted{};
}

void runtime::record(std::uint64_t s, point_kind kind, std::uint32_t object, std::uint8_t order,
                     std::uint64_t value, const weft::source_location& where) {
  steps_.push_back(step_record{s, current_, kind, order, object, value, where});
}

void runtime::decide(std::uint64_t s, point_kind kind, std::uint32_t object) {
  while (n_runnable_ == 0) {
    if (!advance_time()) deadlock();
  }
  std::uint32_t next;
  if (n_runnable_ == 1 && !verify_) {
    next = runnable_[0];
  } else if (uniform_ != nullptr) {
    next = runnable_[uniform_->below(n_runnable_)];
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
                                   bool fault, const weft::source_location& where,
                                   bool choose_thread) {
  if (aborting_) {
    abort_check();
    return 0;
  }
  if (step_ >= config_.steps_max) step_bound_exceeded(where);
  const std::uint64_t s = step_++;
  std::uint64_t value;
  if (fault && uniform_ != nullptr) {
    value = fault_per_mille_ != 0 && uniform_->below(1000) < fault_per_mille_ ? 1 : 0;
  } else {
    const decision_context ctx{std::span<const std::uint8_t>(runnable_.data(), n_runnable_),
                               current_, s, kind, object};
    value = fault ? (strategy_->pick_fault(ctx) ? 1 : 0) : strategy_->pick_value(ctx, bound);
  }
  if (verify_) {
    std::string diverged = strategy_->divergence();
    if (!diverged.empty()) fail(failure_kind::nondeterminism, std::move(diverged), where);
  }
  if (record_) record(s, kind, object, order_none, value, where);
  if (choose_thread && !(n_runnable_ == 1 && runnable_[0] == current_ && !verify_)) {
    decide(s, kind, object);
  }
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

void runtime::block(wait_reason why, std::uint32_t object, const weft::source_location& where,
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
  std::string text = "every thread is blocked and no timer is pending";
  for (std::uint32_t t = 0; t < n_threads_; ++t) {
    if (slots_[t].state == thread_state::blocked) {
      text += fmt::format("\n  {} {}", thread_label(t, slots_[t].name), describe_wait(t));
    }
  }
  fail(failure_kind::deadlock, std::move(text), slots_[current_].blocked_at);
  throw execution_aborted{};
}

std::uint32_t runtime::allocate_thread(const char* name, const weft::source_location& where) {
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
  child.joiner = no_thread;
  child.deadline_ns = -1;
  child.clock = parent.clock;
  child.clock.c[t] = 1;
  child.acquire_fence.clear();
  child.release_fence.clear();
  child.spawned_at = where;
  child.blocked_at = where;
  child.name = name != nullptr ? name : "";
  ensure_fiber(t);
  return t;
}

// Spawning is not a scheduling point: the child can do nothing visible before the parent's
// next point, where the strategy may choose it.
void runtime::start_thread(std::uint32_t t, const weft::source_location& where) {
  static_cast<void>(where);
  if (aborting_) abort_check();
  slots_[t].state = thread_state::runnable;
  make_runnable(t);
  ++slots_[current_].clock.c[current_];  // spawn releases the parent's history to the child
  strategy_->on_spawn(t);
}

void runtime::join(std::uint32_t t, const weft::source_location& where) {
  if (t >= n_threads_ || t == current_) {
    fail(failure_kind::assertion, fmt::format("join of t{}: not a joinable thread", t), where);
  }
  // Not a scheduling point: joining a running thread blocks (a decision), and joining a
  // finished one observes nothing another thread could change.
  if (aborting_) abort_check();
  while (slots_[t].state != thread_state::finished) {
    if (aborting_) return;
    slots_[t].joiner = current_;
    block(wait_reason::join, t, where);
  }
  acquire(slots_[t].clock);
}

void runtime::detach_failure(std::uint32_t t, const weft::source_location& where) {
  static_cast<void>(where);  // a destructor has no caller location: name the spawn site
  note_failure(failure_kind::leak,
               fmt::format("{} (spawned at {}) destroyed while joinable: join() it before it goes "
                           "out of scope",
                           thread_label(t, slots_[t].name), where_text(slots_[t].spawned_at)),
               slots_[t].spawned_at);
}

std::int64_t runtime::clock_read(const weft::source_location& where) {
  point(point_kind::now, 0, order_none, where);
  return now_ns_;
}

void runtime::sleep_ns(std::int64_t ns, const weft::source_location& where) {
  point(point_kind::sleep, 0, order_none, where, ns > 0 ? static_cast<std::uint64_t>(ns) : 0);
  if (ns <= 0 || aborting_) return;
  block(wait_reason::sleep, 0, where, now_ns_ + ns);
}

void runtime::fence(std::memory_order mo, const weft::source_location& where) {
  point(point_kind::fence, 0, order_code(mo), where);
  slot& self = slots_[current_];
  if (is_acquire(mo)) self.clock.join(self.acquire_fence, n_threads_);
  if (is_release(mo)) {
    self.release_fence = self.clock;
    ++self.clock.c[current_];
  }
}

void runtime::check_reads(var_header& v, const weft::source_location& where) {
  const vclock& now = slots_[current_].clock;
  for (std::uint32_t others = v.read_mask & ~(1u << current_); others != 0;
       others &= others - 1) {
    const auto t = static_cast<std::uint32_t>(__builtin_ctz(others));
    if (v.read_clock[t] > now.c[t]) {
      race(v, false, true, t, v.read_thread == t ? v.read_where : weft::source_location{}, where);
    }
  }
}

void runtime::race(const var_header& v, bool write_write, bool current_writes,
                   std::uint32_t other, const weft::source_location& other_where,
                   const weft::source_location& where) {
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
