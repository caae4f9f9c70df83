// What the benchmark prints and writes: one table per configuration on stdout, printed as soon
// as its runs are done, and the same figures as JSON rows.
#pragma once

#include "mailbox/context.hpp"
#include "mailbox/harness.hpp"
#include "mailbox/queues.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mailbox_bench {

using json = nlohmann::ordered_json;

// "12.34 M": a rate in millions.
std::string fmt_rate(double v);

// The first line of a run: the machine and the calibration.
void print_banner(const calibration& cal, const char* date);

// The "meta" object of the JSON (waited_for_quiet_s is added at the end of the run).
json meta_json(const options& o, const calibration& cal, const char* date);

// ===== throughput and work ======================================================================

// The kept runs of one configuration of the throughput or work section.
struct throughput_cell {
  struct queue_runs {
    const queue_entry* queue = nullptr;
    std::uint64_t messages_per_run = 0;
    std::vector<run_result> runs;  // one per repetition
  };
  const char* section = "throughput";  // or "work"
  int producers = 1;
  std::size_t payload = 8;
  std::size_t capacity = 512;
  std::vector<queue_runs> queues;
  std::vector<double> foreign;  // other processes' load during each kept round, in cores
  int retried = 0;              // rounds run again for that load
};

// Prints the configuration's table and weft's ratios; returns its JSON rows.
json report_throughput(const options& o, const throughput_cell& c);

// ===== latency ==================================================================================

// try_send latencies of one queue, one figure per kept run.
struct latency_runs {
  const queue_entry* queue = nullptr;
  std::vector<double> p50, p95, p99, ok_p50, ok_p95, ok_p99, busy_frac, timer_p95;
  std::uint64_t samples = 0;
  int stalled = 0;
};

struct latency_cell {
  std::size_t payload = 8;
  std::size_t capacity = 512;
  std::vector<latency_runs> queues;
  double max_foreign = 0;
  int retried = 0;
};

json report_latency(const options& o, const calibration& cal, const latency_cell& c);

// ===== stall ====================================================================================

void print_stall_header(const options& o);
json report_stall(const queue_entry& e, std::size_t cap, const run_result& rr);

// ===== steady load ==============================================================================

void print_steady_header(const options& o, std::size_t cap);
// One steady run: printed as a line, returned as a JSON row.
json report_steady(const std::string& key, const std::string& label, bool zeroize,
                   const steady_result& r);
void print_zeroize_pairs_header(const options& o);
// The zeroize off/on pairs at 10k msg/s: each run's CPU fraction, in the order run.
void report_zeroize_pairs(const std::vector<double>& off_cpu, const std::vector<double>& on_cpu,
                          json& out);

// ===== zeroize (one thread) =====================================================================

void print_zeroize_header(int runs);
json report_zeroize(std::size_t cap, std::size_t payload, const std::vector<double>& off,
                    const std::vector<double>& on);

}  // namespace mailbox_bench
