// weft/core/platform.hpp — the platform concept.
//
// Every operation that weft's runtime performs and that can interleave with another thread goes
// through a *platform*: a policy struct passed as a template parameter
// (`template <class T, class P = weft::default_platform> class mailbox`). The same source then
// compiles against real threads (weft::os), the deterministic simulator (weft::sim::platform) and
// the Relacy Race Detector (weft::relacy::platform). This header states, as a C++20 concept, what
// a platform provides; `requires weft::platform<P>` on a template (the mailbox and the actor have
// it) then guarantees that it compiles on every platform.
//
//   P::atomic<U>            std::atomic-shaped; every op takes an optional std::memory_order:
//                           load, store, exchange, compare_exchange_strong/weak, fetch_add/sub
//                           (integers, and pointers by a std::ptrdiff_t), fetch_and/or/xor,
//                           ++ -- += -= (integers and pointers), &= |= ^= (integers), and the
//                           C++20 wait(old) / notify_one() / notify_all(): wait blocks while the
//                           value equals `old`, until a notify finds the value changed.
//   P::atomic_flag          std::atomic_flag-shaped: test_and_set, clear, test, wait(old),
//                           notify_one, notify_all; starts clear.
//   P::var<U>               plain shared data: load(), store(v), with(f), with_mut(f);
//                           constructible from a U implicitly (`var<int> b[3]{100, 100, 100}`).
//                           The simulator and Relacy check every access for data races.
//   P::mutex                lock / try_lock / unlock (std Lockable: std::scoped_lock works).
//   P::condition_variable   wait / wait_for / wait_until (with and without predicate), notify_*,
//                           used with std::unique_lock<P::mutex>. Spurious wake-ups are allowed.
//   P::thread               constructed from a callable, or from a name and a callable
//                           (`typename P::thread t("producer", f)`: the OS thread name on
//                           weft::os, truncated to 15 characters; the thread's name in the
//                           simulator's reports and traces; a line in Relacy's history); join(),
//                           joinable(). The name is not copied by every platform: pass a string
//                           literal or storage that outlives the thread.
//   P::parker               a one-token binary semaphore owned by one thread: park() blocks
//                           until a token is available and consumes it; unpark() makes one
//                           available (from any thread). Spurious returns from park() are allowed.
//   P::clock, P::now(), P::sleep_for(d)          steady time (virtual in the simulator).
//   P::yield()                                   a hint that the caller waits on another thread.
//                           The simulator's searches (dpor, dfs) take it at its word: a yield
//                           after operations that only read, every value read still current,
//                           waits until another thread writes one of them, so a read-only spin
//                           loop is not unrolled. A loop that counts its spins and gives up
//                           after N is explored as if it never gave up; search it with the
//                           strategy option await=0.
//   P::this_thread_id()                          small dense id of the calling thread.
//   P::random(bound)                             uniform in [0, bound); recorded by the simulator.
//   P::atomic_thread_fence(order)
//   P::assert_failed(expr, message, location)    [[noreturn]]; see weft/core/assert.hpp.
//
// Portable test bodies check with weft::check<P>(condition, "got {}, expected {}", a, b)
// (weft/core/check.hpp): a failed check formats its message (weft/core/format.hpp, std only)
// and hands it to P::assert_failed with the caller's line.
//
// Core code reaches members through aliases (`using atomic_size = typename P::template
// atomic<std::size_t>;`) and never names std::atomic, std::mutex, std::thread, thread_local or
// std::this_thread itself: fibers share one OS thread, so identity, time and randomness must
// come from the platform.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <weft/core/source_location.hpp>

namespace weft {

namespace detail {
struct concept_probe {
  void operator()() const {}
};
struct predicate_probe {
  bool operator()() const { return true; }
};
struct read_probe {
  int operator()(const int& x) const { return x; }
};
struct write_probe {
  int operator()(int& x) const { return ++x; }
};
}  // namespace detail

template <class P>
concept platform = requires(typename P::template atomic<int>& a,
                            typename P::template atomic<int*>& ap, typename P::atomic_flag& f,
                            typename P::template var<int>& v,
                            const typename P::template var<int>& cval,
                            typename P::mutex& m, typename P::condition_variable& cv,
                            std::unique_lock<typename P::mutex>& lk, typename P::thread& t,
                            typename P::parker& pk, typename P::clock::duration d,
                            typename P::clock::time_point tp, std::uint64_t bound,
                            std::ptrdiff_t diff, weft::source_location loc) {
  // atomics
  { a.load(std::memory_order_acquire) } -> std::same_as<int>;
  a.store(1, std::memory_order_release);
  { a.exchange(1, std::memory_order_acq_rel) } -> std::same_as<int>;
  { a.fetch_add(1, std::memory_order_relaxed) } -> std::same_as<int>;
  { a.compare_exchange_strong(std::declval<int&>(), 1, std::memory_order_acq_rel,
                              std::memory_order_acquire) } -> std::same_as<bool>;
  { a.compare_exchange_weak(std::declval<int&>(), 1, std::memory_order_acq_rel,
                            std::memory_order_acquire) } -> std::same_as<bool>;
  { a.fetch_sub(1, std::memory_order_relaxed) } -> std::same_as<int>;
  { a.fetch_and(1, std::memory_order_relaxed) } -> std::same_as<int>;
  { a.fetch_or(1, std::memory_order_relaxed) } -> std::same_as<int>;
  { a.fetch_xor(1, std::memory_order_relaxed) } -> std::same_as<int>;
  { ++a } -> std::same_as<int>;
  { a++ } -> std::same_as<int>;
  { --a } -> std::same_as<int>;
  { a-- } -> std::same_as<int>;
  { a += 1 } -> std::same_as<int>;
  { a -= 1 } -> std::same_as<int>;
  { a &= 1 } -> std::same_as<int>;
  { a |= 1 } -> std::same_as<int>;
  { a ^= 1 } -> std::same_as<int>;
  a.wait(0, std::memory_order_acquire);
  a.notify_one();
  a.notify_all();
  // pointer arithmetic on atomics
  { ap.fetch_add(diff, std::memory_order_relaxed) } -> std::same_as<int*>;
  { ap.fetch_sub(diff, std::memory_order_relaxed) } -> std::same_as<int*>;
  { ++ap } -> std::same_as<int*>;
  { ap++ } -> std::same_as<int*>;
  { --ap } -> std::same_as<int*>;
  { ap-- } -> std::same_as<int*>;
  { ap += diff } -> std::same_as<int*>;
  { ap -= diff } -> std::same_as<int*>;
  // atomic_flag
  { f.test_and_set(std::memory_order_acquire) } -> std::same_as<bool>;
  { f.test(std::memory_order_acquire) } -> std::same_as<bool>;
  f.clear(std::memory_order_release);
  f.wait(true, std::memory_order_acquire);
  f.notify_one();
  f.notify_all();
  requires std::default_initializable<typename P::atomic_flag>;
  P::atomic_thread_fence(std::memory_order_seq_cst);
  // plain shared data
  { v.load() } -> std::same_as<int>;
  v.store(1);
  { cval.with(detail::read_probe{}) } -> std::same_as<int>;
  { v.with_mut(detail::write_probe{}) } -> std::same_as<int>;
  requires std::convertible_to<int, typename P::template var<int>>;
  requires std::constructible_from<typename P::template var<int>, int, const char*>;
  // names for reports and traces (a no-op where the platform records nothing)
  P::name(a, "a");
  P::name(f, "f");
  P::name(v, "v");
  P::name(m, "m");
  P::name(cv, "cv");
  P::name(pk, "pk");
  // blocking
  m.lock();
  { m.try_lock() } -> std::same_as<bool>;
  m.unlock();
  cv.wait(lk);
  cv.wait(lk, detail::predicate_probe{});
  { cv.wait_for(lk, d) } -> std::same_as<std::cv_status>;
  { cv.wait_for(lk, d, detail::predicate_probe{}) } -> std::same_as<bool>;
  { cv.wait_until(lk, tp) } -> std::same_as<std::cv_status>;
  { cv.wait_until(lk, tp, detail::predicate_probe{}) } -> std::same_as<bool>;
  cv.notify_one();
  cv.notify_all();
  requires std::constructible_from<typename P::thread, detail::concept_probe>;
  requires std::constructible_from<typename P::thread, const char*, detail::concept_probe>;
  t.join();
  { t.joinable() } -> std::same_as<bool>;
  pk.park();
  pk.unpark();
  // scheduling, identity, randomness, time
  P::yield();
  { P::this_thread_id() } -> std::convertible_to<std::uint32_t>;
  { P::random(bound) } -> std::same_as<std::uint64_t>;
  { P::now() } -> std::same_as<typename P::clock::time_point>;
  P::sleep_for(d);
  P::assert_failed("expr", "message", loc);
};

}  // namespace weft
