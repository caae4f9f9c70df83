// Simulator speed: the cost of a scheduling point (with and without a fiber switch), of setting
// up an execution, and executions per second of weft's simulator against Relacy's random
// scheduler on the same scenarios, measured in the same run and reported as a ratio.
//
// Run: build/release/bench/weft_sim_bench   (docs/perf/simulator.md has the figures)
#include "relacy_scenarios.hpp"

#include <weft/sim/platform.hpp>
#include <weft/sim/runtime.hpp>
#include <weft/sim/strategy.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <functional>
#include <mutex>
#include <stdexcept>

namespace {

namespace sim = weft::sim;
namespace peer = weft::bench::relacy_peer;
// Rates are measured in CPU time of the calling thread: both simulators run every simulated
// thread on it, and CPU time is not inflated by other processes on a shared machine.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Always hands the choice to a thread other than the current one: every point switches.
class round_robin final : public sim::strategy {
 public:
  std::string_view name() const noexcept override { return "round-robin"; }
  sim::strategy_params params() const override { return {}; }
  void begin_execution(std::uint64_t) override {}
  std::uint32_t pick_thread(const sim::decision_context& ctx) override {
    for (const std::uint8_t t : ctx.runnable) {
      if (t != ctx.current) return t;
    }
    return ctx.runnable[0];
  }
  std::uint64_t pick_value(const sim::decision_context&, std::uint64_t) override { return 0; }
  bool pick_fault(const sim::decision_context&) override { return false; }
};

constexpr int points_per_thread = 1000;

void BM_PointNoSwitch(benchmark::State& state) {
  sim::runtime rt;
  auto strat = sim::make_strategy(sim::strategy_config{});
  auto body = [] {
    sim::atomic<int> a{0};
    for (int i = 0; i < points_per_thread; ++i) benchmark::DoNotOptimize(a.load(std::memory_order_relaxed));
  };
  std::uint64_t seed = 0;
  for (auto _ : state) rt.run(*strat, ++seed, body, false);
  state.counters["ns_per_point"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * points_per_thread,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_PointNoSwitch);

void BM_PointWithSwitch(benchmark::State& state) {
  sim::runtime rt;
  round_robin strat;
  auto body = [] {
    auto spin = [] {
      for (int i = 0; i < points_per_thread; ++i) sim::yield();
    };
    sim::thread a(spin);
    sim::thread b(spin);
    a.join();
    b.join();
  };
  std::uint64_t seed = 0;
  for (auto _ : state) rt.run(strat, ++seed, body, false);
  state.counters["ns_per_point"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2 * points_per_thread,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_PointWithSwitch);

// Set-up and tear-down of an execution whose fibers are reused: an empty body, and a body
// that starts and joins two threads that do nothing.
void BM_ExecutionSetupEmpty(benchmark::State& state) {
  sim::runtime rt;
  auto strat = sim::make_strategy(sim::strategy_config{});
  auto body = [] {};
  std::uint64_t seed = 0;
  for (auto _ : state) rt.run(*strat, ++seed, body, false);
}
BENCHMARK(BM_ExecutionSetupEmpty);

// The same inside a batch: executions follow each other on the body's fiber.
void BM_ExecutionSetupEmptyBatched(benchmark::State& state) {
  sim::runtime rt;
  auto strat = sim::make_strategy(sim::strategy_config{});
  auto body = [] {};
  std::uint64_t first = 0;
  for (auto _ : state) {
    rt.run_batch(*strat, 42, first, 1000, body);
    first += 1000;
  }
  state.counters["ns_per_execution"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 1000,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ExecutionSetupEmptyBatched);

void BM_ExecutionSetupTwoThreads(benchmark::State& state) {
  sim::runtime rt;
  auto strat = sim::make_strategy(sim::strategy_config{});
  auto body = [] {
    sim::thread a([] {});
    sim::thread b([] {});
    a.join();
    b.join();
  };
  std::uint64_t seed = 0;
  for (auto _ : state) rt.run(*strat, ++seed, body, false);
}
BENCHMARK(BM_ExecutionSetupTwoThreads);

// ----- the shared scenarios, written for weft exactly as relacy_scenarios.cpp writes them -----

// Relacy's test_suite<T, N> has exactly N simulated threads, with before()/after() run around
// them. In weft the body is itself a simulated thread, so the faithful equivalent is a body
// that does the work of thread 0 and spawns the other N-1 (how loom and weft tests are
// written): both then simulate N threads doing the same operations.
template <int Threads, int Increments>
void weft_mutex_counter() {
  sim::mutex m;
  sim::var<int> counter{0};
  auto work = [&] {
    for (int i = 0; i < Increments; ++i) {
      m.lock();
      counter.store(counter.load() + 1);
      m.unlock();
    }
  };
  std::array<sim::thread, Threads - 1> others;
  for (auto& t : others) t = sim::thread(work);
  work();
  for (auto& t : others) t.join();
  sim::check(counter.load() == Threads * Increments, "every increment counted");
}

// Producers are spawned; the body thread is the consumer (Producers + 1 threads in all).
template <int Producers, int Messages, int Capacity>
void weft_bounded_buffer() {
  sim::mutex m;
  sim::condition_variable not_full;
  sim::condition_variable not_empty;
  std::array<sim::var<int>, Capacity> slots;
  sim::var<int> head{0};
  sim::var<int> tail{0};
  sim::var<int> count{0};
  auto produce = [&](int producer) {
    for (int i = 0; i < Messages; ++i) {
      std::unique_lock lock(m);
      while (count.load() == Capacity) not_full.wait(lock);
      const int t = tail.load();
      slots[static_cast<std::size_t>(t)].store(producer * 1000 + i);
      tail.store((t + 1) % Capacity);
      count.store(count.load() + 1);
      not_empty.notify_one();
    }
  };
  std::array<sim::thread, Producers> producers;
  for (int p = 0; p < Producers; ++p) {
    producers[static_cast<std::size_t>(p)] = sim::thread([&produce, p] { produce(p); });
  }
  std::array<int, Producers> next{};
  int sum = 0;
  for (int i = 0; i < Producers * Messages; ++i) {
    std::unique_lock lock(m);
    while (count.load() == 0) not_empty.wait(lock);
    const int h = head.load();
    const int v = slots[static_cast<std::size_t>(h)].load();
    head.store((h + 1) % Capacity);
    count.store(count.load() - 1);
    not_full.notify_one();
    lock.unlock();
    const int producer = v / 1000;
    sim::check(v % 1000 == next[static_cast<std::size_t>(producer)]++, "fifo per producer");
    sum += v;
  }
  for (auto& t : producers) t.join();
  int expected = 0;
  for (int p = 0; p < Producers; ++p) {
    for (int i = 0; i < Messages; ++i) expected += p * 1000 + i;
  }
  sim::check(sum == expected, "every message received once");
}

// Runs `executions` executions of `body` with weft's random strategy (race detection and
// fault injection on, as always) and returns executions per second.
double weft_rate(const std::function<void()>& body, std::uint64_t executions) {
  sim::runtime rt;
  auto strat = sim::make_strategy(sim::strategy_config{});
  const double start = thread_cpu_seconds();
  const auto batch = rt.run_batch(*strat, 42, 0, executions, body);
  if (batch.failed_at != executions) throw std::runtime_error("weft: benchmark scenario failed");
  return static_cast<double>(executions) / (thread_cpu_seconds() - start);
}

double relacy_rate(const std::function<peer::run_result(std::uint64_t)>& run,
                   std::uint64_t executions) {
  const double start = thread_cpu_seconds();
  const peer::run_result r = run(executions);
  const double seconds = thread_cpu_seconds() - start;
  if (r.failed) throw std::runtime_error("relacy: benchmark scenario failed");
  return static_cast<double>(r.executions) / seconds;
}

// One benchmark iteration = weft and Relacy back to back on the same scenario; the counters
// are both rates and their ratio, so noise on a shared machine hits both alike.
void compare(benchmark::State& state, const std::function<void()>& weft_body,
             const std::function<peer::run_result(std::uint64_t)>& relacy_run) {
  const auto executions = static_cast<std::uint64_t>(state.range(0));
  double weft = 0;
  double relacy = 0;
  for (auto _ : state) {
    weft = std::max(weft, weft_rate(weft_body, executions));
    relacy = std::max(relacy, relacy_rate(relacy_run, executions));
  }
  state.counters["weft_exec_per_s"] = weft;
  state.counters["relacy_exec_per_s"] = relacy;
  state.counters["ratio"] = weft / relacy;
}

// weft alone, for profiling.
void BM_WeftMutexCounter_2x3(benchmark::State& state) {
  sim::runtime rt;
  auto strat = sim::make_strategy(sim::strategy_config{});
  std::function<void()> body = weft_mutex_counter<2, 3>;
  std::uint64_t first = 0;
  for (auto _ : state) {
    rt.run_batch(*strat, 42, first, 1000, body);
    first += 1000;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_WeftMutexCounter_2x3);

void BM_WeftBoundedBuffer_2p2m_cap2(benchmark::State& state) {
  sim::runtime rt;
  auto strat = sim::make_strategy(sim::strategy_config{});
  std::function<void()> body = weft_bounded_buffer<2, 2, 2>;
  std::uint64_t first = 0;
  for (auto _ : state) {
    rt.run_batch(*strat, 42, first, 1000, body);
    first += 1000;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_WeftBoundedBuffer_2p2m_cap2);

void BM_VsRelacy_MutexCounter_2x3(benchmark::State& state) {
  compare(state, weft_mutex_counter<2, 3>,
          [](std::uint64_t n) { return peer::mutex_counter(2, 3, n); });
}
BENCHMARK(BM_VsRelacy_MutexCounter_2x3)->Arg(200'000)->Iterations(3)->Unit(benchmark::kMillisecond);

void BM_VsRelacy_MutexCounter_3x3(benchmark::State& state) {
  compare(state, weft_mutex_counter<3, 3>,
          [](std::uint64_t n) { return peer::mutex_counter(3, 3, n); });
}
BENCHMARK(BM_VsRelacy_MutexCounter_3x3)->Arg(200'000)->Iterations(3)->Unit(benchmark::kMillisecond);

void BM_VsRelacy_BoundedBuffer_2p2m_cap2(benchmark::State& state) {
  compare(state, weft_bounded_buffer<2, 2, 2>,
          [](std::uint64_t n) { return peer::bounded_buffer(2, 2, 2, n); });
}
BENCHMARK(BM_VsRelacy_BoundedBuffer_2p2m_cap2)->Arg(100'000)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
