// The real platform costs nothing: the same loops written against weft::os and against the
// standard library directly, in one binary. weft::os::atomic<T> *is* std::atomic<T> (checked
// below at compile time); var<T> and the mutex are inline wrappers or the std types themselves.
//
// Run: build/release/bench/weft_platform_bench   (docs/perf/simulator.md has the figures)
#include <weft/core/os_platform.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <mutex>
#include <type_traits>

static_assert(std::is_same_v<weft::os::atomic<int>, std::atomic<int>>);
static_assert(std::is_same_v<weft::os::mutex, std::mutex>);
static_assert(std::is_same_v<weft::os::condition_variable, std::condition_variable>);

namespace {

template <class P>
void counter_loop(benchmark::State& state) {
  typename P::template atomic<long> counter{0};
  typename P::template var<long> plain{0};
  typename P::mutex m;
  for (auto _ : state) {
    counter.fetch_add(1, std::memory_order_relaxed);
    {
      std::scoped_lock lock(m);
      plain.store(plain.load() + counter.load(std::memory_order_acquire));
    }
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(plain.load());
}

// The same loop, hand-written with std types.
struct std_only {
  template <class T>
  using atomic = std::atomic<T>;
  template <class T>
  struct var {
    T value;
    explicit var(T v) : value(v) {}
    T load() const { return value; }
    void store(T v) { value = v; }
  };
  using mutex = std::mutex;
};

void BM_StdCounter(benchmark::State& state) { counter_loop<std_only>(state); }
void BM_WeftOsCounter(benchmark::State& state) { counter_loop<weft::os>(state); }
BENCHMARK(BM_StdCounter);
BENCHMARK(BM_WeftOsCounter);

}  // namespace
