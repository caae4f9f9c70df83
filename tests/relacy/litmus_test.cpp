// Litmus tests of weft::relacy::platform: classic memory-model and synchronisation patterns,
// each beside a broken twin that Relacy must catch. The broken twins are the point: a check
// that "passes" only proves something if the same harness fails the buggy version.
//
// No GoogleTest here: Relacy replaces the program's operator new/delete, so this binary keeps to
// a plain main(). It prints one line per check and "N passed, M failed" last; the exit status is
// 0 only when every check met its expectation. WEFT_RELACY_VERBOSE=1 prints Relacy's report
// (failure and execution history) of every run that Relacy failed, expected or not; a run that
// fails unexpectedly has its report printed anyway.
#include <weft/relacy/runner.hpp>

#include <weft/core/assert.hpp>
#include <weft/core/check.hpp>
#include <weft/core/platform.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace {

using P = weft::relacy::platform;
using weft::relacy::require;
using namespace std::chrono_literals;

constexpr std::uint64_t random_iterations = 20000;
constexpr unsigned context_bound = 2;

// ----- message passing -------------------------------------------------------------------------

// The writer fills a plain payload, then raises a flag; a reader that sees the flag reads the
// payload. With a release store and an acquire load the payload write happens-before the read;
// with a relaxed store nothing orders them, and Relacy must call it a data race.
template <std::memory_order FlagStore>
struct message_passing {
  static constexpr int thread_count = 2;
  P::atomic<int> ready{0};
  P::var<int> payload{0};

  void thread(unsigned index) {
    if (index == 0) {
      payload.store(42);
      ready.store(1, FlagStore);
    } else if (ready.load(std::memory_order_acquire) == 1) {
      require(payload.load() == 42, "a reader that sees the flag sees the payload");
    }
  }
};

// ----- store buffering ---------------------------------------------------------------------------

// Dekker's core: each thread stores to its own flag, then loads the other's. Under sequential
// consistency at least one thread sees the other's store; with relaxed (or release/acquire)
// operations both may read 0, because each store can still sit in its thread's store buffer.
// weft's simulator is sequentially consistent and can never show this outcome.
template <std::memory_order Store, std::memory_order Load>
struct store_buffering {
  static constexpr int thread_count = 2;
  P::atomic<int> x{0};
  P::atomic<int> y{0};
  P::var<int> r1{-1};
  P::var<int> r2{-1};

  void thread(unsigned index) {
    if (index == 0) {
      x.store(1, Store);
      r1.store(y.load(Load));
    } else {
      y.store(1, Store);
      r2.store(x.load(Load));
    }
  }
  void after() {
    require(!(r1.load() == 0 && r2.load() == 0), "store buffering: both threads read 0");
  }
};

// ----- Dekker: seq_cst operations against a seq_cst fence -------------------------------------

// One side announces itself with a seq_cst read-modify-write and then checks with a seq_cst load;
// the other publishes with a release store, issues a seq_cst fence, then checks with a relaxed
// load (weft::mailbox's sender/receiver handshake). C++20 [atomics.order]/4 forbids both sides
// missing each other. Relacy's own model does not order seq_cst operations against fences and
// reports the forbidden outcome (native_platform); the default platform models seq_cst
// operations with fences and does not. Without the fence the handshake is broken: both models
// must report it.
template <class Q, bool Fence>
struct dekker_rmw_vs_fence {
  static constexpr int thread_count = 2;
  typename Q::template atomic<int> waiting{0};
  typename Q::template atomic<int> published{0};
  typename Q::template var<int> saw_published{-1};
  typename Q::template var<int> saw_waiting{-1};

  void thread(unsigned index) {
    if (index == 0) {
      waiting.fetch_add(1, std::memory_order_seq_cst);
      saw_published.store(published.load(std::memory_order_seq_cst));
    } else {
      published.store(1, std::memory_order_release);
      if constexpr (Fence) Q::atomic_thread_fence(std::memory_order_seq_cst);
      saw_waiting.store(waiting.load(std::memory_order_relaxed));
    }
  }
  void after() {
    require(!(saw_published.load() == 0 && saw_waiting.load() == 0),
            "Dekker: one side sees the other");
  }
};

// ----- mutex-protected counter -----------------------------------------------------------------

template <bool Locked>
struct mutex_counter {
  static constexpr int thread_count = 2;
  static constexpr int increments = 2;
  P::mutex m;
  P::var<int> counter{0};

  void thread(unsigned /*index*/) {
    for (int i = 0; i != increments; ++i) {
      if constexpr (Locked) {
        std::scoped_lock lock(m);
        counter.store(counter.load() + 1);
      } else {
        counter.store(counter.load() + 1);
      }
    }
  }
  void after() { require(counter.load() == thread_count * increments, "no increment is lost"); }
};

// ----- parker ----------------------------------------------------------------------------------

// unpark() publishes what the unparker wrote before it to the thread that returns from park().
struct parker_handoff {
  static constexpr int thread_count = 2;
  P::parker parker;
  P::var<int> data{0};

  void thread(unsigned index) {
    if (index == 0) {
      data.store(7);
      parker.unpark();
    } else {
      parker.park();
      require(data.load() == 7, "the parked thread sees what the unparker wrote");
    }
  }
};

// Broken twin: one token, two parks. The second park must block for good: a deadlock.
struct parker_double_park {
  static constexpr int thread_count = 2;
  P::parker parker;

  void thread(unsigned index) {
    if (index == 0) {
      parker.unpark();
    } else {
      parker.park();
      parker.park();
    }
  }
};

// ----- condition variable ----------------------------------------------------------------------

template <bool WithPredicate>
struct condvar_handoff {
  static constexpr int thread_count = 2;
  P::mutex m;
  P::condition_variable cv;
  P::var<bool> ready{false};
  P::var<int> data{0};

  void thread(unsigned index) {
    if (index == 0) {
      data.store(5);
      {
        std::scoped_lock lock(m);
        ready.store(true);
      }
      cv.notify_one();
    } else {
      std::unique_lock<P::mutex> lock(m);
      if constexpr (WithPredicate) {
        cv.wait(lock, [&] { return ready.load(); });
      } else {
        cv.wait(lock);  // bug: the notification may already have happened (lost wake-up)
      }
      require(data.load() == 5, "the waiter sees the data once woken");
    }
  }
};

// A timed wait nobody notifies times out, and the virtual clock agrees that time has passed.
struct condvar_timed_wait {
  static constexpr int thread_count = 1;
  P::mutex m;
  P::condition_variable cv;

  void thread(unsigned /*index*/) {
    const P::clock::time_point start = P::now();
    std::unique_lock<P::mutex> lock(m);
    require(!cv.wait_for(lock, 5ms, [] { return false; }), "a wait for a false predicate times out");
    require(P::now() - start >= 5ms, "the clock moved to the deadline");
    const P::clock::time_point deadline = P::now() + 1ms;
    while (cv.wait_until(lock, deadline) != std::cv_status::timeout) {
    }
    require(P::now() >= deadline, "wait_until returns timeout only at the deadline");
    require(cv.wait_for(lock, 0ms) == std::cv_status::timeout, "a zero timeout returns at once");
    P::sleep_for(3ms);
    require(P::now() - deadline >= 3ms, "sleep_for advances the clock");
  }
};

// ----- atomics: every operation, C++20 wait/notify, identity, randomness -------------------------

enum class colour : std::uint8_t { red, green, blue };

struct atomic_operations {
  static constexpr int thread_count = 2;
  P::atomic<int> counter{0};
  P::atomic<unsigned> bits{0};
  P::atomic<colour> paint{colour::red};
  P::atomic<long> cas_total{0};
  P::atomic<int*> cursor{nullptr};
  P::atomic<int> flag;  // value-initialised, like std::atomic in C++20
  P::var<int> published{0};
  int cells[4] = {0, 1, 2, 3};

  void before() { cursor.store(&cells[0], std::memory_order_relaxed); }

  void thread(unsigned index) {
    require(P::this_thread_id() == index, "this_thread_id is Relacy's thread index");
    counter.fetch_add(1, std::memory_order_relaxed);
    counter++;
    ++counter;
    counter += 2;
    counter -= 1;
    counter.fetch_sub(1);
    bits.fetch_or(1U << index, std::memory_order_acq_rel);
    bits.fetch_xor(1U << (4 + index));
    bits.fetch_and(~(1U << 8));
    // A CAS loop with the two-order overload, then the one-order one.
    long seen = cas_total.load(std::memory_order_relaxed);
    while (!cas_total.compare_exchange_weak(seen, seen + 10, std::memory_order_acq_rel,
                                            std::memory_order_relaxed)) {
    }
    seen = cas_total.load();
    while (!cas_total.compare_exchange_strong(seen, seen + 1)) {
    }
    // C++17 order pairs Relacy lacks natively (failure stronger than success) are accepted.
    int expected = -1;
    require(!counter.compare_exchange_strong(expected, 0, std::memory_order_relaxed,
                                             std::memory_order_acquire),
            "a CAS with the wrong expected value fails");
    require(expected >= 1, "a failed CAS reports the current value");
    colour c = colour::red;
    paint.compare_exchange_strong(c, index == 0 ? colour::green : colour::blue);
    int* const p = cursor.fetch_add(1);
    require(p >= &cells[0] && p <= &cells[1], "pointer fetch_add steps by elements");
    if (index == 0) {
      published.store(99);
      flag.store(1, std::memory_order_release);
      flag.notify_one();
    } else {
      flag.wait(0, std::memory_order_acquire);
      require(published.load() == 99, "atomic wait/notify hands over what was written before");
    }
    P::atomic_thread_fence(std::memory_order_seq_cst);
    P::atomic_thread_fence(std::memory_order_relaxed);  // no effect, as in std
    const std::uint64_t r = P::random(3);
    require(r < 3, "random(3) is in [0, 3)");
    require(P::random(1) == 0 && P::random(0) == 0, "random of 0 or 1 is 0");
  }

  void after() {
    require(counter.load() == 2 * 3, "every increment and decrement counted");
    require(bits.exchange(0) == (0x3U | 0x30U), "fetch_or / fetch_xor / fetch_and");
    require(cas_total.load() == 22, "both CAS loops succeeded once per thread");
    require(paint.load() != colour::red, "one enum CAS won");
    require(cursor.load() == &cells[2], "two pointer increments");
    require(flag.load() == 1, "the flag is set");
  }
};

// Bounds above 65536 take four 16-bit choices (random scheduler only: the context-bound one
// would enumerate all of them).
struct wide_random {
  static constexpr int thread_count = 1;
  void thread(unsigned /*index*/) {
    constexpr std::uint64_t bound = std::uint64_t{1} << 40;
    require(P::random(bound) < bound, "random(2^40) is in range");
    require(P::random(bound) != P::random(bound) || P::random(bound) != P::random(bound),
            "wide random values vary");
  }
};

// Broken: random(3) can return 2, and Relacy explores that choice.
struct random_choice_is_explored {
  static constexpr int thread_count = 1;
  void thread(unsigned /*index*/) { require(P::random(3) != 2, "random(3) never returns 2"); }
};

// Broken: WEFT_ASSERT in core code becomes a Relacy user assertion.
struct weft_assert_is_reported {
  static constexpr int thread_count = 1;
  void thread(unsigned /*index*/) {
    WEFT_ASSERT(P, P::this_thread_id() == 7, "the only thread is thread 0, not 7");
  }
};

// ----- generic code written against an arbitrary platform -------------------------------------

// A test-and-test-and-set spin lock and a total it protects, written once for any platform Q:
// members through Q's aliases, waiting through Q::yield, identity-free. Nothing here knows
// about Relacy.
template <weft::platform Q, std::memory_order AcquireOrder = std::memory_order_acquire>
class spin_lock {
 public:
  void lock() {
    // acquire: pairs with the release in unlock (the twin below uses relaxed: a bug).
    while (locked_.exchange(true, AcquireOrder)) {
      while (locked_.load(std::memory_order_relaxed)) Q::yield();
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }  // release: publishes

 private:
  typename Q::template atomic<bool> locked_{false};
};

template <weft::platform Q, std::memory_order AcquireOrder = std::memory_order_acquire>
struct locked_total {
  spin_lock<Q, AcquireOrder> lock;
  typename Q::template var<long> total{0};

  void add(long v) {
    lock.lock();
    total.store(total.load() + v);
    lock.unlock();
  }
};

// Two spawned platform threads add to the total; the spawning thread joins them and checks.
template <weft::platform Q, std::memory_order AcquireOrder>
void add_from_two_threads(locked_total<Q, AcquireOrder>& t) {
  typename Q::thread a([&] { t.add(1); });
  typename Q::thread b("adder", [&] { t.add(2); });
  a.join();
  b.join();
  WEFT_ASSERT(Q, t.total.load() == 3, "both additions are counted");
}

template <std::memory_order AcquireOrder>
struct generic_spin_lock {
  static constexpr int thread_count = 1;
  static constexpr int dynamic_thread_count = 2;
  locked_total<P, AcquireOrder> total;
  void thread(unsigned /*index*/) { add_from_two_threads(total); }
};

// Spawning more threads than declared is reported, not undefined behaviour inside Relacy.
struct too_many_threads {
  static constexpr int thread_count = 1;
  static constexpr int dynamic_thread_count = 1;
  void thread(unsigned /*index*/) {
    P::thread a([] {});
    P::thread b([] {});
    a.join();
    b.join();
  }
};

// ----- atomic wait / notify, atomic_flag, pointer and bitwise operators ------------------------

// The waiter blocks on the flag until the writer changes it and notifies; acquire on the wait
// pairs with the release store. Broken twin: the notify is forgotten, so a waiter that blocked
// before the store is never woken (a deadlock Relacy reports).
template <bool Notify>
struct wait_notify_handoff {
  static constexpr int thread_count = 2;
  P::atomic<int> flag{0};
  P::var<int> data{0};

  void thread(unsigned index) {
    if (index == 0) {
      data.store(7);
      flag.store(1, std::memory_order_release);
      if constexpr (Notify) flag.notify_all();
    } else {
      flag.wait(0, std::memory_order_acquire);
      weft::check<P>(data.load() == 7, "after wait: data {}, expected 7", data.load());
    }
  }
};

// A spin lock on P::atomic_flag that sleeps in wait() while the flag is held. Broken twin: a
// relaxed clear publishes nothing to the next holder (a data race on the counter).
template <std::memory_order ClearOrder>
struct flag_spin_lock {
  static constexpr int thread_count = 2;
  P::atomic_flag locked;
  P::var<int> counter{0};

  void thread(unsigned /*index*/) {
    while (locked.test_and_set(std::memory_order_acquire)) {
      locked.wait(true, std::memory_order_relaxed);
    }
    require(locked.test(std::memory_order_relaxed), "the holder sees the flag set");
    counter.store(counter.load() + 1);
    locked.clear(ClearOrder);
    locked.notify_one();
  }
  void after() { require(counter.load() == 2, "both increments counted"); }
};

// The compound assignments on pointers and integers, one thread each claiming cells.
struct compound_assignments {
  static constexpr int thread_count = 2;
  int cells[8] = {};
  P::atomic<int*> next{nullptr};
  P::atomic<unsigned> bits{0};

  void before() { next.store(&cells[0], std::memory_order_relaxed); }
  void thread(unsigned index) {
    int* const mine = next.fetch_add(2);
    require(mine == &cells[0] || mine == &cells[2], "pointer fetch_add by two elements");
    bits |= 1U << index;
    bits ^= 1U << (4 + index);
  }
  void after() {
    require(next.load() == &cells[4], "two claims of two cells");
    require(next.fetch_sub(1) == &cells[4] && next.load() == &cells[3], "pointer fetch_sub");
    require(++next == &cells[4] && next++ == &cells[4], "pointer ++");
    require(--next == &cells[4] && next-- == &cells[4], "pointer --");
    require((next += 3) == &cells[6] && (next -= 6) == &cells[0], "pointer += and -=");
    require(bits.load() == 0x33U, "|= and ^= from two threads");
    require((bits &= 0x30U) == 0x30U, "&= returns the new value");
  }
};

// A portable test body: accounts as var<int>s built from plain values, named platform threads
// and weft::check<P> with a formatted message. Broken twin: the transfer is not locked, so the
// two read-modify-writes of one balance race.
template <bool Locked>
struct portable_bank {
  static constexpr int thread_count = 1;
  static constexpr int dynamic_thread_count = 2;
  P::mutex m;
  P::var<int> balance[3]{100, 100, 100};

  void transfer(int from, int to, int amount) {
    std::unique_lock lock(m, std::defer_lock);
    if constexpr (Locked) lock.lock();
    balance[from].store(balance[from].load() - amount);
    balance[to].store(balance[to].load() + amount);
  }
  void thread(unsigned /*index*/) {
    P::thread a("alice-to-bob", [&] { transfer(0, 1, 30); });
    P::thread b("bob-to-carol", [&] { transfer(1, 2, 50); });
    a.join();
    b.join();
    const int total = balance[0].load() + balance[1].load() + balance[2].load();
    weft::check<P>(total == 300, "total {}, expected 300", total);
  }
};

// Broken: a failed weft::check<P> is a Relacy user assertion.
struct portable_check_is_reported {
  static constexpr int thread_count = 1;
  void thread(unsigned /*index*/) {
    const int got = 3;
    weft::check<P>(got == 2, "got {}, expected {}", got, 2);
  }
};

// ----- the harness -------------------------------------------------------------------------------

weft::relacy::checklist checks(58);

}  // namespace

int main() {
  using weft::relacy::context_bound_params;
  using weft::relacy::random_params;
  constexpr auto relaxed = std::memory_order_relaxed;
  constexpr auto acquire = std::memory_order_acquire;
  constexpr auto release = std::memory_order_release;
  constexpr auto seq_cst = std::memory_order_seq_cst;
  const rl::test_params random = random_params(random_iterations);
  const rl::test_params bounded = context_bound_params(context_bound);

  checks.expect_pass<message_passing<release>>("message passing, release/acquire", random);
  checks.expect_pass<message_passing<release>>("message passing, release/acquire", bounded);
  checks.expect_failure<message_passing<relaxed>>("message passing, relaxed flag store", random,
                                           rl::test_result_data_race);
  checks.expect_failure<message_passing<relaxed>>("message passing, relaxed flag store", bounded,
                                           rl::test_result_data_race);

  checks.expect_failure<store_buffering<relaxed, relaxed>>("store buffering, relaxed", random,
                                                    rl::test_result_user_assert_failed);
  checks.expect_failure<store_buffering<relaxed, relaxed>>("store buffering, relaxed", bounded,
                                                    rl::test_result_user_assert_failed);
  checks.expect_failure<store_buffering<release, acquire>>("store buffering, release/acquire", random,
                                                    rl::test_result_user_assert_failed);
  checks.expect_pass<store_buffering<seq_cst, seq_cst>>("store buffering, seq_cst", random);
  checks.expect_pass<store_buffering<seq_cst, seq_cst>>("store buffering, seq_cst", bounded);

  using native = weft::relacy::native_platform;
  checks.expect_pass<dekker_rmw_vs_fence<P, true>>("Dekker, seq_cst RMW against a fence", random);
  checks.expect_pass<dekker_rmw_vs_fence<P, true>>("Dekker, seq_cst RMW against a fence", bounded);
  checks.expect_failure<dekker_rmw_vs_fence<native, true>>(
      "Dekker vs fence, Relacy's native model (false alarm)", random,
      rl::test_result_user_assert_failed);
  checks.expect_failure<dekker_rmw_vs_fence<P, false>>("Dekker, fence missing", random,
                                                rl::test_result_user_assert_failed);
  checks.expect_failure<dekker_rmw_vs_fence<P, false>>("Dekker, fence missing", bounded,
                                                rl::test_result_user_assert_failed);

  checks.expect_pass<mutex_counter<true>>("counter under platform::mutex + scoped_lock", random);
  checks.expect_pass<mutex_counter<true>>("counter under platform::mutex + scoped_lock", bounded);
  checks.expect_failure<mutex_counter<false>>("counter without the lock", random,
                                       rl::test_result_data_race);

  checks.expect_pass<parker_handoff>("parker hand-off (unpark, then park)", random);
  checks.expect_pass<parker_handoff>("parker hand-off (unpark, then park)", bounded);
  checks.expect_failure<parker_double_park>("parker: two parks, one unpark", random,
                                     rl::test_result_deadlock);

  checks.expect_pass<condvar_handoff<true>>("condition_variable hand-off with predicate", random);
  checks.expect_pass<condvar_handoff<true>>("condition_variable hand-off with predicate", bounded);
  checks.expect_failure<condvar_handoff<false>>("condition_variable wait without predicate", random,
                                         rl::test_result_success);
  checks.expect_pass<condvar_timed_wait>("condition_variable timed waits, virtual clock", random);
  checks.expect_pass<condvar_timed_wait>("condition_variable timed waits, virtual clock", bounded);

  checks.expect_pass<atomic_operations>("atomic operations, wait/notify, id, random", random);
  checks.expect_pass<atomic_operations>("atomic operations, wait/notify, id, random",
                                 context_bound_params(1));
  checks.expect_pass<wide_random>("random(2^40)", random);
  checks.expect_failure<random_choice_is_explored>("random(3) == 2 is explored", random,
                                            rl::test_result_user_assert_failed);
  checks.expect_failure<random_choice_is_explored>("random(3) == 2 is explored", bounded,
                                            rl::test_result_user_assert_failed);
  checks.expect_failure<weft_assert_is_reported>("WEFT_ASSERT -> Relacy user assertion", random,
                                          rl::test_result_user_assert_failed);

  checks.expect_pass<generic_spin_lock<acquire>>("generic spin lock<P> on platform::threads", random);
  checks.expect_pass<generic_spin_lock<acquire>>("generic spin lock<P> on platform::threads", bounded);
  checks.expect_failure<generic_spin_lock<relaxed>>("generic spin lock<P>, relaxed acquire", random,
                                             rl::test_result_data_race);
  checks.expect_failure<too_many_threads>("spawning beyond dynamic_thread_count", random,
                                   rl::test_result_user_assert_failed);

  checks.expect_pass<wait_notify_handoff<true>>("atomic wait/notify hand-off", random);
  checks.expect_pass<wait_notify_handoff<true>>("atomic wait/notify hand-off", bounded);
  checks.expect_failure<wait_notify_handoff<false>>("atomic wait, notify forgotten", random,
                                                    rl::test_result_deadlock);
  checks.expect_pass<flag_spin_lock<release>>("atomic_flag spin lock with wait/notify", random);
  checks.expect_pass<flag_spin_lock<release>>("atomic_flag spin lock with wait/notify", bounded);
  checks.expect_failure<flag_spin_lock<relaxed>>("atomic_flag spin lock, relaxed clear", random,
                                                 rl::test_result_data_race);
  checks.expect_pass<compound_assignments>("pointer and bitwise compound assignments", random);
  checks.expect_pass<portable_bank<true>>("portable body: var array, named threads", random);
  checks.expect_pass<portable_bank<true>>("portable body: var array, named threads", bounded);
  checks.expect_failure<portable_bank<false>>("portable body, transfer unlocked", random,
                                              rl::test_result_data_race);
  checks.expect_failure<portable_check_is_reported>("weft::check<P> -> Relacy user assertion",
                                                    random, rl::test_result_user_assert_failed);

  return checks.finish();
}
