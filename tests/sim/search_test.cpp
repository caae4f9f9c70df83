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
