// weft/core/platform.hpp — the platform concept.
//
// Every operation that weft's runtime performs and that can interleave with another thread goes
// through a *platform*: a policy struct passed as a template parameter
// (`template <class T, class P = weft::default_platform> class mailbox`). The same source then
// compiles against real threads (weft::os), the deterministic simulator (weft::sim::platform) and
// the Relacy Race Detector. This header states, as a C++20 concept, what a platform provides.
//
//   P::atomic<U>            std::atomic-shaped; every op takes an optional std::memory_order.
//   P::var<U>               plain shared data: load(), store(v), with(f), with_mut(f). The
//                           simulator checks every access for data races (happens-before).
//   P::mutex                lock / try_lock / unlock (std Lockable: std::scoped_lock works).
//   P::condition_variable   wait / wait_for / wait_until (with and without predicate), notify_*,
//                           used with std::unique_lock<P::mutex>. Spurious wake-ups are allowed.
//   P::thread               constructed from a callable, join(), joinable().
//   P::parker               a one-token binary semaphore owned by one thread: park() blocks
//                           until a token is available and consumes it; unpark() makes one
//                           available (from any thread). Spurious returns from park() are allowed.
//   P::clock, P::now(), P::sleep_for(d)          steady time (virtual in the simulator).
//   P::yield()                                   a hint that the caller waits on another thread.
//   P::this_thread_id()                          small dense id of the calling thread.
//   P::random(bound)                             uniform in [0, bound); recorded by the simulator.
//   P::atomic_thread_fence(order)
//   P::assert_failed(expr, message, location)    [[noreturn]]; see weft/core/assert.hpp.
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
#include <cstdint>
#include <mutex>
#include <weft/core/source_location.hpp>

namespace weft {

namespace detail {
struct concept_probe {
  void operator()() const {}
};
}  // namespace detail

template <class P>
concept platform = requires(typename P::template atomic<int>& a, typename P::template var<int>& v,
                            typename P::mutex& m, typename P::condition_variable& cv,
                            std::unique_lock<typename P::mutex>& lk, typename P::thread& t,
                            typename P::parker& pk, typename P::clock::duration d,
                            std::uint64_t bound, weft::source_location loc) {
  // atomics
  { a.load(std::memory_order_acquire) } -> std::same_as<int>;
  a.store(1, std::memory_order_release);
  { a.exchange(1, std::memory_order_acq_rel) } -> std::same_as<int>;
  { a.fetch_add(1, std::memory_order_relaxed) } -> std::same_as<int>;
  { a.compare_exchange_strong(std::declval<int&>(), 1, std::memory_order_acq_rel,
                              std::memory_order_acquire) } -> std::same_as<bool>;
  { a.compare_exchange_weak(std::declval<int&>(), 1, std::memory_order_acq_rel,
                            std::memory_order_acquire) } -> std::same_as<bool>;
  P::atomic_thread_fence(std::memory_order_seq_cst);
  // plain shared data
  { v.load() } -> std::same_as<int>;
  v.store(1);
  // blocking
  m.lock();
  { m.try_lock() } -> std::same_as<bool>;
  m.unlock();
  cv.wait(lk);
  { cv.wait_for(lk, d) } -> std::same_as<std::cv_status>;
  cv.notify_one();
  cv.notify_all();
  requires std::constructible_from<typename P::thread, detail::concept_probe>;
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
