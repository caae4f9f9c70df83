// The fair-cycle livelock check (sim/detail/livelock.hpp): with default settings every strategy
// finds a polite livelock, which the step bound never reaches; spin-waits that end under a fair
// schedule, loops with a counter and randomised back-offs are never flagged.
//
// Conventions as runtime_test.cpp: fixed seeds, no timing; a test that relies on a probability
// sizes its executions so that a spurious result has odds below 1e-9.
#include <weft/sim/explore.hpp>
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

namespace sim = weft::sim;
using namespace std::chrono_literals;
using sim::failure_kind;

sim::options opts(std::string_view strategy, std::uint64_t iterations) {
  sim::options o;
  o.strategy.name = std::string(strategy);
  o.iterations = iterations;
  o.seed = 0x11fe;
  o.trace_dir = std::filesystem::path(::testing::TempDir()) / "weft-livelock-test";
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  o.trace_dir /= std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : o.scenario = std::string(info->name())) {
    if (c == '/') c = '_';
  }
  o.trace_dir = o.trace_dir.parent_path() / o.scenario;
  return o;
}

// Tests that expect the check to find something skip where it is off (sanitizer builds, other
// targets: detail/livelock.hpp).
#define WEFT_NEEDS_FAIR_CYCLE_CHECK()                                                    \
  if (!sim::detail::livelock_check_supported)                                            \
  GTEST_SKIP() << "the fair-cycle check is off in this build (sanitizers, or not x86-64 Linux)"

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Two threads that each want the critical section: raise the flag, and if the other's is up,
// lower it, back off and try again. Both can do that in lockstep for ever.
template <bool Sleep>
void polite_pair() {
  sim::atomic<int> flag[2] = {{0, "flag0"}, {0, "flag1"}};
  sim::var<int> inside{0, "inside"};
  const auto worker = [&](int me) {
    const int other = 1 - me;
    flag[me].store(1);
    while (flag[other].load() != 0) {
      flag[me].store(0);
      if constexpr (Sleep) {
        sim::sleep_for(1ms);
      } else {
        sim::yield();
      }
      flag[me].store(1);
    }
    inside.store(inside.load() + 1);
    flag[me].store(0);
  };
  sim::thread a("polite-a", [&] { worker(0); });
  sim::thread b("polite-b", [&] { worker(1); });
  a.join();
  b.join();
}

// The fix: thread 1 defers to thread 0, which never backs off; thread 1 waits until thread 0
// is done before it raises its flag again. Every wait here ends under a fair schedule.
void deferring_pair() {
  sim::atomic<int> flag[2] = {{0, "flag0"}, {0, "flag1"}};
  sim::var<int> inside{0, "inside"};
  sim::thread a("eager", [&] {
    flag[0].store(1);
    while (flag[1].load() != 0) sim::yield();
    inside.store(inside.load() + 1);
    flag[0].store(0);
  });
  sim::thread b("deferring", [&] {
    flag[1].store(1);
    while (flag[0].load() != 0) {
      flag[1].store(0);
      while (flag[0].load() != 0) sim::yield();
      flag[1].store(1);
    }
    inside.store(inside.load() + 1);
    flag[1].store(0);
  });
  a.join();
  b.join();
}

class SimFairCycle : public ::testing::TestWithParam<const char*> {};

// Default settings otherwise: the step bound (20,000) is never reached by a random walk here,
// since each round both threads leave the loop with odds about 1/4. (pct is not among the
// strategies: it runs the thread of highest priority until a change point, which is never the
// lockstep a fair cycle needs. dpor's depth-first search may first run one thread round its
// loop alone until the step bound, see DporReportsThePoliteLivelock.)
TEST_P(SimFairCycle, FindsThePoliteLivelockWithYieldsAndReplaysIt) {
  WEFT_NEEDS_FAIR_CYCLE_CHECK();
  const sim::report r = sim::explore(opts(GetParam(), 10'000), [] { polite_pair<false>(); });
  ASSERT_EQ(r.failed.kind, failure_kind::livelock) << r.text();
  EXPECT_TRUE(contains(r.failed.message, "is back in a state it was in before")) << r.text();
  EXPECT_TRUE(contains(r.failed.message, "t1 \"polite-a\" spins: yields at")) << r.text();
  EXPECT_TRUE(contains(r.failed.message, "t2 \"polite-b\" spins: yields at")) << r.text();
  EXPECT_TRUE(contains(r.failed.message, "livelock_test.cpp")) << r.text();
  EXPECT_LT(r.failing_steps, 200u) << "found at the cycle, not by the step bound\n" << r.text();
  EXPECT_TRUE(r.reproduced_from_seed) << r.text();
  EXPECT_TRUE(r.reproduced_from_trace) << r.text();

  // The trace replays to the same failure at the same step.
  ASSERT_FALSE(r.trace_path.empty()) << r.text();
  const sim::report again = sim::replay_file(r.trace_path, [] { polite_pair<false>(); });
  EXPECT_EQ(again.failed.kind, failure_kind::livelock) << again.text();
  EXPECT_EQ(again.failed.message, r.failed.message);
  EXPECT_EQ(again.failing_steps, r.failing_steps);
}

TEST_P(SimFairCycle, FindsThePoliteLivelockThatBacksOffBySleeping) {
  WEFT_NEEDS_FAIR_CYCLE_CHECK();
  const sim::report r = sim::explore(opts(GetParam(), 10'000), [] { polite_pair<true>(); });
  ASSERT_EQ(r.failed.kind, failure_kind::livelock) << r.text();
  EXPECT_TRUE(contains(r.failed.message, "spins: sleeps at")) << r.text();
  EXPECT_TRUE(r.reproduced_from_trace) << r.text();
  ASSERT_FALSE(r.trace_path.empty()) << r.text();
  const sim::report again = sim::replay_file(r.trace_path, [] { polite_pair<true>(); });
  EXPECT_EQ(again.failed.message, r.failed.message) << again.text();
  EXPECT_EQ(again.failing_steps, r.failing_steps);
}

TEST_P(SimFairCycle, NeverFlagsTheDeferringFix) {
  const sim::options o = opts(GetParam(), 2'000);
  const sim::report r = sim::explore(o, [] { deferring_pair(); });
  EXPECT_TRUE(r.ok()) << r.text();
}

INSTANTIATE_TEST_SUITE_P(Sampling, SimFairCycle, ::testing::Values("random", "pos", "surw"),
                         [](const auto& param) { return std::string(param.param); });

// dpor continues the current thread first, so its second execution runs one polite thread
// round its loop alone, the other stopped: not a fair cycle, and the step bound reports it.
// With sleeps, time only moves when both wait, and the fair cycle comes first.
TEST(SimFairCycle, DporReportsThePoliteLivelock) {
  WEFT_NEEDS_FAIR_CYCLE_CHECK();
  const sim::report yields = sim::explore(opts("dpor", 10'000), [] { polite_pair<false>(); });
  EXPECT_EQ(yields.failed.kind, failure_kind::livelock) << yields.text();
  EXPECT_TRUE(yields.reproduced_from_trace) << yields.text();
  const sim::report sleeps = sim::explore(opts("dpor", 10'000), [] { polite_pair<true>(); });
  ASSERT_EQ(sleeps.failed.kind, failure_kind::livelock) << sleeps.text();
  EXPECT_TRUE(contains(sleeps.failed.message, "is back in a state it was in before")) << sleeps.text();
  EXPECT_TRUE(sleeps.reproduced_from_trace) << sleeps.text();
}

TEST(SimFairCycle, NeverFlagsTheDeferringFixUnderPct) {
  const sim::report r = sim::explore(opts("pct", 2'000), [] { deferring_pair(); });
  EXPECT_TRUE(r.ok()) << r.text();
}

TEST(SimFairCycle, DporProvesTheDeferringFix) {
  sim::options o = opts("dpor", 1'000'000);
  const sim::report r = sim::explore(o, [] { deferring_pair(); });
  EXPECT_TRUE(r.ok()) << r.text();
  EXPECT_TRUE(r.search.complete) << r.text();
}

TEST(SimFairCycle, OffItLeavesOnlyTheStepBound) {
  sim::options o = opts("dpor", 100);
  o.runtime.livelock_repeats = 0;
  o.runtime.steps_max = 2'000;
  const sim::report r = sim::explore(o, [] { polite_pair<false>(); });
  ASSERT_EQ(r.failed.kind, failure_kind::livelock) << r.text();
  EXPECT_TRUE(contains(r.failed.message, "step bound exceeded")) << r.text();
}

// Spin-waits that end under fairness: a thread spinning on a flag that another sets after a
// long countdown of its own (a local counter, no shared write until the end), both yielding.
// Every state of the spinner repeats; the counter keeps the whole state from repeating.
TEST(SimFairCycle, NeverFlagsAWaitThatEndsUnderFairness) {
  const auto body = [] {
    sim::atomic<int> ready{0, "ready"};
    sim::thread waiter("waiter", [&] {
      while (ready.load() == 0) sim::yield();
    });
    sim::thread counter("counter", [&] {
      for (int i = 0; i < 40; ++i) sim::yield();
      ready.store(1);
    });
    waiter.join();
    counter.join();
  };
  // Not pos: it gives the waiter's every new step a fresh priority while the counter keeps the
  // one it drew, so now and then it starves the counter past the step bound (a sampling
  // artefact of pos, reported by the step bound, not by this check).
  for (const char* strategy : {"random", "pct", "surw"}) {
    const sim::report r = sim::explore(opts(strategy, 2'000), body);
    EXPECT_TRUE(r.ok()) << strategy << "\n" << r.text();
  }
  // Exhaustively: the waiter's read-only spin waits for a write (the await rule), so the
  // search is finite.
  sim::options o = opts("dfs", 1'000'000);
  const sim::report r = sim::explore(o, body);
  EXPECT_TRUE(r.ok()) << r.text();
  EXPECT_TRUE(r.search.complete) << r.text();
}

// Two idle workers that spin a bounded number of times before they give up: the same shared
// state and the same place in the loop every round, only the counters differ.
TEST(SimFairCycle, NeverFlagsBoundedSpinsWithCounters) {
  const auto body = [] {
    sim::atomic<int> work{0, "work"};
    const auto idle = [&] {
      for (int spins = 0; spins < 64 && work.load() == 0; ++spins) sim::yield();
    };
    sim::thread a("idle-a", idle);
    sim::thread b("idle-b", idle);
    a.join();
    b.join();
  };
  for (const char* strategy : {"random", "pct", "pos", "surw"}) {
    const sim::report r = sim::explore(opts(strategy, 500), body);
    EXPECT_TRUE(r.ok()) << strategy << "\n" << r.text();
  }
}

// A randomised back-off ends with probability one: a draw is progress.
TEST(SimFairCycle, NeverFlagsARandomisedBackOff) {
  const auto body = [] {
    sim::atomic<int> flag[2] = {{0, "flag0"}, {0, "flag1"}};
    const auto worker = [&](int me) {
      flag[me].store(1);
      while (flag[1 - me].load() != 0) {
        flag[me].store(0);
        for (std::uint64_t n = sim::random(3); n > 0; --n) sim::yield();
        flag[me].store(1);
      }
      flag[me].store(0);
    };
    sim::thread a([&] { worker(0); });
    sim::thread b([&] { worker(1); });
    a.join();
    b.join();
  };
  const sim::report r = sim::explore(opts("random", 2'000), body);
  EXPECT_TRUE(r.ok()) << r.text();
}

// A clock that is read is part of the state: a deadline loop is not a livelock.
TEST(SimFairCycle, NeverFlagsADeadlineLoop) {
  const auto body = [] {
    sim::atomic<int> done{0, "done"};
    sim::thread poller("poller", [&] {
      const auto deadline = sim::clock::now() + 50ms;
      while (done.load() == 0 && sim::clock::now() < deadline) sim::sleep_for(1ms);
    });
    sim::thread other("other", [&] {
      while (done.load() == 0 && sim::clock::now() < sim::clock::time_point(40ms)) {
        sim::sleep_for(1ms);
      }
      done.store(1);
    });
    poller.join();
    other.join();
  };
  const sim::report r = sim::explore(opts("random", 500), body);
  EXPECT_TRUE(r.ok()) << r.text();
}

// A thread that spins while the only other one is blocked for good: it can run for ever, and
// nothing changes.
TEST(SimFairCycle, FlagsASpinnerWhoseWakerIsBlocked) {
  WEFT_NEEDS_FAIR_CYCLE_CHECK();
  const auto body = [] {
    sim::mutex m{"m"};
    sim::atomic<int> ready{0, "ready"};
    m.lock();
    sim::thread setter("setter", [&] {
      m.lock();  // never: main holds it until the spinner is done
      ready.store(1);
      m.unlock();
    });
    sim::thread spinner("spinner", [&] {
      int seen = 0;
      while (ready.load() == 0) {
        seen = seen ^ 1;  // a local that changes, then changes back
        seen = seen ^ 1;
        sim::yield();
      }
    });
    spinner.join();
    m.unlock();
    setter.join();
  };
  const sim::report r = sim::explore(opts("random", 100), body);
  ASSERT_EQ(r.failed.kind, failure_kind::livelock) << r.text();
  EXPECT_TRUE(contains(r.failed.message, "\"spinner\" spins: yields at")) << r.text();
  EXPECT_TRUE(contains(r.failed.message, "\"setter\"")) << r.text();
  EXPECT_TRUE(r.reproduced_from_trace) << r.text();
}

TEST(SimFairCycle, RefusesTooManyRepeats) {
  sim::options o = opts("random", 1);
  o.runtime.livelock_repeats = sim::max_livelock_repeats + 1;
  EXPECT_THROW(sim::explore(o, [] {}), std::invalid_argument);
}

}  // namespace
