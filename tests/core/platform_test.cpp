// Platform conformance: one test body per behaviour of the platform concept, run on real
// threads (weft::os) and inside the deterministic simulator (weft::sim::platform, a few hundred
// executions each of the random and pct strategies).
//
// No test asserts on time: the timed wait asserts its outcome (a timeout), not how long it took.
#include <weft/core/os_platform.hpp>
#include <weft/core/platform.hpp>
#include <weft/core/source_location.hpp>
#include <weft/sim/explore.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <type_traits>

namespace {

template <class P>
inline constexpr bool is_sim = std::is_same_v<P, weft::sim::platform>;

// Work per thread. Real threads need many rounds before they interleave at all; the simulator
// explores interleavings across executions, so a few rounds per execution cover them.
template <class P>
inline constexpr int rounds = is_sim<P> ? 3 : 2000;

// A check that works inside a simulated thread (it fails the execution, with a trace) and on
// a real thread (it records a gtest failure; gtest assertions are thread-safe on pthreads).
template <class P>
void expect_true(bool condition, const char* what,
                 const weft::source_location& where = weft::source_location::current()) {
  if constexpr (is_sim<P>) {
    weft::sim::check(condition, what, where);
  } else if (!condition) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line())) << what;
  }
}

template <class P>
class Platform : public ::testing::Test {
 protected:
  // Runs `body` once on real threads, or explores it in the simulator and expects every
  // execution to pass.
  template <class F>
  void run_on(F body) {
    if constexpr (is_sim<P>) {
      const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
      for (const char* strategy : {"random", "pct"}) {
        weft::sim::options o;
        o.scenario = std::string(info->test_suite_name()) + "." + info->name();
        o.strategy.name = strategy;
        o.seed = 0x9e3779b97f4a7c15ULL;
        o.iterations = 300;
        o.trace_dir = std::filesystem::path(::testing::TempDir()) / "weft-platform-test";
        const weft::sim::report r = weft::sim::explore(o, body);
        EXPECT_TRUE(r.ok()) << r.text();
        EXPECT_EQ(r.executions, o.iterations) << strategy;
      }
    } else {
      body();
    }
  }
};

struct platform_names {
  template <class P>
  static std::string GetName(int) {
    return is_sim<P> ? "sim" : "os";
  }
};

using platforms = ::testing::Types<weft::os, weft::sim::platform>;
TYPED_TEST_SUITE(Platform, platforms, platform_names);

TYPED_TEST(Platform, MutexProtectedCounterCountsEveryIncrement) {
  using P = TypeParam;
  this->run_on([] {
    typename P::mutex m;
    typename P::template var<int> n{0};
    const auto add = [&] {
      for (int i = 0; i < rounds<P>; ++i) {
        std::scoped_lock lock(m);
        n.store(n.load() + 1);
      }
    };
    typename P::thread a(add);
    typename P::thread b(add);
    add();
    a.join();
    b.join();
    std::scoped_lock lock(m);
    expect_true<P>(n.load() == 3 * rounds<P>, "every increment under the mutex counted");
  });
}

TYPED_TEST(Platform, ParkerPingPongAlternatesBetweenTwoThreads) {
  using P = TypeParam;
  this->run_on([] {
    // `turn` says whose move it is; each side parks on its own parker until it is its turn
    // (park may return spuriously, so it re-checks) and unparks the other after its move.
    typename P::template atomic<int> turn{0};
    typename P::parker main_parker;
    typename P::parker other_parker;
    typename P::template var<int> ball{0};
    typename P::thread other([&] {
      for (int i = 0; i < rounds<P>; ++i) {
        while (turn.load(std::memory_order_acquire) != 1) other_parker.park();
        expect_true<P>(ball.load() == 2 * i + 1, "the other side sees main's move");
        ball.store(ball.load() + 1);
        turn.store(0, std::memory_order_release);
        main_parker.unpark();
      }
    });
    for (int i = 0; i < rounds<P>; ++i) {
      expect_true<P>(ball.load() == 2 * i, "main sees the other side's move");
      ball.store(ball.load() + 1);
      turn.store(1, std::memory_order_release);
      other_parker.unpark();
      while (turn.load(std::memory_order_acquire) != 0) main_parker.park();
    }
    other.join();
    expect_true<P>(ball.load() == 2 * rounds<P>, "every move was made");
  });
}

TYPED_TEST(Platform, AtomicFetchAddFromThreeThreadsSumsEveryAdd) {
  using P = TypeParam;
  this->run_on([] {
    typename P::template atomic<int> sum{0};
    const auto add = [&] {
      for (int i = 0; i < rounds<P>; ++i) sum.fetch_add(1, std::memory_order_relaxed);
    };
    typename P::thread a(add);
    typename P::thread b(add);
    add();
    a.join();
    b.join();
    expect_true<P>(sum.load() == 3 * rounds<P>, "fetch_add lost nothing");
  });
}

TYPED_TEST(Platform, ConditionVariableHandsOffEveryItemFromProducerToConsumer) {
  using P = TypeParam;
  this->run_on([] {
    typename P::mutex m;
    typename P::condition_variable cv;
    typename P::template var<int> slot{0};
    typename P::template var<bool> full{false};
    typename P::template var<long> received{0};
    typename P::thread consumer([&] {
      for (int i = 1; i <= rounds<P>; ++i) {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return full.load(); });
        expect_true<P>(slot.load() == i, "items arrive in order");
        received.store(received.load() + slot.load());
        full.store(false);
        cv.notify_all();
      }
    });
    for (int i = 1; i <= rounds<P>; ++i) {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return !full.load(); });
      slot.store(i);
      full.store(true);
      cv.notify_all();
    }
    consumer.join();
    const long n = rounds<P>;
    expect_true<P>(received.load() == n * (n + 1) / 2, "every item was received once");
  });
}

TYPED_TEST(Platform, CompareExchangeStrongLoopIncrementsExactly) {
  using P = TypeParam;
  this->run_on([] {
    typename P::template atomic<int> value{0};
    const auto add = [&] {
      for (int i = 0; i < rounds<P>; ++i) {
        int current = value.load(std::memory_order_relaxed);
        while (!value.compare_exchange_strong(current, current + 1, std::memory_order_acq_rel,
                                              std::memory_order_relaxed)) {
        }
      }
    };
    typename P::thread a(add);
    typename P::thread b(add);
    add();
    a.join();
    b.join();
    expect_true<P>(value.load() == 3 * rounds<P>, "every CAS increment landed once");
  });
}

TYPED_TEST(Platform, CompareExchangeWeakLoopIncrementsExactly) {
  using P = TypeParam;
  this->run_on([] {
    // Weak CAS may fail spuriously (the simulator injects such failures); the loop retries.
    typename P::template atomic<int> value{0};
    const auto add = [&] {
      for (int i = 0; i < rounds<P>; ++i) {
        int current = value.load(std::memory_order_relaxed);
        while (!value.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel,
                                            std::memory_order_relaxed)) {
        }
      }
    };
    typename P::thread a(add);
    add();
    a.join();
    expect_true<P>(value.load() == 2 * rounds<P>, "every weak CAS increment landed once");
  });
}

TYPED_TEST(Platform, RandomStaysBelowItsBound) {
  using P = TypeParam;
  this->run_on([] {
    const auto draw = [] {
      for (int i = 0; i < 20; ++i) {
        expect_true<P>(P::random(10) < 10, "random(10) < 10");
        expect_true<P>(P::random(1) == 0, "random(1) == 0");
      }
    };
    typename P::thread a(draw);
    draw();
    a.join();
  });
}

TYPED_TEST(Platform, ThisThreadIdDiffersBetweenConcurrentThreads) {
  using P = TypeParam;
  this->run_on([] {
    // All three threads are alive at once: each records its id, then waits for the others.
    typename P::template atomic<int> arrived{0};
    typename P::template var<std::uint32_t> id_main{0};
    typename P::template var<std::uint32_t> id_a{0};
    typename P::template var<std::uint32_t> id_b{0};
    const auto meet = [&](typename P::template var<std::uint32_t>& id) {
      id.store(P::this_thread_id());
      expect_true<P>(P::this_thread_id() == id.load(), "a thread's id is stable");
      arrived.fetch_add(1);
      while (arrived.load() < 3) P::yield();
    };
    typename P::thread a([&] { meet(id_a); });
    typename P::thread b([&] { meet(id_b); });
    meet(id_main);
    a.join();
    b.join();
    expect_true<P>(id_a.load() != id_b.load(), "two running threads have different ids");
    expect_true<P>(id_a.load() != id_main.load(), "a thread's id differs from main's");
    expect_true<P>(id_b.load() != id_main.load(), "a thread's id differs from main's");
  });
}

TYPED_TEST(Platform, TimedWaitWithoutNotifyReturnsTimeout) {
  using P = TypeParam;
  this->run_on([] {
    typename P::mutex m;
    typename P::condition_variable cv;
    std::unique_lock lock(m);
    // Spurious wake-ups are allowed (the simulator injects them), so wait until a wait
    // reports a timeout: nobody notifies, so one does.
    while (cv.wait_for(lock, std::chrono::milliseconds(1)) != std::cv_status::timeout) {
    }
    expect_true<P>(lock.owns_lock(), "wait_for returns with the lock held");
    const bool satisfied = cv.wait_for(lock, std::chrono::milliseconds(1), [] { return false; });
    expect_true<P>(!satisfied, "the predicate form reports the timeout as false");
  });
}

}  // namespace
