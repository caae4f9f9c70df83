// The exhaustive strategies (dpor, dfs) on programs whose executions can be counted by hand.
#include <weft/sim/explore.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

#include <array>
#include <mutex>

namespace sim = weft::sim;

namespace {

sim::options search(const char* strategy, std::uint64_t max = 1'000'000) {
  sim::options o;
  o.strategy.name = strategy;
  o.iterations = max;
  o.seed = 1;
  o.write_trace = false;
  return o;
}

// 3 threads x 2 increments under one mutex, joined by the body.
void mutex_counter() {
  sim::mutex m;
  sim::var<int> n{0};
  const auto work = [&] {
    for (int i = 0; i < 2; ++i) {
      std::scoped_lock l(m);
      n.store(n.load() + 1);
    }
  };
  sim::thread a(work);
  sim::thread b(work);
  sim::thread c(work);
  a.join();
  b.join();
  c.join();
  sim::check(n.load() == 6, "six increments");
}

}  // namespace

// The orders of six lock acquisitions, two per thread: 6! / (2! 2! 2!) = 90.
TEST(Dpor, MutexCounterHasNinetyExecutions) {
  const sim::report r = sim::explore(search("dpor"), mutex_counter);
  ASSERT_TRUE(r.ok()) << r.text();
  EXPECT_TRUE(r.search.complete) << r.text();
  EXPECT_EQ(r.executions - r.cut, 90u) << r.text();
  std::cout << r.text();
}

TEST(Dfs, MutexCounterIsExploredCompletely) {
  const sim::report r = sim::explore(search("dfs"), mutex_counter);
  ASSERT_TRUE(r.ok()) << r.text();
  EXPECT_TRUE(r.search.complete) << r.text();
  EXPECT_GE(r.executions, 90u);
  std::cout << r.text();
}

namespace {

sim::options delay_bounded(const char* strategy, std::uint64_t bound) {
  sim::options o = search(strategy);
  o.strategy.options = {{"delay-bound", std::to_string(bound)}};
  return o;
}

// A bug that needs the scheduler to skip a thread once: t2 must store before t1 does, but
// round-robin runs t1 first.
void needs_one_delay() {
  sim::atomic<int> x{0};
  sim::thread a([&] { x.store(1); });
  sim::thread b([&] { x.store(2); });
  a.join();
  b.join();
  sim::check(x.load() != 1, "t2 stored last");
}

}  // namespace

// Delay bounding (Emmi, Qadeer, Rakamaric): 0 delays is the round-robin execution alone; the
// counts grow with the bound, every bounded search says it is complete only up to its bound, and
// a bound large enough is the whole search again.
TEST(DelayBound, CountsGrowWithTheBoundUpToTheWholeSearch) {
  for (const char* strategy : {"dpor", "dfs"}) {
    SCOPED_TRACE(strategy);
    const sim::report whole = sim::explore(search(strategy), mutex_counter);
    ASSERT_TRUE(whole.search.complete);
    std::uint64_t previous = 0;
    for (const std::uint64_t bound : {0u, 1u, 2u, 3u}) {
      const sim::report r = sim::explore(delay_bounded(strategy, bound), mutex_counter);
      ASSERT_TRUE(r.ok()) << r.text();
      EXPECT_TRUE(r.search.complete) << r.text();
      EXPECT_EQ(r.search.bound, std::to_string(bound) + " delays") << r.text();
      EXPECT_NE(r.text().find("up to " + std::to_string(bound) + " delays"), std::string::npos)
          << r.text();
      EXPECT_GT(r.executions, previous) << "bound " << bound;
      EXPECT_LT(r.executions, whole.executions) << "bound " << bound;
      previous = r.executions;
      if (bound == 0) {
        EXPECT_EQ(r.executions - r.cut, 1u) << "0 delays: the round-robin execution alone";
      }
    }
    const sim::report big = sim::explore(delay_bounded(strategy, 100), mutex_counter);
    EXPECT_EQ(big.executions, whole.executions) << big.text();
    EXPECT_TRUE(big.search.bound.empty()) << "a bound that cut nothing is not reported";
  }
}

TEST(DelayBound, ABugThatNeedsOneDelayIsFoundWithOneAndNotWithNone) {
  const sim::report none = sim::explore(delay_bounded("dpor", 0), needs_one_delay);
  EXPECT_TRUE(none.ok()) << none.text();
  EXPECT_TRUE(none.search.complete) << none.text();
  EXPECT_EQ(none.search.bound, "0 delays") << none.text();
  const sim::report one = sim::explore(delay_bounded("dpor", 1), needs_one_delay);
  EXPECT_EQ(one.failed.kind, sim::failure_kind::assertion) << one.text();
  EXPECT_TRUE(one.reproduced_from_seed) << one.text();
}
