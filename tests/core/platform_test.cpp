// Platform conformance: one test body per behaviour of the platform concept, run on real
// threads (weft::os) and inside the deterministic simulator (weft::sim::platform, a few hundred
// executions each of the random and pct strategies).
//
// No test asserts on time: the timed wait asserts its outcome (a timeout), not how long it took.
#include <weft/core/check.hpp>
#include <weft/core/format.hpp>
#include <weft/core/os_platform.hpp>
#include <weft/core/platform.hpp>
#include <weft/core/source_location.hpp>
#include <weft/sim/explore.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

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


TYPED_TEST(Platform, AtomicWaitReturnsOnceTheNotifierChangedTheValue) {
  using P = TypeParam;
  this->run_on([] {
    // Each round the producer writes data, publishes the round number with release, notifies;
    // the consumer waits on the previous number with acquire and must see the data.
    typename P::template atomic<int> round{0};
    typename P::template atomic<int> seen{0};
    typename P::template var<int> data{0};
    typename P::thread consumer("consumer", [&] {
      for (int i = 1; i <= rounds<P>; ++i) {
        round.wait(i - 1, std::memory_order_acquire);
        expect_true<P>(round.load(std::memory_order_relaxed) == i, "wait returns on a change");
        expect_true<P>(data.load() == i, "the notifier's write is visible after wait");
        seen.store(i, std::memory_order_release);
        seen.notify_one();
      }
    });
    for (int i = 1; i <= rounds<P>; ++i) {
      data.store(i);
      round.store(i, std::memory_order_release);
      round.notify_one();
      seen.wait(i - 1, std::memory_order_acquire);
    }
    consumer.join();
  });
}

TYPED_TEST(Platform, AtomicFlagSpinlockProtectsACounter) {
  using P = TypeParam;
  this->run_on([] {
    typename P::atomic_flag locked;
    typename P::template var<int> n{0};
    const auto add = [&] {
      for (int i = 0; i < rounds<P>; ++i) {
        while (locked.test_and_set(std::memory_order_acquire)) {
          locked.wait(true, std::memory_order_relaxed);
        }
        expect_true<P>(locked.test(std::memory_order_relaxed), "the holder sees the flag set");
        n.with_mut([](int& v) { ++v; });
        locked.clear(std::memory_order_release);
        locked.notify_one();
      }
    };
    typename P::thread a(add);
    add();
    a.join();
    expect_true<P>(!locked.test(), "the flag is clear at the end");
    expect_true<P>(n.with([](const int& v) { return v; }) == 2 * rounds<P>,
                   "every increment under the spinlock counted");
  });
}

TYPED_TEST(Platform, AtomicPointerFetchAddHandsOutEverySlotOnce) {
  using P = TypeParam;
  this->run_on([] {
    constexpr int slots = 2 * rounds<P>;
    std::array<int, slots> claimed{};
    typename P::template atomic<int*> next{claimed.data()};
    const auto claim = [&] {
      for (int i = 0; i < rounds<P>; ++i) {
        int* mine = next.fetch_add(1, std::memory_order_relaxed);
        ++*mine;  // each slot is written by the one thread that claimed it
      }
    };
    typename P::thread a(claim);
    claim();
    a.join();
    for (int c : claimed) expect_true<P>(c == 1, "every slot was claimed exactly once");
    int* const base = claimed.data();
    expect_true<P>(next.load() == base + slots, "fetch_add moved the pointer by every claim");
    expect_true<P>(next.fetch_sub(2) == base + slots, "fetch_sub returns the old pointer");
    expect_true<P>(--next == base + slots - 3, "prefix -- steps back one element");
    expect_true<P>(next-- == base + slots - 3, "postfix -- returns the old pointer");
    expect_true<P>(++next == base + slots - 3, "prefix ++ steps forward one element");
    expect_true<P>(next++ == base + slots - 3, "postfix ++ returns the old pointer");
    expect_true<P>((next += 1) == base + slots - 1, "+= returns the new pointer");
    expect_true<P>((next -= 2) == base + slots - 3, "-= returns the new pointer");
  });
}

TYPED_TEST(Platform, AtomicBitwiseAssignmentsFromTwoThreadsKeepEveryBit) {
  using P = TypeParam;
  this->run_on([] {
    typename P::template atomic<unsigned> bits{0};
    const auto set_bits = [&](unsigned from) {
      for (unsigned b = from; b < 16; b += 2) bits |= 1U << b;
    };
    typename P::thread a([&] { set_bits(1); });
    set_bits(0);
    a.join();
    expect_true<P>(bits.load() == 0xffffU, "|= from two threads lost no bit");
    expect_true<P>((bits &= 0x0ff0U) == 0x0ff0U, "&= returns the new value");
    expect_true<P>((bits ^= 0x00ffU) == 0x0f0fU, "^= returns the new value");
  });
}

TYPED_TEST(Platform, VarArrayIsBuiltFromPlainValues) {
  using P = TypeParam;
  this->run_on([] {
    typename P::mutex m;
    typename P::template var<int> balance[3]{100, 100, 100};
    const auto transfer = [&](int from, int to) {
      for (int i = 0; i < rounds<P>; ++i) {
        std::scoped_lock lock(m);
        balance[from].store(balance[from].load() - 1);
        balance[to].store(balance[to].load() + 1);
      }
    };
    typename P::thread a("a-to-b", [&] { transfer(0, 1); });
    typename P::thread b("b-to-c", [&] { transfer(1, 2); });
    transfer(2, 0);
    a.join();
    b.join();
    std::scoped_lock lock(m);
    const int total = balance[0].load() + balance[1].load() + balance[2].load();
    expect_true<P>(total == 300, "transfers keep the total");
  });
}

TYPED_TEST(Platform, WaitUntilWithPredicateSeesTheChangeOrTimesOut) {
  using P = TypeParam;
  this->run_on([] {
    typename P::mutex m;
    typename P::condition_variable cv;
    typename P::template var<bool> ready{false};
    std::unique_lock lock(m);
    bool satisfied = cv.wait_until(lock, P::now() + std::chrono::milliseconds(1),
                                   [&] { return ready.load(); });
    expect_true<P>(!satisfied, "nobody sets ready: wait_until reports false");
    while (cv.wait_until(lock, P::now() + std::chrono::milliseconds(1)) !=
           std::cv_status::timeout) {
    }
    lock.unlock();
    typename P::thread setter([&] {
      std::scoped_lock guard(m);
      ready.store(true);
      cv.notify_one();
    });
    lock.lock();
    satisfied = cv.wait_until(lock, P::now() + std::chrono::hours(1), [&] { return ready.load(); });
    expect_true<P>(satisfied, "the setter's change ends the wait before the deadline");
    lock.unlock();
    setter.join();
  });
}

TYPED_TEST(Platform, PortableCheckPassesQuietly) {
  using P = TypeParam;
  this->run_on([] {
    int got = 2;
    weft::check<P>(got == 2, "got {}, expected {}", got, 2);
    weft::check<P>(true, "no arguments");
  });
}

// ----- weft::os only ----------------------------------------------------------------------------

TEST(OsThread, NameGoesToTheOsThreadTruncatedToFifteenCharacters) {
  std::atomic<bool> go{false};
  weft::os::thread t("a-producer-with-a-long-name", [&] {
    while (!go.load()) std::this_thread::yield();
  });
  char name[32] = {};
  ASSERT_EQ(pthread_getname_np(t.native_handle(), name, sizeof name), 0);
  EXPECT_STREQ(name, "a-producer-with");
  go.store(true);
  t.join();
  EXPECT_FALSE(t.joinable());
}

TEST(OsCheck, FailedCheckPrintsTheFormattedMessageAndAborts) {
  EXPECT_DEATH(weft::check<weft::os>(1 + 2 == 2, "got {}, expected {}", 1 + 2, 2),
               "got 3, expected 2");
}

// ----- weft::sim only: what the simulator reports ----------------------------------------------

weft::sim::report explore_sim(const std::string& scenario, std::function<void()> body,
                              std::uint64_t iterations = 200) {
  weft::sim::options o;
  o.scenario = scenario;
  o.strategy.name = "random";
  o.seed = 0x5eed;
  o.iterations = iterations;
  o.trace_dir = std::filesystem::path(::testing::TempDir()) / "weft-platform-test";
  return weft::sim::explore(o, std::move(body));
}

TEST(SimAtomicWait, AForgottenNotifyIsAReportedDeadlock) {
  // The broken twin of AtomicWaitReturnsOnceTheNotifierChangedTheValue: the store is there but
  // the notify is not, so a consumer that waits before the store is never woken.
  const weft::sim::report r = explore_sim("forgotten_notify", [] {
    weft::sim::atomic<int> round{0};
    weft::sim::thread consumer("consumer", [&] { round.wait(0, std::memory_order_acquire); });
    weft::sim::yield();
    round.store(1, std::memory_order_release);
    consumer.join();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failed.kind, weft::sim::failure_kind::deadlock) << r.text();
  EXPECT_NE(r.failed.message.find("consumer"), std::string::npos) << r.failed.message;
  EXPECT_NE(r.failed.message.find("waits on atomic"), std::string::npos) << r.failed.message;
  EXPECT_NE(r.failed.message.find("platform_test.cpp"), std::string::npos) << r.failed.message;
}

TEST(SimAtomicWait, TheSameHandshakeWithTheNotifyPasses) {
  const weft::sim::report r = explore_sim("notified", [] {
    weft::sim::atomic<int> round{0};
    weft::sim::thread consumer("consumer", [&] { round.wait(0, std::memory_order_acquire); });
    weft::sim::yield();
    round.store(1, std::memory_order_release);
    round.notify_one();
    consumer.join();
  });
  EXPECT_TRUE(r.ok()) << r.text();
}

TEST(SimAtomicWait, ARelaxedWaitPublishesNothingAndTheReadRaces) {
  // The broken twin of the acquire wait: the value is seen, but nothing is ordered.
  const weft::sim::report r = explore_sim("relaxed_wait", [] {
    weft::sim::atomic<int> ready{0};
    weft::sim::var<int> data{0};
    weft::sim::thread consumer([&] {
      ready.wait(0, std::memory_order_relaxed);
      static_cast<void>(data.load());
    });
    data.store(1);
    ready.store(1, std::memory_order_release);
    ready.notify_all();
    consumer.join();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failed.kind, weft::sim::failure_kind::data_race) << r.text();
}

TEST(SimAtomicWait, ANotifyWithoutAChangeLeavesTheWaiterBlocked) {
  // wait returns only when the value differs: a notify alone re-blocks the waiter.
  const weft::sim::report r = explore_sim("notify_without_change", [] {
    weft::sim::atomic<int> v{0};
    weft::sim::thread waiter("waiter", [&] { v.wait(0); });
    for (int i = 0; i < 3; ++i) {
      v.notify_all();
      weft::sim::yield();
    }
    waiter.join();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failed.kind, weft::sim::failure_kind::deadlock) << r.text();
}

TEST(SimAtomicWait, OutsideASimulationAWaitThatWouldBlockThrows) {
  weft::sim::atomic<int> v{0};
  EXPECT_THROW(v.wait(0), std::logic_error);
  v.wait(1);  // the value differs: returns at once
  v.notify_all();
}

TEST(SimAtomicFlag, ARelaxedClearLetsTheNextHolderRace) {
  // The broken twin of AtomicFlagSpinlockProtectsACounter: clear(relaxed) does not publish the
  // critical section to the next thread that takes the flag.
  const weft::sim::report r = explore_sim("relaxed_clear", [] {
    weft::sim::atomic_flag locked;
    weft::sim::var<int> n{0};
    const auto add = [&] {
      while (locked.test_and_set(std::memory_order_acquire)) locked.wait(true);
      n.store(n.load() + 1);
      locked.clear(std::memory_order_relaxed);
      locked.notify_one();
    };
    weft::sim::thread a(add);
    add();
    a.join();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failed.kind, weft::sim::failure_kind::data_race) << r.text();
}

TEST(SimAtomicFlag, AForgottenNotifyOnClearIsAReportedDeadlock) {
  const weft::sim::report r = explore_sim("flag_forgotten_notify", [] {
    weft::sim::atomic_flag locked;
    const auto hold = [&] {
      while (locked.test_and_set(std::memory_order_acquire)) locked.wait(true);
      weft::sim::yield();
      locked.clear(std::memory_order_release);
    };
    weft::sim::thread a(hold);
    hold();
    a.join();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failed.kind, weft::sim::failure_kind::deadlock) << r.text();
}

TEST(SimThreadName, TheNameAppearsInTheReport) {
  const weft::sim::report r = explore_sim("named", [] {
    weft::sim::thread t("producer", [] { weft::sim::check(false, "stop"); });
    t.join();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.text().find("producer"), std::string::npos) << r.text();
  bool named = false;
  for (const std::string& n : r.thread_names) named = named || n == "producer";
  EXPECT_TRUE(named) << r.text();
}

TEST(SimCheck, AFormattedCheckSaysWhatItSaw) {
  int line = 0;
  const weft::sim::report r = explore_sim("formatted", [&] {
    int got = 3;
    line = __LINE__ + 1;
    weft::sim::check(got == 2, "got {}, expected {}", got, 2);
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failed.kind, weft::sim::failure_kind::assertion);
  EXPECT_EQ(r.failed.message, "got 3, expected 2");
  EXPECT_EQ(r.failed.line, static_cast<std::uint32_t>(line)) << "the check's own line";
}

TEST(SimCheck, ThePortableCheckFailsTheExecutionWithItsMessage) {
  int line = 0;
  const weft::sim::report r = explore_sim("portable_check", [&] {
    const int got = 3;
    line = __LINE__ + 1;
    weft::check<weft::sim::platform>(got == 2, "got {}, expected {}", got, 2);
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failed.kind, weft::sim::failure_kind::assertion);
  EXPECT_NE(r.failed.message.find("got 3, expected 2"), std::string::npos) << r.failed.message;
  EXPECT_EQ(r.failed.line, static_cast<std::uint32_t>(line));
}

// ----- weft::format_message ---------------------------------------------------------------------

TEST(FormatMessage, SubstitutesEachPlaceholderInOrder) {
  EXPECT_EQ(weft::format_message("got {}, expected {}", 3, 2), "got 3, expected 2");
  EXPECT_EQ(weft::format_message("{} and {}", std::string("a"), "b"), "a and b");
  EXPECT_EQ(weft::format_message("{}{}", 1, 2), "12");
  EXPECT_EQ(weft::format_message("flag {}", true), "flag true");
}

TEST(FormatMessage, DoubledBracesAreLiteral) {
  EXPECT_EQ(weft::format_message("{{}} is {}", 1), "{} is 1");
  EXPECT_EQ(weft::format_message("a}}b{{c"), "a}b{c");
}

TEST(FormatMessage, MiscountedArgumentsLoseNothing) {
  EXPECT_EQ(weft::format_message("{} and {}", 1), "1 and {}");
  EXPECT_EQ(weft::format_message("got {}", 1, 2, 3), "got 1 2 3");
  EXPECT_EQ(weft::format_message("no placeholder"), "no placeholder");
  EXPECT_EQ(weft::format_message("other {:x} braces {", 5), "other {:x} braces { 5");
}

struct streamed {
  int v;
  friend std::ostream& operator<<(std::ostream& os, const streamed& s) {
    return os << "streamed(" << s.v << ")";
  }
};

TEST(FormatMessage, UsesTheArgumentsOwnStreamOperator) {
  EXPECT_EQ(weft::format_message("saw {}", streamed{7}), "saw streamed(7)");
}

static_assert(std::is_convertible_v<int, weft::os::var<int>>);
static_assert(std::is_convertible_v<int, weft::sim::var<int>>);
static_assert(std::is_constructible_v<weft::os::thread, const char*, void (*)()>);
static_assert(std::is_constructible_v<weft::sim::thread, const char*, void (*)()>);

}  // namespace
