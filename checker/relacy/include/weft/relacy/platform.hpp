// weft/relacy/platform.hpp — weft::relacy::platform, the platform over the Relacy Race
// Detector (Debian relacy-dev, a 2019 snapshot of Dmitry Vyukov's Relacy).
//
// The third platform beside weft::os (real threads) and weft::sim::platform (the deterministic
// simulator, which is sequentially consistent): code written once against weft::platform runs
// here under Relacy's model of the C++ memory model, so an atomic load may return an older store
// than the latest one, relaxed stores publish nothing, fences count, and plain data (var<T>) is
// race-checked with Relacy's happens-before. Every operation takes a defaulted
// weft::source_location, so Relacy's history names the caller's file and line.
//
//   atomic<T>             rl::atomic; T arithmetic, a pointer or an enum (Relacy prints the
//                         values in its history). Every std::atomic operation, orders mapped to
//                         rl::memory_order; C++20 wait/notify_one/notify_all as Relacy futexes.
//                         seq_cst operations carry seq_cst fences, because Relacy does not order
//                         seq_cst operations against fences (see seq_cst_model below;
//                         native_platform keeps Relacy's own model).
//   atomic_flag           over atomic<bool>: test_and_set an exchange, clear a store, test a
//                         load, wait/notify as atomic's. Starts clear.
//   var<T>                any T, constructible from a T implicitly. Accesses are race-checked
//                         through an rl::var shadow (which holds the value itself for
//                         arithmetic and pointer T, a write count otherwise).
//   mutex                 rl::mutex (try_lock may fail spuriously, as std allows).
//   condition_variable    Relacy's condition variable, for std::unique_lock<platform::mutex>;
//                         the random scheduler injects spurious wake-ups and makes timed waits
//                         time out as a scheduling choice.
//   thread                a Relacy dynamic thread: the scenario declares how many it spawns per
//                         iteration (dynamic_thread_count); slots are not reused after join.
//   parker                os::parker's algorithm (exchange / futex wait) on atomic<bool>.
//   clock, now, sleep_for virtual time: now() reads a counter that advances 1 us per read;
//                         sleep_for(d) advances it by d and yields; a timed wait that times out
//                         moves it to the deadline.
//   yield                 rl::yield (the fair schedulers deprioritise a yielding thread).
//   this_thread_id        rl::thread_index(): static threads 0..N-1, then the spawned ones.
//   random(bound)         rl::rand: a scheduler choice (explored exhaustively by the
//                         context-bound scheduler, so keep bounds small there).
//   assert_failed         fails the iteration as a Relacy user assertion, with its history.
//
// Usage errors (a load with memory_order_release, a wait without the lock, join of a thread
// that is not joinable, more spawns than declared, a joinable thread destroyed) fail the
// iteration with a message instead of being undefined behaviour inside Relacy.
//
// Use: objects of this platform must be created inside a Relacy test (in the suite's
// constructor, before(), thread() or after()): Relacy registers them with its current context.
// Run scenarios through weft::relacy::run / check (weft/relacy/runner.hpp), which also resets the
// per-iteration state below; a hand-written rl::test_suite calls
// weft::relacy::begin_iteration(dynamic_thread_count) in its constructor instead.
//
// Relacy's headers define macros for new, delete, malloc, free, assert, errno, the
// memory_order_* names, pthread_* and Win32 names. This header includes a broad set of standard
// headers first, then Relacy, then removes every one of those macros (restoring the system's
// errno, assert and E* values), so code included after it, weft's core headers included, sees
// plain C++. Relacy also replaces the program's global operator new/delete: link the executable
// with weft::relacy (checker/relacy/src/operators.cpp and allocation.cpp complete the
// replacement), and keep Relacy in executables of their own.

// Linking weft::relacy replaces the program's global operator new/delete (see above).
//
// Thread-safety: Relacy runs one test at a time per process, on one OS thread; so does this
// platform (its per-iteration state is a process-wide variable).
#pragma once

#include <weft/core/platform.hpp>
#include <weft/core/source_location.hpp>

// Everything from the standard library that weft code may need comes before Relacy, whose
// macros would otherwise break these headers.
#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#pragma push_macro("assert")
#pragma push_macro("errno")
#pragma push_macro("EAGAIN")
#pragma push_macro("EBUSY")
#pragma push_macro("EINTR")
#pragma push_macro("EINVAL")
#pragma push_macro("ETIMEDOUT")
#pragma push_macro("EWOULDBLOCK")
#pragma push_macro("FUTEX_WAIT")
#pragma push_macro("FUTEX_WAKE")

// <relacy/relacy.hpp> without new, delete, malloc, calloc, realloc, free, assert and errno
// (shared with the benchmark's Relacy half; assert and errno are restored below).
#include <weft/relacy/detail/relacy_include.hpp>

// Relacy's other macros. `$` (rl::debug_info of the current line) stays, for tests that use
// Relacy's primitives directly.
#undef memory_order_relaxed
#undef memory_order_consume
#undef memory_order_acquire
#undef memory_order_release
#undef memory_order_acq_rel
#undef memory_order_seq_cst
#undef VAR
#undef VAR_T
#undef TLS_T
#undef futex
#undef sched_yield
#undef pthread_yield
#undef pthread_t
#undef pthread_attr_t
#undef pthread_create
#undef pthread_join
#undef sem_t
#undef sem_init
#undef sem_destroy
#undef sem_wait
#undef sem_trywait
#undef sem_post
#undef sem_getvalue
#undef pthread_mutex_t
#undef pthread_mutexattr_t
#undef pthread_mutexattr_init
#undef pthread_mutexattr_destroy
#undef pthread_mutexattr_settype
#undef pthread_mutex_init
#undef pthread_mutex_destroy
#undef pthread_mutex_lock
#undef pthread_mutex_timedlock
#undef pthread_mutex_try_lock
#undef pthread_mutex_unlock
#undef pthread_rwlock_t
#undef pthread_rwlock_init
#undef pthread_rwlock_destroy
#undef pthread_rwlock_rdlock
#undef pthread_rwlock_tryrdlock
#undef pthread_rwlock_wrlock
#undef pthread_rwlock_trywrlock
#undef pthread_rwlock_unlock
#undef pthread_cond_t
#undef pthread_condattr_t
#undef pthread_cond_init
#undef pthread_cond_destroy
#undef pthread_cond_broadcast
#undef pthread_cond_signal
#undef pthread_cond_timedwait
#undef pthread_cond_wait
#undef PTHREAD_MUTEX_DEFAULT
#undef PTHREAD_MUTEX_ERRORCHECK
#undef PTHREAD_MUTEX_NORMAL
#undef PTHREAD_MUTEX_RECURSIVE
#undef HANDLE
#undef INFINITE
#undef WAIT_FAILED
#undef WAIT_OBJECT_0
#undef WAIT_TIMEOUT
#undef WAIT_IO_COMPLETION
#undef MAXIMUM_WAIT_OBJECTS
#undef SwitchToThread
#undef Sleep
#undef CloseHandle
#undef WaitForSingleObject
#undef WaitForMultipleObjects
#undef WaitForMultipleObjectsEx
#undef SignalObjectAndWait
#undef CreateSemaphoreA
#undef CreateSemaphoreW
#undef CreateSemaphore
#undef rl_CreateSemaphore
#undef ReleaseSemaphore
#undef CreateEventA
#undef CreateEventW
#undef CreateEvent
#undef rl_CreateEvent
#undef SetEvent
#undef ResetEvent
#undef PulseEvent
#undef CreateMutexA
#undef CreateMutexW
#undef CreateMutex
#undef rl_CreateMutex
#undef ReleaseMutex
#undef CRITICAL_SECTION
#undef InitializeCriticalSection
#undef InitializeCriticalSectionAndSpinCount
#undef InitializeCriticalSectionEx
#undef DeleteCriticalSection
#undef EnterCriticalSection
#undef TryEnterCriticalSection
#undef LeaveCriticalSection
#undef SRWLOCK
#undef InitializeSRWLock
#undef AcquireSRWLockExclusive
#undef AcquireSRWLockShared
#undef ReleaseSRWLockExclusive
#undef ReleaseSRWLockShared
#undef DeleteSRWLock
#undef CONDITION_VARIABLE
#undef CONDITION_VARIABLE_LOCKMODE_SHARED
#undef InitializeConditionVariable
#undef SleepConditionVariableCS
#undef SleepConditionVariableSRW
#undef WakeAllConditionVariable
#undef WakeConditionVariable
#undef DeleteConditionVariable
#undef CreateThread
#undef _beginthreadex
#undef SetThreadAffinityMask
#undef SuspendThread
#undef ResumeThread
#undef FlushProcessWriteBuffers
#undef TlsAlloc
#undef TlsFree
#undef TlsGetValue
#undef TlsSetValue

// The system's meaning of these names comes back (or they become undefined again).
#pragma pop_macro("FUTEX_WAKE")
#pragma pop_macro("FUTEX_WAIT")
#pragma pop_macro("EWOULDBLOCK")
#pragma pop_macro("ETIMEDOUT")
#pragma pop_macro("EINVAL")
#pragma pop_macro("EINTR")
#pragma pop_macro("EBUSY")
#pragma pop_macro("EAGAIN")
#pragma pop_macro("errno")
#pragma pop_macro("assert")

namespace weft::relacy {

using loc = weft::source_location;

// ----- per-iteration state and helpers ---------------------------------------------------------

namespace detail {

// State that must start afresh with every Relacy iteration (Relacy replays a failing iteration
// to collect its history and checks that it fails the same way, so nothing may carry over).
struct iteration_state {
  std::int64_t now_ns = 0;       // the virtual clock
  unsigned spawned = 0;          // platform::threads started in this iteration
  unsigned spawn_limit = 0;      // the suite's dynamic_thread_count
  bool configured = false;       // begin_iteration was called in this run
};
inline iteration_state state;

// Relacy's record of where an operation happened: the caller's file and line.
inline rl::debug_info info(const loc& where) noexcept {
  // Relacy prints it as "in <function>, <file>(<line>)"; the function is not known here.
  return rl::debug_info("weft", where.file_name(), static_cast<unsigned>(where.line()));
}

inline bool in_relacy() noexcept { return rl::is_ctx() && rl::ctx().threadx_ != nullptr; }

// Fails the current Relacy iteration (Relacy then prints the failure and the history). Outside
// a Relacy test it prints the message and aborts. Never returns.
[[noreturn]] inline void fail(const char* what, rl::test_result_e result, const loc& where) {
  if (in_relacy()) {
    rl::ctx().fail_test(what, result, info(where));  // switches to Relacy's main fiber for good
  }
  std::fprintf(stderr, "weft::relacy: %s at %s:%u\n", what, where.file_name(),
               static_cast<unsigned>(where.line()));
  std::abort();
}

[[noreturn]] inline void usage_error(const char* what, const loc& where) {
  fail(what, rl::test_result_user_assert_failed, where);
}

inline rl::memory_order to_rl(std::memory_order mo) noexcept {
  switch (mo) {
    case std::memory_order_relaxed: return rl::mo_relaxed;
    case std::memory_order_consume: return rl::mo_consume;
    case std::memory_order_acquire: return rl::mo_acquire;
    case std::memory_order_release: return rl::mo_release;
    case std::memory_order_acq_rel: return rl::mo_acq_rel;
    case std::memory_order_seq_cst: return rl::mo_seq_cst;
  }
  return rl::mo_seq_cst;
}

inline void check_load_order(std::memory_order mo, const char* op, const loc& where) {
  if (mo == std::memory_order_release || mo == std::memory_order_acq_rel) {
    static char text[160];
    std::snprintf(text, sizeof text, "%s with memory_order_%s is undefined behaviour", op,
                  rl::format(to_rl(mo)));
    usage_error(text, where);
  }
}

inline void check_store_order(std::memory_order mo, const loc& where) {
  if (mo == std::memory_order_acquire || mo == std::memory_order_consume ||
      mo == std::memory_order_acq_rel) {
    static char text[160];
    std::snprintf(text, sizeof text, "atomic store with memory_order_%s is undefined behaviour",
                  rl::format(to_rl(mo)));
    usage_error(text, where);
  }
}

// The failure order std derives from a single compare_exchange order.
inline std::memory_order failure_order_for(std::memory_order mo) noexcept {
  if (mo == std::memory_order_acq_rel) return std::memory_order_acquire;
  if (mo == std::memory_order_release) return std::memory_order_relaxed;
  return mo;
}

// Relacy supports a compare_exchange failure order only when it is no stronger than the
// success order (the C++11 rule; C++17 dropped it). For the combinations C++17 added, the
// success order is strengthened just enough to cover the failure order (relaxed + acquire ->
// acquire, release + acquire -> acq_rel, anything + seq_cst -> seq_cst): a successful exchange
// is then checked with more ordering than the code asked for, never less than Relacy needs.
inline void normalise_cas_orders(std::memory_order& success, std::memory_order& failure) noexcept {
  if (failure == std::memory_order_seq_cst) {
    success = std::memory_order_seq_cst;
    return;
  }
  if (failure == std::memory_order_acquire || failure == std::memory_order_consume) {
    if (success == std::memory_order_relaxed) success = failure;
    if (success == std::memory_order_consume && failure == std::memory_order_acquire) {
      success = std::memory_order_acquire;
    }
    if (success == std::memory_order_release) success = std::memory_order_acq_rel;
  }
}

template <class T>
inline constexpr bool atomic_value_type =
    std::is_arithmetic_v<T> || std::is_pointer_v<T> || std::is_enum_v<T>;

template <class T, bool Enum = std::is_enum_v<T>>
struct atomic_storage {
  using type = T;
};
template <class T>
struct atomic_storage<T, true> {
  using type = std::underlying_type_t<T>;
};

}  // namespace detail

// Starts a Relacy iteration for this platform: resets the virtual clock and the count of
// spawned threads, and records how many platform::threads the suite may start
// (its dynamic_thread_count). weft::relacy::suite calls it; a hand-written rl::test_suite
// calls it in its constructor.
inline void begin_iteration(unsigned dynamic_thread_count) noexcept {
  detail::state = detail::iteration_state{};
  detail::state.spawn_limit = dynamic_thread_count;
  detail::state.configured = true;
}

// Fails the iteration (a Relacy user assertion, with history) when `condition` is false.
inline void require(bool condition, const char* message, const loc& where = loc::current()) {
  if (!condition) [[unlikely]] detail::fail(message, rl::test_result_user_assert_failed, where);
}

// ----- atomic<T> --------------------------------------------------------------------------------

// How seq_cst atomic operations are modelled.
//
// Relacy (this snapshot) orders seq_cst operations among themselves (a seq_cst load reads the
// latest seq_cst store) and seq_cst fences among themselves, but not operations against fences:
// it misses C++20 [atomics.order]/4.2-4.3. So it reports outcomes C++ forbids for a correct
// Dekker handshake in which one side uses seq_cst operations and the other a seq_cst fence —
// e.g. "w.fetch_add(1, seq_cst); r = s.load(seq_cst)" against
// "s.store(v, release); fence(seq_cst); r = w.load(relaxed)", which weft::mailbox uses
// (litmus: "Dekker, seq_cst RMW against a fence"). Hence two models:
//
//   fenced (the default, weft::relacy::platform): a seq_cst load is a seq_cst fence then the
//     load, a seq_cst store or read-modify-write is the operation then a seq_cst fence, each
//     pair without a preemption point inside (a fence-based mapping of seq_cst atomics, like
//     those compilers use on POWER or x86). The C++20 rules that order seq_cst operations
//     against seq_cst fences then hold.
//     The price: Relacy's fences synchronise through its fence order, so seq_cst operations
//     also order plain data between threads that never read each other's values, and a data
//     race that only such an unrelated seq_cst operation "hides" is reported in fewer
//     interleavings (weft's simulator, whose happens-before follows reads-from only, still
//     sees it).
//   native (weft::relacy::native_platform): Relacy's own model, as is.
enum class seq_cst_model { fenced, native };

template <class T, seq_cst_model Model = seq_cst_model::fenced>
class atomic {
  static_assert(detail::atomic_value_type<T>,
                "weft::relacy::atomic<T>: T must be arithmetic, a pointer or an enum (Relacy "
                "compares values with == and prints them in its history)");
  using stored = typename detail::atomic_storage<T>::type;
  static constexpr bool arithmetic_ops = std::is_integral_v<T> && !std::is_same_v<T, bool>;
  static constexpr bool pointer_ops = std::is_pointer_v<T>;

 public:
  using value_type = T;
  using difference_type = std::conditional_t<pointer_ops, std::ptrdiff_t, T>;
  static constexpr bool is_always_lock_free = true;

  // Value-initialised, as std::atomic is since C++20 (Relacy would otherwise report a read of
  // an uninitialised atomic).
  atomic(const loc& where = loc::current()) : atomic(T{}, where) {}  // NOLINT: like std::atomic
  atomic(T value, const loc& where = loc::current()) {               // NOLINT: like std::atomic
    a_(detail::info(where)).store(to_stored(value), rl::mo_relaxed);
  }
  // A name for weft's reports; Relacy's history names objects itself, so it is not kept.
  atomic(T value, const char* name, const loc& where = loc::current()) : atomic(value, where) {
    static_cast<void>(name);
  }
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  bool is_lock_free() const noexcept { return true; }

  T load(std::memory_order mo = std::memory_order_seq_cst, const loc& where = loc::current()) const {
    detail::check_load_order(mo, "atomic load", where);
    if (fenced(mo)) {
      rl::context& c = rl::ctx();
      c.atomic_thread_fence_seq_cst();  // the load's scheduling point, then the fence
      rl::preemption_disabler no_preemption(c);
      return from_stored(a_(detail::info(where)).load(rl::mo_seq_cst));
    }
    return from_stored(a_(detail::info(where)).load(detail::to_rl(mo)));
  }
  void store(T value, std::memory_order mo = std::memory_order_seq_cst,
             const loc& where = loc::current()) {
    detail::check_store_order(mo, where);
    a_(detail::info(where)).store(to_stored(value), detail::to_rl(mo));
    trailing_fence(mo);
  }
  T exchange(T value, std::memory_order mo = std::memory_order_seq_cst,
             const loc& where = loc::current()) {
    const T old = from_stored(a_(detail::info(where)).exchange(to_stored(value), detail::to_rl(mo)));
    trailing_fence(mo);
    return old;
  }

  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, const loc& where = loc::current()) {
    return cas(false, expected, desired, success, failure, where);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order mo = std::memory_order_seq_cst,
                               const loc& where = loc::current()) {
    return cas(false, expected, desired, mo, detail::failure_order_for(mo), where);
  }
  // Relacy makes a weak compare_exchange fail spuriously as a scheduling choice.
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure, const loc& where = loc::current()) {
    return cas(true, expected, desired, success, failure, where);
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order mo = std::memory_order_seq_cst,
                             const loc& where = loc::current()) {
    return cas(true, expected, desired, mo, detail::failure_order_for(mo), where);
  }

  T fetch_add(difference_type arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires(arithmetic_ops || pointer_ops)
  {
    const T old = from_stored(a_(detail::info(where)).fetch_add(arg, detail::to_rl(mo)));
    trailing_fence(mo);
    return old;
  }
  T fetch_sub(difference_type arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires(arithmetic_ops || pointer_ops)
  {
    const T old = from_stored(a_(detail::info(where)).fetch_sub(arg, detail::to_rl(mo)));
    trailing_fence(mo);
    return old;
  }
  T fetch_and(T arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires arithmetic_ops
  {
    const T old = a_(detail::info(where)).fetch_and(arg, detail::to_rl(mo));
    trailing_fence(mo);
    return old;
  }
  T fetch_or(T arg, std::memory_order mo = std::memory_order_seq_cst,
             const loc& where = loc::current())
    requires arithmetic_ops
  {
    const T old = a_(detail::info(where)).fetch_or(arg, detail::to_rl(mo));
    trailing_fence(mo);
    return old;
  }
  T fetch_xor(T arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires arithmetic_ops
  {
    const T old = a_(detail::info(where)).fetch_xor(arg, detail::to_rl(mo));
    trailing_fence(mo);
    return old;
  }

  // C++20 waiting: blocks while the value equals `old`. Built like Relacy's futex emulation
  // (a seq_cst fence, then the load and the enqueue with preemption off), so a notify that
  // follows the store that changed the value is never lost; wake-ups may be spurious.
  void wait(T old, std::memory_order mo = std::memory_order_seq_cst,
            const loc& where = loc::current()) const {
    detail::check_load_order(mo, "atomic wait", where);
    const rl::debug_info di = detail::info(where);
    rl::context& c = rl::ctx();
    for (;;) {
      if (load(mo, where) != old) return;
      c.sched();
      c.atomic_thread_fence_seq_cst();
      bool unchanged = false;
      {
        rl::preemption_disabler no_preemption(c);
        unchanged = from_stored(a_(di).load(rl::mo_acquire)) == old;
      }
      if (!unchanged) continue;
      mutable_a().wait(c, false, true, di);
    }
  }
  void notify_one(const loc& where = loc::current()) { notify(1, where); }
  void notify_all(const loc& where = loc::current()) { notify(rl::ctx().get_thread_count(), where); }

  operator T() const { return load(); }  // NOLINT: implicit like std::atomic
  T operator=(T value) {
    store(value);
    return value;
  }
  T operator++() requires(arithmetic_ops || pointer_ops) { return fetch_add(1) + 1; }
  T operator++(int) requires(arithmetic_ops || pointer_ops) { return fetch_add(1); }
  T operator--() requires(arithmetic_ops || pointer_ops) { return fetch_sub(1) - 1; }
  T operator--(int) requires(arithmetic_ops || pointer_ops) { return fetch_sub(1); }
  T operator+=(difference_type arg) requires(arithmetic_ops || pointer_ops) {
    return fetch_add(arg) + arg;
  }
  T operator-=(difference_type arg) requires(arithmetic_ops || pointer_ops) {
    return fetch_sub(arg) - arg;
  }
  T operator&=(T arg) requires arithmetic_ops { return fetch_and(arg) & arg; }
  T operator|=(T arg) requires arithmetic_ops { return fetch_or(arg) | arg; }
  T operator^=(T arg) requires arithmetic_ops { return fetch_xor(arg) ^ arg; }

 private:
  static stored to_stored(T v) noexcept { return static_cast<stored>(v); }
  static T from_stored(stored v) noexcept { return static_cast<T>(v); }
  rl::atomic<stored>& mutable_a() const noexcept { return const_cast<rl::atomic<stored>&>(a_); }

  bool cas(bool weak, T& expected, T desired, std::memory_order success, std::memory_order failure,
           const loc& where) {
    detail::check_load_order(failure, "compare_exchange (failure order)", where);
    detail::normalise_cas_orders(success, failure);
    stored e = to_stored(expected);
    auto proxy = a_(detail::info(where));
    const bool ok =
        weak ? proxy.compare_exchange_weak(e, to_stored(desired), detail::to_rl(success),
                                           detail::to_rl(failure))
             : proxy.compare_exchange_strong(e, to_stored(desired), detail::to_rl(success),
                                             detail::to_rl(failure));
    trailing_fence(success);
    if (!ok) expected = from_stored(e);
    return ok;
  }

  static constexpr bool fenced(std::memory_order mo) noexcept {
    return Model == seq_cst_model::fenced && mo == std::memory_order_seq_cst;
  }
  // The seq_cst fence after a seq_cst store or read-modify-write, with no preemption point
  // between the two (the operation itself had one).
  static void trailing_fence(std::memory_order mo) {
    if (!fenced(mo)) return;
    rl::context& c = rl::ctx();
    rl::preemption_disabler no_preemption(c);
    c.atomic_thread_fence_seq_cst();
  }

  void notify(unsigned count, const loc& where) {
    rl::context& c = rl::ctx();
    c.sched();
    c.atomic_thread_fence_seq_cst();
    a_.wake(c, count, detail::info(where));
  }

  rl::atomic<stored> a_;
};

// ----- atomic_flag ------------------------------------------------------------------------------

// std::atomic_flag over this platform's atomic<bool>, so Relacy checks its memory orders.
template <seq_cst_model Model = seq_cst_model::fenced>
class atomic_flag {
 public:
  atomic_flag(const loc& where = loc::current()) : flag_(false, where) {}  // NOLINT: starts clear
  atomic_flag(const atomic_flag&) = delete;
  atomic_flag& operator=(const atomic_flag&) = delete;

  bool test_and_set(std::memory_order mo = std::memory_order_seq_cst,
                    const loc& where = loc::current()) {
    return flag_.exchange(true, mo, where);
  }
  void clear(std::memory_order mo = std::memory_order_seq_cst, const loc& where = loc::current()) {
    flag_.store(false, mo, where);
  }
  bool test(std::memory_order mo = std::memory_order_seq_cst,
            const loc& where = loc::current()) const {
    return flag_.load(mo, where);
  }
  void wait(bool old, std::memory_order mo = std::memory_order_seq_cst,
            const loc& where = loc::current()) const {
    flag_.wait(old, mo, where);
  }
  void notify_one(const loc& where = loc::current()) { flag_.notify_one(where); }
  void notify_all(const loc& where = loc::current()) { flag_.notify_all(where); }

 private:
  atomic<bool, Model> flag_;
};

// ----- var<T> -----------------------------------------------------------------------------------

// Plain shared data. Two accesses from different threads, at least one a write, that are not
// ordered by happens-before fail the iteration as a data race. Accesses are not scheduling
// points (as in Relacy). The value lives here; an rl::var shadow carries Relacy's race check:
// for arithmetic and pointer T it holds the value itself (so the history shows it), otherwise
// the number of writes so far.
template <class T>
class var {
  static constexpr bool mirrored = std::is_arithmetic_v<T> || std::is_pointer_v<T>;
  using shadow_type = std::conditional_t<mirrored, T, unsigned>;

 public:
  var(const loc& where = loc::current())  // NOLINT: value-initialised like weft::os::var
    requires std::default_initializable<T>
      : value_{}, shadow_(initial_shadow()) {
    (void)where;
  }
  var(T value) : value_(std::move(value)), shadow_(initial_shadow()) {}  // NOLINT: implicit
  var(T value, const char* name) : var(std::move(value)) { static_cast<void>(name); }
  var(const var&) = delete;
  var& operator=(const var&) = delete;

  T load(const loc& where = loc::current()) const {
    read(where);
    return value_;
  }
  void store(T value, const loc& where = loc::current()) {
    if constexpr (mirrored) {
      shadow_(detail::info(where)).store(value);
    } else {
      shadow_(detail::info(where)).store(++writes_);
    }
    value_ = std::move(value);
  }
  template <class F>
  decltype(auto) with(F&& f, const loc& where = loc::current()) const {
    read(where);
    return std::forward<F>(f)(static_cast<const T&>(value_));
  }
  // The write is checked (and recorded) before f runs; for arithmetic T the history shows the
  // value from before the call.
  template <class F>
  decltype(auto) with_mut(F&& f, const loc& where = loc::current()) {
    if constexpr (mirrored) {
      shadow_(detail::info(where)).store(value_);
    } else {
      shadow_(detail::info(where)).store(++writes_);
    }
    return std::forward<F>(f)(value_);
  }

 private:
  shadow_type initial_shadow() const {
    if constexpr (mirrored) {
      return value_;
    } else {
      return 0U;
    }
  }
  void read(const loc& where) const { (void)shadow_(detail::info(where)).load(); }

  T value_;
  rl::var<shadow_type> shadow_;
  unsigned writes_ = 0;  // only touched right after a write was checked
};

// ----- mutex, condition_variable ----------------------------------------------------------------

class condition_variable;

// A non-recursive mutex (rl::mutex): deadlocks, unlocking a mutex not held and recursion are
// reported by Relacy. try_lock may fail spuriously, as std::mutex::try_lock may.
class mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  void lock(const loc& where = loc::current()) { m_.lock(detail::info(where)); }
  bool try_lock(const loc& where = loc::current()) { return m_.try_lock(detail::info(where)); }
  void unlock(const loc& where = loc::current()) { m_.unlock(detail::info(where)); }

  rl::mutex& native() noexcept { return m_; }

 private:
  rl::mutex m_;
};

struct clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<clock>;
  static constexpr bool is_steady = true;
  // Virtual time: each read advances it by 1 us, so time is seen to pass between two reads.
  static time_point now() noexcept {
    const std::int64_t t = detail::state.now_ns;
    detail::state.now_ns += 1000;
    return time_point(duration(t));
  }
};

namespace detail {
inline void advance_clock_to(std::int64_t ns) noexcept {
  if (state.now_ns < ns) state.now_ns = ns;
}
template <class Rep, class Period>
std::int64_t to_ns(std::chrono::duration<Rep, Period> d) noexcept {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  return ns > 0 ? static_cast<std::int64_t>(ns) : 0;
}
struct condvar_tag;
}  // namespace detail

// For std::unique_lock<platform::mutex>. Spurious wake-ups are injected by Relacy's random
// scheduler. A timed wait whose deadline has passed returns timeout at once; otherwise Relacy
// decides whether it is notified, woken spuriously (no_timeout) or times out (then the virtual
// clock moves to the deadline, so now() agrees that it has passed).
class condition_variable {
 public:
  condition_variable() { cv_.init(true, detail::info(loc::current())); }
  ~condition_variable() { cv_.deinit(detail::info(loc::current())); }
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  void wait(std::unique_lock<mutex>& lock, const loc& where = loc::current()) {
    (void)wait_impl(lock, false, where);
  }
  template <class Pred>
  void wait(std::unique_lock<mutex>& lock, Pred pred, const loc& where = loc::current()) {
    while (!pred()) (void)wait_impl(lock, false, where);
  }

  template <class Duration>
  std::cv_status wait_until(std::unique_lock<mutex>& lock,
                            const std::chrono::time_point<clock, Duration>& deadline,
                            const loc& where = loc::current()) {
    return wait_until_ns(lock, detail::to_ns(deadline.time_since_epoch()), where);
  }
  template <class Duration, class Pred>
  bool wait_until(std::unique_lock<mutex>& lock,
                  const std::chrono::time_point<clock, Duration>& deadline, Pred pred,
                  const loc& where = loc::current()) {
    const std::int64_t deadline_ns = detail::to_ns(deadline.time_since_epoch());
    while (!pred()) {
      if (wait_until_ns(lock, deadline_ns, where) == std::cv_status::timeout) return pred();
    }
    return true;
  }
  template <class Rep, class Period>
  std::cv_status wait_for(std::unique_lock<mutex>& lock, std::chrono::duration<Rep, Period> d,
                          const loc& where = loc::current()) {
    return wait_until_ns(lock, detail::state.now_ns + detail::to_ns(d), where);
  }
  template <class Rep, class Period, class Pred>
  bool wait_for(std::unique_lock<mutex>& lock, std::chrono::duration<Rep, Period> d, Pred pred,
                const loc& where = loc::current()) {
    const std::int64_t deadline_ns = detail::state.now_ns + detail::to_ns(d);
    while (!pred()) {
      if (wait_until_ns(lock, deadline_ns, where) == std::cv_status::timeout) return pred();
    }
    return true;
  }

  void notify_one(const loc& where = loc::current()) { cv_.notify_one(detail::info(where)); }
  void notify_all(const loc& where = loc::current()) { cv_.notify_all(detail::info(where)); }

 private:
  rl::sema_wakeup_reason wait_impl(std::unique_lock<mutex>& lock, bool timed, const loc& where) {
    if (!lock.owns_lock()) {
      detail::usage_error("condition_variable wait without holding the lock", where);
    }
    return cv_.wait(lock.mutex()->native(), timed, detail::info(where));
  }
  std::cv_status wait_until_ns(std::unique_lock<mutex>& lock, std::int64_t deadline_ns,
                               const loc& where) {
    if (detail::state.now_ns >= deadline_ns) {
      if (!lock.owns_lock()) {
        detail::usage_error("condition_variable wait without holding the lock", where);
      }
      return std::cv_status::timeout;
    }
    if (wait_impl(lock, true, where) == rl::sema_wakeup_reason_timeout) {
      detail::advance_clock_to(deadline_ns);
      return std::cv_status::timeout;
    }
    return std::cv_status::no_timeout;
  }

  rl::condvar<detail::condvar_tag> cv_;
};

// ----- thread -----------------------------------------------------------------------------------

// A Relacy dynamic thread. Spawning synchronises-with the start of the new thread and join
// with its end. The scenario declares the most threads it spawns per iteration
// (dynamic_thread_count); a slot is not reused after join. Destroying a joinable thread fails
// the iteration (std::thread would call std::terminate).
class thread {
 public:
  thread() noexcept = default;
  template <class F>
    requires std::invocable<std::decay_t<F>&>
  explicit thread(F&& f, const loc& where = loc::current()) {
    start(nullptr, std::forward<F>(f), where);
  }
  // A named thread: Relacy's history shows "thread <name> starts". `name` is not copied.
  template <class F>
    requires std::invocable<std::decay_t<F>&>
  thread(const char* name, F&& f, const loc& where = loc::current()) {
    start(name, std::forward<F>(f), where);
  }
  thread(thread&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  thread& operator=(thread&& other) noexcept {
    if (handle_ != nullptr) {
      detail::usage_error("move-assigning to a joinable thread (std::terminate on real threads)",
                          loc::current());
    }
    handle_ = std::exchange(other.handle_, nullptr);
    return *this;
  }
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;
  ~thread() {
    if (handle_ != nullptr) {
      detail::fail("thread destroyed while joinable (std::terminate on real threads)",
                   rl::test_result_resource_leak, loc::current());
    }
  }

  bool joinable() const noexcept { return handle_ != nullptr; }
  void join(const loc& where = loc::current()) {
    if (handle_ == nullptr) detail::usage_error("join of a thread that is not joinable", where);
    handle_->wait(false, false, detail::info(where));
    handle_ = nullptr;
  }

 private:
  template <class F>
  struct closure {
    F f;
    const char* name;
    static void* run(void* p) {
      auto* self = static_cast<closure*>(p);
      if (self->name != nullptr) {
        rl::ctx().exec_log_msg(detail::info(loc::current()), self->name);
      }
      bool threw = false;
      try {
        self->f();
      } catch (...) {
        threw = true;  // reported outside the handler: the fiber never returns from a failure
      }
      delete self;
      if (threw) {
        detail::fail("an exception escaped a weft::relacy::platform::thread",
                     rl::test_result_user_assert_failed, loc::current());
      }
      return nullptr;
    }
  };

  template <class F>
  void start(const char* name, F&& f, const loc& where) {
    if (!detail::in_relacy()) {
      detail::usage_error("weft::relacy::platform::thread started outside a Relacy test", where);
    }
    if (!detail::state.configured) {
      detail::usage_error("spawning needs weft::relacy::begin_iteration(dynamic_thread_count) in "
                          "the suite's constructor (weft::relacy::suite does it)",
                          where);
    }
    if (detail::state.spawned >= detail::state.spawn_limit) {
      detail::usage_error("more threads spawned than the scenario's dynamic_thread_count", where);
    }
    detail::state.spawned += 1;
    auto* c = new closure<std::decay_t<F>>{std::forward<F>(f), name};
    handle_ = rl::ctx().create_thread(&closure<std::decay_t<F>>::run, c);
  }

  rl::win_waitable_object* handle_ = nullptr;
};

// ----- parker -----------------------------------------------------------------------------------

// A one-token binary semaphore owned by the thread that parks on it: os::parker's algorithm on
// this platform's atomic<bool>, so Relacy checks the same code that runs on real threads.
class parker {
 public:
  void park(const loc& where = loc::current()) {
    // acquire: pairs with the release in unpark, so what the unparker wrote before unpark() is
    // visible after park() returns.
    while (!token_.exchange(false, std::memory_order_acquire, where)) {
      token_.wait(false, std::memory_order_relaxed, where);
    }
  }
  void unpark(const loc& where = loc::current()) {
    token_.store(true, std::memory_order_release, where);  // release: publishes to the parker
    token_.notify_one(where);
  }

 private:
  atomic<bool> token_{false};
};

// ----- the platform -----------------------------------------------------------------------------

template <seq_cst_model Model>
struct basic_platform {
  template <class T>
  using atomic = relacy::atomic<T, Model>;
  template <class T>
  using var = relacy::var<T>;
  using atomic_flag = relacy::atomic_flag<Model>;
  using mutex = relacy::mutex;
  using condition_variable = relacy::condition_variable;
  using thread = relacy::thread;
  using parker = relacy::parker;
  using clock = relacy::clock;

  static void yield(const loc& where = loc::current()) { rl::yield(1, detail::info(where)); }
  static clock::time_point now() noexcept { return clock::now(); }
  // Advances the virtual clock by d, then yields.
  template <class Rep, class Period>
  static void sleep_for(std::chrono::duration<Rep, Period> d, const loc& where = loc::current()) {
    detail::state.now_ns += detail::to_ns(d);
    rl::yield(1, detail::info(where));
  }
  static std::uint32_t this_thread_id() { return rl::thread_index(); }
  // Uniform in [0, bound); bound 0 or 1 returns 0. Up to 65536 one Relacy choice (Relacy's
  // random scheduler draws 16 bits at a time); above, four 16-bit choices reduced modulo bound.
  static std::uint64_t random(std::uint64_t bound) {
    if (bound <= 1) return 0;
    if (bound <= 65536) return rl::rand(static_cast<unsigned>(bound));
    std::uint64_t v = 0;
    for (int i = 0; i != 4; ++i) v = (v << 16) | rl::rand(65536U);
    return v % bound;
  }
  static void atomic_thread_fence(std::memory_order mo, const loc& where = loc::current()) {
    if (mo == std::memory_order_relaxed) return;  // no effect, as in std
    rl::atomic_thread_fence(detail::to_rl(mo), detail::info(where));
  }
  // Names an object for weft's reports; Relacy's history names objects itself: a no-op.
  template <class Object>
  static void name(Object& object, const char* text) noexcept {
    static_cast<void>(object);
    static_cast<void>(text);
  }
  [[noreturn]] static void assert_failed(const char* expr, const char* message, loc where) {
    static char text[512];
    std::snprintf(text, sizeof text, "%s (%s)", message, expr);  // as weft::os and the simulator
    detail::fail(text, rl::test_result_user_assert_failed, where);
  }
};

// The platform: seq_cst operations modelled with fences (see seq_cst_model).
using platform = basic_platform<seq_cst_model::fenced>;
// Relacy's own seq_cst model, for comparison (reports some outcomes C++20 forbids).
using native_platform = basic_platform<seq_cst_model::native>;

static_assert(weft::platform<platform>);
static_assert(weft::platform<native_platform>);

}  // namespace weft::relacy
