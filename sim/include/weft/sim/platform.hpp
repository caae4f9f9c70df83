// weft/sim/platform.hpp — weft::sim::platform, the deterministic-simulator platform.
//
// Types with the std shapes (atomic, mutex, condition_variable, thread) whose every visible
// operation is a scheduling point of the simulator, plus var<T> for race-checked plain data
// and parker. Code written against the platform concept (weft/core/platform.hpp) runs on them
// unchanged; so does hand-written test code:
//
//   weft::sim::explore(opts, [] {
//     weft::sim::atomic<int> flag{0};
//     weft::sim::var<int> data{0};
//     weft::sim::thread t([&] { data.store(1); flag.store(1, std::memory_order_release); });
//     if (flag.load(std::memory_order_acquire) == 1) weft::sim::check(data.load() == 1, "seen");
//     t.join();
//   });
//
// Every operation takes a defaulted weft::source_location, so failures and traces name the line
// of the caller. Objects should be created inside the simulated body; ones that outlive an
// execution are reset the first time they are used in the next one.
//
// Thread-safety: these types are used by simulated threads (fibers) of one runtime, which
// never run in parallel; they are not for real threads. Outside a simulation, atomics and vars
// act as plain values and mutexes do nothing, so setup and teardown code may touch them.
#pragma once

#include <weft/core/check.hpp>
#include <weft/core/format.hpp>
#include <weft/core/platform.hpp>
#include <weft/sim/runtime.hpp>

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <weft/core/source_location.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace weft::sim {

using loc = weft::source_location;

namespace detail {
[[noreturn]] void outside_simulation(const char* what);
void bad_order(runtime& r, const char* op, std::memory_order mo, const loc& where);
inline std::memory_order failure_order_for(std::memory_order mo) noexcept {
  if (mo == std::memory_order_acq_rel) return std::memory_order_acquire;
  if (mo == std::memory_order_release) return std::memory_order_relaxed;
  return mo;
}

// Whether a T has a 64-bit form in traces: integers, enums and pointers as numbers (signed
// ones sign-extended), other trivially copyable types of at most 8 bytes bit for bit.
template <class T>
inline constexpr bool has_bits = std::is_integral_v<T> || std::is_enum_v<T> ||
                                 std::is_pointer_v<T> ||
                                 (std::is_trivially_copyable_v<T> && sizeof(T) <= 8);

// The 64-bit form of a value for the trace (0 when it has none).
template <class T>
std::uint64_t bits_of(const T& v) noexcept {
  if constexpr (std::is_enum_v<T>) {
    return bits_of(static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>) {
      return static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
    } else {
      return static_cast<std::uint64_t>(v);
    }
  } else if constexpr (std::is_pointer_v<T>) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(v));
  } else if constexpr (has_bits<T>) {
    std::uint64_t out = 0;
    __builtin_memcpy(&out, &v, sizeof(T));
    return out;
  } else {
    static_cast<void>(v);
    return 0;
  }
}

// A value's hash for the livelock check's state (detail/livelock.hpp); T trivially copyable.
template <class T>
std::uint64_t state_hash(const T& v) noexcept {
  if constexpr (has_bits<T>) {
    return bits_of(v);
  } else {
    return hash_bytes(&v, sizeof(T));
  }
}

// step_record facts for a value read or written: set only when T has a 64-bit form.
template <class T>
inline constexpr std::uint8_t read_fact = has_bits<T> ? step_record::has_read : 0;
template <class T>
inline constexpr std::uint8_t written_fact = has_bits<T> ? step_record::has_written : 0;
}  // namespace detail

// Fails the current execution with an assertion failure when `condition` is false.
void check(bool condition, std::string_view message, const loc& where = loc::current());

// The same with a formatted message, so a failure says what it saw:
//   weft::sim::check(got == 2, "got {}, expected {}", got, 2);
// "{}" stands for the next argument, written with its operator<< (weft/core/format.hpp; no
// library beyond std). The message is only formatted when the check fails.
template <class A, class... Args>
  requires(!std::same_as<std::remove_cvref_t<A>, loc>)
void check(bool condition, weft::check_message message, const A& first, const Args&... rest) {
  if (condition) [[likely]] return;
  check(false, weft::format_message(message.text, first, rest...), message.where);
}

// sim::atomic<T> — std::atomic<T> with a scheduling point before each operation and
// happens-before tracking per memory order. T must be trivially copyable.
//
// wait(old) is a load (a scheduling point); while the value equals `old` the thread blocks until
// a notify_one/notify_all on this atomic, then loads again. A waiter that nobody notifies stays
// blocked, so a forgotten notify is a deadlock the simulator reports ("waits on atomic o<id>"
// at the wait). notify_* are not scheduling points (as condition_variable's): the waiter's load and its
// blocking are one step, so a store that comes before the notify is never missed.
template <class T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T>, "weft::sim::atomic<T> needs a trivially copyable T");

 public:
  atomic() noexcept : value_{} {}
  atomic(T value) noexcept : value_(value) {}  // NOLINT: implicit like std::atomic
  // A named atomic: reports and traces call it `name` instead of o<id>. `name` is not copied:
  // pass a string literal (or storage that outlives the run).
  atomic(T value, const char* name) noexcept : value_(value) { header_.name = name; }
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  // Names the atomic (as the constructor above).
  void name(const char* text) {
    if (runtime* r = runtime::active()) {
      r->name_object(header_, text);
    } else {
      header_.name = text;
    }
  }

  static constexpr bool is_always_lock_free = true;
  bool is_lock_free() const noexcept { return true; }

  T load(std::memory_order mo = std::memory_order_seq_cst, const loc& where = loc::current()) const {
    runtime* r = runtime::active();
    if (r == nullptr) return value_;
    if (mo == std::memory_order_release || mo == std::memory_order_acq_rel) {
      detail::bad_order(*r, "load", mo, where);
    }
    r->point(point_kind::atomic_load, r->object_id(header_), order_code(mo), where);
    r->atomic_load_hb(header_, mo);
    if (r->recording()) [[unlikely]] {
      r->record_outcome(detail::read_fact<T>, detail::bits_of(value_), 0);
    }
    return value_;
  }
  void store(T value, std::memory_order mo = std::memory_order_seq_cst,
             const loc& where = loc::current()) {
    runtime* r = runtime::active();
    if (r == nullptr) {
      value_ = value;
      return;
    }
    if (mo == std::memory_order_acquire || mo == std::memory_order_consume ||
        mo == std::memory_order_acq_rel) {
      detail::bad_order(*r, "store", mo, where);
    }
    r->point(point_kind::atomic_store, r->object_id(header_), order_code(mo), where);
    r->atomic_store_hb(header_, mo);
    if (r->observes_events() && bytes_equal(value_, value)) [[unlikely]] {
      r->event(event_kind::unchanged, header_.id);
    }
    if (r->tracks_state()) {
      r->state_changed(header_.id, detail::state_hash(value_), detail::state_hash(value));
    }
    value_ = value;
    if (r->recording()) [[unlikely]] {
      r->record_outcome(detail::written_fact<T>, 0, detail::bits_of(value));
    }
  }
  T exchange(T value, std::memory_order mo = std::memory_order_seq_cst,
             const loc& where = loc::current()) {
    return rmw([value](T) { return value; }, mo, where);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, const loc& where = loc::current()) {
    return cas(expected, desired, success, failure, false, where);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order mo = std::memory_order_seq_cst,
                               const loc& where = loc::current()) {
    return cas(expected, desired, mo, detail::failure_order_for(mo), false, where);
  }
  // May fail spuriously even when the values are equal: the strategy injects such failures.
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure, const loc& where = loc::current()) {
    return cas(expected, desired, success, failure, true, where);
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order mo = std::memory_order_seq_cst,
                             const loc& where = loc::current()) {
    return cas(expected, desired, mo, detail::failure_order_for(mo), true, where);
  }

  using value_type = T;
  using difference_type = std::conditional_t<std::is_pointer_v<T>, std::ptrdiff_t, T>;

  T fetch_add(T arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires std::integral<T>
  {
    return rmw([arg](T v) { return static_cast<T>(v + arg); }, mo, where);
  }
  T fetch_add(std::ptrdiff_t arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires std::is_pointer_v<T>
  {
    return rmw([arg](T v) { return v + arg; }, mo, where);
  }
  T fetch_sub(std::ptrdiff_t arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires std::is_pointer_v<T>
  {
    return rmw([arg](T v) { return v - arg; }, mo, where);
  }
  T fetch_sub(T arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires std::integral<T>
  {
    return rmw([arg](T v) { return static_cast<T>(v - arg); }, mo, where);
  }
  T fetch_and(T arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires std::integral<T>
  {
    return rmw([arg](T v) { return static_cast<T>(v & arg); }, mo, where);
  }
  T fetch_or(T arg, std::memory_order mo = std::memory_order_seq_cst,
             const loc& where = loc::current())
    requires std::integral<T>
  {
    return rmw([arg](T v) { return static_cast<T>(v | arg); }, mo, where);
  }
  T fetch_xor(T arg, std::memory_order mo = std::memory_order_seq_cst,
              const loc& where = loc::current())
    requires std::integral<T>
  {
    return rmw([arg](T v) { return static_cast<T>(v ^ arg); }, mo, where);
  }

  operator T() const { return load(); }  // NOLINT: implicit like std::atomic
  T operator=(T value) {
    store(value);
    return value;
  }
  T operator++() requires std::integral<T> { return static_cast<T>(fetch_add(1) + 1); }
  T operator++(int) requires std::integral<T> { return fetch_add(1); }
  T operator--() requires std::integral<T> { return static_cast<T>(fetch_sub(1) - 1); }
  T operator--(int) requires std::integral<T> { return fetch_sub(1); }
  T operator+=(T arg) requires std::integral<T> { return static_cast<T>(fetch_add(arg) + arg); }
  T operator-=(T arg) requires std::integral<T> { return static_cast<T>(fetch_sub(arg) - arg); }
  T operator&=(T arg) requires std::integral<T> { return static_cast<T>(fetch_and(arg) & arg); }
  T operator|=(T arg) requires std::integral<T> { return static_cast<T>(fetch_or(arg) | arg); }
  T operator^=(T arg) requires std::integral<T> { return static_cast<T>(fetch_xor(arg) ^ arg); }
  T operator++() requires std::is_pointer_v<T> { return fetch_add(1) + 1; }
  T operator++(int) requires std::is_pointer_v<T> { return fetch_add(1); }
  T operator--() requires std::is_pointer_v<T> { return fetch_sub(1) - 1; }
  T operator--(int) requires std::is_pointer_v<T> { return fetch_sub(1); }
  T operator+=(std::ptrdiff_t arg) requires std::is_pointer_v<T> { return fetch_add(arg) + arg; }
  T operator-=(std::ptrdiff_t arg) requires std::is_pointer_v<T> { return fetch_sub(arg) - arg; }

  // C++20 waiting (see the class comment). Outside a simulation a wait on an unchanged value
  // would never return, so it throws std::logic_error.
  void wait(T old, std::memory_order mo = std::memory_order_seq_cst,
            const loc& where = loc::current()) const {
    runtime* r = runtime::active();
    if (r == nullptr) {
      if (bytes_equal(value_, old)) detail::outside_simulation("weft::sim::atomic::wait");
      return;
    }
    if (mo == std::memory_order_release || mo == std::memory_order_acq_rel) {
      detail::bad_order(*r, "wait", mo, where);
    }
    const std::uint32_t id = r->object_id(header_);
    for (;;) {
      r->point(point_kind::atomic_load, id, order_code(mo), where);
      r->atomic_load_hb(header_, mo);
      if (r->recording()) [[unlikely]] {
        r->record_outcome(detail::read_fact<T>, detail::bits_of(value_), 0);
      }
      if (!bytes_equal(value_, old) || r->aborting()) return;
      r->block(runtime::wait_reason::atomic_wait, id, where);
    }
  }
  void notify_one(const loc& where = loc::current()) { notify(false, where); }
  void notify_all(const loc& where = loc::current()) { notify(true, where); }

 private:
  template <class F>
  T rmw(F f, std::memory_order mo, const loc& where) {
    runtime* r = runtime::active();
    if (r == nullptr) {
      const T old = value_;
      value_ = f(old);
      return old;
    }
    r->point(point_kind::atomic_rmw, r->object_id(header_), order_code(mo), where);
    r->atomic_rmw_hb(header_, mo);
    const T old = value_;
    value_ = f(old);
    if (r->tracks_state()) {
      r->state_changed(header_.id, detail::state_hash(old), detail::state_hash(value_));
    }
    if (r->observes_events() && bytes_equal(value_, old)) [[unlikely]] {
      r->event(event_kind::unchanged, header_.id);
    }
    if (r->recording()) [[unlikely]] {
      r->record_outcome(detail::read_fact<T> | detail::written_fact<T>, detail::bits_of(old),
                        detail::bits_of(value_));
    }
    return old;
  }
  bool cas(T& expected, T desired, std::memory_order success, std::memory_order failure,
           bool weak, const loc& where) {
    runtime* r = runtime::active();
    bool spurious = false;
    if (r != nullptr) {
      if (failure == std::memory_order_release || failure == std::memory_order_acq_rel) {
        detail::bad_order(*r, "compare_exchange (failure order)", failure, where);
      }
      const std::uint32_t id = r->object_id(header_);
      if (weak) {
        spurious = r->value_point(point_kind::atomic_cas_weak, id, 2, true, where) != 0;
      } else {
        r->point(point_kind::atomic_cas, id, order_code(success), where);
      }
    }
    if (!spurious && bytes_equal(value_, expected)) {
      if (r != nullptr) {
        r->atomic_rmw_hb(header_, success);
        if (r->observes_events() && bytes_equal(value_, desired)) [[unlikely]] {
          r->event(event_kind::unchanged, header_.id);
        }
        if (r->recording()) [[unlikely]] {
          r->record_outcome(detail::read_fact<T> | detail::written_fact<T> | step_record::succeeded,
                            detail::bits_of(value_), detail::bits_of(desired));
        }
        if (r->tracks_state()) {
          r->state_changed(header_.id, detail::state_hash(value_), detail::state_hash(desired));
        }
      }
      value_ = desired;
      return true;
    }
    if (r != nullptr) {
      if (r->observes_events()) [[unlikely]] r->event(event_kind::unchanged, header_.id);
      r->atomic_load_hb(header_, failure);
      if (r->recording()) [[unlikely]] {
        r->record_outcome(detail::read_fact<T> | step_record::failed, detail::bits_of(value_), 0);
      }
    }
    expected = value_;
    return false;
  }
  static bool bytes_equal(const T& a, const T& b) noexcept {
    return __builtin_memcmp(&a, &b, sizeof(T)) == 0;
  }
  void notify(bool all, const loc& where) {
    static_cast<void>(where);
    runtime* r = runtime::active();
    if (r == nullptr || r->aborting()) return;
    const std::uint32_t id = r->object_id(header_);
    r->event(event_kind::notify, id);
    if (all) {
      static_cast<void>(r->wake_all(runtime::wait_reason::atomic_wait, id));
    } else {
      static_cast<void>(r->wake_one(runtime::wait_reason::atomic_wait, id));
    }
  }

  T value_;
  mutable object_header header_;
};

// sim::atomic_flag — std::atomic_flag over sim::atomic<bool>: test_and_set is an exchange,
// clear a store, test a load, and wait/notify behave as sim::atomic's. Starts clear.
class atomic_flag {
 public:
  atomic_flag() noexcept = default;
  explicit atomic_flag(const char* name) noexcept : flag_{false, name} {}
  atomic_flag(const atomic_flag&) = delete;
  atomic_flag& operator=(const atomic_flag&) = delete;

  void name(const char* text) { flag_.name(text); }

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
  atomic<bool> flag_{false};
};

// sim::var<T> — plain shared data checked for data races: two accesses from different threads,
// at least one a write, that are not ordered by happens-before fail the execution. Accesses are
// not scheduling points (a race is found whatever the interleaving).
template <class T>
class var {
 public:
  var() : value_{} {}
  var(T value) : value_(std::move(value)) {}  // NOLINT: implicit, `var<int> v[2]{1, 2}`
  // A named var: reports and traces call it `name` instead of o<id> (not copied, as atomic's).
  var(T value, const char* name) : value_(std::move(value)) { header_.name = name; }
  var(const var&) = delete;
  var& operator=(const var&) = delete;

  void name(const char* text) {
    if (runtime* r = runtime::active()) {
      r->name_object(header_, text);
    } else {
      header_.name = text;
    }
  }

  // Each access is a note of a recorded trace (var.read / var.write) with the value read or
  // written, where T has a 64-bit form; with_mut's note has no value.
  T load(const loc& where = loc::current()) const {
    if (runtime* r = runtime::active()) {
      r->var_read(header_, where, detail::read_fact<T>, detail::bits_of(value_));
    }
    return value_;
  }
  void store(T value, const loc& where = loc::current()) {
    if (runtime* r = runtime::active()) {
      r->var_write(header_, where, detail::written_fact<T>, detail::bits_of(value));
      if (r->tracks_state()) {
        if constexpr (std::is_trivially_copyable_v<T>) {
          r->state_changed(header_.id, detail::state_hash(value_), detail::state_hash(value));
        } else {
          r->state_changed_opaque(header_.id);
        }
      }
    }
    value_ = std::move(value);
  }
  template <class F>
  decltype(auto) with(F&& f, const loc& where = loc::current()) const {
    if (runtime* r = runtime::active()) {
      r->var_read(header_, where, detail::read_fact<T>, detail::bits_of(value_));
    }
    return std::forward<F>(f)(static_cast<const T&>(value_));
  }
  template <class F>
  decltype(auto) with_mut(F&& f, const loc& where = loc::current()) {
    if (runtime* r = runtime::active()) {
      r->var_write(header_, where);
      if (r->tracks_state()) r->state_changed_opaque(header_.id);  // what f does is not seen
    }
    return std::forward<F>(f)(value_);
  }

 private:
  T value_;
  mutable var_header header_;
};

class condition_variable;

// sim::mutex — a non-recursive mutex. Locking a held mutex blocks; a thread that locks it twice,
// or unlocks a mutex it does not hold, fails the execution.
class mutex {
 public:
  mutex() = default;
  explicit mutex(const char* name) noexcept { header_.name = name; }
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  void name(const char* text) {
    if (runtime* r = runtime::active()) {
      r->name_object(header_, text);
    } else {
      header_.name = text;
    }
  }

  void lock(const loc& where = loc::current()) {
    runtime* r = runtime::active();
    if (r == nullptr) return;
    const std::uint32_t id = prepare(*r);
    r->point(point_kind::mutex_lock, id, order_none, where);
    if (owner_ != runtime::no_thread) [[unlikely]] wait_for_owner(*r, id, where);
    if (owner_ == runtime::no_thread) [[likely]] take(*r);
  }
  bool try_lock(const loc& where = loc::current());
  // Unlocking is not a scheduling point: its only observers are threads blocked on this mutex,
  // which cannot run before it anyway, and the unlocking thread's next operation is a point.
  void unlock(const loc& where = loc::current()) {
    runtime* r = runtime::active();
    if (r == nullptr) return;
    const std::uint32_t id = prepare(*r);
    if (owner_ != r->current()) [[unlikely]] {
      bad_unlock(*r, id, where);
      return;
    }
    release(*r, id);
  }

 private:
  friend class condition_variable;
  std::uint32_t prepare(runtime& r) {
    if (r.fresh(header_)) [[unlikely]] {
      owner_ = runtime::no_thread;
      releaser_ = runtime::no_thread;
      waiters_ = 0;
      return r.object_id(header_);
    }
    return header_.id;
  }
  void take(runtime& r) {
    owner_ = r.current();
    if (r.tracks_state()) r.state_changed(header_.id, runtime::no_thread, owner_);
    r.event(event_kind::lock_acquired, header_.id);
    // The last unlock's clock is a copy of the releaser's own clock: a thread re-taking a mutex
    // it released itself already knows all of it, and clocks only grow.
    if (releaser_ != owner_) r.acquire(header_.sync);
  }
  void acquire_blocking(runtime& r, std::uint32_t id, const loc& where) {
    if (owner_ != runtime::no_thread) [[unlikely]] wait_for_owner(r, id, where);
    if (owner_ == runtime::no_thread) [[likely]] take(r);
  }
  void release(runtime& r, std::uint32_t id) {
    if (r.tracks_state()) r.state_changed(id, owner_, runtime::no_thread);
    releaser_ = owner_;
    owner_ = runtime::no_thread;
    r.event(event_kind::unlock, id);
    r.release_to(header_.sync);
    if (waiters_ != 0) [[unlikely]] r.wake_all(runtime::wait_reason::mutex, id);
  }
  // Blocks until the mutex is free (returns early, still held, only when unwinding).
  void wait_for_owner(runtime& r, std::uint32_t id, const loc& where);
  void bad_unlock(runtime& r, std::uint32_t id, const loc& where);

  object_header header_;
  std::uint32_t owner_ = runtime::no_thread;
  std::uint32_t releaser_ = runtime::no_thread;  // who unlocked last (header_.sync is its clock)
  std::uint32_t waiters_ = 0;  // threads blocked in lock(): unlock wakes them only if any
};

// sim::clock — virtual steady time. It starts at 0 in every execution and advances only when
// every thread waits: then it jumps to the earliest deadline.
struct clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<clock>;
  static constexpr bool is_steady = true;
  static time_point now(const loc& where = loc::current());
};

// sim::condition_variable — for std::unique_lock<sim::mutex>. Spurious wake-ups are injected
// by the strategy; timed waits time out on the virtual clock.
class condition_variable {
 public:
  condition_variable() = default;
  explicit condition_variable(const char* name) noexcept { header_.name = name; }
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  void name(const char* text) {
    if (runtime* r = runtime::active()) {
      r->name_object(header_, text);
    } else {
      header_.name = text;
    }
  }

  void wait(std::unique_lock<mutex>& lock, const loc& where = loc::current());
  template <class Pred>
  void wait(std::unique_lock<mutex>& lock, Pred pred, const loc& where = loc::current()) {
    while (!pred()) wait(lock, where);
  }
  std::cv_status wait_until(std::unique_lock<mutex>& lock, clock::time_point deadline,
                            const loc& where = loc::current()) {
    return wait_until_ns(lock, deadline.time_since_epoch().count(), where);
  }
  template <class Pred>
  bool wait_until(std::unique_lock<mutex>& lock, clock::time_point deadline, Pred pred,
                  const loc& where = loc::current()) {
    const std::int64_t deadline_ns = deadline.time_since_epoch().count();
    while (!pred()) {
      if (wait_until_ns(lock, deadline_ns, where) == std::cv_status::timeout) return pred();
    }
    return true;
  }
  template <class Rep, class Period>
  std::cv_status wait_for(std::unique_lock<mutex>& lock, std::chrono::duration<Rep, Period> d,
                          const loc& where = loc::current()) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    return wait_until_ns(lock, clock::now(where).time_since_epoch().count() + (ns > 0 ? ns : 0),
                         where);
  }
  template <class Rep, class Period, class Pred>
  bool wait_for(std::unique_lock<mutex>& lock, std::chrono::duration<Rep, Period> d, Pred pred,
                const loc& where = loc::current()) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    const std::int64_t deadline = clock::now(where).time_since_epoch().count() + (ns > 0 ? ns : 0);
    while (!pred()) {
      if (wait_until_ns(lock, deadline, where) == std::cv_status::timeout) return pred();
    }
    return true;
  }
  void notify_one(const loc& where = loc::current());
  void notify_all(const loc& where = loc::current());

 private:
  std::cv_status wait_until_ns(std::unique_lock<mutex>& lock, std::int64_t deadline_ns,
                               const loc& where);
  void prepare(runtime& r) noexcept {
    if (r.fresh(header_)) {
      waiters_ = 0;
    }
  }
  object_header header_;
  std::uint32_t waiters_ = 0;           // threads blocked in a wait
};

// sim::thread — a simulated thread (a fiber). Must be joined before it is destroyed, as with
// std::thread; a thread destroyed while joinable fails the execution (kind leak).
class thread {
 public:
  thread() noexcept = default;
  template <class F>
    requires std::invocable<std::decay_t<F>&>
  explicit thread(F&& f, const loc& where = loc::current()) {
    start(nullptr, std::forward<F>(f), where);
  }
  // A named thread: the name appears in reports, traces and swimlanes. `name` is not copied:
  // pass a string literal (or storage that outlives the run).
  template <class F>
    requires std::invocable<std::decay_t<F>&>
  thread(const char* name, F&& f, const loc& where = loc::current()) {
    start(name, std::forward<F>(f), where);
  }
  thread(thread&& other) noexcept : id_(std::exchange(other.id_, runtime::no_thread)) {}
  thread& operator=(thread&& other) noexcept;
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;
  ~thread();

  bool joinable() const noexcept { return id_ != runtime::no_thread; }
  void join(const loc& where = loc::current());
  std::uint32_t get_id() const noexcept { return id_; }

 private:
  template <class F>
  void start(const char* name, F&& f, const loc& where) {
    runtime* r = runtime::active();
    if (r == nullptr) detail::outside_simulation("weft::sim::thread");
    id_ = r->spawn(std::forward<F>(f), name, where);
  }
  std::uint32_t id_ = runtime::no_thread;
};

// sim::parker — a one-token binary semaphore: park() blocks until a token is there and takes
// it; unpark() (from any thread) leaves one. What the unparker did before unpark()
// happens-before what the parker does after park() returns.
class parker {
 public:
  parker() = default;
  explicit parker(const char* name) noexcept { header_.name = name; }
  parker(const parker&) = delete;
  parker& operator=(const parker&) = delete;

  void name(const char* text) {
    if (runtime* r = runtime::active()) {
      r->name_object(header_, text);
    } else {
      header_.name = text;
    }
  }
  void park(const loc& where = loc::current());
  void unpark(const loc& where = loc::current());

 private:
  object_header header_;
  bool token_ = false;
};

// Inline, so that the livelock check sees the caller's own frame and registers where it stops
// (runtime::yield_point).
inline void yield(const loc& where = loc::current()) {
  if (runtime* r = runtime::active()) r->yield_point(where);
}
inline void sleep_for(std::chrono::nanoseconds d, const loc& where = loc::current()) {
  runtime* r = runtime::active();
  if (r == nullptr) detail::outside_simulation("weft::sim::sleep_for");
  r->sleep_point(d.count(), where);
}
std::uint32_t this_thread_id();
// Uniform in [0, bound): a decision of the strategy, recorded in the trace and replayed.
std::uint64_t random(std::uint64_t bound, const loc& where = loc::current());
void atomic_thread_fence(std::memory_order mo, const loc& where = loc::current());

// Names an object (atomic, atomic_flag, var, mutex, condition_variable, parker): reports and
// traces call it `text` instead of o<id>. `text` is not copied: pass a string literal (or
// storage that outlives the run).
template <class Object>
  requires requires(Object& o, const char* text) { o.name(text); }
void name(Object& object, const char* text) {
  object.name(text);
}

// The platform policy for code written against weft::platform.
struct platform {
  template <class T>
  using atomic = sim::atomic<T>;
  template <class T>
  using var = sim::var<T>;
  using atomic_flag = sim::atomic_flag;
  using mutex = sim::mutex;
  using condition_variable = sim::condition_variable;
  using thread = sim::thread;
  using parker = sim::parker;
  using clock = sim::clock;

  static void yield(const loc& where = loc::current()) { sim::yield(where); }
  static clock::time_point now(const loc& where = loc::current()) { return clock::now(where); }
  template <class Rep, class Period>
  static void sleep_for(std::chrono::duration<Rep, Period> d, const loc& where = loc::current()) {
    sim::sleep_for(std::chrono::duration_cast<std::chrono::nanoseconds>(d), where);
  }
  static std::uint32_t this_thread_id() { return sim::this_thread_id(); }
  static std::uint64_t random(std::uint64_t bound, const loc& where = loc::current()) {
    return sim::random(bound, where);
  }
  static void atomic_thread_fence(std::memory_order mo, const loc& where = loc::current()) {
    sim::atomic_thread_fence(mo, where);
  }
  template <class Object>
  static void name(Object& object, const char* text) {
    sim::name(object, text);
  }
  [[noreturn]] static void assert_failed(const char* expr, const char* message, loc where);
};

static_assert(weft::platform<platform>);

}  // namespace weft::sim
