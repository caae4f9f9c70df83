// README.md, "Testing your own code", the third time: the example's type under the Relacy Race
// Detector. The README's block is below verbatim; published_total is the README's type (its
// relaxed publish is the bug), or, built with WEFT_README_FIXED, the fixed twin (a release
// store). CTest runs both: Relacy must report the bug as a data race and pass the twin.
#include <weft/relacy/runner.hpp>

#include <cstdio>

#include <atomic>

template <class P>
struct published_total {
  typename P::template atomic<int> ready{0};
  typename P::template var<long> total{0};
  void publish(long v) {
    total.store(v);
#ifdef WEFT_README_FIXED
    ready.store(1, std::memory_order_release);
#else
    ready.store(1, std::memory_order_relaxed);  // bug: needs memory_order_release
#endif
  }
  long read() { return ready.load(std::memory_order_acquire) == 1 ? total.load() : -1; }
};

#include <weft/relacy/runner.hpp>  // first: it includes Relacy, then removes Relacy's macros

// published_total<P> as above, unchanged: a scenario runs it on Relacy's threads.
struct reader_sees_the_total_or_nothing {
  static constexpr int thread_count = 2;
  published_total<weft::relacy::platform> p;
  void thread(unsigned index) {
    if (index == 0) {
      p.publish(42);
    } else {
      const long seen = p.read();
      weft::relacy::require(seen == -1 || seen == 42, "a reader sees the whole total or nothing");
    }
  }
};

int main() {
  // Relacy reports the relaxed store as a data race on total, with the execution history.
  const weft::relacy::outcome o =
      weft::relacy::run<reader_sees_the_total_or_nothing>(weft::relacy::random_params(20000));
  std::printf("%s\n", o.passed ? "passed" : o.result_name());
  return o.passed ? 0 : 1;
}
