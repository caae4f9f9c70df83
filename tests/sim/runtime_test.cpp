// Simulator self-tests: each TEST pins one behaviour of weft's deterministic simulator
// (virtual time, failure detection and reports, the race detector, fault injection, recorded
// randomness, determinism, PCT, replay and the gtest helper).
//
// Conventions: no wall-clock timing is asserted anywhere; every run uses a fixed seed, and
// every test that relies on a probability states the odds in a comment and sizes its
// iterations so that a spurious failure has odds below 1e-9. Traces go under
// ::testing::TempDir().
#include <weft/core/assert.hpp>
#include <weft/sim/explore.hpp>
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace sim = weft::sim;
using namespace std::chrono_literals;
using sim::failure_kind;
using sim::testing::expect_failure;

// Options with a fixed seed and a per-test trace folder under the gtest temp dir. A test run
// once per strategy gets one folder per strategy, since CTest may run those at once.
sim::options opts(std::string_view dir, std::uint64_t iterations, std::uint64_t seed = 0x5eed) {
  sim::options o;
  o.iterations = iterations;
  o.seed = seed;
  o.trace_dir = std::filesystem::path(::testing::TempDir()) / "weft-runtime-test" / dir;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info != nullptr && info->value_param() != nullptr) {
    const std::string_view name = info->name();
    o.trace_dir /= std::string(name.substr(name.rfind('/') + 1));
  }
  return o;
}

// Explores `body` and expects every execution to pass.
template <class F>
void expect_clean(const sim::options& o, F&& body) {
  const sim::report r = sim::explore(o, std::forward<F>(body));
  EXPECT_TRUE(r.ok()) << r.text();
  EXPECT_EQ(r.executions, o.iterations) << r.text();
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

constexpr std::array<const char*, 2> strategies = {"random", "pct"};

// Tests that hold for every built-in strategy are TEST_Ps of these fixtures: GetParam() is the
// strategy's name, and the test's name ends in it ("/random", "/pct").
class each_strategy : public ::testing::TestWithParam<const char*> {};
std::string strategy_name(const ::testing::TestParamInfo<const char*>& info) { return info.param; }
class SimTimeEachStrategy : public each_strategy {};
class SimRaceEachStrategy : public each_strategy {};
class SimFaultsEachStrategy : public each_strategy {};
class SimRandomEachStrategy : public each_strategy {};
class SimDeterminismEachStrategy : public each_strategy {};
class SimObjectsEachStrategy : public each_strategy {};
INSTANTIATE_TEST_SUITE_P(Strategies, SimTimeEachStrategy, ::testing::ValuesIn(strategies),
                         strategy_name);
INSTANTIATE_TEST_SUITE_P(Strategies, SimRaceEachStrategy, ::testing::ValuesIn(strategies),
                         strategy_name);
INSTANTIATE_TEST_SUITE_P(Strategies, SimFaultsEachStrategy, ::testing::ValuesIn(strategies),
                         strategy_name);
INSTANTIATE_TEST_SUITE_P(Strategies, SimRandomEachStrategy, ::testing::ValuesIn(strategies),
                         strategy_name);
INSTANTIATE_TEST_SUITE_P(Strategies, SimDeterminismEachStrategy, ::testing::ValuesIn(strategies),
                         strategy_name);
INSTANTIATE_TEST_SUITE_P(Strategies, SimObjectsEachStrategy, ::testing::ValuesIn(strategies),
                         strategy_name);

// ===================================================================================== time

TEST(SimTime, SleepTenSecondsAdvancesVirtualClockByExactlyTenSeconds) {
  std::int64_t start_ns = -1;
  std::int64_t elapsed_ns = -1;
  expect_clean(opts("sleep", 100), [&] {
    const sim::clock::time_point before = sim::clock::now();
    sim::sleep_for(10s);
    const sim::clock::time_point after = sim::clock::now();
    start_ns = before.time_since_epoch().count();
    elapsed_ns = (after - before).count();
    sim::check(before.time_since_epoch() == 0ns, "virtual time starts at 0 in every execution");
    sim::check(after - before == 10s, "slept exactly ten virtual seconds");
  });
  EXPECT_EQ(start_ns, 0);
  EXPECT_EQ(elapsed_ns, 10'000'000'000);
}

TEST_P(SimTimeEachStrategy, TimersOfTwoThreadsFireInDeadlineOrder) {
  // The thread with the later deadline is spawned first, so spawn order cannot explain the
  // result; virtual time only advances when every thread waits, so the order is forced.
  const char* strategy = GetParam();
  sim::options o = opts("timers", 500);
  o.strategy.name = strategy;
  expect_clean(o, [] {
    sim::atomic<int> fired{0};
    sim::var<int> slow_rank{-1};
    sim::var<int> fast_rank{-1};
    sim::var<sim::clock::duration> slow_at{};
    sim::var<sim::clock::duration> fast_at{};
    sim::thread slow("slow", [&] {
      sim::sleep_for(20ms);
      slow_at.store(sim::clock::now().time_since_epoch());
      slow_rank.store(fired.fetch_add(1));
    });
    sim::thread fast("fast", [&] {
      sim::sleep_for(10ms);
      fast_at.store(sim::clock::now().time_since_epoch());
      fast_rank.store(fired.fetch_add(1));
    });
    slow.join();
    fast.join();
    sim::check(fast_rank.load() == 0, "the 10 ms timer fires first");
    sim::check(slow_rank.load() == 1, "the 20 ms timer fires second");
    sim::check(fast_at.load() == 10ms, "the fast thread wakes at exactly 10 ms");
    sim::check(slow_at.load() == 20ms, "the slow thread wakes at exactly 20 ms");
  });
}

TEST_P(SimTimeEachStrategy, WaitForWithoutNotifierTimesOutAfterExactlyTheTimeout) {
  const char* strategy = GetParam();
  sim::options o = opts("cv-timeout", 200);
  o.strategy.name = strategy;
  o.strategy.fault_per_mille = 0;  // no spurious wake-ups: the outcome is forced
  expect_clean(o, [] {
    sim::mutex m;
    sim::condition_variable cv;
    std::unique_lock lock(m);
    const sim::clock::time_point before = sim::clock::now();
    const std::cv_status status = cv.wait_for(lock, 5s);
    const sim::clock::time_point after = sim::clock::now();
    sim::check(status == std::cv_status::timeout, "nobody notifies: wait_for times out");
    sim::check(after - before == 5s, "the clock advanced by exactly the timeout");
    sim::check(lock.owns_lock(), "wait_for returns with the lock held");
  });
}

TEST_P(SimTimeEachStrategy, NotifiedWaitForReturnsNoTimeoutAtTheNotifiersTime) {
  const char* strategy = GetParam();
  sim::options o = opts("cv-notified", 500);
  o.strategy.name = strategy;
  o.strategy.fault_per_mille = 0;  // no spurious wake-ups: only the notify can wake it
  expect_clean(o, [] {
    sim::mutex m;
    sim::condition_variable cv;
    sim::thread notifier("notifier", [&] {
      // The clock reaches 1 s only when every other thread waits, i.e. when main is blocked
      // in wait_for (nobody else holds m, so it cannot be blocked on the mutex).
      sim::sleep_for(1s);
      std::scoped_lock lock(m);
      cv.notify_one();
    });
    std::cv_status status;
    sim::clock::time_point woke;
    {
      std::unique_lock lock(m);
      status = cv.wait_for(lock, 1h);
      woke = sim::clock::now();
    }
    notifier.join();
    sim::check(status == std::cv_status::no_timeout, "a notified wait_for is no_timeout");
    sim::check(woke.time_since_epoch() == 1s, "it woke at the notifier's time, not at 1 h");
  });
}

// ================================================================================ deadlock

TEST(SimDeadlock, ReportListsEveryBlockedThreadAndWhatItWaitsOn) {
  sim::options o = opts("deadlock-report", 20);
  o.strategy.fault_per_mille = 0;  // the condition-variable wait must not wake spuriously
  // Forced in every execution: "waiter" sleeps, and the clock only moves once "holder" holds
  // `held` and waits on the condition variable (which nobody notifies).
  const sim::report r = expect_failure(
      [] {
        sim::mutex held;
        sim::mutex cv_mutex;
        sim::condition_variable cv;
        sim::thread holder("holder", [&] {
          std::scoped_lock hold(held);
          std::unique_lock lock(cv_mutex);
          cv.wait(lock);
        });
        sim::thread waiter("waiter", [&] {
          sim::sleep_for(1s);
          std::scoped_lock lock(held);
        });
        waiter.join();
        holder.join();
      },
      failure_kind::deadlock, "every thread is blocked and no timer is pending", o);
  EXPECT_EQ(r.exit_code(), 2);
  const std::string& m = r.failed.message;
  EXPECT_TRUE(contains(m, "t0 \"main\" joins t2 \"waiter\"")) << m;
  EXPECT_TRUE(contains(m, "t1 \"holder\" waits on condition_variable o")) << m;
  EXPECT_TRUE(contains(m, "t2 \"waiter\" waits for mutex o")) << m;
  EXPECT_TRUE(contains(m, "held by t1 \"holder\"")) << m;
  // Each blocked thread's line names where in this file it blocked.
  EXPECT_TRUE(contains(m, "runtime_test.cpp:")) << m;
}

TEST(SimDeadlock, PctFindsAbbaDeadlock) {
  // An ABBA deadlock has depth 2: one thread must be preempted between its two locks (one
  // change point) and the other must then run. PCT finds a depth-d bug with probability at
  // least 1/(n * k^(d-1)) per execution (Burckhardt et al., ASPLOS'10); with n = 3 threads
  // and the step horizon fixed at k = 16 that is >= 1/48, so 2000 executions miss it with
  // odds <= (47/48)^2000 < 1e-18. Depth 1 cannot find it (the highest-priority thread runs
  // both locks without interruption).
  sim::options o = opts("abba", 2000);
  o.strategy.name = "pct";
  o.strategy.depth = 2;
  o.strategy.pct_steps = 16;
  const auto abba = [] {
    sim::mutex a;
    sim::mutex b;
    sim::thread ab("ab", [&] {
      std::lock_guard la(a);
      std::lock_guard lb(b);
    });
    sim::thread ba("ba", [&] {
      std::lock_guard lb(b);
      std::lock_guard la(a);
    });
    ab.join();
    ba.join();
  };
  const sim::report r = expect_failure(abba, failure_kind::deadlock, "held by t", o);
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_TRUE(contains(r.failed.message, "t1 \"ab\" waits for mutex")) << r.failed.message;
  EXPECT_TRUE(contains(r.failed.message, "t2 \"ba\" waits for mutex")) << r.failed.message;

  sim::options depth_one = opts("abba-depth-1", 2000);
  depth_one.strategy.name = "pct";
  depth_one.strategy.depth = 1;
  expect_clean(depth_one, abba);
}

// =============================================================================== livelock

TEST(SimLivelock, ThreadSpinningAloneOnAnAtomicTripsTheStepBound) {
  // The spinner is the only runnable thread (main waits in join), so no *choice* is ever
  // made; the step counter still counts every scheduling point, so the bound trips.
  sim::options o = opts("livelock", 10);
  o.runtime.steps_max = 1000;
  const sim::report r = expect_failure(
      [] {
        sim::atomic<int> flag{0};
        sim::thread spinner("spinner", [&] {
          while (flag.load(std::memory_order_relaxed) == 0) {
          }
        });
        spinner.join();
      },
      failure_kind::livelock, "step bound exceeded: 1000 scheduling decisions", o);
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_EQ(r.failed.thread, 1u) << r.text();
  EXPECT_GE(r.failing_steps, 1000u);
  EXPECT_LE(r.failing_steps, 1001u);
}

// steps_max is 1 to 2^30, so that vector clock entries stay below 2^31 (happens_before.hpp);
// the runtime refuses more, and explore with it.
TEST(SimLivelock, StepsMaxIsAtMostMaxStepsPerExecution) {
  ASSERT_EQ(sim::max_steps_per_execution, std::uint64_t{1} << 30);
  const auto refusal = [](std::uint64_t steps_max) -> std::string {
    sim::runtime_config config;
    config.steps_max = steps_max;
    try {
      sim::runtime rt(config);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refusal(sim::max_steps_per_execution), "accepted");
  EXPECT_EQ(refusal(1), "accepted");
  EXPECT_EQ(refusal(sim::max_steps_per_execution + 1),
            "weft: steps_max is 1073741825, more than the 1073741824 steps an execution may take");
  EXPECT_EQ(refusal(UINT64_MAX), "weft: steps_max is 18446744073709551615, more than the "
                                 "1073741824 steps an execution may take");
  EXPECT_EQ(refusal(0), "weft: steps_max must be at least 1");

  sim::options o = opts("steps-max-bound", 10);
  o.write_trace = false;
  o.runtime.steps_max = sim::max_steps_per_execution + 1;
  EXPECT_THROW(sim::explore(o, [] {}), std::invalid_argument);
  o.runtime.steps_max = sim::max_steps_per_execution;
  EXPECT_TRUE(sim::explore(o, [] { sim::yield(); }).ok());
}

// =================================================================================== leaks

TEST(SimLeak, BodyReturningWhileAThreadIsBlockedReportsTheThread) {
  // The sim::thread object is deliberately never destroyed (a destroyed joinable thread is
  // its own failure, pinned below), so the runtime's end-of-body leak check is what fires.
  union never_destroyed {
    sim::thread t;
    never_destroyed() {}
    ~never_destroyed() {}
  };
  sim::parker never_unparked;
  const sim::report r = expect_failure(
      [&] {
        never_destroyed keep;
        ::new (&keep.t) sim::thread("stuck", [&] { never_unparked.park(); });
        // Virtual time passes only when every thread waits: once main wakes, "stuck" is
        // blocked in park() in every execution.
        sim::sleep_for(1ms);
      },
      failure_kind::leak, "threads still running when the test body returned",
      opts("leak-blocked", 50));
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_TRUE(contains(r.failed.message, "t1 \"stuck\" spawned at ")) << r.failed.message;
  EXPECT_TRUE(contains(r.failed.message, "parked on o")) << r.failed.message;
  EXPECT_TRUE(contains(r.failed.message, "runtime_test.cpp:")) << r.failed.message;
}

TEST(SimLeak, ThreadDestroyedWithoutJoinIsALeak) {
  const sim::report r =
      expect_failure([] { sim::thread worker("worker", [] {}); }, failure_kind::leak,
                     "destroyed while joinable", opts("leak-unjoined", 50));
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_TRUE(contains(r.failed.message, "t1 \"worker\"")) << r.failed.message;
}

// ============================================================================== exceptions

TEST(SimException, UncaughtExceptionInAThreadIsReportedWithItsWhat) {
  const sim::report r = expect_failure(
      [] {
        sim::thread thrower("thrower", [] { throw std::runtime_error("boom from the thrower"); });
        thrower.join();
      },
      failure_kind::exception, "uncaught exception in t1 \"thrower\": boom from the thrower",
      opts("exception", 50));
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_TRUE(ends_with(r.failed.file, "runtime_test.cpp")) << r.failed.file;
}

TEST(SimException, ExploreInsideASimulatedThreadFailsCleanly) {
  expect_failure([] { sim::explore(opts("nested-inner", 1), [] {}); }, failure_kind::exception,
                 "a simulation cannot be started from inside a simulated thread",
                 opts("nested", 5));
}

// ============================================================================== assertions

// A lost update: both threads load before either stores. Under the random strategy the
// schedule "main loads, t1 loads" has probability >= 1/8 per execution, so 500 executions
// miss it with odds <= (7/8)^500 < 1e-28.
TEST(SimAssert, WeftAssertFailsWithItsMessageAtTheAssertLine) {
  std::uint32_t line = 0;
  const sim::report r = expect_failure(
      [&line] {
        sim::atomic<int> count{0};
        const auto bump = [&] { count.store(count.load() + 1); };
        sim::thread other(bump);
        bump();
        other.join();
        // clang-format off
        line = __LINE__; WEFT_ASSERT(sim::platform, count.load() == 2, "lost update");
        // clang-format on
      },
      failure_kind::assertion, "lost update (count.load() == 2)", opts("weft-assert", 500));
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_NE(line, 0u);
  EXPECT_EQ(r.failed.line, line);
  EXPECT_TRUE(ends_with(r.failed.file, "runtime_test.cpp")) << r.failed.file;
  EXPECT_TRUE(contains(r.text(), "runtime_test.cpp:" + std::to_string(line))) << r.text();
}

TEST(SimAssert, CheckFailsWithItsMessageAtTheCheckLine) {
  // Same lost update and odds as above.
  std::uint32_t line = 0;
  const sim::report r = expect_failure(
      [&line] {
        sim::atomic<int> count{0};
        const auto bump = [&] { count.store(count.load() + 1); };
        sim::thread other(bump);
        bump();
        other.join();
        // clang-format off
        line = __LINE__; sim::check(count.load() == 2, "both increments landed");
        // clang-format on
      },
      failure_kind::assertion, "both increments landed", opts("check", 500));
  EXPECT_EQ(r.failed.message, "both increments landed");
  EXPECT_EQ(r.failed.line, line);
  EXPECT_TRUE(ends_with(r.failed.file, "runtime_test.cpp")) << r.failed.file;
}

// ============================================================================ data races

// In the publish tests the reader spins (with yield) until it sees the flag, so the read of
// the plain data happens in every execution: the outcome does not depend on the schedule.

TEST(SimRace, RelaxedPublishOfPlainDataIsARaceEvenUnderSequentialConsistency) {
  const sim::report r = expect_failure(
      [] {
        sim::atomic<int> flag{0};
        sim::var<int> data{0};
        sim::thread writer("writer", [&] {
          data.store(42);
          flag.store(1, std::memory_order_relaxed);
        });
        while (flag.load(std::memory_order_relaxed) == 0) sim::yield();
        static_cast<void>(data.load());  // saw the flag, yet no happens-before: a race
        writer.join();
      },
      failure_kind::data_race, "data race on var", opts("race-relaxed", 20));
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_TRUE(contains(r.failed.message, "read by t0 \"main\"")) << r.failed.message;
  EXPECT_TRUE(contains(r.failed.message, "write by t1 \"writer\"")) << r.failed.message;
}

TEST_P(SimRaceEachStrategy, ReleaseAcquirePublishIsClean) {
  const char* strategy = GetParam();
  sim::options o = opts("race-release-acquire", 20'000);
  o.strategy.name = strategy;
  expect_clean(o, [] {
    sim::atomic<int> flag{0};
    sim::var<int> data{0};
    sim::thread writer("writer", [&] {
      data.store(42);
      flag.store(1, std::memory_order_release);
    });
    if (flag.load(std::memory_order_acquire) == 1) {
      sim::check(data.load() == 42, "published data is visible");
    }
    writer.join();
  });
}

TEST_P(SimRaceEachStrategy, ReleaseFenceAndAcquireFencePublishIsClean) {
  const char* strategy = GetParam();
  sim::options o = opts("race-fences", 5000);
  o.strategy.name = strategy;
  expect_clean(o, [] {
    sim::atomic<int> flag{0};
    sim::var<int> data{0};
    sim::thread writer("writer", [&] {
      data.store(42);
      sim::atomic_thread_fence(std::memory_order_release);
      flag.store(1, std::memory_order_relaxed);
    });
    while (flag.load(std::memory_order_relaxed) == 0) sim::yield();
    sim::atomic_thread_fence(std::memory_order_acquire);
    sim::check(data.load() == 42, "fence-published data is visible");
    writer.join();
  });
}

TEST(SimRace, ReleaseFenceWithoutAcquireFenceIsARace) {
  expect_failure(
      [] {
        sim::atomic<int> flag{0};
        sim::var<int> data{0};
        sim::thread writer("writer", [&] {
          data.store(42);
          sim::atomic_thread_fence(std::memory_order_release);
          flag.store(1, std::memory_order_relaxed);
        });
        while (flag.load(std::memory_order_relaxed) == 0) sim::yield();
        static_cast<void>(data.load());  // no acquire fence after the relaxed load
        writer.join();
      },
      failure_kind::data_race, "data race on var", opts("race-half-fence", 20));
}

TEST_P(SimRaceEachStrategy, MutexProtectedAccessesAreClean) {
  const char* strategy = GetParam();
  sim::options o = opts("race-mutex", 5000);
  o.strategy.name = strategy;
  expect_clean(o, [] {
    sim::mutex m;
    sim::var<int> n{0};
    const auto add = [&] {
      for (int i = 0; i < 2; ++i) {
        std::scoped_lock lock(m);
        n.store(n.load() + 1);
      }
    };
    sim::thread a(add);
    sim::thread b(add);
    add();
    a.join();
    b.join();
    std::scoped_lock lock(m);
    sim::check(n.load() == 6, "every increment landed");
  });
}

TEST_P(SimRaceEachStrategy, SpawnAndJoinAreHappensBeforeEdges) {
  const char* strategy = GetParam();
  sim::options o = opts("race-spawn-join", 2000);
  o.strategy.name = strategy;
  expect_clean(o, [] {
    sim::var<int> data{0};
    data.store(1);  // before the spawn: visible to the child
    sim::thread child("child", [&] {
      sim::check(data.load() == 1, "the child sees what the parent wrote before spawning");
      data.store(2);
    });
    child.join();
    sim::check(data.load() == 2, "join makes the child's writes visible");
  });
}

TEST(SimRace, ConcurrentReadsAreNotARace) {
  expect_clean(opts("race-reads", 2000), [] {
    sim::var<int> data{5};
    const auto read = [&] { sim::check(data.load() == 5, "reads see the initial value"); };
    sim::thread a(read);
    sim::thread b(read);
    read();
    a.join();
    b.join();
  });
}

TEST(SimRace, ParentWriteAfterSpawnRacesWithTheChild) {
  // The twin of the test above: the detector does see a write that spawn does not order.
  expect_failure(
      [] {
        sim::var<int> data{0};
        sim::thread child("child", [&] { static_cast<void>(data.load()); });
        data.store(1);
        child.join();
      },
      failure_kind::data_race, "data race on var", opts("race-after-spawn", 20));
}

TEST_P(SimRaceEachStrategy, UnparkBeforeParkReturnsIsAHappensBeforeEdge) {
  const char* strategy = GetParam();
  sim::options o = opts("race-parker", 5000);
  o.strategy.name = strategy;
  expect_clean(o, [] {
    sim::parker parker;
    sim::var<int> data{0};
    sim::thread producer("producer", [&] {
      data.store(7);
      parker.unpark();
    });
    parker.park();
    sim::check(data.load() == 7, "what the unparker wrote is visible after park");
    producer.join();
  });
}

// C++20 [intro.races]: the release sequence headed by a release store consists of it and
// the longest contiguous run of read-modify-writes on the same atomic that follows it (by any
// thread). An acquire load reading the value of such an RMW synchronises with the head. A
// plain relaxed store by another thread is not an RMW and ends the sequence.
TEST_P(SimRaceEachStrategy, RelaxedRmwByAnotherThreadContinuesTheReleaseSequence) {
  const char* strategy = GetParam();
  sim::options o = opts("race-release-sequence", 3000);
  o.strategy.name = strategy;
  expect_clean(o, [] {
    sim::atomic<int> x{0};
    sim::var<int> data{0};
    sim::thread head("head", [&] {
      data.store(42);
      x.store(1, std::memory_order_release);
    });
    sim::thread bump("bump", [&] {
      while (x.load(std::memory_order_relaxed) != 1) sim::yield();
      x.fetch_add(1, std::memory_order_relaxed);  // 1 -> 2, an RMW in head's sequence
    });
    while (x.load(std::memory_order_acquire) != 2) sim::yield();
    sim::check(data.load() == 42, "reads-from the RMW synchronises with the release store");
    head.join();
    bump.join();
  });
}

TEST(SimRace, RelaxedStoreByAnotherThreadEndsTheReleaseSequence) {
  expect_failure(
      [] {
        sim::atomic<int> x{0};
        sim::var<int> data{0};
        sim::thread head("head", [&] {
          data.store(42);
          x.store(1, std::memory_order_release);
        });
        sim::thread bump("bump", [&] {
          while (x.load(std::memory_order_relaxed) != 1) sim::yield();
          x.store(2, std::memory_order_relaxed);  // not an RMW: the sequence ends
        });
        while (x.load(std::memory_order_acquire) != 2) sim::yield();
        static_cast<void>(data.load());
        head.join();
        bump.join();
      },
      failure_kind::data_race, "write by t1 \"head\"", opts("race-sequence-broken", 20));
}

// =========================================================================== spurious faults

// Each body fails if a fault is injected; with fault_per_mille = 1000 a fault is injected at
// every chance, with 0 never, so both outcomes are forced, not probable.

void weak_cas_body(bool& saw_spurious_failure) {
  sim::atomic<int> a{5};
  int expected = 5;
  const bool swapped = a.compare_exchange_weak(expected, 6);
  if (!swapped && expected == 5 && a.load() == 5) saw_spurious_failure = true;
  sim::check(swapped, "compare_exchange_weak failed spuriously");
  sim::check(a.load() == 6, "the swap took effect");
}

TEST_P(SimFaultsEachStrategy, CompareExchangeWeakFailsSpuriouslyAtFullFaultRate) {
  const char* strategy = GetParam();
  sim::options o = opts("faults-cas", 10);
  o.strategy.name = strategy;
  o.strategy.fault_per_mille = 1000;
  bool saw_spurious_failure = false;
  expect_failure([&] { weak_cas_body(saw_spurious_failure); }, failure_kind::assertion,
                 "compare_exchange_weak failed spuriously", o);
  EXPECT_TRUE(saw_spurious_failure) << "values were equal, yet the CAS failed: " << strategy;
}

TEST_P(SimFaultsEachStrategy, CompareExchangeWeakNeverFailsSpuriouslyAtZeroFaultRate) {
  const char* strategy = GetParam();
  sim::options o = opts("faults-cas-none", 2000);
  o.strategy.name = strategy;
  o.strategy.fault_per_mille = 0;
  bool saw_spurious_failure = false;
  expect_clean(o, [&] {
    for (int i = 0; i < 10; ++i) weak_cas_body(saw_spurious_failure);
  });
  EXPECT_FALSE(saw_spurious_failure);
}

// The waiter waits once, without a predicate; the notifier sleeps first, so it notifies only
// once the waiter is blocked in the wait (virtual time moves only when every thread waits).
// A return before the notification is therefore a spurious wake-up.
void cv_wait_body(bool& woke_without_notify) {
  sim::mutex m;
  sim::condition_variable cv;
  sim::var<bool> notified{false};
  sim::thread notifier("notifier", [&] {
    sim::sleep_for(1ms);
    std::scoped_lock lock(m);
    notified.store(true);
    cv.notify_one();
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock);
    if (!notified.load()) woke_without_notify = true;
    sim::check(notified.load(), "condition_variable::wait returned without a notify");
  }
  notifier.join();
}

TEST_P(SimFaultsEachStrategy, ConditionVariableWaitWakesSpuriouslyAtFullFaultRate) {
  const char* strategy = GetParam();
  sim::options o = opts("faults-cv", 10);
  o.strategy.name = strategy;
  o.strategy.fault_per_mille = 1000;
  bool woke_without_notify = false;
  expect_failure([&] { cv_wait_body(woke_without_notify); }, failure_kind::assertion,
                 "returned without a notify", o);
  EXPECT_TRUE(woke_without_notify) << strategy;
}

TEST_P(SimFaultsEachStrategy, ConditionVariableNeverWakesSpuriouslyAtZeroFaultRate) {
  const char* strategy = GetParam();
  sim::options o = opts("faults-cv-none", 2000);
  o.strategy.name = strategy;
  o.strategy.fault_per_mille = 0;
  bool woke_without_notify = false;
  expect_clean(o, [&] { cv_wait_body(woke_without_notify); });
  EXPECT_FALSE(woke_without_notify);
}

TEST_P(SimFaultsEachStrategy, TimedWaitWakesSpuriouslyOnlyWhenFaultsAreOn) {
  const char* strategy = GetParam();
  for (const std::uint32_t per_mille : {0u, 1000u}) {
    sim::options o = opts("faults-timed", 200);
    o.strategy.name = strategy;
    o.strategy.fault_per_mille = per_mille;
    expect_clean(o, [per_mille] {
      sim::mutex m;
      sim::condition_variable cv;
      std::unique_lock lock(m);
      const std::cv_status status = cv.wait_for(lock, 1s);
      const auto at = sim::clock::now().time_since_epoch();
      if (per_mille == 0) {
        sim::check(status == std::cv_status::timeout && at == 1s, "no fault: a true timeout");
      } else {
        sim::check(status == std::cv_status::no_timeout && at == 0s, "fault: woke at once");
      }
    });
  }
}

// =========================================================================== random values

TEST_P(SimRandomEachStrategy, RandomStaysBelowItsBoundAndCoversIt) {
  // 1000 executions draw random(4) once each: some value is never drawn with odds
  // <= 4 * (3/4)^1000 < 1e-120.
  std::array<int, 4> seen{};
  bool out_of_range = false;
  const char* strategy = GetParam();
  sim::options o = opts("random-range", 1000);
  o.strategy.name = strategy;
  seen = {};
  expect_clean(o, [&] {
    const std::uint64_t four = sim::random(4);
    const std::uint64_t one = sim::random(1);
    const std::uint64_t big = sim::random(1000);
    if (four >= 4 || one != 0 || big >= 1000) out_of_range = true;
    if (four < 4) ++seen[four];
    sim::check(four < 4 && one == 0 && big < 1000, "random(bound) < bound");
  });
  EXPECT_FALSE(out_of_range) << strategy;
  for (std::size_t v = 0; v < seen.size(); ++v) EXPECT_GT(seen[v], 0) << v << " " << strategy;
}

TEST(SimRandom, RandomDrawsAreRecordedAndReplayedFromTheTrace) {
  // random(4) == 3 has probability 1/4 per execution: 200 executions miss it with odds
  // (3/4)^200 < 1e-24.
  std::vector<std::uint64_t> drawn;
  const auto body = [&drawn] {
    drawn.clear();
    drawn.push_back(sim::random(1000));
    drawn.push_back(sim::random(4));
    sim::check(drawn[1] != 3, "drew 3");
  };
  const sim::report r =
      expect_failure(body, failure_kind::assertion, "drew 3", opts("random-replay", 200));
  std::vector<std::uint64_t> recorded;
  for (const sim::step_record& s : r.steps) {
    if (s.kind == sim::point_kind::random) recorded.push_back(s.value);
  }
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_LT(recorded[0], 1000u);
  EXPECT_EQ(recorded[1], 3u);

  ASSERT_FALSE(r.trace_path.empty());
  drawn.clear();
  const sim::report replayed = sim::replay_file(r.trace_path, body);
  EXPECT_TRUE(replayed.reproduced_from_trace) << replayed.failed.message;
  EXPECT_EQ(drawn, recorded);
}

// ============================================================================= determinism

// Two threads each add 2 to an atomic by load-then-store: a lost update, found often.
void lost_update_body() {
  sim::atomic<int> count{0};
  const auto add_two = [&] {
    for (int i = 0; i < 2; ++i) count.store(count.load() + 1);
  };
  sim::thread a("a", add_two);
  sim::thread b("b", add_two);
  a.join();
  b.join();
  sim::check(count.load() == 4, "lost update");
}

void expect_same_report(const sim::report& x, const sim::report& y) {
  EXPECT_EQ(sim::to_string(x.failed.kind), sim::to_string(y.failed.kind));
  EXPECT_EQ(x.failed.message, y.failed.message);
  EXPECT_EQ(x.failed.file, y.failed.file);
  EXPECT_EQ(x.failed.line, y.failed.line);
  EXPECT_EQ(x.failed.thread, y.failed.thread);
  EXPECT_EQ(x.failed.step, y.failed.step);
  EXPECT_EQ(x.seed, y.seed);
  EXPECT_EQ(x.failing_execution, y.failing_execution);
  EXPECT_EQ(x.failing_execution_seed, y.failing_execution_seed);
  EXPECT_EQ(x.failing_steps, y.failing_steps);
  EXPECT_EQ(x.params, y.params);
  EXPECT_EQ(x.thread_names, y.thread_names);
  ASSERT_EQ(x.steps.size(), y.steps.size());
  for (std::size_t i = 0; i < x.steps.size(); ++i) {
    const sim::step_record& a = x.steps[i];
    const sim::step_record& b = y.steps[i];
    EXPECT_EQ(a.index, b.index) << "step " << i;
    EXPECT_EQ(a.thread, b.thread) << "step " << i;
    EXPECT_EQ(sim::to_string(a.kind), sim::to_string(b.kind)) << "step " << i;
    EXPECT_EQ(a.order, b.order) << "step " << i;
    EXPECT_EQ(a.object, b.object) << "step " << i;
    EXPECT_EQ(a.value, b.value) << "step " << i;
    EXPECT_EQ(a.where.line(), b.where.line()) << "step " << i;
    EXPECT_EQ(std::string_view(a.where.file_name()), std::string_view(b.where.file_name()))
        << "step " << i;
  }
}

TEST_P(SimDeterminismEachStrategy, SameSeedGivesIdenticalReports) {
  const char* strategy = GetParam();
  sim::options o = opts("determinism-twice", 1000, 0xfeedface);
  o.strategy.name = strategy;
  o.write_trace = false;
  const sim::report first = sim::explore(o, lost_update_body);
  const sim::report second = sim::explore(o, lost_update_body);
  ASSERT_FALSE(first.ok()) << strategy;
  EXPECT_FALSE(first.steps.empty());
  EXPECT_TRUE(first.reproduced_from_seed);
  EXPECT_EQ(first.executions, second.executions);
  expect_same_report(first, second);
}

TEST_P(SimDeterminismEachStrategy, ExecutionIndexWithRunSeedReproducesThatExecution) {
  // A run whose first failure is at execution k > 0 shows that execution k is reproduced on
  // its own, without the k executions before it. The lost update fails an execution with
  // probability p (measured: 0.73 for random, 0.21 for pct), so every one of 128 seeds
  // failing at execution 0 has odds p^128 < 1e-17.
  const char* strategy = GetParam();
  bool found = false;
  for (std::uint64_t seed = 1; seed <= 128 && !found; ++seed) {
    sim::options o = opts("determinism-execution", 1000, seed);
    o.strategy.name = strategy;
    o.write_trace = false;
    const sim::report full = sim::explore(o, lost_update_body);
    ASSERT_FALSE(full.ok()) << strategy;
    if (full.failing_execution == 0) continue;
    found = true;
    sim::options one = o;
    one.execution = full.failing_execution;
    // Pass the horizon the full run had, as the trace and the WEFT_PCT_STEPS repro command
    // do. A lone pct execution measures the same horizon from the run seed anyway, which
    // SimDeterminism.PctExecutionIndexAloneReproducesThatExecution below checks on its own.
    for (const auto& [key, value] : full.params) {
      if (key == "pct-steps") one.strategy.pct_steps = sim::parse_u64(value, key);
    }
    const sim::report alone = sim::explore(one, lost_update_body);
    EXPECT_EQ(alone.executions, 1u);
    expect_same_report(full, alone);
  }
  EXPECT_TRUE(found) << strategy << ": every seed failed at execution 0";
}

// A lost update among longer executions (about 40 steps, more than PCT's initial horizon of
// 16) that is rare enough under PCT to be found only after some executions.
void long_lost_update_body() {
  sim::atomic<int> count{0};
  sim::atomic<int> noise{0};
  const auto work = [&] {
    for (int i = 0; i < 8; ++i) noise.fetch_add(1, std::memory_order_relaxed);
    count.store(count.load() + 1);
    for (int i = 0; i < 8; ++i) noise.fetch_add(1, std::memory_order_relaxed);
  };
  sim::thread a("a", work);
  sim::thread b("b", work);
  a.join();
  b.join();
  sim::check(count.load() == 2, "lost update");
}

TEST(SimDeterminism, PctExecutionIndexAloneReproducesThatExecution) {
  // DESIGN.md section 3: execution i of a run with seed s depends on (s, i) only. PCT's step
  // horizon is therefore measured from the run seed alone (explore's calibration), never from
  // the executions that ran before k: a horizon adapted to the longest execution so far makes
  // a lone execution k differ from execution k of the run. Seeds whose run fails at execution 0
  // prove nothing and are skipped; with the fixed seeds below 15 of 16 runs fail later
  // (measured).
  int compared = 0;
  for (std::uint64_t seed = 1; seed <= 16; ++seed) {
    sim::options o = opts("determinism-pct-execution", 5000, seed);
    o.strategy.name = "pct";
    o.strategy.depth = 2;
    o.write_trace = false;
    const sim::report full = sim::explore(o, long_lost_update_body);
    ASSERT_FALSE(full.ok()) << full.text();
    if (full.failing_execution == 0) continue;
    ++compared;
    sim::options one = o;
    one.execution = full.failing_execution;
    const sim::report alone = sim::explore(one, long_lost_update_body);
    SCOPED_TRACE("seed " + std::to_string(seed));
    EXPECT_FALSE(alone.ok()) << "execution " << full.failing_execution << " passed when run alone";
    expect_same_report(full, alone);
  }
  EXPECT_GT(compared, 0);
}

TEST(SimDeterminism, TwoSimulationsOnTwoOsThreadsAtOnceGiveIdenticalResults) {
  // No global mutable state: two explorations running at the same time on two OS threads
  // (released together by a latch) produce exactly what one of them produces alone.
  constexpr std::uint64_t seeds = 24;
  const auto run_all = [](std::vector<sim::report>& out) {
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      sim::options o = opts("determinism-threads", 2000, seed);
      o.strategy.name = seed % 2 == 0 ? "pct" : "random";
      o.write_trace = false;
      out.push_back(sim::explore(o, lost_update_body));
    }
  };
  std::vector<sim::report> alone;
  run_all(alone);
  std::vector<sim::report> left;
  std::vector<sim::report> right;
  std::latch start(2);
  std::thread t1([&] {
    start.arrive_and_wait();
    run_all(left);
  });
  std::thread t2([&] {
    start.arrive_and_wait();
    run_all(right);
  });
  t1.join();
  t2.join();
  ASSERT_EQ(left.size(), seeds);
  ASSERT_EQ(right.size(), seeds);
  for (std::size_t i = 0; i < seeds; ++i) {
    SCOPED_TRACE("seed " + std::to_string(i + 1));
    EXPECT_FALSE(alone[i].ok());
    expect_same_report(alone[i], left[i]);
    expect_same_report(alone[i], right[i]);
  }
}

TEST(SimDeterminism, BodyDependingOnOutsideStateIsReportedAsNondeterminism) {
  // The body fails on its third call only, whatever the seed: the re-run of the failing
  // execution from its own seed (the fourth call) passes, and explore says so.
  int calls = 0;
  sim::options o = opts("determinism-outside-state", 10);
  const sim::report r = sim::explore(o, [&calls] {
    ++calls;
    sim::check(calls != 3, "third call");
  });
  EXPECT_EQ(sim::to_string(r.failed.kind), sim::to_string(failure_kind::nondeterminism))
      << r.text();
  EXPECT_EQ(r.exit_code(), 3);
  EXPECT_EQ(r.failing_execution, 2u);
  EXPECT_FALSE(r.reproduced_from_seed);
  EXPECT_TRUE(contains(r.failed.message, "execution 2 failed (assertion: third call)"))
      << r.failed.message;
  EXPECT_TRUE(contains(r.failed.message, "re-run from the same seed passed")) << r.failed.message;
}

// ===================================================================================== PCT

// A depth-2 atomicity violation: "user" checks a pointer, then uses it; "clearer" clears it.
// It fails only if "clearer" runs exactly between the check and the use: "user" must be
// preempted at that one step, which PCT does with one priority change point (depth 2).
void check_then_use_body() {
  sim::atomic<int> pointer{1};
  sim::thread user("user", [&] {
    if (pointer.load() != 0) {
      sim::check(pointer.load() != 0, "used the pointer after it was cleared");
    }
  });
  sim::thread clearer("clearer", [&] { pointer.store(0); });
  user.join();
  clearer.join();
}

TEST(SimPct, FindsDepthTwoOrderingBug) {
  // PCT bound (Burckhardt et al., ASPLOS'10): a depth-d bug is found with probability at
  // least 1/(n * k^(d-1)) per execution, n threads, k steps. Here n = 3 (main included),
  // d = 2 and the horizon is fixed at k = 16 (longer than an execution), so p >= 1/48 and
  // 2000 executions miss it with odds <= (47/48)^2000 < 1e-18.
  sim::options o = opts("pct-depth-2", 2000);
  o.strategy.name = "pct";
  o.strategy.depth = 2;
  o.strategy.pct_steps = 16;
  const sim::report r = expect_failure(check_then_use_body, failure_kind::assertion,
                                       "used the pointer after it was cleared", o);
  EXPECT_EQ(r.strategy, "pct");
}

TEST(SimPct, DepthOneNeverFindsADepthTwoBug) {
  // Without change points the highest-priority runnable thread always runs, so "user" is
  // never preempted between its check and its use: this holds for every seed.
  sim::options o = opts("pct-depth-1", 2000);
  o.strategy.name = "pct";
  o.strategy.depth = 1;
  expect_clean(o, check_then_use_body);
}

// ================================================================================= limits

TEST(SimLimits, TooManyThreadsFailsCleanlyNamingTheLimit) {
  static_assert(sim::max_threads_per_execution == 16, "update the message below with the limit");
  const sim::report r = expect_failure(
      [] {
        std::vector<sim::thread> threads;
        threads.reserve(sim::max_threads_per_execution);
        for (std::uint32_t i = 0; i < sim::max_threads_per_execution; ++i) {
          threads.emplace_back([] {});
        }
        for (sim::thread& t : threads) t.join();
      },
      failure_kind::assertion, "too many threads: an execution may have at most 16",
      opts("too-many-threads", 5));
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.thread_names.size(), sim::max_threads_per_execution);
}

TEST(SimLimits, MaxThreadsIncludingTheBodyIsAllowed) {
  expect_clean(opts("max-threads", 50), [] {
    std::vector<sim::thread> threads;
    sim::atomic<std::uint32_t> ran{0};
    for (std::uint32_t i = 1; i < sim::max_threads_per_execution; ++i) {
      threads.emplace_back([&] { ran.fetch_add(1, std::memory_order_relaxed); });
    }
    for (sim::thread& t : threads) t.join();
    sim::check(ran.load() == sim::max_threads_per_execution - 1, "every thread ran");
  });
}

// ======================================================================= internal errors

// Strategies that break their contract. `always` answers one fixed thread at every decision,
// whether or not it can run; `stay` sees every step and always answers the current thread,
// even when that thread has just blocked.
class broken_strategy final : public sim::strategy {
 public:
  static broken_strategy always(std::uint32_t t) { return broken_strategy(t, false); }
  static broken_strategy stay() { return broken_strategy(0, true); }
  std::string_view name() const noexcept override { return "broken"; }
  sim::strategy_params params() const override { return {}; }
  void begin_execution(std::uint64_t) override {}
  std::uint32_t pick_thread(const sim::decision_context& ctx) override {
    return stay_ ? ctx.current : answer_;
  }
  std::uint64_t pick_value(const sim::decision_context&, std::uint64_t) override { return 0; }
  bool pick_fault(const sim::decision_context&) override { return false; }
  bool sees_every_step() const noexcept override { return stay_; }

 private:
  broken_strategy(std::uint32_t answer, bool stay) : answer_(answer), stay_(stay) {}
  std::uint32_t answer_;
  bool stay_;
};

TEST(SimInternal, StrategyChoosingAThreadThatDoesNotExistIsAReportedInternalError) {
  broken_strategy strat = broken_strategy::always(7);
  sim::runtime rt;
  auto body = [] {
    sim::atomic<int> gate{0};
    sim::thread waiter("waiter", [&] {
      while (gate.load(std::memory_order_acquire) == 0) sim::yield();
    });
    gate.store(1, std::memory_order_release);  // step 0: t0 and t1 can run, the strategy asked
    waiter.join();
  };
  const sim::failure& f = rt.run(strat, 0, body, false);
  EXPECT_EQ(f.kind, failure_kind::internal) << f.message;
  EXPECT_TRUE(contains(f.message, "internal error: strategy 'broken' chose t7 at step 0, which "
                                  "is not runnable (runnable: t0 t1)"))
      << f.message;
  EXPECT_EQ(sim::exit_code(f.kind), 3);
  EXPECT_EQ(sim::to_string(f.kind), "internal-error");
}

TEST(SimInternal, StrategyChoosingABlockedThreadIsAReportedInternalError) {
  // t0 blocks joining t1 at step 0, and the strategy answers t0 all the same. Taken at its
  // word, t0 would go on as if the join had returned.
  broken_strategy strat = broken_strategy::stay();
  sim::runtime rt;
  auto body = [] {
    sim::thread child("child", [] {});
    child.join();
  };
  const sim::failure& f = rt.run(strat, 0, body, true);
  ASSERT_EQ(f.kind, failure_kind::internal) << f.message;
  EXPECT_TRUE(contains(f.message, "strategy 'broken' chose t0 at step 0, which is not runnable "
                                  "(runnable: t1)"))
      << f.message;
  EXPECT_EQ(f.thread, 0u);
  ASSERT_EQ(rt.steps().size(), 1u);
  EXPECT_EQ(rt.steps()[0].kind, sim::point_kind::block);
  // The same runtime runs the next execution normally.
  broken_strategy fine = broken_strategy::always(0);
  auto alone = [] { sim::yield(); };
  EXPECT_FALSE(rt.run(fine, 0, alone, false));
}

TEST(SimInternal, BrokenInvariantStopsTheProcessNamingTheCondition) {
  EXPECT_DEATH(sim::detail::invariant::assert_failed("n < max", "the set has room",
                                                     weft::source_location::current()),
               "weft: internal error in the simulator: the set has room \\(n < max\\) at .*"
               "runtime_test.cpp:[0-9]+; this is a bug in weft");
}

// ======================================================================== object lifetime

TEST_P(SimObjectsEachStrategy, ObjectsCreatedOutsideTheBodyAreFreshInEachExecution) {
  // `m` is locked and never unlocked, and `v` is last written by a thread of the previous
  // execution. If either carried state across executions, the second execution would
  // deadlock ("locked twice") or report a race against a thread that no longer exists.
  sim::mutex m;
  sim::var<int> v{0};
  sim::parker p;
  const char* strategy = GetParam();
  sim::options o = opts("objects-outside", 300);
  o.strategy.name = strategy;
  expect_clean(o, [&] {
    m.lock();
    static_cast<void>(v.load());
    p.unpark();  // leaves a token behind; a fresh parker must not see it next time
    sim::thread writer("writer", [&] { v.store(1); });
    writer.join();
  });
  // The token left by the last execution is gone in a new one: park blocks, a deadlock.
  expect_failure([&] { p.park(); }, failure_kind::deadlock, "parked on o",
                 opts("objects-outside-parker", 5));
}

TEST(SimObjects, SimTypesOutsideASimulationActAsPlainValues) {
  sim::atomic<int> a{1};
  a.store(5);
  EXPECT_EQ(a.load(), 5);
  EXPECT_EQ(a.fetch_add(2), 5);
  EXPECT_EQ(a.exchange(9), 7);
  int expected = 9;
  EXPECT_TRUE(a.compare_exchange_strong(expected, 10));
  expected = 10;
  EXPECT_TRUE(a.compare_exchange_weak(expected, 11));  // no simulation, no injected fault
  expected = 0;
  EXPECT_FALSE(a.compare_exchange_strong(expected, 12));
  EXPECT_EQ(expected, 11);
  EXPECT_EQ(static_cast<int>(a), 11);

  sim::var<int> v{3};
  v.store(4);
  EXPECT_EQ(v.load(), 4);

  sim::mutex m;  // does nothing outside a simulation
  m.lock();
  m.unlock();
  EXPECT_TRUE(m.try_lock());
  m.unlock();

  EXPECT_THROW({ sim::thread t([] {}); }, std::logic_error);
}

// ================================================================================= replay

// Body A does two stores then fails, so its trace has steps to follow; body B does a load
// where A did its second store.
void replay_body(bool second_is_load) {
  sim::atomic<int> a{0};
  sim::atomic<int> b{0};
  a.store(1);
  if (second_is_load) {
    static_cast<void>(b.load());
  } else {
    b.store(1);
  }
  sim::check(false, "end of body A");
}

TEST(SimReplay, TraceReplayedAgainstADifferentBodyReportsNondeterminismAtTheStep) {
  const sim::report recorded = expect_failure([] { replay_body(false); }, failure_kind::assertion,
                                              "end of body A", opts("replay-divergence", 5));
  ASSERT_FALSE(recorded.trace_path.empty());

  const sim::report same = sim::replay_file(recorded.trace_path, [] { replay_body(false); });
  EXPECT_TRUE(same.reproduced_from_trace);
  EXPECT_EQ(sim::to_string(same.failed.kind), sim::to_string(failure_kind::assertion));
  EXPECT_EQ(same.failed.message, "end of body A");

  const sim::report other = sim::replay_file(recorded.trace_path, [] { replay_body(true); });
  EXPECT_FALSE(other.reproduced_from_trace);
  EXPECT_EQ(sim::to_string(other.failed.kind), sim::to_string(failure_kind::nondeterminism));
  EXPECT_EQ(other.exit_code(), 3);
  EXPECT_EQ(other.failed.message,
            "nondeterminism at step 1: expected t0 doing atomic.store o2, got t0 doing "
            "atomic.load o2");
}

TEST(SimReplay, TraceReplayedAgainstAShorterBodyReportsNondeterminism) {
  const sim::report recorded = expect_failure([] { replay_body(false); }, failure_kind::assertion,
                                              "end of body A", opts("replay-shorter", 5));
  ASSERT_FALSE(recorded.trace_path.empty());
  const sim::report other = sim::replay_file(recorded.trace_path, [] {
    sim::atomic<int> a{0};
    a.store(1);
    sim::check(false, "end of body A");
  });
  EXPECT_EQ(sim::to_string(other.failed.kind), sim::to_string(failure_kind::nondeterminism));
  EXPECT_TRUE(contains(other.failed.message, "nondeterminism at step")) << other.failed.message;
}

// ============================================================================ gtest helper

// Sets WEFT_* variables for one test and restores the previous environment afterwards.
class weft_env {
 public:
  static constexpr std::array<const char*, 9> names = {
      "WEFT_SEED",       "WEFT_EXECUTION", "WEFT_STRATEGY",
      "WEFT_DEPTH",      "WEFT_PCT_STEPS", "WEFT_FAULT_PER_MILLE",
      "WEFT_ITERATIONS", "WEFT_TRACE_DIR", "WEFT_REPLAY"};
  weft_env() {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (const char* v = std::getenv(names[i])) saved_[i] = v;
      ::unsetenv(names[i]);
    }
  }
  ~weft_env() {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (saved_[i]) {
        ::setenv(names[i], saved_[i]->c_str(), 1);
      } else {
        ::unsetenv(names[i]);
      }
    }
  }
  weft_env(const weft_env&) = delete;
  weft_env& operator=(const weft_env&) = delete;
  static void set(const char* name, const char* value) { ::setenv(name, value, 1); }

 private:
  std::array<std::optional<std::string>, names.size()> saved_;
};

TEST(SimGtest, FromEnvHonoursTheWeftVariables) {
  const weft_env env;
  sim::options base;
  base.iterations = 77;
  base.strategy.name = "random";

  const sim::options untouched = sim::testing::from_env(base);
  EXPECT_FALSE(untouched.seed.has_value());
  EXPECT_FALSE(untouched.execution.has_value());
  EXPECT_EQ(untouched.iterations, 77u);
  EXPECT_EQ(untouched.strategy.name, "random");

  weft_env::set("WEFT_SEED", "0x2a");
  weft_env::set("WEFT_EXECUTION", "7");
  weft_env::set("WEFT_STRATEGY", "pct");
  weft_env::set("WEFT_DEPTH", "4");
  weft_env::set("WEFT_ITERATIONS", "123");
  const sim::options o = sim::testing::from_env(base);
  ASSERT_TRUE(o.seed.has_value());
  EXPECT_EQ(*o.seed, 42u);
  ASSERT_TRUE(o.execution.has_value());
  EXPECT_EQ(*o.execution, 7u);
  EXPECT_EQ(o.strategy.name, "pct");
  EXPECT_EQ(o.strategy.depth, 4u);
  EXPECT_EQ(o.iterations, 123u);

  weft_env::set("WEFT_SEED", "1234");
  EXPECT_EQ(sim::testing::from_env(base).seed, std::optional<std::uint64_t>(1234));
  weft_env::set("WEFT_SEED", "");  // empty counts as unset
  EXPECT_FALSE(sim::testing::from_env(base).seed.has_value());
}

TEST(SimGtest, FromEnvRejectsAMalformedSeed) {
  const weft_env env;
  for (const char* bad : {"12abc", "0x", "seed", "-1", "0x1g", "99999999999999999999"}) {
    weft_env::set("WEFT_SEED", bad);
    EXPECT_THROW(sim::testing::from_env(sim::options{}), std::invalid_argument) << bad;
  }
  weft_env::set("WEFT_SEED", "1");
  weft_env::set("WEFT_ITERATIONS", "ten");
  EXPECT_THROW(sim::testing::from_env(sim::options{}), std::invalid_argument);
}

// 32-bit settings are refused when they do not fit, never truncated (4294967297 once ran as
// depth 1, 4294967346 as a fault rate of 50).
TEST(SimGtest, FromEnvRejectsOutOfRangeThirtyTwoBitValues) {
  const weft_env env;
  weft_env::set("WEFT_DEPTH", "4294967297");
  EXPECT_THROW(sim::testing::from_env(sim::options{}), std::invalid_argument);
  weft_env::set("WEFT_DEPTH", "4");
  weft_env::set("WEFT_FAULT_PER_MILLE", "4294967346");
  try {
    static_cast<void>(sim::testing::from_env(sim::options{}));
    ADD_FAILURE() << "WEFT_FAULT_PER_MILLE=4294967346 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("WEFT_FAULT_PER_MILLE=4294967346 is out of range"),
              std::string::npos)
        << e.what();
  }
  weft_env::set("WEFT_FAULT_PER_MILLE", "7");
  EXPECT_EQ(sim::testing::from_env(sim::options{}).strategy.fault_per_mille, 7u);
  EXPECT_EQ(sim::testing::from_env(sim::options{}).strategy.depth, 4u);
}

}  // namespace
