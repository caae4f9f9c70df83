// README.md, "Testing your own code": the example verbatim, plus a test that pins what it does
// (the bug it contains is found, reproduced from its seed and from its trace) and its fix.
#include <thread>

#include <weft/core/os_platform.hpp>
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

// Your code, written once against a platform P (weft::os on real threads).
template <class P>
struct published_total {
  typename P::template atomic<int> ready{0};
  typename P::template var<long> total{0};
  void publish(long v) {
    total.store(v);
    ready.store(1, std::memory_order_relaxed);  // bug: needs memory_order_release
  }
  long read() { return ready.load(std::memory_order_acquire) == 1 ? total.load() : -1; }
};

TEST(PublishedTotal, ReaderSeesTheTotalOrNothing) {
  weft::sim::testing::check([] {
    published_total<weft::sim::platform> p;
    weft::sim::thread writer([&] { p.publish(42); });
    const long seen = p.read();
    weft::sim::check(seen == -1 || seen == 42, "a reader sees the whole total or nothing");
    writer.join();
  });
}

// The README's own test above fails on purpose (it shows the report of the bug it contains):
// ctest does not run it; run it by hand to see that report:
//   build/ci/tests/docs/weft_readme_example_test --gtest_filter=PublishedTotal.*

TEST(ReadmeExample, TheRelaxedPublishIsFoundAndReplayed) {
  weft::sim::options opts;
  opts.trace_dir = ::testing::TempDir() + "/weft-readme";
  weft::sim::testing::expect_failure(
      [] {
        published_total<weft::sim::platform> p;
        weft::sim::thread writer([&] { p.publish(42); });
        const long seen = p.read();
        weft::sim::check(seen == -1 || seen == 42, "a reader sees the whole total or nothing");
        writer.join();
      },
      weft::sim::failure_kind::data_race, "data race on var", opts);
}

// The same type with the store fixed (release), as a user would write it next.
template <class P>
struct published_total_fixed : published_total<P> {
  void publish(long v) {
    this->total.store(v);
    this->ready.store(1, std::memory_order_release);
  }
};

TEST(ReadmeExample, WithReleaseTheReaderSeesTheTotalOrNothing) {
  weft::sim::options opts;
  opts.trace_dir = ::testing::TempDir() + "/weft-readme";
  weft::sim::testing::check(
      [] {
        published_total_fixed<weft::sim::platform> p;
        weft::sim::thread writer([&] { p.publish(42); });
        const long seen = p.read();
        weft::sim::check(seen == -1 || seen == 42, "a reader sees the whole total or nothing");
        writer.join();
      },
      opts);
}

TEST(ReadmeExample, TheSameTypeRunsOnRealThreads) {
  published_total_fixed<weft::os> p;
  std::thread writer([&] { p.publish(42); });
  const long seen = p.read();
  EXPECT_TRUE(seen == -1 || seen == 42);
  writer.join();
  EXPECT_EQ(p.read(), 42);
}
