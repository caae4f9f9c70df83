// weft/core/os_platform.hpp — weft::os, the real-threads platform.
//
// Every member is the standard library's own type or a thin inline wrapper over it, so code
// written against the platform concept compiles to the same machine code as hand-written std
// code (bench/platform_overhead_bench.cpp measures it). This file and os_platform.cpp are the
// only places in core/ allowed to name std::atomic, std::mutex, std::thread, thread_local or
// std::this_thread directly (tests/core/core_purity_check.cmake enforces it).
//
// os::thread is std::thread's behaviour plus a name: `thread t("producer", f)` sets the OS
// thread's name (pthread_setname_np; Linux keeps 15 characters, so a longer name is truncated),
// which debuggers, top -H and perf show.
//
// Thread-safety: as the std types they wrap.
#pragma once

#include <weft/core/platform.hpp>

#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <weft/core/source_location.hpp>
#include <thread>
#include <type_traits>
#include <utility>

namespace weft {

struct os {
  template <class T>
  using atomic = std::atomic<T>;

  // os::var<T> — plain shared data. On real threads it is the value itself; the accessors
  // exist so that the same source is race-checked in the simulator and under Relacy.
  template <class T>
  class var {
   public:
    var() = default;
    var(T value) : value_(std::move(value)) {}  // NOLINT: implicit, `var<int> v[2]{1, 2}`
    var(T value, const char* name) : value_(std::move(value)) { static_cast<void>(name); }
    var(const var&) = delete;
    var& operator=(const var&) = delete;

    T load() const { return value_; }
    void store(T value) { value_ = std::move(value); }
    template <class F>
    decltype(auto) with(F&& f) const {
      return std::forward<F>(f)(static_cast<const T&>(value_));
    }
    template <class F>
    decltype(auto) with_mut(F&& f) {
      return std::forward<F>(f)(value_);
    }

   private:
    T value_{};
  };

  using mutex = std::mutex;
  using condition_variable = std::condition_variable;
  using atomic_flag = std::atomic_flag;

  // os::thread — a std::thread that may carry a name (see the banner).
  class thread {
   public:
    thread() noexcept = default;
    template <class F>
      requires std::invocable<std::decay_t<F>&>
    explicit thread(F&& f) : thread_(std::forward<F>(f)) {}
    template <class F>
      requires std::invocable<std::decay_t<F>&>
    thread(const char* name, F&& f) : thread_(std::forward<F>(f)) {
      set_name(thread_, name);
    }
    thread(thread&&) noexcept = default;
    thread& operator=(thread&&) noexcept = default;
    thread(const thread&) = delete;
    thread& operator=(const thread&) = delete;
    ~thread() = default;

    bool joinable() const noexcept { return thread_.joinable(); }
    void join() { thread_.join(); }
    void detach() { thread_.detach(); }
    std::thread::id get_id() const noexcept { return thread_.get_id(); }
    std::thread::native_handle_type native_handle() { return thread_.native_handle(); }

   private:
    // Names the OS thread (truncated to 15 characters); a null or empty name leaves it as is.
    static void set_name(std::thread& t, const char* name) noexcept;
    std::thread thread_;
  };

  using clock = std::chrono::steady_clock;

  // os::parker — one-token binary semaphore owned by the thread that parks on it.
  class parker {
   public:
    void park() {
      // acquire: pairs with the release in unpark, so what the unparker wrote before
      // unpark() is visible after park() returns.
      while (!token_.exchange(false, std::memory_order_acquire)) {
        token_.wait(false, std::memory_order_relaxed);
      }
    }
    void unpark() {
      token_.store(true, std::memory_order_release);  // release: publishes to the parker
      token_.notify_one();
    }

   private:
    std::atomic<bool> token_{false};
  };

  static void yield() noexcept { std::this_thread::yield(); }
  static clock::time_point now() noexcept { return clock::now(); }
  template <class Rep, class Period>
  static void sleep_for(std::chrono::duration<Rep, Period> d) {
    std::this_thread::sleep_for(d);
  }
  static void atomic_thread_fence(std::memory_order order) noexcept {
    std::atomic_thread_fence(order);
  }
  // Small dense id of the calling thread (0 for the first thread that asks, then 1, 2, ...).
  static std::uint32_t this_thread_id() noexcept;
  // Uniform in [0, bound) from a per-thread xoshiro256** generator; bound 0 returns 0.
  static std::uint64_t random(std::uint64_t bound) noexcept;
  [[noreturn]] static void assert_failed(const char* expr, const char* message,
                                         weft::source_location where) noexcept;
  // Names an object for the simulator's reports and traces; real threads record nothing, so
  // here it does nothing. (os::atomic is std::atomic itself, which has no name constructor:
  // portable code names atomics with P::name.)
  template <class Object>
  static void name(Object& object, const char* text) noexcept {
    static_cast<void>(object);
    static_cast<void>(text);
  }
};

static_assert(platform<os>);

}  // namespace weft
