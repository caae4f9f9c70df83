// The queues the benchmark measures, behind two interfaces: the non-blocking one of the
// throughput, latency and stall runs (weft::mailbox, moodycamel, atomic_queue, boost::lockfree,
// TBB, a mutex + std::deque, and a plain Vyukov ring as a reference), and the blocking one of the
// steady-load runs. Allocations of the peers that do not use operator new are counted through
// their allocator hooks.
#pragma once

#include "alloc_count.hpp"
#include "mailbox/common.hpp"

#include <weft/core/mailbox.hpp>

#include <atomic_queue/atomic_queue.h>
#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>
#include <oneapi/tbb/cache_aligned_allocator.h>
#include <oneapi/tbb/concurrent_queue.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

namespace mailbox_bench {

// ===== counting allocators for the peers that do not use operator new ==========================

struct mc_traits : moodycamel::ConcurrentQueueDefaultTraits {
  static void* malloc(std::size_t n) { return weft::bench::counted_malloc(n); }
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
// Q::consumer(Q&).drain(f) receives up to `batch` messages, calls f on each, returns how many.

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

// ===== the blocking queues of the steady-load runs ===============================================
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

}  // namespace mailbox_bench
