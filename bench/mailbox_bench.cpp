// weft::mailbox against its peers, in one process and one run, reported as weft-to-peer ratios:
//
//   steady      producers paced at a fixed rate (1M msg/s in total), a consumer that blocks:
//               busy fraction of sends, CPU of the whole process over wall time, max RSS; then
//               zeroize off against on at 10k msg/s (CPU)
//   throughput  messages/s, SPSC and MPSC (2 producers), payloads of 8 and 64 bytes,
//               capacities 512 and 4096, allocations and busy results per message
//   work        the same with a consumer that spends ~50 ns of arithmetic on each message
//   latency     time of try_send under MPSC load, every 64th call timed with the TSC: p50/p95/p99
//   zeroize     the cost of zeroisation per message on one thread (no contention)
//   stall       2 producers against a small bounded queue with a watchdog: which queues stop
//               making progress for good while the consumer drains
//
// Producers and the consumer are real std::threads. Every producer uses its queue's non-blocking
// send in a loop with the same backoff on busy (pause 1, 2, 4 .. 32 times, then yield); the
// consumer uses the queue's best non-blocking receive (batch where the queue has one) with the
// same backoff on empty. Each configuration runs --reps times, queues interleaved (rotated each
// repetition), and the median is reported. Every message carries its producer and sequence number
// and the consumer checks FIFO per producer, so a lost, duplicated or reordered message is seen.
//
// Allocations are counted by replacing the global operator new (and through the allocator hooks
// of the two peers that do not use it: moodycamel's Traits::malloc and TBB's allocator), from the
// moment every thread is ready until the consumer has received the last message.
//
// Run: build/release/bench/weft_mailbox_bench --json mailbox.json   (docs/perf/mailbox.md)
//      --help lists the options (sections, repetitions, message count, queue filter).
#include "alloc_count.hpp"

#include <weft/core/mailbox.hpp>

#include <atomic_queue/atomic_queue.h>
#include <CLI/CLI.hpp>
#include <benchmark/benchmark.h>
#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>
#include <nlohmann/json.hpp>
#include <oneapi/tbb/cache_aligned_allocator.h>
#include <oneapi/tbb/concurrent_queue.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <numeric>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::ordered_json;
using weft::bench::counted_malloc;
using steady = std::chrono::steady_clock;

double seconds_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ===== messages =================================================================================

// The tag holds the producer (top 16 bits) and its sequence number + 1 (never 0: atomic_queue's
// AtomicQueue reserves 0 as its empty value).
constexpr int producer_shift = 48;
constexpr std::uint64_t seq_mask = (std::uint64_t{1} << producer_shift) - 1;

struct msg8 {
  std::uint64_t tag;
};
struct msg64 {
  std::uint64_t tag;
  std::uint64_t data[7];
};
static_assert(sizeof(msg8) == 8 && sizeof(msg64) == 64);

template <class M>
M make_msg(unsigned producer, std::uint64_t seq) {
  M m{};
  m.tag = (std::uint64_t{producer} << producer_shift) | (seq + 1);
  if constexpr (sizeof(M) == 64) {
    for (std::uint64_t i = 0; i < 7; ++i) m.data[i] = m.tag * (i + 3);
  }
  return m;
}

// ~50 ns of dependent arithmetic on the payload (iterations calibrated at start-up).
int g_work_iters = 16;
std::uint64_t g_sink = 0;

template <class M>
std::uint64_t consume_work(const M& m, int iters) {
  std::uint64_t x = m.tag;
  if constexpr (sizeof(M) == 64) {
    for (std::uint64_t d : m.data) x += d;
  }
  for (int i = 0; i < iters; ++i) {
    x ^= x >> 31;
    x *= 0x9E3779B97F4A7C15ULL;
    asm volatile("" : "+r"(x));  // keep the chain: no closed form, no vectorisation
  }
  return x;
}

// ===== the common backoff (every queue, producers on busy and the consumer on empty) ===========

struct backoff {
  unsigned step = 0;
  void pause() noexcept {
    if (step < 6) {
      for (unsigned i = 0, n = 1U << step; i < n; ++i) _mm_pause();
      ++step;
    } else {
      std::this_thread::yield();
    }
  }
  void reset() noexcept { step = 0; }
};

// ===== TSC ======================================================================================

double g_tsc_per_ns = 1.0;
double g_tsc_overhead_ns = 0.0;

inline std::uint64_t tsc_begin() noexcept {
  _mm_lfence();
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}
inline std::uint64_t tsc_end() noexcept {
  unsigned aux = 0;
  const std::uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}

void calibrate_tsc() {
  const auto w0 = steady::now();
  const std::uint64_t c0 = tsc_begin();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::uint64_t c1 = tsc_end();
  const auto w1 = steady::now();
  g_tsc_per_ns = static_cast<double>(c1 - c0) / (seconds_between(w0, w1) * 1e9);
  std::vector<std::uint64_t> d(100000);
  for (auto& x : d) {
    const std::uint64_t a = tsc_begin();
    const std::uint64_t b = tsc_end();
    x = b - a;
  }
  std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
  g_tsc_overhead_ns = static_cast<double>(d[d.size() / 2]) / g_tsc_per_ns;
}

void calibrate_work(double target_ns) {
  msg8 m{12345};
  int iters = 64;
  for (int round = 0; round < 3; ++round) {
    constexpr int calls = 200000;
    const auto t0 = steady::now();
    std::uint64_t s = 0;
    for (int i = 0; i < calls; ++i) {
      m.tag += static_cast<std::uint64_t>(i);
      s += consume_work(m, iters);
    }
    benchmark::DoNotOptimize(s);
    const double ns_per_call = seconds_between(t0, steady::now()) * 1e9 / calls;
    iters = std::max(1, static_cast<int>(iters * target_ns / ns_per_call + 0.5));
  }
  g_work_iters = iters;
}

double measure_work_ns() {
  msg64 m = make_msg<msg64>(0, 1);
  constexpr int calls = 200000;
  const auto t0 = steady::now();
  std::uint64_t s = 0;
  for (int i = 0; i < calls; ++i) {
    m.tag += 1;
    s += consume_work(m, g_work_iters);
  }
  benchmark::DoNotOptimize(s);
  return seconds_between(t0, steady::now()) * 1e9 / calls;
}

// ===== counting allocators for the peers that do not use operator new ==========================

struct mc_traits : moodycamel::ConcurrentQueueDefaultTraits {
  static void* malloc(std::size_t n) { return counted_malloc(n); }
  static void free(void* p) { std::free(p); }
};

template <class T>
struct tbb_counting_alloc : tbb::cache_aligned_allocator<T> {
  using value_type = T;
  using base = tbb::cache_aligned_allocator<T>;
  template <class U>
  struct rebind {
    using other = tbb_counting_alloc<U>;
  };
  tbb_counting_alloc() = default;
  template <class U>
  tbb_counting_alloc(const tbb_counting_alloc<U>&) noexcept {
  }  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) {
    weft::bench::count_allocation();
    return base::allocate(n);
  }
  void deallocate(T* p, std::size_t n) { base::deallocate(p, n); }
  template <class U>
  bool operator==(const tbb_counting_alloc<U>&) const noexcept {
    return true;
  }
};

// ===== the queues, behind one interface =========================================================
//
// Q<M, Cap>: constructible with no argument (capacity Cap); Q::producer(Q&).try_push(const M&);
// Q::consumer(Q&).drain(f) receives up to 64 messages, calls f on each, returns how many.

constexpr std::size_t batch = 64;

template <class M, std::size_t Cap, bool Zeroize>
struct weft_q {
  weft::mailbox<M> q{Cap, Zeroize};
  struct producer {
    weft::mailbox<M>* q;
    explicit producer(weft_q& w) : q(&w.q) {}
    bool try_push(const M& m) { return q->try_send(m).status == weft::send_status::ok; }
    std::size_t try_push_batch(M* ms, std::size_t n) {
      return q->try_send_batch(std::span<M>(ms, n)).count;
    }
  };
  struct consumer {
    weft::mailbox<M>* q;
    std::array<M, batch> buf{};
    explicit consumer(weft_q& w) : q(&w.q) {}
    template <class F>
    std::size_t drain(F&& f) {
      const weft::batch_result r = q->try_recv_batch(buf.begin(), batch);
      for (std::size_t i = 0; i < r.count; ++i) f(buf[i]);
      return r.count;
    }
  };
};
template <class M, std::size_t Cap>
using weft_plain = weft_q<M, Cap, false>;
template <class M, std::size_t Cap>
using weft_zeroize = weft_q<M, Cap, true>;

// weft with single receives: shows what the batch saves.
template <class M, std::size_t Cap>
struct weft_single_q {
  weft::mailbox<M> q{Cap};
  struct producer {
    weft::mailbox<M>* q;
    explicit producer(weft_single_q& w) : q(&w.q) {}
    bool try_push(const M& m) { return q->try_send(m).status == weft::send_status::ok; }
  };
  struct consumer {
    weft::mailbox<M>* q;
    explicit consumer(weft_single_q& w) : q(&w.q) {}
    template <class F>
    std::size_t drain(F&& f) {
      std::size_t n = 0;
      for (; n < batch; ++n) {
        weft::recv_result<M> r = q->try_recv();
        if (r.status != weft::recv_status::ok) break;
        f(*r.value);
      }
      return n;
    }
  };
};

// moodycamel, three ways. The queue pre-allocates blocks for Cap items (capacity / 32 blocks).
//   bounded        try_enqueue never allocates a block; implicit (token-less) producers.
//   bounded_token  try_enqueue with a producer token (an explicit producer).
//   unbounded      enqueue with a producer token: moodycamel as it is usually used (allocates
//                  when it must; for reference, not a bounded peer).
// Consumer: try_dequeue_bulk with a consumer token.
enum class mc_mode { bounded, bounded_token, unbounded };

template <class M, std::size_t Cap, mc_mode Mode>
struct mc_queue {
  moodycamel::ConcurrentQueue<M, mc_traits> q{Cap};
  struct producer {
    moodycamel::ConcurrentQueue<M, mc_traits>* q;
    std::optional<moodycamel::ProducerToken> tok;  // only in the token modes: a token makes the
                                                   // producer an explicit one
    explicit producer(mc_queue& w) : q(&w.q) {
      if constexpr (Mode != mc_mode::bounded) tok.emplace(w.q);
    }
    bool try_push(const M& m) {
      if constexpr (Mode == mc_mode::bounded) return q->try_enqueue(m);
      if constexpr (Mode == mc_mode::bounded_token) return q->try_enqueue(*tok, m);
      if constexpr (Mode == mc_mode::unbounded) return q->enqueue(*tok, m);
    }
    // All or nothing: moodycamel's bulk enqueue takes the whole batch or none of it.
    std::size_t try_push_batch(M* ms, std::size_t n) {
      bool ok = false;
      if constexpr (Mode == mc_mode::bounded) ok = q->try_enqueue_bulk(ms, n);
      if constexpr (Mode == mc_mode::bounded_token) ok = q->try_enqueue_bulk(*tok, ms, n);
      if constexpr (Mode == mc_mode::unbounded) ok = q->enqueue_bulk(*tok, ms, n);
      return ok ? n : 0;
    }
  };
  struct consumer {
    moodycamel::ConcurrentQueue<M, mc_traits>* q;
    moodycamel::ConsumerToken tok;
    std::array<M, batch> buf{};
    explicit consumer(mc_queue& w) : q(&w.q), tok(w.q) {}
    template <class F>
    std::size_t drain(F&& f) {
      const std::size_t n = q->try_dequeue_bulk(tok, buf.begin(), batch);
      for (std::size_t i = 0; i < n; ++i) f(buf[i]);
      return n;
    }
  };
};
template <class M, std::size_t Cap>
using mc_bounded = mc_queue<M, Cap, mc_mode::bounded>;
template <class M, std::size_t Cap>
using mc_bounded_token = mc_queue<M, Cap, mc_mode::bounded_token>;
template <class M, std::size_t Cap>
using mc_unbounded = mc_queue<M, Cap, mc_mode::unbounded>;

// Single-pop peers share this consumer shape: up to 64 try_pops.
template <class Q, class M>
struct single_pop_consumer {
  Q* q;
  explicit single_pop_consumer(Q& w) : q(&w) {}
  template <class F>
  std::size_t drain(F&& f) {
    std::size_t n = 0;
    M m{};
    for (; n < batch && q->pop_one(m); ++n) f(m);
    return n;
  }
};

// atomic_queue::AtomicQueue2 (any T; MPMC), and its SPSC-only configuration.
template <class M, std::size_t Cap, bool Spsc>
struct aq2_q {
  atomic_queue::AtomicQueue2<M, static_cast<unsigned>(Cap), true, true, false, Spsc> q;
  bool pop_one(M& m) { return q.try_pop(m); }
  struct producer {
    aq2_q* w;
    explicit producer(aq2_q& x) : w(&x) {}
    bool try_push(const M& m) { return w->q.try_push(m); }
  };
  using consumer = single_pop_consumer<aq2_q, M>;
};
template <class M, std::size_t Cap>
using aq2_mpmc = aq2_q<M, Cap, false>;
template <class M, std::size_t Cap>
using aq2_spsc = aq2_q<M, Cap, true>;

// atomic_queue::AtomicQueue: elements are atomics themselves (8-byte payloads only).
template <class M, std::size_t Cap>
struct aq_atomic {
  static_assert(sizeof(M) == 8);
  atomic_queue::AtomicQueue<std::uint64_t, static_cast<unsigned>(Cap)> q;
  bool pop_one(M& m) {
    std::uint64_t v = 0;
    if (!q.try_pop(v)) return false;
    m.tag = v;
    return true;
  }
  struct producer {
    aq_atomic* w;
    explicit producer(aq_atomic& x) : w(&x) {}
    bool try_push(const M& m) { return w->q.try_push(std::uint64_t{m.tag}); }
  };
  using consumer = single_pop_consumer<aq_atomic, M>;
};

// boost::lockfree::queue with a fixed node pool (bounded).
template <class M, std::size_t Cap>
struct boost_q {
  boost::lockfree::queue<M, boost::lockfree::capacity<Cap>> q;
  bool pop_one(M& m) { return q.pop(m); }
  struct producer {
    boost_q* w;
    explicit producer(boost_q& x) : w(&x) {}
    bool try_push(const M& m) { return w->q.bounded_push(m); }
  };
  using consumer = single_pop_consumer<boost_q, M>;
};

// boost::lockfree::spsc_queue (SPSC only), bulk pop.
template <class M, std::size_t Cap>
struct boost_spsc {
  boost::lockfree::spsc_queue<M, boost::lockfree::capacity<Cap>> q;
  struct producer {
    boost_spsc* w;
    explicit producer(boost_spsc& x) : w(&x) {}
    bool try_push(const M& m) { return w->q.push(m); }
    std::size_t try_push_batch(M* ms, std::size_t n) { return w->q.push(ms, n); }
  };
  struct consumer {
    boost_spsc* w;
    std::array<M, batch> buf{};
    explicit consumer(boost_spsc& x) : w(&x) {}
    template <class F>
    std::size_t drain(F&& f) {
      const std::size_t n = w->q.pop(buf.data(), batch);
      for (std::size_t i = 0; i < n; ++i) f(buf[i]);
      return n;
    }
  };
};

// tbb::concurrent_bounded_queue with set_capacity.
template <class M, std::size_t Cap>
struct tbb_q {
  tbb::concurrent_bounded_queue<M, tbb_counting_alloc<M>> q;
  tbb_q() { q.set_capacity(static_cast<std::ptrdiff_t>(Cap)); }
  bool pop_one(M& m) { return q.try_pop(m); }
  struct producer {
    tbb_q* w;
    explicit producer(tbb_q& x) : w(&x) {}
    bool try_push(const M& m) { return w->q.try_push(m); }
  };
  using consumer = single_pop_consumer<tbb_q, M>;
};

// A mutex and a std::deque, bounded by a size check; the consumer moves out up to 64 at a time.
template <class M, std::size_t Cap>
struct mutex_deque {
  std::mutex mu;
  std::deque<M> d;
  struct producer {
    mutex_deque* w;
    explicit producer(mutex_deque& x) : w(&x) {}
    bool try_push(const M& m) {
      std::scoped_lock lock(w->mu);
      if (w->d.size() >= Cap) return false;
      w->d.push_back(m);
      return true;
    }
    std::size_t try_push_batch(M* ms, std::size_t n) {
      std::scoped_lock lock(w->mu);
      const std::size_t k = std::min(n, Cap - w->d.size());
      w->d.insert(w->d.end(), ms, ms + k);
      return k;
    }
  };
  struct consumer {
    mutex_deque* w;
    std::array<M, batch> buf{};
    explicit consumer(mutex_deque& x) : w(&x) {}
    template <class F>
    std::size_t drain(F&& f) {
      std::size_t n = 0;
      {
        std::scoped_lock lock(w->mu);
        n = std::min(batch, w->d.size());
        const auto last = w->d.begin() + static_cast<std::ptrdiff_t>(n);
        std::move(w->d.begin(), last, buf.begin());
        w->d.erase(w->d.begin(), last);
      }
      for (std::size_t i = 0; i < n; ++i) f(buf[i]);
      return n;
    }
  };
};

// D. Vyukov's bounded MPMC ring, the design the issue's baseline names ("a plain Vyukov
// sequence-number ring"): a reference row, not a library anyone ships, and not counted as a
// peer by the targets. Each cell's sequence number says whose turn it is: producers claim a
// position with a compare-exchange when the cell's sequence equals it and publish pos + 1; the
// consumer takes cells in order and hands the cell back for the next lap (pos + Cap). Cells are
// packed, as in the original.
template <class M, std::size_t Cap>
struct vyukov_q {
  static_assert(Cap > 0 && (Cap & (Cap - 1)) == 0, "a power of two");
  struct cell {
    std::atomic<std::size_t> seq;
    M value;
  };
  alignas(64) std::array<cell, Cap> cells;
  alignas(64) std::atomic<std::size_t> enqueue_pos{0};
  alignas(64) std::atomic<std::size_t> dequeue_pos{0};

  vyukov_q() {
    for (std::size_t i = 0; i < Cap; ++i) cells[i].seq.store(i, std::memory_order_relaxed);
  }
  bool push(const M& m) {
    std::size_t pos = enqueue_pos.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells[pos & (Cap - 1)];
      const auto d = static_cast<std::ptrdiff_t>(c.seq.load(std::memory_order_acquire) - pos);
      if (d == 0) {
        if (enqueue_pos.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          c.value = m;
          c.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (d < 0) {
        return false;  // the cell still holds last lap's value: full
      } else {
        pos = enqueue_pos.load(std::memory_order_relaxed);
      }
    }
  }
  bool pop_one(M& m) {
    std::size_t pos = dequeue_pos.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells[pos & (Cap - 1)];
      const auto d = static_cast<std::ptrdiff_t>(c.seq.load(std::memory_order_acquire) - (pos + 1));
      if (d == 0) {
        if (dequeue_pos.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          m = c.value;
          c.seq.store(pos + Cap, std::memory_order_release);
          return true;
        }
      } else if (d < 0) {
        return false;  // not yet published: empty
      } else {
        pos = dequeue_pos.load(std::memory_order_relaxed);
      }
    }
  }
  struct producer {
    vyukov_q* w;
    explicit producer(vyukov_q& x) : w(&x) {}
    bool try_push(const M& m) { return w->push(m); }
  };
  using consumer = single_pop_consumer<vyukov_q, M>;
};

// ===== one run ==================================================================================

struct run_config {
  int producers = 2;
  std::size_t capacity = 512;
  std::size_t payload = 8;
  bool work = false;
  std::uint64_t messages = 2'000'000;
  int sample_every = 0;  // > 0: time every n-th try_push call of each producer
  double stall_timeout_s = 2.0;
  bool pin = false;  // consumer alone on the last CPU, producers on the others
  std::size_t send_batch = 1;  // > 1: producers send batches of this many (try_push_batch)
};

// Sends up to n messages from ms, returns how many were accepted (from the front). Queues with a
// batch send use it (weft's try_send_batch, moodycamel's bulk enqueue, boost spsc_queue's array
// push, mutex+deque under one lock); the others send one at a time until one is refused.
template <class Prod, class M>
std::size_t push_batch(Prod& prod, M* ms, std::size_t n) {
  if constexpr (requires { prod.try_push_batch(ms, n); }) {
    return prod.try_push_batch(ms, n);
  } else {
    std::size_t i = 0;
    while (i < n && prod.try_push(ms[i])) ++i;
    return i;
  }
}

// --pin split: the consumer alone on the last CPU, producers round-robin on the others (on a
// 2-CPU machine both producers share CPU 0). Every message then crosses between cores.
void pin_to(int cpu) {
  const int n = static_cast<int>(std::thread::hardware_concurrency());
  if (n < 2) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<unsigned>(cpu % n), &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}
int producer_cpu(int p) {
  const int n = static_cast<int>(std::thread::hardware_concurrency());
  return n < 2 ? 0 : p % (n - 1);
}
int consumer_cpu() { return static_cast<int>(std::thread::hardware_concurrency()) - 1; }

struct sample {
  std::uint32_t cycles;
  bool ok;
  bool empty;  // an empty timed region (the timer's own cost under the same load)
};

struct run_result {
  double seconds = 0;
  double msgs_per_s = 0;
  std::uint64_t received = 0;
  std::uint64_t calls = 0;  // try_push calls
  std::uint64_t busy = 0;   // ... that returned busy
  std::uint64_t allocs = 0;
  std::uint64_t order_errors = 0;
  double cpu_s = 0;
  bool stalled = false;
  std::string stall_detail;
  std::vector<std::uint64_t> sent_per_producer;
  std::vector<sample> samples;
};

double cpu_seconds_process() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

// A producer's loop in --send-batch runs: batches of k_max messages, the rest of a batch sent
// again after a busy. Not inlined into run_queue: written inline there, it changed how the
// compiler inlined the single-send loop beside it (weft's 64-byte try_send became a call, and
// 64-byte runs fell to about half in same-session A/B runs).
template <class M, class Prod>
[[gnu::noinline]] void send_batches(Prod& prod, unsigned p, std::uint64_t quota, std::size_t k_max,
                                    std::atomic<std::uint64_t>& sent,
                                    const std::atomic<bool>& stop, std::uint64_t& calls,
                                    std::uint64_t& busy) {
  backoff b;
  std::array<M, batch> buf{};
  for (std::uint64_t s = 0; s < quota;) {
    const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(k_max, quota - s));
    for (std::size_t i = 0; i < k; ++i) buf[i] = make_msg<M>(p, s + i);
    for (std::size_t done = 0; done < k;) {
      ++calls;
      const std::size_t a = push_batch(prod, buf.data() + done, k - done);
      if (a == 0) {
        ++busy;
        if (stop.load(std::memory_order_relaxed)) return;
        b.pause();
        continue;
      }
      done += a;
      b.reset();
      sent.store(s + done, std::memory_order_relaxed);
    }
    s += k;
  }
}

template <class Q, class M>
run_result run_queue(const run_config& cfg) {
  auto q = std::make_unique<Q>();
  const int np = cfg.producers;
  const std::uint64_t total = cfg.messages;

  struct alignas(64) producer_state {
    std::atomic<std::uint64_t> sent{0};
    std::atomic<bool> done{false};
    std::uint64_t quota = 0;
    std::uint64_t calls = 0;
    std::uint64_t busy = 0;
    std::vector<sample> samples;
  };
  std::vector<producer_state> ps(static_cast<std::size_t>(np));
  for (int p = 0; p < np; ++p) {
    auto& st = ps[static_cast<std::size_t>(p)];
    st.quota = total / static_cast<std::uint64_t>(np) +
               (static_cast<std::uint64_t>(p) < total % static_cast<std::uint64_t>(np) ? 1 : 0);
    if (cfg.sample_every > 0) st.samples.reserve(400000);
  }
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  alignas(64) std::atomic<std::uint64_t> received_pub{0};
  alignas(64) std::atomic<bool> consumer_done{false};
  steady::time_point t_end{};
  std::uint64_t allocs_end = 0;
  std::uint64_t order_errors = 0;
  std::uint64_t received = 0;

  auto wait_go = [&] {
    ready.fetch_add(1);
    while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
  };

  std::vector<std::thread> threads;
  for (int p = 0; p < np; ++p) {
    threads.emplace_back([&, p] {
      producer_state& st = ps[static_cast<std::size_t>(p)];
      if (cfg.pin) pin_to(producer_cpu(p));
      typename Q::producer prod(*q);
      wait_go();
      backoff b;
      std::uint64_t calls = 0;
      std::uint64_t busy = 0;
      const std::uint64_t every =
          cfg.sample_every > 0 ? static_cast<std::uint64_t>(cfg.sample_every) : 0;
      const std::size_t max_samples = st.samples.capacity();
      if (cfg.send_batch > 1) {
        send_batches<M>(prod, static_cast<unsigned>(p), st.quota, cfg.send_batch, st.sent, stop,
                        calls, busy);
        goto out;
      }
      for (std::uint64_t s = 0; s < st.quota; ++s) {
        const M m = make_msg<M>(static_cast<unsigned>(p), s);
        for (;;) {
          ++calls;
          bool ok = false;
          if (every != 0 && calls % every == 0 && st.samples.size() < max_samples) {
            const std::uint64_t t0 = tsc_begin();
            ok = prod.try_push(m);
            const std::uint64_t t1 = tsc_end();
            st.samples.push_back(
                {static_cast<std::uint32_t>(std::min<std::uint64_t>(t1 - t0, UINT32_MAX)), ok,
                 false});
          } else {
            ok = prod.try_push(m);
            if (every != 0 && calls % every == every / 2 && st.samples.size() < max_samples) {
              const std::uint64_t t0 = tsc_begin();
              const std::uint64_t t1 = tsc_end();
              st.samples.push_back(
                  {static_cast<std::uint32_t>(std::min<std::uint64_t>(t1 - t0, UINT32_MAX)), true,
                   true});
            }
          }
          if (ok) break;
          ++busy;
          if (stop.load(std::memory_order_relaxed)) goto out;
          b.pause();
        }
        b.reset();
        st.sent.store(s + 1, std::memory_order_relaxed);
      }
    out:
      st.calls = calls;
      st.busy = busy;
      st.done.store(true, std::memory_order_release);
    });
  }
  threads.emplace_back([&] {
    if (cfg.pin) pin_to(consumer_cpu());
    typename Q::consumer cons(*q);
    std::vector<std::uint64_t> expected(static_cast<std::size_t>(np), 0);
    std::uint64_t errors = 0;
    std::uint64_t sink = 0;
    const bool work = cfg.work;
    const int iters = g_work_iters;
    auto on_msg = [&](const M& m) {
      const auto p = static_cast<std::size_t>(m.tag >> producer_shift);
      const std::uint64_t seq = (m.tag & seq_mask) - 1;
      if (p >= expected.size() || expected[p] != seq) {
        ++errors;
        if (p < expected.size()) expected[p] = seq + 1;
      } else {
        ++expected[p];
      }
      if (work) sink += consume_work(m, iters);
    };
    wait_go();
    backoff b;
    std::uint64_t got = 0;
    while (got < total) {
      const std::size_t n = cons.drain(on_msg);
      if (n == 0) {
        if (stop.load(std::memory_order_relaxed)) break;
        b.pause();
        continue;
      }
      got += n;
      b.reset();
      received_pub.store(got, std::memory_order_relaxed);
    }
    t_end = steady::now();
    allocs_end = weft::bench::allocations();
    order_errors = errors;
    received = got;
    g_sink += sink;
    consumer_done.store(true, std::memory_order_release);
  });

  // Watchdog state, allocated before the allocation count starts.
  run_result res;
  std::vector<std::uint64_t> last(static_cast<std::size_t>(np) + 1, 0);
  std::vector<steady::time_point> since(static_cast<std::size_t>(np) + 1);
  std::vector<bool> stuck(static_cast<std::size_t>(np) + 1, false);

  while (ready.load() < np + 1) std::this_thread::yield();
  const std::uint64_t allocs_start = weft::bench::allocations();
  const double cpu0 = cpu_seconds_process();
  const steady::time_point t0 = steady::now();
  go.store(true, std::memory_order_release);

  // Watchdog: a producer that has not finished and has not sent anything new, or a consumer
  // that has not received anything new, for stall_timeout_s: the run has stalled.
  {
    std::fill(since.begin(), since.end(), t0);
    const auto timeout = std::chrono::duration<double>(cfg.stall_timeout_s);
    while (!consumer_done.load(std::memory_order_acquire)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const auto now = steady::now();
      bool stalled = false;
      for (int i = 0; i <= np; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const bool is_consumer = i == np;
        if (!is_consumer && ps[k].done.load(std::memory_order_acquire)) continue;
        const std::uint64_t v = is_consumer ? received_pub.load(std::memory_order_relaxed)
                                            : ps[k].sent.load(std::memory_order_relaxed);
        if (v != last[k]) {
          last[k] = v;
          since[k] = now;
        } else if (now - since[k] > timeout) {
          stalled = true;
          stuck[k] = true;
        }
      }
      if (stalled) {
        std::ostringstream why;
        for (int i = 0; i <= np; ++i) {
          const auto k = static_cast<std::size_t>(i);
          if (!stuck[k]) continue;
          if (i == np) {
            why << "consumer received nothing for " << cfg.stall_timeout_s << " s at " << last[k]
                << "; ";
          } else {
            why << "producer " << i << " sent nothing for " << cfg.stall_timeout_s << " s at "
                << last[k] << " of " << ps[k].quota << "; ";
          }
        }
        res.stalled = true;
        res.stall_detail = why.str();
        stop.store(true, std::memory_order_relaxed);
        break;
      }
    }
  }
  for (auto& t : threads) t.join();
  res.cpu_s = cpu_seconds_process() - cpu0;
  res.seconds = seconds_between(t0, t_end);
  res.received = received;
  res.msgs_per_s = res.stalled ? 0.0 : static_cast<double>(received) / res.seconds;
  res.allocs = allocs_end - allocs_start;
  res.order_errors = order_errors;
  for (auto& st : ps) {
    res.calls += st.calls;
    res.busy += st.busy;
    res.sent_per_producer.push_back(st.sent.load());
    res.samples.insert(res.samples.end(), st.samples.begin(), st.samples.end());
  }
  return res;
}

// ===== other load on the machine ==============================================================
//
// The machine is shared: another process's compile takes a CPU from us for seconds at a time.
// /proc/stat says how busy all CPUs were (10 ms ticks); minus our own CPU time, that is the load
// of everything else, in cores. Before each round of runs we wait (up to --quiet-wait seconds)
// for it to fall below 0.1 core, and a round during which it rose above --max-foreign is run
// again (twice at most); the figure is kept in the JSON either way.

struct cpu_snapshot {
  double busy_s = 0;  // all CPUs, user + nice + system + irq + softirq + steal
  double own_s = 0;   // this process
  steady::time_point t;
};

cpu_snapshot snapshot() {
  cpu_snapshot c;
  c.t = steady::now();
  c.own_s = cpu_seconds_process();
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (f == nullptr) return c;
  unsigned long long v[8] = {};
  if (std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                  &v[4], &v[5], &v[6], &v[7]) == 8) {
    const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
    c.busy_s = static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
  }
  std::fclose(f);
  return c;
}

// Cores' worth of CPU used by other processes between two snapshots.
double foreign_cores(const cpu_snapshot& a, const cpu_snapshot& b) {
  const double wall = seconds_between(a.t, b.t);
  if (wall <= 0) return 0;
  return std::max(0.0, (b.busy_s - a.busy_s) - (b.own_s - a.own_s)) / wall;
}

double g_quiet_wait_s = 60;
double g_max_foreign = 0.15;
double g_waited_s = 0;

// Waits until other processes use less than 0.1 core over 300 ms (at most g_quiet_wait_s).
void wait_quiet() {
  const auto start = steady::now();
  for (;;) {
    const cpu_snapshot a = snapshot();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const cpu_snapshot b = snapshot();
    if (foreign_cores(a, b) < 0.1 || seconds_between(start, b.t) > g_quiet_wait_s) break;
  }
  g_waited_s += seconds_between(start, steady::now()) - 0.3;
}

// ===== the registry =============================================================================

using run_fn = run_result (*)(const run_config&);

struct queue_entry {
  std::string key;
  std::string label;
  bool weft = false;
  bool bounded = true;
  bool spsc_only = false;
  bool payload8_only = false;
  std::map<std::pair<std::size_t, std::size_t>, run_fn> fns;  // (payload, capacity) -> run
  bool reference = false;  // a design for comparison, not a peer: the targets leave it out
};

constexpr std::array<std::size_t, 3> capacities{64, 512, 4096};

template <template <class, std::size_t> class Q, class M, std::size_t... Caps>
void fill(queue_entry& e, std::index_sequence<Caps...>) {
  ((e.fns[{sizeof(M), capacities[Caps]}] = &run_queue<Q<M, capacities[Caps]>, M>), ...);
}

template <template <class, std::size_t> class Q>
queue_entry make_entry(std::string key, std::string label, bool weft, bool bounded,
                       bool spsc_only) {
  queue_entry e{std::move(key), std::move(label), weft, bounded, spsc_only, false, {}, false};
  fill<Q, msg8>(e, std::make_index_sequence<capacities.size()>{});
  fill<Q, msg64>(e, std::make_index_sequence<capacities.size()>{});
  return e;
}

template <class M, std::size_t Cap>
using aq_atomic_any = aq_atomic<msg8, Cap>;  // instantiated for 8-byte payloads only

std::vector<queue_entry> all_queues() {
  std::vector<queue_entry> q;
  q.push_back(make_entry<weft_plain>("weft", "weft::mailbox (try_recv_batch)", true, true, false));
  q.push_back(
      make_entry<weft_zeroize>("weft_zeroize", "weft::mailbox, zeroize on", true, true, false));
  q.push_back(
      make_entry<weft_single_q>("weft_single", "weft::mailbox (try_recv)", true, true, false));
  q.push_back(
      make_entry<mc_bounded>("mc_bounded", "moodycamel try_enqueue (bounded)", false, true, false));
  q.push_back(make_entry<mc_bounded_token>(
      "mc_bounded_token", "moodycamel try_enqueue + token (bounded)", false, true, false));
  q.push_back(make_entry<mc_unbounded>("mc_unbounded", "moodycamel enqueue + token (unbounded)",
                                       false, false, false));
  q.push_back(make_entry<aq2_mpmc>("aq2", "atomic_queue AtomicQueue2", false, true, false));
  {
    queue_entry e{
        "aq_atomic", "atomic_queue AtomicQueue (8-byte atomics)", false, true, false, true, {},
        false};
    fill<aq_atomic_any, msg8>(e, std::make_index_sequence<capacities.size()>{});
    q.push_back(std::move(e));
  }
  q.push_back(
      make_entry<aq2_spsc>("aq2_spsc", "atomic_queue AtomicQueue2 SPSC", false, true, true));
  q.push_back(make_entry<boost_q>("boost_queue", "boost::lockfree::queue", false, true, false));
  q.push_back(
      make_entry<boost_spsc>("boost_spsc", "boost::lockfree::spsc_queue", false, true, true));
  q.push_back(make_entry<tbb_q>("tbb", "tbb::concurrent_bounded_queue", false, true, false));
  q.push_back(make_entry<mutex_deque>("mutex_deque", "std::mutex + std::deque (bulk pop)", false,
                                      true, false));
  q.push_back(make_entry<vyukov_q>("vyukov", "reference: plain Vyukov MPMC ring (not a peer)", false,
                                   true, false));
  q.back().reference = true;
  return q;
}

// ===== statistics ===============================================================================

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The element at fraction p (0..1) of the sorted values (the nearest rank); reorders v.
template <class T>
T quantile(std::vector<T>& v, double p) {
  if (v.empty()) return T{};
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double percentile_ns(std::vector<std::uint32_t>& cycles, double p) {
  return static_cast<double>(quantile(cycles, p)) / g_tsc_per_ns;
}

// ===== options ==================================================================================

// The most messages one throughput run sends (runs are sized to last --min-run-seconds).
constexpr std::uint64_t max_run_messages = 32'000'000;

struct options {
  std::set<std::string> sections{"steady", "zeroize", "throughput", "work", "latency", "stall"};
  int reps = 5;
  std::uint64_t messages = 2'000'000;
  // Throughput runs of a fast queue are lengthened to last this long (see run_lengths()).
  double min_run_seconds = 0.3;
  std::uint64_t stall_messages = 10'000'000;
  double stall_timeout_s = 2.0;
  double steady_seconds = 3.0;
  // Zeroize off/on pairs at 10k msg/s: the clearing is ~0.1% of the CPU there and one run's
  // noise ~10-20%, so many short pairs resolve a 5% target where a few long ones do not.
  int zeroize_pairs = 30;
  double zeroize_seconds = 1.0;
  std::string json_path;
  std::string summarize_path;  // --summarize FILE: judge the targets of a stored result again
  std::vector<std::string> queue_filter;  // keys; empty: all
  std::vector<std::size_t> payloads{8, 64};
  std::vector<std::size_t> caps{512, 4096};
  std::vector<int> producer_counts{1, 2};
  bool pin = false;
  std::size_t send_batch = 1;  // throughput and work: producers send batches of this many
  double quiet_wait_s = 60;
  double max_foreign = 0.15;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// A comma-separated list; each item must be one of `allowed` (as text). Throws CLI11's
// ValidationError naming the option and the item otherwise.
std::vector<std::string> checked_list(const std::string& option, const std::string& text,
                                      const std::vector<std::string>& allowed) {
  std::vector<std::string> items = split(text);
  if (items.empty()) throw CLI::ValidationError(option, "needs at least one item");
  for (const auto& it : items) {
    if (std::find(allowed.begin(), allowed.end(), it) == allowed.end()) {
      std::string all;
      for (const auto& a : allowed) all += (all.empty() ? "" : ",") + a;
      throw CLI::ValidationError(option, "unknown item '" + it + "' (one of " + all + ")");
    }
  }
  return items;
}

// On bad input, prints what is wrong and exits with CLI11's code; --help prints the options.
options parse(int argc, char** argv) {
  options o;
  CLI::App app{"weft::mailbox against its peers: throughput, latency, allocations, progress, "
               "steady load and zeroisation (docs/perf/mailbox.md)",
               "weft_mailbox_bench"};
  // The regression gate appends arguments to the stored ones: the last value of an option wins.
  app.option_defaults()->take_last();
  std::string sections, queues, payloads, caps, producers, pin = "none";
  bool quick = false;
  app.add_option("--json", o.json_path, "write every figure as JSON to FILE");
  app.add_option("--sections", sections,
                 "comma-separated: steady,zeroize,throughput,work,latency,stall (default: all)");
  app.add_option("--reps", o.reps, "repetitions of each configuration; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--messages", o.messages, "messages per throughput run, at least")
      ->check(CLI::Range(std::uint64_t{1000}, max_run_messages))
      ->capture_default_str();
  app.add_option("--min-run-seconds", o.min_run_seconds,
                 "lengthen each throughput run to last about S seconds, sized from a first run of "
                 "--messages (0: every run sends --messages)")
      ->check(CLI::Range(0.0, 60.0))
      ->capture_default_str();
  std::vector<std::string> keys;
  for (const auto& e : all_queues()) keys.push_back(e.key);
  app.add_option("--queues", queues,
                 "comma-separated queue keys to run (weft is always kept), e.g. weft,aq2,tbb");
  app.add_option("--payloads", payloads, "comma-separated payload sizes: 8,64 (default both)");
  app.add_option("--capacities", caps,
                 "comma-separated capacities: 512,4096 (default both; 64 is also built)");
  app.add_option("--producers", producers, "comma-separated producer counts: 1,2 (default both)");
  app.add_option("--stall-timeout", o.stall_timeout_s,
                 "seconds without progress that count as a stall")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  app.add_option("--stall-messages", o.stall_messages, "messages per stall run")
      ->check(CLI::Range(std::uint64_t{1000}, std::uint64_t{1} << 40))
      ->capture_default_str();
  app.add_option("--steady-seconds", o.steady_seconds, "length of each steady-load run")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--zeroize-pairs", o.zeroize_pairs,
                 "zeroize off/on pairs of steady runs at 10k msg/s")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--zeroize-seconds", o.zeroize_seconds, "length of each of those runs")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--pin", pin,
                 "none (the OS places threads) or split (consumer alone on the last CPU, "
                 "producers on the others)")
      ->check(CLI::IsMember({"none", "split"}))
      ->capture_default_str();
  app.add_option("--send-batch", o.send_batch,
                 "throughput and work sections: each producer sends batches of K messages "
                 "(weft's try_send_batch; the peers' bulk enqueue where they have one, else one "
                 "at a time); 1: single sends")
      ->check(CLI::Range(std::size_t{1}, batch))
      ->capture_default_str();
  app.add_option("--quiet-wait", o.quiet_wait_s,
                 "before each round, wait up to S seconds for other processes to use less than "
                 "0.1 core (0: do not wait)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--max-foreign", o.max_foreign,
                 "run a round again when other processes used more than C cores during it "
                 "(twice at most)")
      ->check(CLI::Range(0.0, 1024.0))
      ->capture_default_str();
  app.add_option("--summarize", o.summarize_path,
                 "judge the targets of a stored result FILE again (rewrites its summary)");
  app.add_flag("--quick", quick,
               "--reps 3 --messages 1000000 --sections throughput,latency, unless given");
  try {
    app.parse(argc, argv);
    if (!sections.empty()) {
      const auto v = checked_list("--sections", sections,
                                  {"steady", "zeroize", "throughput", "work", "latency", "stall"});
      o.sections = std::set<std::string>(v.begin(), v.end());
    } else if (quick) {
      o.sections = {"throughput", "latency"};
    }
    if (quick && app.count("--reps") == 0) o.reps = 3;
    if (quick && app.count("--messages") == 0) o.messages = 1'000'000;
    if (!queues.empty()) o.queue_filter = checked_list("--queues", queues, keys);
    if (!payloads.empty()) {
      o.payloads.clear();
      for (const auto& v : checked_list("--payloads", payloads, {"8", "64"}))
        o.payloads.push_back(std::stoul(v));
    }
    if (!caps.empty()) {
      o.caps.clear();
      for (const auto& v : checked_list("--capacities", caps, {"64", "512", "4096"}))
        o.caps.push_back(std::stoul(v));
    }
    if (!producers.empty()) {
      o.producer_counts.clear();
      for (const auto& v : checked_list("--producers", producers, {"1", "2"}))
        o.producer_counts.push_back(std::stoi(v));
    }
    o.pin = pin == "split";
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return o;
}

bool selected(const options& o, const queue_entry& e) {
  if (o.queue_filter.empty() || e.key == "weft") return true;
  return std::find(o.queue_filter.begin(), o.queue_filter.end(), e.key) != o.queue_filter.end();
}

std::string fmt_rate(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f M", v / 1e6);
  return b;
}

// ===== sections: throughput and work ============================================================

// Messages per run for each queue of one configuration. A run of 2 M messages lasts 15-30 ms
// for the fast queues: shorter than the scheduler takes to spread three threads over two vCPUs
// (a thread that ran recently is not migrated to an idle CPU), so one vCPU sat idle for a third
// of such a run (process CPU 1.3 cores, against 1.9-2.0 in runs of 20 M). Each queue first
// sends o.messages once (not counted), and its runs are then sized from that rate to last about
// o.min_run_seconds; never fewer than o.messages, never more than max_run_messages.

std::vector<std::uint64_t> run_lengths(const options& o, const std::vector<const queue_entry*>& qs,
                                       run_config cfg, std::size_t payload, std::size_t cap) {
  std::vector<std::uint64_t> n(qs.size(), o.messages);
  if (o.min_run_seconds <= 0) return n;
  cfg.messages = o.messages;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    wait_quiet();
    const run_result r = qs[i]->fns.at({payload, cap})(cfg);
    if (r.stalled || r.msgs_per_s <= 0) continue;
    const double want = std::ceil(r.msgs_per_s * o.min_run_seconds / 1e5) * 1e5;
    n[i] = std::clamp(static_cast<std::uint64_t>(want), o.messages, max_run_messages);
  }
  return n;
}

json throughput_section(const options& o, const std::vector<queue_entry>& queues, bool work) {
  json rows = json::array();
  const char* name = work ? "work" : "throughput";
  for (const int np : o.producer_counts) {
    for (const std::size_t payload : o.payloads) {
      for (const std::size_t cap : o.caps) {
        std::vector<const queue_entry*> qs;
        for (const auto& e : queues) {
          if (!selected(o, e)) continue;
          if (e.spsc_only && np != 1) continue;
          if (e.payload8_only && payload != 8) continue;
          qs.push_back(&e);
        }
        std::vector<std::vector<run_result>> results(qs.size());
        run_config cfg;
        cfg.producers = np;
        cfg.capacity = cap;
        cfg.payload = payload;
        cfg.work = work;
        cfg.messages = o.messages;
        cfg.stall_timeout_s = o.stall_timeout_s;
        cfg.pin = o.pin;
        cfg.send_batch = o.send_batch;
        std::vector<double> foreign;
        int retried = 0;
        const std::vector<std::uint64_t> lengths = run_lengths(o, qs, cfg, payload, cap);
        for (int r = 0; r < o.reps; ++r) {
          for (int attempt = 0;; ++attempt) {
            wait_quiet();
            const cpu_snapshot a = snapshot();
            std::vector<run_result> round(qs.size());
            for (std::size_t j = 0; j < qs.size(); ++j) {
              const std::size_t i =
                  (j + static_cast<std::size_t>(r)) % qs.size();  // rotate the order
              cfg.messages = lengths[i];
              round[i] = qs[i]->fns.at({payload, cap})(cfg);
            }
            const double f = foreign_cores(a, snapshot());
            if (f > g_max_foreign && attempt < 2) {
              ++retried;
              continue;
            }
            foreign.push_back(f);
            for (std::size_t i = 0; i < qs.size(); ++i) results[i].push_back(std::move(round[i]));
            break;
          }
        }
        std::printf("\n[%s] %s, %zu-byte payload, capacity %zu, median of %d%s", name,
                    np == 1 ? "SPSC" : "MPSC 2 producers", payload, cap, o.reps,
                    o.pin ? ", pinned" : "");
        if (o.send_batch > 1) std::printf(", sends in batches of %zu", o.send_batch);
        std::printf("\n");
        std::printf("  %-44s %12s %10s %10s %10s %8s %5s %s\n", "queue", "msg/s", "min", "max",
                    "allocs/msg", "busy/msg", "cpu", "messages/run");
        double weft_med = 0;
        std::vector<json> cfg_rows;
        for (std::size_t i = 0; i < qs.size(); ++i) {
          std::vector<double> rates;
          std::vector<double> cpu;
          std::uint64_t allocs = 0, msgs = 0, busy = 0, errors = 0;
          int stalled = 0;
          std::string stall_detail;
          for (const auto& rr : results[i]) {
            if (rr.stalled) {
              ++stalled;
              stall_detail = rr.stall_detail;
              continue;
            }
            rates.push_back(rr.msgs_per_s);
            cpu.push_back(rr.cpu_s / rr.seconds);
            allocs += rr.allocs;
            msgs += rr.received;
            busy += rr.busy;
            errors += rr.order_errors;
          }
          const double med = median(rates);
          if (qs[i]->key == "weft") weft_med = med;
          const double apm = msgs ? static_cast<double>(allocs) / static_cast<double>(msgs) : 0.0;
          const double bpm = msgs ? static_cast<double>(busy) / static_cast<double>(msgs) : 0.0;
          json row;
          row["section"] = name;
          row["producers"] = np;
          row["payload"] = payload;
          row["capacity"] = cap;
          row["queue"] = qs[i]->key;
          row["label"] = qs[i]->label;
          row["weft"] = qs[i]->weft;
          row["bounded"] = qs[i]->bounded;
          row["reference"] = qs[i]->reference;
          row["median_msgs_per_s"] = med;
          row["runs_msgs_per_s"] = rates;
          row["allocs"] = allocs;
          row["allocs_per_msg"] = apm;
          row["busy_per_msg"] = bpm;
          row["cpu_cores"] = median(cpu);
          row["messages_per_run"] = lengths[i];
          row["send_batch"] = o.send_batch;
          row["order_errors"] = errors;
          row["stalled_runs"] = stalled;
          if (stalled) row["stall_detail"] = stall_detail;
          cfg_rows.push_back(row);
          const auto mm = std::minmax_element(rates.begin(), rates.end());
          std::printf("  %-44s %12s %10s %10s %10.2e %8.3f %5.2f %llu%s%s\n",
                      qs[i]->label.c_str(), fmt_rate(med).c_str(),
                      rates.empty() ? "-" : fmt_rate(*mm.first).c_str(),
                      rates.empty() ? "-" : fmt_rate(*mm.second).c_str(), apm, bpm, median(cpu),
                      static_cast<unsigned long long>(lengths[i]),
                      stalled ? "  STALLED runs" : "", errors ? "  ORDER ERRORS" : "");
        }
        std::printf("  weft / peer:");
        const double max_foreign =
            foreign.empty() ? 0.0 : *std::max_element(foreign.begin(), foreign.end());
        for (auto& row : cfg_rows) {
          row["foreign_load_max_cores"] = max_foreign;
          row["rounds_retried"] = retried;
          const double med = row["median_msgs_per_s"].get<double>();
          const double ratio = med > 0 ? weft_med / med : 0.0;
          row["weft_ratio"] = ratio;
          if (!row["weft"].get<bool>())
            std::printf("  %s %.2fx", row["queue"].get<std::string>().c_str(), ratio);
          rows.push_back(row);
        }
        std::printf(
            "\n  other processes: at most %.2f cores during a kept round, %d rounds run again\n",
            max_foreign, retried);
        std::fflush(stdout);
      }
    }
  }
  return rows;
}

// ===== section: latency =========================================================================

json latency_section(const options& o, const std::vector<queue_entry>& queues) {
  json rows = json::array();
  for (const std::size_t payload : o.payloads) {
    const std::size_t cap = 512;
    std::vector<const queue_entry*> qs;
    for (const auto& e : queues) {
      if (!selected(o, e) || e.spsc_only || (e.payload8_only && payload != 8)) continue;
      if (e.key == "weft_zeroize" || e.key == "weft_single") continue;
      qs.push_back(&e);
    }
    run_config cfg;
    cfg.producers = 2;
    cfg.capacity = cap;
    cfg.payload = payload;
    cfg.messages = o.messages;
    cfg.sample_every = 64;
    cfg.stall_timeout_s = o.stall_timeout_s;
    cfg.pin = o.pin;
    struct acc {
      std::vector<double> p50, p95, p99, ok_p50, ok_p95, ok_p99, busy_frac, timer_p95;
      std::uint64_t samples = 0;
      int stalled = 0;
    };
    std::vector<acc> accs(qs.size());
    double max_foreign = 0;
    int retried = 0;
    for (int r = 0; r < o.reps; ++r) {
      std::vector<run_result> round(qs.size());
      for (int attempt = 0;; ++attempt) {
        wait_quiet();
        const cpu_snapshot a = snapshot();
        for (std::size_t j = 0; j < qs.size(); ++j) {
          const std::size_t i = (j + static_cast<std::size_t>(r)) % qs.size();
          round[i] = qs[i]->fns.at({payload, cap})(cfg);
        }
        const double f = foreign_cores(a, snapshot());
        if (f > g_max_foreign && attempt < 2) {
          ++retried;
          continue;
        }
        max_foreign = std::max(max_foreign, f);
        break;
      }
      for (std::size_t i = 0; i < qs.size(); ++i) {
        run_result& rr = round[i];
        if (rr.stalled) {
          ++accs[i].stalled;
          continue;
        }
        std::vector<std::uint32_t> all, ok, empty;
        std::uint64_t busy = 0;
        for (const auto& s : rr.samples) {
          if (s.empty) {
            empty.push_back(s.cycles);
            continue;
          }
          all.push_back(s.cycles);
          if (s.ok) ok.push_back(s.cycles);
          busy += s.ok ? 0 : 1;
        }
        accs[i].timer_p95.push_back(percentile_ns(empty, 0.95));
        accs[i].samples += all.size();
        accs[i].p50.push_back(percentile_ns(all, 0.50));
        accs[i].p95.push_back(percentile_ns(all, 0.95));
        accs[i].p99.push_back(percentile_ns(all, 0.99));
        accs[i].ok_p50.push_back(percentile_ns(ok, 0.50));
        accs[i].ok_p95.push_back(percentile_ns(ok, 0.95));
        accs[i].ok_p99.push_back(percentile_ns(ok, 0.99));
        accs[i].busy_frac.push_back(
            all.empty() ? 0.0 : static_cast<double>(busy) / static_cast<double>(all.size()));
      }
    }
    std::printf(
        "\n[latency] try_send, MPSC 2 producers, %zu-byte payload, capacity %zu, every 64th call "
        "timed (TSC; timer overhead %.1f ns included), median over %d runs%s\n",
        payload, cap, g_tsc_overhead_ns, o.reps, o.pin ? ", pinned" : "");
    std::printf("  %-44s %8s %8s %8s | %8s %8s %8s | %6s | %s\n", "queue", "p50 ns", "p95 ns",
                "p99 ns", "ok p50", "ok p95", "ok p99", "busy", "timer p95");
    double weft_p95 = 0;
    std::vector<json> cfg_rows;
    for (std::size_t i = 0; i < qs.size(); ++i) {
      const acc& a = accs[i];
      json row;
      row["producers"] = 2;
      row["payload"] = payload;
      row["capacity"] = cap;
      row["queue"] = qs[i]->key;
      row["label"] = qs[i]->label;
      row["weft"] = qs[i]->weft;
      row["bounded"] = qs[i]->bounded;
      row["reference"] = qs[i]->reference;
      row["p50_ns"] = median(a.p50);
      row["p95_ns"] = median(a.p95);
      row["p99_ns"] = median(a.p99);
      row["ok_p50_ns"] = median(a.ok_p50);
      row["ok_p95_ns"] = median(a.ok_p95);
      row["ok_p99_ns"] = median(a.ok_p99);
      row["busy_fraction_of_calls"] = median(a.busy_frac);
      row["timer_p95_ns"] = median(a.timer_p95);
      row["foreign_load_max_cores"] = max_foreign;
      row["rounds_retried"] = retried;
      row["runs_p95_ns"] = a.p95;
      row["samples"] = a.samples;
      row["stalled_runs"] = a.stalled;
      if (qs[i]->key == "weft") weft_p95 = median(a.p95);
      std::printf("  %-44s %8.0f %8.0f %8.0f | %8.0f %8.0f %8.0f | %5.1f%% | %6.0f%s\n",
                  qs[i]->label.c_str(), median(a.p50), median(a.p95), median(a.p99),
                  median(a.ok_p50), median(a.ok_p95), median(a.ok_p99), 100 * median(a.busy_frac),
                  median(a.timer_p95), a.stalled ? "  STALLED runs" : "");
      cfg_rows.push_back(row);
    }
    std::printf("  other processes: at most %.2f cores during a kept round, %d rounds run again\n",
                max_foreign, retried);
    for (auto& row : cfg_rows) {
      const double p95 = row["p95_ns"].get<double>();
      row["weft_p95_ratio"] = p95 > 0 ? weft_p95 / p95 : 0.0;
      rows.push_back(row);
    }
    std::fflush(stdout);
  }
  return rows;
}

// ===== section: stall ===========================================================================

json stall_section(const options& o, const std::vector<queue_entry>& queues) {
  json rows = json::array();
  std::printf(
      "\n[stall] 2 producers, 8-byte payload, %llu messages, try-send with backoff, watchdog: "
      "%.1f s without progress of any thread\n",
      static_cast<unsigned long long>(o.stall_messages), o.stall_timeout_s);
  for (const std::size_t cap : {std::size_t{64}, std::size_t{512}}) {
    for (const auto& e : queues) {
      if (!selected(o, e) || e.spsc_only || !e.bounded) continue;
      if (e.key == "weft_zeroize" || e.key == "weft_single") continue;
      run_config cfg;
      cfg.producers = 2;
      cfg.capacity = cap;
      cfg.payload = 8;
      cfg.messages = o.stall_messages;
      cfg.stall_timeout_s = o.stall_timeout_s;
      cfg.pin = o.pin;
      wait_quiet();
      const run_result rr = e.fns.at({8, cap})(cfg);
      json row;
      row["queue"] = e.key;
      row["label"] = e.label;
      row["capacity"] = cap;
      row["progress"] = !rr.stalled;
      row["received"] = rr.received;
      row["sent_per_producer"] = rr.sent_per_producer;
      row["busy_per_msg"] =
          rr.received ? static_cast<double>(rr.busy) / static_cast<double>(rr.received) : 0.0;
      row["order_errors"] = rr.order_errors;
      if (rr.stalled) row["stall_detail"] = rr.stall_detail;
      std::printf("  capacity %-5zu %-44s %s  received %llu, sent %llu + %llu%s%s\n", cap,
                  e.label.c_str(), rr.stalled ? "STALLED " : "progress",
                  static_cast<unsigned long long>(rr.received),
                  static_cast<unsigned long long>(rr.sent_per_producer[0]),
                  static_cast<unsigned long long>(rr.sent_per_producer[1]), rr.stalled ? ": " : "",
                  rr.stall_detail.c_str());
      std::fflush(stdout);
      rows.push_back(row);
    }
  }
  return rows;
}

// ===== section: steady load =====================================================================
//
// Steady adapters: try_push from the producers; the consumer blocks (weft: recv_batch) and ends
// when the queue is closed, or, for the peers without close, once it has seen a sentinel (pushed
// after the producers are joined) and received every message sent (moodycamel does not order
// messages of different producers: the sentinel may overtake the last messages).

constexpr std::uint64_t sentinel_tag = ~std::uint64_t{0};

template <class M>
struct steady_weft {
  weft::mailbox<M> q;
  steady_weft(std::size_t cap, bool zeroize) : q(cap, zeroize) {}
  bool try_push(const M& m) { return q.try_send(m).status == weft::send_status::ok; }
  template <class F>
  void consume(F&& f) {
    std::array<M, batch> buf{};
    for (;;) {
      const weft::batch_result r = q.recv_batch(buf.begin(), batch);
      if (r.status != weft::recv_status::ok) return;
      for (std::size_t i = 0; i < r.count; ++i) f(buf[i]);
    }
  }
  void finish(std::uint64_t) { q.close(); }
};

template <class M>
struct steady_tbb {
  tbb::concurrent_bounded_queue<M, tbb_counting_alloc<M>> q;
  steady_tbb(std::size_t cap, bool) { q.set_capacity(static_cast<std::ptrdiff_t>(cap)); }
  bool try_push(const M& m) { return q.try_push(m); }
  std::atomic<std::uint64_t> total{~std::uint64_t{0}};
  template <class F>
  void consume(F&& f) {
    M m{};
    std::uint64_t got = 0;
    bool seen = false;
    for (;;) {
      q.pop(m);
      if (m.tag == sentinel_tag) {
        seen = true;
      } else {
        f(m);
        ++got;
      }
      if (seen && got == total.load(std::memory_order_acquire)) return;
    }
  }
  void finish(std::uint64_t sent) {
    total.store(sent, std::memory_order_release);
    M m{};
    m.tag = sentinel_tag;
    q.push(m);
  }
};

template <class M>
struct steady_moodycamel {
  moodycamel::BlockingConcurrentQueue<M, mc_traits> q;
  steady_moodycamel(std::size_t cap, bool) : q(cap) {}
  bool try_push(const M& m) { return q.try_enqueue(m); }
  template <class F>
  void consume(F&& f) {
    std::array<M, batch> buf{};
    moodycamel::ConsumerToken tok(q);
    std::uint64_t got = 0;
    bool seen = false;
    for (;;) {
      const std::size_t n = q.wait_dequeue_bulk(tok, buf.begin(), batch);
      for (std::size_t i = 0; i < n; ++i) {
        if (buf[i].tag == sentinel_tag) {
          seen = true;
        } else {
          f(buf[i]);
          ++got;
        }
      }
      if (seen && got == total.load(std::memory_order_acquire)) return;
    }
  }
  std::atomic<std::uint64_t> total{~std::uint64_t{0}};
  void finish(std::uint64_t sent) {
    total.store(sent, std::memory_order_release);
    M m{};
    m.tag = sentinel_tag;
    while (!q.try_enqueue(m)) std::this_thread::yield();
  }
};

template <class M>
struct steady_mutex_deque {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<M> d;
  std::size_t cap;
  bool closed = false;
  bool waiting = false;
  steady_mutex_deque(std::size_t c, bool) : cap(c) {}
  bool try_push(const M& m) {
    bool wake = false;
    {
      std::scoped_lock lock(mu);
      if (d.size() >= cap) return false;
      d.push_back(m);
      wake = waiting;
    }
    if (wake) cv.notify_one();
    return true;
  }
  template <class F>
  void consume(F&& f) {
    std::array<M, batch> buf{};
    for (;;) {
      std::size_t n = 0;
      {
        std::unique_lock lock(mu);
        while (d.empty() && !closed) {
          waiting = true;
          cv.wait(lock);
          waiting = false;
        }
        if (d.empty()) return;
        n = std::min(batch, d.size());
        const auto last = d.begin() + static_cast<std::ptrdiff_t>(n);
        std::move(d.begin(), last, buf.begin());
        d.erase(d.begin(), last);
      }
      for (std::size_t i = 0; i < n; ++i) f(buf[i]);
    }
  }
  void finish(std::uint64_t) {
    {
      std::scoped_lock lock(mu);
      closed = true;
    }
    cv.notify_one();
  }
};

struct steady_result {
  double foreign_cores = 0;  // other processes' load during the run
  double rate_target = 0;
  double rate_achieved = 0;
  double wall_s = 0;
  double cpu_s = 0;
  double cpu_fraction = 0;
  double busy_call_fraction =
      0;                         // try_push calls that returned busy / all calls (retries included)
  double busy_msg_fraction = 0;  // messages whose first try_push returned busy / all messages
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t order_errors = 0;
  double max_rss_mib = 0;
  double allocs_per_msg = 0;
};

double max_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

template <class SQ, class M>
steady_result run_steady_once(double rate_total, double seconds, std::size_t cap, bool zeroize,
                              int producers, double burst);

// One steady-load run on a quiet machine: run again (twice at most) if other processes took
// more than --max-foreign cores during it.
template <class SQ, class M>
steady_result run_steady(double rate_total, double seconds, std::size_t cap, bool zeroize,
                         int producers = 2, double burst = 50) {
  steady_result r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    wait_quiet();
    const cpu_snapshot a = snapshot();
    r = run_steady_once<SQ, M>(rate_total, seconds, cap, zeroize, producers, burst);
    r.foreign_cores = foreign_cores(a, snapshot());
    if (r.foreign_cores <= g_max_foreign) break;
  }
  return r;
}

template <class SQ, class M>
steady_result run_steady_once(double rate_total, double seconds, std::size_t cap, bool zeroize,
                              int producers, double burst) {
  auto q = std::make_unique<SQ>(cap, zeroize);
  const double per_producer = rate_total / producers;
  const auto tick = std::chrono::duration_cast<steady::duration>(
      std::chrono::duration<double>(burst / per_producer));
  struct alignas(64) pstate {
    std::uint64_t sent = 0, calls = 0, busy_calls = 0, busy_msgs = 0;
  };
  std::vector<pstate> ps(static_cast<std::size_t>(producers));
  std::uint64_t received = 0, errors = 0;
  const double cpu0 = cpu_seconds_process();
  const auto start = steady::now() + std::chrono::milliseconds(20);
  const auto end =
      start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds));
  std::thread consumer([&] {
    std::vector<std::uint64_t> expected(static_cast<std::size_t>(producers), 0);
    q->consume([&](const M& m) {
      const auto p = static_cast<std::size_t>(m.tag >> producer_shift);
      const std::uint64_t seq = (m.tag & seq_mask) - 1;
      if (p >= expected.size() || expected[p] != seq) {
        ++errors;
      } else {
        ++expected[p];
      }
      ++received;
    });
  });
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      pstate& st = ps[static_cast<std::size_t>(p)];
      std::this_thread::sleep_until(start);
      for (std::uint64_t k = 1;; ++k) {
        const auto now = steady::now();
        if (now >= end) break;
        const auto due = static_cast<std::uint64_t>(per_producer * seconds_between(start, now));
        while (st.sent < due) {
          const M m = make_msg<M>(static_cast<unsigned>(p), st.sent);
          bool hit = false;
          backoff b;
          for (;;) {
            ++st.calls;
            if (q->try_push(m)) break;
            ++st.busy_calls;
            hit = true;
            b.pause();
          }
          st.busy_msgs += hit ? 1 : 0;
          ++st.sent;
        }
        std::this_thread::sleep_until(start + k * tick);
      }
    });
  }
  // Allocations are counted from the start of the load (the threads and the consumer's own
  // bookkeeping are set up by then) to its end.
  std::this_thread::sleep_until(start);
  const std::uint64_t allocs0 = weft::bench::allocations();
  for (auto& t : threads) t.join();
  const auto producers_done = steady::now();
  std::uint64_t total_sent = 0;
  for (const auto& st : ps) total_sent += st.sent;
  q->finish(total_sent);
  consumer.join();
  const auto t1 = steady::now();
  const std::uint64_t allocs1 = weft::bench::allocations();
  steady_result r;
  r.cpu_s = cpu_seconds_process() - cpu0;
  r.wall_s = seconds_between(start, t1);
  r.cpu_fraction = r.cpu_s / r.wall_s;
  std::uint64_t calls = 0, busy_calls = 0, busy_msgs = 0;
  for (const auto& st : ps) {
    r.sent += st.sent;
    calls += st.calls;
    busy_calls += st.busy_calls;
    busy_msgs += st.busy_msgs;
  }
  r.rate_target = rate_total;
  r.rate_achieved = static_cast<double>(r.sent) / seconds_between(start, producers_done);
  r.busy_call_fraction = calls ? static_cast<double>(busy_calls) / static_cast<double>(calls) : 0.0;
  r.busy_msg_fraction = r.sent ? static_cast<double>(busy_msgs) / static_cast<double>(r.sent) : 0.0;
  r.received = received;
  r.order_errors = errors;
  r.max_rss_mib = max_rss_mib();
  r.allocs_per_msg =
      r.sent ? static_cast<double>(allocs1 - allocs0) / static_cast<double>(r.sent) : 0.0;
  return r;
}

json steady_json(const std::string& key, const std::string& label, bool zeroize,
                 const steady_result& r) {
  json row;
  row["queue"] = key;
  row["label"] = label;
  row["zeroize"] = zeroize;
  row["rate_target"] = r.rate_target;
  row["rate_achieved"] = r.rate_achieved;
  row["wall_s"] = r.wall_s;
  row["cpu_s"] = r.cpu_s;
  row["cpu_fraction_of_one_core"] = r.cpu_fraction;
  row["busy_call_fraction"] = r.busy_call_fraction;
  row["busy_msg_fraction"] = r.busy_msg_fraction;
  row["sent"] = r.sent;
  row["received"] = r.received;
  row["order_errors"] = r.order_errors;
  row["max_rss_mib"] = r.max_rss_mib;
  row["allocs_per_msg"] = r.allocs_per_msg;
  row["foreign_load_cores"] = r.foreign_cores;
  return row;
}

void print_steady(const std::string& label, bool zeroize, const steady_result& r) {
  std::printf(
      "  %-38s zeroize %-3s target %7.0f/s achieved %9.0f/s  busy: first try %6.3f%% all calls "
      "%6.3f%%  "
      "cpu %5.1f%% of a core  max rss %6.1f MiB  allocs/msg %.3f  others %.2f cores%s\n",
      label.c_str(), zeroize ? "on" : "off", r.rate_target, r.rate_achieved,
      100 * r.busy_msg_fraction, 100 * r.busy_call_fraction, 100 * r.cpu_fraction, r.max_rss_mib,
      r.allocs_per_msg, r.foreign_cores,
      r.received == r.sent && r.order_errors == 0 ? "" : "  LOST/REORDERED");
  std::fflush(stdout);
}

json steady_section(const options& o) {
  json out;
  using M = msg64;
  const std::size_t cap = 512;
  std::printf(
      "\n[steady] 2 producers paced with sleep_until (bursts of 50 per producer per tick), "
      "64-byte payload, capacity %zu, %.1f s per run, blocking consumer\n",
      cap, o.steady_seconds);
  json rows = json::array();
  auto one = [&](const std::string& key, const std::string& label, bool z, steady_result r) {
    print_steady(label, z, r);
    rows.push_back(steady_json(key, label, z, r));
  };
  one("weft", "weft::mailbox (recv_batch)", false,
      run_steady<steady_weft<M>, M>(1e6, o.steady_seconds, cap, false));
  one("mc_blocking", "moodycamel Blocking (wait_dequeue_bulk)", false,
      run_steady<steady_moodycamel<M>, M>(1e6, o.steady_seconds, cap, false));
  one("tbb", "tbb::concurrent_bounded_queue (pop)", false,
      run_steady<steady_tbb<M>, M>(1e6, o.steady_seconds, cap, false));
  one("mutex_deque", "std::mutex + deque + condvar", false,
      run_steady<steady_mutex_deque<M>, M>(1e6, o.steady_seconds, cap, false));
  out["at_1M"] = rows;

  std::printf(
      "\n[steady] weft zeroize off against on at 10k msg/s, %d alternating pairs of %.1f s\n",
      o.zeroize_pairs, o.zeroize_seconds);
  json zrows = json::array();
  std::vector<double> off_cpu, on_cpu;
  for (int r = 0; r < o.zeroize_pairs; ++r) {
    for (const bool z : {false, true}) {
      const bool zz = (r % 2 == 0) ? z : !z;  // alternate which goes first
      const steady_result s = run_steady<steady_weft<M>, M>(1e4, o.zeroize_seconds, cap, zz);
      print_steady("weft::mailbox (recv_batch)", zz, s);
      zrows.push_back(steady_json("weft", "weft::mailbox (recv_batch)", zz, s));
      (zz ? on_cpu : off_cpu).push_back(s.cpu_fraction);
    }
  }
  const double off = median(off_cpu), on = median(on_cpu);
  // Each pair ran back to back: its ratio is free of the drift between pairs.
  std::vector<double> pair_ratios;
  for (std::size_t i = 0; i < off_cpu.size() && i < on_cpu.size(); ++i) {
    if (off_cpu[i] > 0) pair_ratios.push_back(on_cpu[i] / off_cpu[i]);
  }
  const double paired = median(pair_ratios);
  std::vector<double> scratch = pair_ratios;
  const double q1 = quantile(scratch, 0.25), q3 = quantile(scratch, 0.75);
  std::printf(
      "  median cpu: zeroize off %.3f%%, on %.3f%% of a core: on/off = %.3f; the pairs' on/off: "
      "median %.3f, quartiles %.3f-%.3f\n",
      100 * off, 100 * on, off > 0 ? on / off : 0.0, paired, q1, q3);
  out["zeroize_10k"] = zrows;
  out["zeroize_10k_cpu_off"] = off;
  out["zeroize_10k_cpu_on"] = on;
  out["zeroize_10k_cpu_ratio"] = off > 0 ? on / off : 0.0;
  out["zeroize_10k_cpu_pair_ratios"] = pair_ratios;
  out["zeroize_10k_cpu_paired_ratio"] = paired;
  return out;
}

// ===== section: zeroize (one thread, no contention) =============================================
//
// The cost of zeroisation itself, without threads: one thread sends 64 messages and receives
// them with one try_recv_batch, over and over, zeroize off and on alternately. Capacity 512, and
// 500 for the ring index of a capacity that is not a power of two (a remainder, not a mask).

template <class M>
double one_thread_ns_per_msg(std::size_t capacity, bool zeroize) {
  weft::mailbox<M> q(capacity, zeroize);
  std::array<M, batch> buf{};
  constexpr int rounds = 40000;
  std::uint64_t sink = 0;
  const auto t0 = steady::now();
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t i = 0; i < batch; ++i) {
      if (q.try_send(make_msg<M>(0, i)).status != weft::send_status::ok) std::abort();
    }
    const weft::batch_result b = q.try_recv_batch(buf.begin(), batch);
    sink += b.count + buf[b.count - 1].tag;
  }
  const double ns =
      seconds_between(t0, steady::now()) * 1e9 / (rounds * static_cast<double>(batch));
  benchmark::DoNotOptimize(sink);
  return ns;
}

json zeroize_section(const options& o) {
  json rows = json::array();
  std::printf(
      "\n[zeroize] one thread: 64 try_send then one try_recv_batch of 64, ns per message, median "
      "of %d\n",
      std::max(7, o.reps));
  std::vector<std::pair<std::size_t, std::size_t>> cells;  // (capacity, payload)
  for (const std::size_t cap : {std::size_t{512}, std::size_t{500}}) {
    for (const std::size_t payload : {std::size_t{8}, std::size_t{64}}) cells.emplace_back(cap, payload);
  }
  for (const auto& [cap, payload] : cells) {
    std::vector<double> off, on;
    wait_quiet();
    for (int r = 0; r < std::max(7, o.reps); ++r) {
      for (const bool z : {r % 2 == 0, r % 2 != 0}) {
        const double ns = payload == 8 ? one_thread_ns_per_msg<msg8>(cap, z)
                                       : one_thread_ns_per_msg<msg64>(cap, z);
        (z ? on : off).push_back(ns);
      }
    }
    const double a = median(off), b = median(on);
    std::printf(
        "  capacity %4zu, %2zu-byte payload: zeroize off %.2f ns, on %.2f ns per message: +%.2f "
        "ns (%+.1f%%)\n",
        cap, payload, a, b, b - a, 100 * (b / a - 1));
    json row;
    row["capacity"] = cap;
    row["payload"] = payload;
    row["off_ns_per_msg"] = a;
    row["on_ns_per_msg"] = b;
    row["runs_off"] = off;
    row["runs_on"] = on;
    rows.push_back(row);
  }
  return rows;
}

// ===== summary ==================================================================================

json summarize(const json& tp, const json& lat, const json& stall, const json& st) {
  json s;
  json targets = json::array();
  auto target = [&](const std::string& name, bool met, const std::string& figure) {
    json t;
    t["target"] = name;
    t["met"] = met;
    t["figure"] = figure;
    targets.push_back(t);
    std::printf("  %-8s %-70s %s\n", met ? "MET" : "NOT MET", name.c_str(), figure.c_str());
  };
  auto find = [](const json& rows, auto pred) {
    std::vector<json> out;
    for (const auto& r : rows) {
      if (pred(r)) out.push_back(r);
    }
    return out;
  };
  std::printf("\n[summary]\n");
  char buf[512];
  if (!tp.empty()) {
    // Rows measured with --send-batch K say so in the targets' names: the issue's targets are
    // for single sends.
    const std::size_t send_batch = tp.front().value("send_batch", std::size_t{1});
    const std::string batched =
        send_batch > 1 ? " [sends in batches of " + std::to_string(send_batch) + "]" : "";
    // MPSC: weft >= 50M msg/s and >= 3x the best bounded peer, per configuration.
    double worst_abs = 1e300, worst_ratio = 1e300;
    std::string worst_abs_cfg, worst_ratio_cfg;
    bool any_mpsc = false;
    for (const auto& w : find(tp, [](const json& r) {
           return r["queue"] == "weft" && r["producers"] == 2 && r["section"] == "throughput";
         })) {
      any_mpsc = true;
      const double wv = w["median_msgs_per_s"].get<double>();
      double best = 0;
      std::string best_key;
      for (const auto& p : find(tp, [&](const json& r) {
             return r["section"] == "throughput" && r["producers"] == 2 &&
                    r["payload"] == w["payload"] && r["capacity"] == w["capacity"] &&
                    !r["weft"].get<bool>() && r["bounded"].get<bool>() &&
                    !r.value("reference", false);
           })) {
        if (p["median_msgs_per_s"].get<double>() > best) {
          best = p["median_msgs_per_s"].get<double>();
          best_key = p["queue"].get<std::string>();
        }
      }
      std::snprintf(buf, sizeof buf, "%zuB/cap %zu", w["payload"].get<std::size_t>(),
                    w["capacity"].get<std::size_t>());
      if (wv < worst_abs) {
        worst_abs = wv;
        worst_abs_cfg = buf;
      }
      if (best_key.empty()) continue;  // no bounded peer in this configuration: nothing to judge
      const double ratio = wv / best;
      if (ratio < worst_ratio) {
        worst_ratio = ratio;
        worst_ratio_cfg = std::string(buf) + " vs " + best_key;
      }
    }
    if (any_mpsc) {
      std::snprintf(buf, sizeof buf, "lowest %.1f M msg/s (%s)", worst_abs / 1e6,
                    worst_abs_cfg.c_str());
      target("MPSC 2 producers: weft >= 50M msg/s" + batched, worst_abs >= 50e6, buf);
      // Like every target here, judged only when the run has its figures: a run without a
      // bounded peer (--queues weft,...) can neither meet it nor miss it.
      if (!worst_ratio_cfg.empty()) {
        std::snprintf(buf, sizeof buf, "lowest %.2fx (%s)", worst_ratio, worst_ratio_cfg.c_str());
        target("MPSC 2 producers: weft >= 3x the best bounded peer" + batched,
               worst_ratio >= 3.0, buf);
      }
    }
    double worst_spsc = 1e300;
    std::string worst_spsc_cfg;
    for (const auto& p : find(tp, [](const json& r) {
           return r["queue"] == "boost_spsc" && r["section"] == "throughput";
         })) {
      if (p["weft_ratio"].get<double>() < worst_spsc) {
        worst_spsc = p["weft_ratio"].get<double>();
        std::snprintf(buf, sizeof buf, "%zuB/cap %zu", p["payload"].get<std::size_t>(),
                      p["capacity"].get<std::size_t>());
        worst_spsc_cfg = buf;
      }
    }
    if (worst_spsc < 1e300) {
      std::snprintf(buf, sizeof buf, "lowest weft/boost_spsc %.2fx (%s)", worst_spsc,
                    worst_spsc_cfg.c_str());
      target("SPSC: weft (batch receive) >= boost::lockfree::spsc_queue" + batched,
             worst_spsc >= 1.0, buf);
    }
    std::uint64_t weft_allocs = 0;
    for (const auto& w : find(tp, [](const json& r) { return r["weft"].get<bool>(); })) {
      weft_allocs += w["allocs"].get<std::uint64_t>();
    }
    std::snprintf(buf, sizeof buf, "%llu allocations in all weft runs",
                  static_cast<unsigned long long>(weft_allocs));
    target("0 allocations per message (weft)", weft_allocs == 0, buf);
    // Zeroisation: weft_zeroize over weft, geometric mean over the configurations of a section.
    // Raw throughput and consumer-bound (work) runs are judged separately: a consumer slowed by
    // clearing slots polls an empty mailbox less, which can make raw runs faster.
    std::string zfig;
    bool zmet = true;
    for (const char* sec : {"throughput", "work"}) {
      double log_sum = 0, worst = 1e300;
      int n = 0;
      std::string worst_cfg;
      for (const auto& z : find(tp, [&](const json& r) {
             return r["queue"] == "weft_zeroize" && r["section"] == sec;
           })) {
        const double ratio = z["weft_ratio"].get<double>();  // weft / weft_zeroize
        if (ratio <= 0) continue;
        log_sum += std::log(1.0 / ratio);
        ++n;
        if (1.0 / ratio < worst) {
          worst = 1.0 / ratio;
          std::snprintf(buf, sizeof buf, "%s %zuB/%zu",
                        z["producers"].get<int>() == 1 ? "SPSC" : "MPSC",
                        z["payload"].get<std::size_t>(), z["capacity"].get<std::size_t>());
          worst_cfg = buf;
        }
      }
      if (n == 0) continue;
      const double g = std::exp(log_sum / n);
      if (g < 0.95) zmet = false;
      std::snprintf(buf, sizeof buf, "%s%s: on/off %.3f (geometric mean), worst %.2f (%s)",
                    zfig.empty() ? "" : "; ", sec, g, worst, worst_cfg.c_str());
      zfig += buf;
    }
    if (!zfig.empty()) target("zeroisation costs <= 5% of throughput" + batched, zmet, zfig);
  }
  if (!lat.empty()) {
    double worst = 0;
    for (const auto& w : find(lat, [](const json& r) { return r["queue"] == "weft"; })) {
      worst = std::max(worst, w["p95_ns"].get<double>());
    }
    std::snprintf(buf, sizeof buf, "highest weft p95 %.0f ns (timer overhead %.0f ns included)",
                  worst, g_tsc_overhead_ns);
    target("try_send p95 < 250 ns under MPSC load", worst < 250, buf);
  }
  if (!stall.empty()) {
    bool weft_ok = true;
    std::string stalled;
    for (const auto& r : stall) {
      if (r["queue"] == "weft" && !r["progress"].get<bool>()) weft_ok = false;
      if (!r["progress"].get<bool>()) {
        stalled += r["queue"].get<std::string>() + "@" +
                   std::to_string(r["capacity"].get<std::size_t>()) + " ";
      }
    }
    target("no permanent busy while the consumer drains (weft)", weft_ok,
           "stalled: " + (stalled.empty() ? std::string("none") : stalled));
  }
  if (!st.empty()) {
    for (const auto& r : st["at_1M"]) {
      if (r["queue"] != "weft") continue;
      std::snprintf(
          buf, sizeof buf,
          "%.3f%% of messages busy at the first try (%.3f%% of all calls, retries included)",
          100 * r["busy_msg_fraction"].get<double>(), 100 * r["busy_call_fraction"].get<double>());
      target("steady 1M msg/s: busy fraction of sends < 1%",
             r["busy_msg_fraction"].get<double>() < 0.01, buf);
      std::snprintf(buf, sizeof buf, "%.1f%% of one core",
                    100 * r["cpu_fraction_of_one_core"].get<double>());
      target("steady 1M msg/s: process CPU < 80% of one core",
             r["cpu_fraction_of_one_core"].get<double>() < 0.8, buf);
      std::snprintf(buf, sizeof buf, "%.1f MiB", r["max_rss_mib"].get<double>());
      target("steady 1M msg/s: max RSS < 1 GiB", r["max_rss_mib"].get<double>() < 1024, buf);
    }
    const double zr = st["zeroize_10k_cpu_ratio"].get<double>();
    std::snprintf(buf, sizeof buf, "on/off CPU %.3f (%.3f%% vs %.3f%% of a core)", zr,
                  100 * st["zeroize_10k_cpu_on"].get<double>(),
                  100 * st["zeroize_10k_cpu_off"].get<double>());
    target("steady 10k msg/s: zeroize on costs <= 5% more CPU", zr <= 1.05, buf);
  }
  s["targets"] = targets;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  if (!o.summarize_path.empty()) {
    std::ifstream in(o.summarize_path);
    json stored = json::parse(in, nullptr, false);
    if (stored.is_discarded() || !stored.is_object()) {
      std::fprintf(stderr, "%s: not a result of this benchmark\n", o.summarize_path.c_str());
      return 64;
    }
    g_tsc_overhead_ns = stored["meta"].value("timer_overhead_ns", 0.0);
    auto section = [&](const char* k) { return stored.contains(k) ? stored[k] : json::array(); };
    stored["summary"] = summarize(section("throughput"), section("latency"), section("stall"),
                                  stored.contains("steady") ? stored["steady"] : json());
    in.close();
    std::ofstream f(o.summarize_path);
    f << stored.dump(1) << "\n";
    return 0;
  }
  g_quiet_wait_s = o.quiet_wait_s;
  g_max_foreign = o.max_foreign;
  calibrate_tsc();
  calibrate_work(50.0);
  const double work_ns = measure_work_ns();
  const auto queues = all_queues();

  utsname un{};
  uname(&un);
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::printf(
      "weft_mailbox_bench: %u hardware threads, TSC %.3f GHz, timer overhead %.1f ns, consumer "
      "work "
      "%d iterations = %.1f ns, %s\n",
      std::thread::hardware_concurrency(), g_tsc_per_ns, g_tsc_overhead_ns, g_work_iters, work_ns,
      date);

  json out;
  out["meta"] = {{"date", date},
                 {"hardware_threads", std::thread::hardware_concurrency()},
                 {"machine", std::string(un.machine) + " " + un.release},
                 {"compiler", __VERSION__},
                 {"tsc_ghz", g_tsc_per_ns},
                 {"timer_overhead_ns", g_tsc_overhead_ns},
                 {"work_iters", g_work_iters},
                 {"work_ns", work_ns},
                 {"reps", o.reps},
                 {"messages", o.messages},
                 {"min_run_seconds", o.min_run_seconds},
                 {"pin", o.pin ? "split" : "none"},
                 {"send_batch", o.send_batch},
                 {"sections", std::vector<std::string>(o.sections.begin(), o.sections.end())}};
  json steady_rows, tp_rows = json::array(), lat_rows, stall_rows;
  // Steady load first: its max RSS is the process's high-water mark, which must not include the
  // unbounded queue of the throughput runs.
  if (o.sections.count("steady")) {
    steady_rows = steady_section(o);
    out["steady"] = steady_rows;
  }
  if (o.sections.count("zeroize")) out["zeroize"] = zeroize_section(o);
  if (o.sections.count("throughput")) {
    for (auto& r : throughput_section(o, queues, false)) tp_rows.push_back(r);
  }
  if (o.sections.count("work")) {
    for (auto& r : throughput_section(o, queues, true)) tp_rows.push_back(r);
  }
  out["throughput"] = tp_rows;
  if (o.sections.count("latency")) {
    lat_rows = latency_section(o, queues);
    out["latency"] = lat_rows;
  }
  if (o.sections.count("stall")) {
    stall_rows = stall_section(o, queues);
    out["stall"] = stall_rows;
  }
  out["summary"] = summarize(tp_rows, lat_rows.is_null() ? json::array() : lat_rows,
                             stall_rows.is_null() ? json::array() : stall_rows,
                             steady_rows.is_null() ? json() : steady_rows);
  out["meta"]["waited_for_quiet_s"] = g_waited_s;
  benchmark::DoNotOptimize(g_sink);
  if (!o.json_path.empty()) {
    std::ofstream f(o.json_path);
    f << out.dump(1) << "\n";
    std::printf("\nwrote %s\n", o.json_path.c_str());
  }
  return 0;
}
