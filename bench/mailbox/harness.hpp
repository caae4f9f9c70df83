// One run of one queue: the throughput/latency/stall run (producers send a fixed number of
// messages as fast as the queue takes them, a consumer receives them, a watchdog sees stalls),
// and the steady-load run (producers paced at a fixed rate, a consumer that blocks).
#pragma once

#include "alloc_count.hpp"
#include "mailbox/common.hpp"
#include "mailbox/load.hpp"

#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace mailbox_bench {

// ===== one run ==================================================================================

struct run_config {
  int producers = 2;
  std::size_t capacity = 512;
  std::size_t payload = 8;
  bool work = false;
  int work_iters = 16;  // iterations of consume_work per message in work runs (calibrated)
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
inline void pin_to(int cpu) {
  const int n = static_cast<int>(std::thread::hardware_concurrency());
  if (n < 2) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<unsigned>(cpu % n), &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}
inline int producer_cpu(int p) {
  const int n = static_cast<int>(std::thread::hardware_concurrency());
  return n < 2 ? 0 : p % (n - 1);
}
inline int consumer_cpu() { return static_cast<int>(std::thread::hardware_concurrency()) - 1; }

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
    const int iters = cfg.work_iters;
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
    benchmark::DoNotOptimize(sink);
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

// ===== one steady-load run ======================================================================

struct steady_result {
  double foreign_cores = 0;  // other processes' load during the run
  double rate_target = 0;
  double rate_achieved = 0;
  double wall_s = 0;
  double cpu_s = 0;
  double cpu_fraction = 0;
  double busy_call_fraction = 0;  // try_push calls that returned busy / all calls (retries too)
  double busy_msg_fraction = 0;   // messages whose first try_push returned busy / all messages
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t order_errors = 0;
  double max_rss_mib = 0;
  double allocs_per_msg = 0;
};

inline double max_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
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

}  // namespace mailbox_bench
