#include <weft/sim/explore.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

namespace sim = weft::sim;

TEST(Smoke, CounterUnderMutexPasses) {
  sim::options o;
  o.iterations = 1000;
  o.seed = 1;
  o.write_trace = false;
  auto r = sim::explore(o, [] {
    sim::mutex m;
    sim::var<int> n{0};
    sim::thread a([&] { for (int i = 0; i < 3; ++i) { std::scoped_lock l(m); n.store(n.load() + 1); } });
    sim::thread b([&] { for (int i = 0; i < 3; ++i) { std::scoped_lock l(m); n.store(n.load() + 1); } });
    a.join();
    b.join();
    sim::check(n.load() == 6, "six");
  });
  EXPECT_TRUE(r.ok()) << r.text();
}

TEST(Smoke, RacyCounterFails) {
  sim::options o;
  o.iterations = 1000;
  o.seed = 1;
  o.trace_dir = testing::TempDir() + "/smoke";
  auto r = sim::explore(o, [] {
    sim::var<int> n{0};
    sim::thread a([&] { n.store(n.load() + 1); });
    n.store(n.load() + 1);
    a.join();
  });
  EXPECT_FALSE(r.ok());
  std::cout << r.text();
}
