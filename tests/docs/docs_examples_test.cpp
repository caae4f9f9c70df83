// The code examples of docs/simulator.md, compiled and run as tests.
//
// Every ```cpp block of the guide appears here verbatim, under a comment naming its section;
// the test weft_docs_examples_in_sync (check_examples.cmake) fails when one does not.
// Change an example here and in the guide together.

// docs/simulator.md: Headers and libraries
#include <weft/core/assert.hpp>
#include <weft/core/check.hpp>
#include <weft/core/default_platform.hpp>
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>
#include <stdexcept>

namespace {

// docs/simulator.md: Writing code against a platform
// one_shot<P>: hands one int from one producer to one consumer; put() is called at most once.
template <class P = weft::default_platform>
class one_shot {
 public:
  void put(int value) {
    value_.store(value);
    full_.store(true, std::memory_order_release);  // release: publishes value_ to try_take
  }
  bool try_take(int& out) {
    if (!full_.load(std::memory_order_acquire)) return false;  // acquire: pairs with put
    out = value_.load();
    return true;
  }

 private:
  using atomic_bool = typename P::template atomic<bool>;
  using var_int = typename P::template var<int>;
  atomic_bool full_{false};
  var_int value_{0};
};

// docs/simulator.md: One test body, two platforms
template <class P>
void hand_over_one_value() {
  one_shot<P> slot;
  typename P::thread producer([&] { slot.put(42); });
  int got = 0;
  while (!slot.try_take(got)) P::yield();
  producer.join();
  WEFT_ASSERT(P, got == 42, "the consumer sees the value put");
}

TEST(OneShot, HandsOverOnRealThreads) { hand_over_one_value<weft::os>(); }

TEST(OneShot, HandsOverInTheSimulator) {
  weft::sim::testing::check([] { hand_over_one_value<weft::sim::platform>(); });
}

// docs/simulator.md: Portable test bodies
template <class P>
void transfer_between_accounts() {
  typename P::mutex m;
  typename P::template var<int> balance[3]{100, 100, 100};
  const auto transfer = [&](int from, int to, int amount) {
    std::scoped_lock lock(m);
    balance[from].store(balance[from].load() - amount);
    balance[to].store(balance[to].load() + amount);
  };
  typename P::thread alice("alice", [&] { transfer(0, 1, 30); });
  typename P::thread bob("bob", [&] { transfer(1, 2, 50); });
  alice.join();
  bob.join();
  const int total = balance[0].load() + balance[1].load() + balance[2].load();
  weft::check<P>(total == 300, "total {}, expected 300", total);
}

TEST(Bank, KeepsTheTotalOnRealThreads) { transfer_between_accounts<weft::os>(); }

TEST(Bank, KeepsTheTotalInTheSimulator) {
  weft::sim::testing::check([] { transfer_between_accounts<weft::sim::platform>(); });
}

// docs/simulator.md: Portable test bodies (a forgotten notify)
void forgotten_notify() {
  weft::sim::atomic<int> ready{0};
  weft::sim::thread waiter("waiter", [&] { ready.wait(0, std::memory_order_acquire); });
  ready.store(1, std::memory_order_release);  // the bug: no ready.notify_one() follows
  waiter.join();
}

TEST(AtomicWait, AForgottenNotifyIsADeadlock) {
  weft::sim::options opts;
  opts.seed = 1;
  opts.trace_dir = ::testing::TempDir() + "weft-docs";
  weft::sim::testing::expect_failure(forgotten_notify, weft::sim::failure_kind::deadlock,
                                     "\"waiter\" waits on atomic", opts);
}

// docs/simulator.md: Portable test bodies (names)
template <class P>
void publish_named() {
  typename P::template atomic<int> ready{0};
  typename P::template var<int> payload{0, "payload"};
  P::name(ready, "ready");
  typename P::thread writer("writer", [&] {
    payload.store(42);
    ready.store(1, std::memory_order_relaxed);  // the bug: not release
  });
  if (ready.load(std::memory_order_acquire) == 1) static_cast<void>(payload.load());
  writer.join();
}

TEST(Names, TheReportNamesTheVar) {
  weft::sim::options opts;
  opts.seed = 1;
  opts.trace_dir = ::testing::TempDir() + "weft-docs";
  weft::sim::testing::expect_failure(publish_named<weft::sim::platform>,
                                     weft::sim::failure_kind::data_race,
                                     "data race on var payload: read by t0", opts);
}

TEST(Names, PortableNamingCompilesOnRealThreads) { publish_named<weft::os>(); }

// docs/simulator.md: Without GoogleTest: explore()
bool one_shot_survives_pct() {
  weft::sim::options opts;
  opts.scenario = "one_shot.hand_over";
  opts.strategy.name = "pct";
  opts.strategy.depth = 2;
  opts.iterations = 2'000;
  opts.seed = 0x5eed;
  const weft::sim::report r =
      weft::sim::explore(opts, [] { hand_over_one_value<weft::sim::platform>(); });
  if (!r.ok()) std::cerr << r.text();
  return r.ok();
}

TEST(Docs, ExploreOneShotUnderPct) { EXPECT_TRUE(one_shot_survives_pct()); }

// docs/simulator.md: Tests that expect a bug
void relaxed_publish() {
  weft::sim::var<int> payload{0};
  weft::sim::atomic<bool> ready{false};
  weft::sim::thread writer("writer", [&] {
    payload.store(42);
    ready.store(true, std::memory_order_relaxed);  // the bug: needs release
  });
  if (ready.load(std::memory_order_acquire)) {
    weft::sim::check(payload.load() == 42, "the payload is published with the flag");
  }
  writer.join();
}

TEST(Publish, RelaxedFlagIsReportedAsADataRace) {
  weft::sim::options opts;
  opts.seed = 1;
  opts.trace_dir = ::testing::TempDir() + "weft-docs";
  weft::sim::testing::expect_failure(relaxed_publish, weft::sim::failure_kind::data_race,
                                     "data race on var", opts);
}

// docs/simulator.md: Replaying a trace file
weft::sim::report replay_relaxed_publish(const std::filesystem::path& trace_file) {
  return weft::sim::replay_file(trace_file, relaxed_publish);
}

TEST(Docs, ReplayFileReproducesTheRecordedRace) {
  weft::sim::options opts;
  opts.seed = 1;
  opts.trace_dir = ::testing::TempDir() + "weft-docs";
  const weft::sim::report found = weft::sim::explore(opts, relaxed_publish);
  ASSERT_EQ(found.failed.kind, weft::sim::failure_kind::data_race) << found.text();
  ASSERT_FALSE(found.trace_path.empty()) << found.trace_error;
  const weft::sim::report again = replay_relaxed_publish(found.trace_path);
  EXPECT_TRUE(again.reproduced_from_trace);
  EXPECT_EQ(again.failed.kind, weft::sim::failure_kind::data_race);
  EXPECT_EQ(again.failed.message, found.failed.message);
  EXPECT_EQ(again.exit_code(), 1);
}

// docs/simulator.md: Virtual time
TEST(Timeouts, TenSecondWaitTakesNoRealTime) {
  weft::sim::testing::check([] {
    weft::sim::mutex m;
    weft::sim::condition_variable cv;
    std::unique_lock lock(m);
    const auto start = weft::sim::clock::now();
    const bool notified = cv.wait_for(lock, std::chrono::seconds(10), [] { return false; });
    weft::sim::check(!notified, "nobody notifies, so the wait times out");
    weft::sim::check(weft::sim::clock::now() - start >= std::chrono::seconds(10),
                     "ten virtual seconds have passed");
  });
}

// docs/simulator.md: Injected faults
TEST(Counter, CasLoopSurvivesSpuriousFailures) {
  weft::sim::options opts;
  opts.strategy.fault_per_mille = 500;  // half of the weak CASes and waits fail spuriously
  weft::sim::testing::check(
      [] {
        weft::sim::atomic<int> counter{0};
        auto add_one = [&] {
          int seen = counter.load(std::memory_order_relaxed);
          while (!counter.compare_exchange_weak(seen, seen + 1, std::memory_order_relaxed)) {
          }
        };
        weft::sim::thread other(add_one);
        add_one();
        other.join();
        weft::sim::check(counter.load() == 2, "no increment is lost");
      },
      opts);
}

// docs/simulator.md: Rules for code inside a simulation
// Runs f; returns false if it threw. The simulator's own unwinding is let through.
bool attempt(const std::function<void()>& f) {
  try {
    f();
    return true;
  } catch (const weft::sim::execution_aborted&) {
    throw;  // the simulator is unwinding this thread: never swallow this
  } catch (...) {
    return false;
  }
}

TEST(Docs, CatchAllBlocksLetTheSimulatorUnwind) {
  weft::sim::options opts;
  opts.seed = 1;
  opts.iterations = 100;
  opts.trace_dir = ::testing::TempDir() + "weft-docs";
  // A failed check inside attempt() still fails the execution...
  weft::sim::testing::expect_failure(
      [] { attempt([] { weft::sim::check(false, "checked inside attempt"); }); },
      weft::sim::failure_kind::assertion, "checked inside attempt", opts);
  // ...while the code's own exceptions are caught as attempt() intends.
  weft::sim::testing::check(
      [] {
        const bool completed = attempt([] { throw std::runtime_error("expected"); });
        weft::sim::check(!completed, "attempt() reports the exception");
      },
      opts);
}

}  // namespace
