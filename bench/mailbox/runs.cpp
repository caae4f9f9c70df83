#include "mailbox/runs.hpp"

#include "mailbox/peers.hpp"
#include "mailbox/stats.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

namespace mailbox_bench {
namespace {

// ===== calibration ==============================================================================

void calibrate_tsc(calibration& cal) {
  const auto w0 = steady::now();
  const std::uint64_t c0 = tsc_begin();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::uint64_t c1 = tsc_end();
  const auto w1 = steady::now();
  cal.tsc_per_ns = static_cast<double>(c1 - c0) / (seconds_between(w0, w1) * 1e9);
  std::vector<std::uint64_t> d(100000);
  for (auto& x : d) {
    const std::uint64_t a = tsc_begin();
    const std::uint64_t b = tsc_end();
    x = b - a;
  }
  std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
  cal.timer_overhead_ns = static_cast<double>(d[d.size() / 2]) / cal.tsc_per_ns;
}

int calibrate_work(double target_ns) {
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
  return iters;
}

double measure_work_ns(int iters) {
  msg64 m = make_msg<msg64>(0, 1);
  constexpr int calls = 200000;
  const auto t0 = steady::now();
  std::uint64_t s = 0;
  for (int i = 0; i < calls; ++i) {
    m.tag += 1;
    s += consume_work(m, iters);
  }
  benchmark::DoNotOptimize(s);
  return seconds_between(t0, steady::now()) * 1e9 / calls;
}

// ===== the queues of a section ==================================================================

bool selected(const options& o, const queue_entry& e) {
  if (o.queue_filter.empty() || e.key == "weft") return true;
  return std::find(o.queue_filter.begin(), o.queue_filter.end(), e.key) != o.queue_filter.end();
}

// The configuration of a throughput, latency or stall run from the options.
run_config base_config(const context& ctx, int producers, std::size_t payload, std::size_t cap) {
  run_config cfg;
  cfg.producers = producers;
  cfg.capacity = cap;
  cfg.payload = payload;
  cfg.work_iters = ctx.cal.work_iters;
  cfg.messages = ctx.opts.messages;
  cfg.stall_timeout_s = ctx.opts.stall_timeout_s;
  cfg.pin = ctx.opts.pin;
  return cfg;
}

// ===== throughput and work ======================================================================

// Messages per run for each queue of one configuration. A run of 2 M messages lasts 15-30 ms
// for the fast queues: shorter than the scheduler takes to spread three threads over two vCPUs
// (a thread that ran recently is not migrated to an idle CPU), so one vCPU sat idle for a third
// of such a run (process CPU 1.3 cores, against 1.9-2.0 in runs of 20 M). Each queue first
// sends o.messages once (not counted), and its runs are then sized from that rate to last about
// o.min_run_seconds; never fewer than o.messages, never more than max_run_messages.
std::vector<std::uint64_t> run_lengths(context& ctx, const std::vector<const queue_entry*>& qs,
                                       run_config cfg, std::size_t payload, std::size_t cap) {
  const options& o = ctx.opts;
  std::vector<std::uint64_t> n(qs.size(), o.messages);
  if (o.min_run_seconds <= 0) return n;
  cfg.messages = o.messages;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    ctx.quiet.wait();
    const run_result r = qs[i]->fns.at({payload, cap})(cfg);
    if (r.stalled || r.msgs_per_s <= 0) continue;
    const double want = std::ceil(r.msgs_per_s * o.min_run_seconds / 1e5) * 1e5;
    n[i] = std::clamp(static_cast<std::uint64_t>(want), o.messages, max_run_messages);
  }
  return n;
}

throughput_cell run_throughput_cell(context& ctx, const std::vector<queue_entry>& queues,
                                    bool work, int np, std::size_t payload, std::size_t cap) {
  const options& o = ctx.opts;
  throughput_cell c;
  c.section = work ? "work" : "throughput";
  c.producers = np;
  c.payload = payload;
  c.capacity = cap;
  std::vector<const queue_entry*> qs;
  for (const auto& e : queues) {
    if (!selected(o, e)) continue;
    if (e.spsc_only && np != 1) continue;
    if (e.payload8_only && payload != 8) continue;
    qs.push_back(&e);
  }
  run_config cfg = base_config(ctx, np, payload, cap);
  cfg.work = work;
  cfg.send_batch = o.send_batch;
  const std::vector<std::uint64_t> lengths = run_lengths(ctx, qs, cfg, payload, cap);
  c.queues.resize(qs.size());
  for (std::size_t i = 0; i < qs.size(); ++i) {
    c.queues[i].queue = qs[i];
    c.queues[i].messages_per_run = lengths[i];
  }
  for (int r = 0; r < o.reps; ++r) {
    for (int attempt = 0;; ++attempt) {
      ctx.quiet.wait();
      const cpu_snapshot a = snapshot();
      std::vector<run_result> round(qs.size());
      for (std::size_t j = 0; j < qs.size(); ++j) {
        const std::size_t i = (j + static_cast<std::size_t>(r)) % qs.size();  // rotate the order
        cfg.messages = lengths[i];
        round[i] = qs[i]->fns.at({payload, cap})(cfg);
      }
      const double f = foreign_cores(a, snapshot());
      if (f > ctx.quiet.max_foreign && attempt < 2) {
        ++c.retried;
        continue;
      }
      c.foreign.push_back(f);
      for (std::size_t i = 0; i < qs.size(); ++i) c.queues[i].runs.push_back(std::move(round[i]));
      break;
    }
  }
  return c;
}

// ===== latency ==================================================================================

latency_cell run_latency_cell(context& ctx, const std::vector<queue_entry>& queues,
                              std::size_t payload) {
  const options& o = ctx.opts;
  latency_cell c;
  c.payload = payload;
  c.capacity = 512;
  std::vector<const queue_entry*> qs;
  for (const auto& e : queues) {
    if (!selected(o, e) || e.spsc_only || (e.payload8_only && payload != 8)) continue;
    if (e.key == "weft_zeroize" || e.key == "weft_single") continue;
    qs.push_back(&e);
  }
  run_config cfg = base_config(ctx, 2, payload, c.capacity);
  cfg.sample_every = 64;
  c.queues.resize(qs.size());
  for (std::size_t i = 0; i < qs.size(); ++i) c.queues[i].queue = qs[i];
  const double tsc_per_ns = ctx.cal.tsc_per_ns;
  for (int r = 0; r < o.reps; ++r) {
    std::vector<run_result> round(qs.size());
    for (int attempt = 0;; ++attempt) {
      ctx.quiet.wait();
      const cpu_snapshot a = snapshot();
      for (std::size_t j = 0; j < qs.size(); ++j) {
        const std::size_t i = (j + static_cast<std::size_t>(r)) % qs.size();
        round[i] = qs[i]->fns.at({payload, c.capacity})(cfg);
      }
      const double f = foreign_cores(a, snapshot());
      if (f > ctx.quiet.max_foreign && attempt < 2) {
        ++c.retried;
        continue;
      }
      c.max_foreign = std::max(c.max_foreign, f);
      break;
    }
    for (std::size_t i = 0; i < qs.size(); ++i) {
      run_result& rr = round[i];
      latency_runs& acc = c.queues[i];
      if (rr.stalled) {
        ++acc.stalled;
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
      acc.timer_p95.push_back(percentile_ns(empty, 0.95, tsc_per_ns));
      acc.samples += all.size();
      acc.p50.push_back(percentile_ns(all, 0.50, tsc_per_ns));
      acc.p95.push_back(percentile_ns(all, 0.95, tsc_per_ns));
      acc.p99.push_back(percentile_ns(all, 0.99, tsc_per_ns));
      acc.ok_p50.push_back(percentile_ns(ok, 0.50, tsc_per_ns));
      acc.ok_p95.push_back(percentile_ns(ok, 0.95, tsc_per_ns));
      acc.ok_p99.push_back(percentile_ns(ok, 0.99, tsc_per_ns));
      acc.busy_frac.push_back(
          all.empty() ? 0.0 : static_cast<double>(busy) / static_cast<double>(all.size()));
    }
  }
  return c;
}

// ===== steady load ==============================================================================

// One steady-load run on a quiet machine: run again (twice at most) if other processes took
// more than --max-foreign cores during it.
template <class SQ, class M>
steady_result run_steady(quiet_waits& quiet, double rate_total, double seconds, std::size_t cap,
                         bool zeroize, int producers = 2, double burst = 50) {
  steady_result r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    quiet.wait();
    const cpu_snapshot a = snapshot();
    r = run_steady_once<SQ, M>(rate_total, seconds, cap, zeroize, producers, burst);
    r.foreign_cores = foreign_cores(a, snapshot());
    if (r.foreign_cores <= quiet.max_foreign) break;
  }
  return r;
}

// ===== zeroize (one thread, no contention) ======================================================
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

}  // namespace

calibration calibrate() {
  calibration cal;
  calibrate_tsc(cal);
  cal.work_iters = calibrate_work(50.0);
  cal.work_ns = measure_work_ns(cal.work_iters);
  return cal;
}

json throughput_section(context& ctx, const std::vector<queue_entry>& queues, bool work) {
  json rows = json::array();
  for (const int np : ctx.opts.producer_counts) {
    for (const std::size_t payload : ctx.opts.payloads) {
      for (const std::size_t cap : ctx.opts.caps) {
        const throughput_cell c = run_throughput_cell(ctx, queues, work, np, payload, cap);
        for (auto& r : report_throughput(ctx.opts, c)) rows.push_back(r);
      }
    }
  }
  return rows;
}

json latency_section(context& ctx, const std::vector<queue_entry>& queues) {
  json rows = json::array();
  for (const std::size_t payload : ctx.opts.payloads) {
    const latency_cell c = run_latency_cell(ctx, queues, payload);
    for (auto& r : report_latency(ctx.opts, ctx.cal, c)) rows.push_back(r);
  }
  return rows;
}

json stall_section(context& ctx, const std::vector<queue_entry>& queues) {
  const options& o = ctx.opts;
  json rows = json::array();
  print_stall_header(o);
  for (const std::size_t cap : {std::size_t{64}, std::size_t{512}}) {
    for (const auto& e : queues) {
      if (!selected(o, e) || e.spsc_only || !e.bounded) continue;
      if (e.key == "weft_zeroize" || e.key == "weft_single") continue;
      run_config cfg = base_config(ctx, 2, 8, cap);
      cfg.messages = o.stall_messages;
      ctx.quiet.wait();
      const run_result rr = e.fns.at({8, cap})(cfg);
      rows.push_back(report_stall(e, cap, rr));
    }
  }
  return rows;
}

json steady_section(context& ctx) {
  const options& o = ctx.opts;
  json out;
  using M = msg64;
  const std::size_t cap = 512;
  print_steady_header(o, cap);
  json rows = json::array();
  rows.push_back(report_steady("weft", "weft::mailbox (recv_batch)", false,
                               run_steady<steady_weft<M>, M>(ctx.quiet, 1e6, o.steady_seconds,
                                                             cap, false)));
  rows.push_back(report_steady("mc_blocking", "moodycamel Blocking (wait_dequeue_bulk)", false,
                               run_steady<steady_moodycamel<M>, M>(ctx.quiet, 1e6,
                                                                   o.steady_seconds, cap, false)));
  rows.push_back(report_steady("tbb", "tbb::concurrent_bounded_queue (pop)", false,
                               run_steady<steady_tbb<M>, M>(ctx.quiet, 1e6, o.steady_seconds, cap,
                                                            false)));
  rows.push_back(report_steady("mutex_deque", "std::mutex + deque + condvar", false,
                               run_steady<steady_mutex_deque<M>, M>(ctx.quiet, 1e6,
                                                                    o.steady_seconds, cap, false)));
  out["at_1M"] = rows;

  print_zeroize_pairs_header(o);
  json zrows = json::array();
  std::vector<double> off_cpu, on_cpu;
  for (int r = 0; r < o.zeroize_pairs; ++r) {
    for (const bool z : {false, true}) {
      const bool zz = (r % 2 == 0) ? z : !z;  // alternate which goes first
      const steady_result s =
          run_steady<steady_weft<M>, M>(ctx.quiet, 1e4, o.zeroize_seconds, cap, zz);
      zrows.push_back(report_steady("weft", "weft::mailbox (recv_batch)", zz, s));
      (zz ? on_cpu : off_cpu).push_back(s.cpu_fraction);
    }
  }
  out["zeroize_10k"] = zrows;
  report_zeroize_pairs(off_cpu, on_cpu, out);
  return out;
}

json zeroize_section(context& ctx) {
  const int runs = std::max(7, ctx.opts.reps);
  json rows = json::array();
  print_zeroize_header(runs);
  std::vector<std::pair<std::size_t, std::size_t>> cells;  // (capacity, payload)
  for (const std::size_t cap : {std::size_t{512}, std::size_t{500}}) {
    for (const std::size_t payload : {std::size_t{8}, std::size_t{64}})
      cells.emplace_back(cap, payload);
  }
  for (const auto& [cap, payload] : cells) {
    std::vector<double> off, on;
    ctx.quiet.wait();
    for (int r = 0; r < runs; ++r) {
      for (const bool z : {r % 2 == 0, r % 2 != 0}) {
        const double ns = payload == 8 ? one_thread_ns_per_msg<msg8>(cap, z)
                                       : one_thread_ns_per_msg<msg64>(cap, z);
        (z ? on : off).push_back(ns);
      }
    }
    rows.push_back(report_zeroize(cap, payload, off, on));
  }
  return rows;
}

}  // namespace mailbox_bench
