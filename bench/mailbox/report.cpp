#include "mailbox/report.hpp"

#include "mailbox/stats.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <thread>

namespace mailbox_bench {

std::string fmt_rate(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f M", v / 1e6);
  return b;
}

void print_banner(const calibration& cal, const char* date) {
  std::printf(
      "weft_mailbox_bench: %u hardware threads, TSC %.3f GHz, timer overhead %.1f ns, consumer "
      "work "
      "%d iterations = %.1f ns, %s\n",
      std::thread::hardware_concurrency(), cal.tsc_per_ns, cal.timer_overhead_ns, cal.work_iters,
      cal.work_ns, date);
}

json meta_json(const options& o, const calibration& cal, const char* date) {
  utsname un{};
  uname(&un);
  return {{"date", date},
          {"hardware_threads", std::thread::hardware_concurrency()},
          {"machine", std::string(un.machine) + " " + un.release},
          {"compiler", __VERSION__},
          {"tsc_ghz", cal.tsc_per_ns},
          {"timer_overhead_ns", cal.timer_overhead_ns},
          {"work_iters", cal.work_iters},
          {"work_ns", cal.work_ns},
          {"reps", o.reps},
          {"messages", o.messages},
          {"min_run_seconds", o.min_run_seconds},
          {"pin", o.pin ? "split" : "none"},
          {"send_batch", o.send_batch},
          {"sections", std::vector<std::string>(o.sections.begin(), o.sections.end())}};
}

// ===== throughput and work ======================================================================

json report_throughput(const options& o, const throughput_cell& c) {
  json rows = json::array();
  const int np = c.producers;
  std::printf("\n[%s] %s, %zu-byte payload, capacity %zu, median of %d%s", c.section,
              np == 1 ? "SPSC" : "MPSC 2 producers", c.payload, c.capacity, o.reps,
              o.pin ? ", pinned" : "");
  if (o.send_batch > 1) std::printf(", sends in batches of %zu", o.send_batch);
  std::printf("\n");
  std::printf("  %-44s %12s %10s %10s %10s %8s %5s %s\n", "queue", "msg/s", "min", "max",
              "allocs/msg", "busy/msg", "cpu", "messages/run");
  double weft_med = 0;
  std::vector<json> cfg_rows;
  for (const auto& qr : c.queues) {
    const queue_entry& q = *qr.queue;
    std::vector<double> rates;
    std::vector<double> cpu;
    std::uint64_t allocs = 0, msgs = 0, busy = 0, errors = 0;
    int stalled = 0;
    std::string stall_detail;
    for (const auto& rr : qr.runs) {
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
    if (q.key == "weft") weft_med = med;
    const double apm = msgs ? static_cast<double>(allocs) / static_cast<double>(msgs) : 0.0;
    const double bpm = msgs ? static_cast<double>(busy) / static_cast<double>(msgs) : 0.0;
    json row;
    row["section"] = c.section;
    row["producers"] = np;
    row["payload"] = c.payload;
    row["capacity"] = c.capacity;
    row["queue"] = q.key;
    row["label"] = q.label;
    row["weft"] = q.weft;
    row["bounded"] = q.bounded;
    row["reference"] = q.reference;
    row["median_msgs_per_s"] = med;
    row["runs_msgs_per_s"] = rates;
    row["allocs"] = allocs;
    row["allocs_per_msg"] = apm;
    row["busy_per_msg"] = bpm;
    row["cpu_cores"] = median(cpu);
    row["messages_per_run"] = qr.messages_per_run;
    row["send_batch"] = o.send_batch;
    row["order_errors"] = errors;
    row["stalled_runs"] = stalled;
    if (stalled) row["stall_detail"] = stall_detail;
    cfg_rows.push_back(row);
    const auto mm = std::minmax_element(rates.begin(), rates.end());
    std::printf("  %-44s %12s %10s %10s %10.2e %8.3f %5.2f %llu%s%s\n", q.label.c_str(),
                fmt_rate(med).c_str(), rates.empty() ? "-" : fmt_rate(*mm.first).c_str(),
                rates.empty() ? "-" : fmt_rate(*mm.second).c_str(), apm, bpm, median(cpu),
                static_cast<unsigned long long>(qr.messages_per_run),
                stalled ? "  STALLED runs" : "", errors ? "  ORDER ERRORS" : "");
  }
  std::printf("  weft / peer:");
  const double max_foreign =
      c.foreign.empty() ? 0.0 : *std::max_element(c.foreign.begin(), c.foreign.end());
  for (auto& row : cfg_rows) {
    row["foreign_load_max_cores"] = max_foreign;
    row["rounds_retried"] = c.retried;
    const double med = row["median_msgs_per_s"].get<double>();
    const double ratio = med > 0 ? weft_med / med : 0.0;
    row["weft_ratio"] = ratio;
    if (!row["weft"].get<bool>())
      std::printf("  %s %.2fx", row["queue"].get<std::string>().c_str(), ratio);
    rows.push_back(row);
  }
  std::printf("\n  other processes: at most %.2f cores during a kept round, %d rounds run again\n",
              max_foreign, c.retried);
  std::fflush(stdout);
  return rows;
}

// ===== latency ==================================================================================

json report_latency(const options& o, const calibration& cal, const latency_cell& c) {
  json rows = json::array();
  std::printf(
      "\n[latency] try_send, MPSC 2 producers, %zu-byte payload, capacity %zu, every 64th call "
      "timed (TSC; timer overhead %.1f ns included), median over %d runs%s\n",
      c.payload, c.capacity, cal.timer_overhead_ns, o.reps, o.pin ? ", pinned" : "");
  std::printf("  %-44s %8s %8s %8s | %8s %8s %8s | %6s | %s\n", "queue", "p50 ns", "p95 ns",
              "p99 ns", "ok p50", "ok p95", "ok p99", "busy", "timer p95");
  double weft_p95 = 0;
  std::vector<json> cfg_rows;
  for (const latency_runs& a : c.queues) {
    const queue_entry& q = *a.queue;
    json row;
    row["producers"] = 2;
    row["payload"] = c.payload;
    row["capacity"] = c.capacity;
    row["queue"] = q.key;
    row["label"] = q.label;
    row["weft"] = q.weft;
    row["bounded"] = q.bounded;
    row["reference"] = q.reference;
    row["p50_ns"] = median(a.p50);
    row["p95_ns"] = median(a.p95);
    row["p99_ns"] = median(a.p99);
    row["ok_p50_ns"] = median(a.ok_p50);
    row["ok_p95_ns"] = median(a.ok_p95);
    row["ok_p99_ns"] = median(a.ok_p99);
    row["busy_fraction_of_calls"] = median(a.busy_frac);
    row["timer_p95_ns"] = median(a.timer_p95);
    row["foreign_load_max_cores"] = c.max_foreign;
    row["rounds_retried"] = c.retried;
    row["runs_p95_ns"] = a.p95;
    row["samples"] = a.samples;
    row["stalled_runs"] = a.stalled;
    if (q.key == "weft") weft_p95 = median(a.p95);
    std::printf("  %-44s %8.0f %8.0f %8.0f | %8.0f %8.0f %8.0f | %5.1f%% | %6.0f%s\n",
                q.label.c_str(), median(a.p50), median(a.p95), median(a.p99), median(a.ok_p50),
                median(a.ok_p95), median(a.ok_p99), 100 * median(a.busy_frac),
                median(a.timer_p95), a.stalled ? "  STALLED runs" : "");
    cfg_rows.push_back(row);
  }
  std::printf("  other processes: at most %.2f cores during a kept round, %d rounds run again\n",
              c.max_foreign, c.retried);
  for (auto& row : cfg_rows) {
    const double p95 = row["p95_ns"].get<double>();
    row["weft_p95_ratio"] = p95 > 0 ? weft_p95 / p95 : 0.0;
    rows.push_back(row);
  }
  std::fflush(stdout);
  return rows;
}

// ===== stall ====================================================================================

void print_stall_header(const options& o) {
  std::printf(
      "\n[stall] 2 producers, 8-byte payload, %llu messages, try-send with backoff, watchdog: "
      "%.1f s without progress of any thread\n",
      static_cast<unsigned long long>(o.stall_messages), o.stall_timeout_s);
}

json report_stall(const queue_entry& e, std::size_t cap, const run_result& rr) {
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
  return row;
}

// ===== steady load ==============================================================================

void print_steady_header(const options& o, std::size_t cap) {
  std::printf(
      "\n[steady] 2 producers paced with sleep_until (bursts of 50 per producer per tick), "
      "64-byte payload, capacity %zu, %.1f s per run, blocking consumer\n",
      cap, o.steady_seconds);
}

json report_steady(const std::string& key, const std::string& label, bool zeroize,
                   const steady_result& r) {
  std::printf(
      "  %-38s zeroize %-3s target %7.0f/s achieved %9.0f/s  busy: first try %6.3f%% all calls "
      "%6.3f%%  "
      "cpu %5.1f%% of a core  max rss %6.1f MiB  allocs/msg %.3f  others %.2f cores%s\n",
      label.c_str(), zeroize ? "on" : "off", r.rate_target, r.rate_achieved,
      100 * r.busy_msg_fraction, 100 * r.busy_call_fraction, 100 * r.cpu_fraction, r.max_rss_mib,
      r.allocs_per_msg, r.foreign_cores,
      r.received == r.sent && r.order_errors == 0 ? "" : "  LOST/REORDERED");
  std::fflush(stdout);
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

void print_zeroize_pairs_header(const options& o) {
  std::printf(
      "\n[steady] weft zeroize off against on at 10k msg/s, %d alternating pairs of %.1f s\n",
      o.zeroize_pairs, o.zeroize_seconds);
}

void report_zeroize_pairs(const std::vector<double>& off_cpu, const std::vector<double>& on_cpu,
                          json& out) {
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
  out["zeroize_10k_cpu_off"] = off;
  out["zeroize_10k_cpu_on"] = on;
  out["zeroize_10k_cpu_ratio"] = off > 0 ? on / off : 0.0;
  out["zeroize_10k_cpu_pair_ratios"] = pair_ratios;
  out["zeroize_10k_cpu_paired_ratio"] = paired;
}

// ===== zeroize (one thread) =====================================================================

void print_zeroize_header(int runs) {
  std::printf(
      "\n[zeroize] one thread: 64 try_send then one try_recv_batch of 64, ns per message, median "
      "of %d\n",
      runs);
}

json report_zeroize(std::size_t cap, std::size_t payload, const std::vector<double>& off,
                    const std::vector<double>& on) {
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
  return row;
}

}  // namespace mailbox_bench
