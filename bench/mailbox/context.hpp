// What a benchmark run carries from section to section: the options of the command line, the
// figures calibrated at start-up, and the waits for a quiet machine.
#pragma once

#include "mailbox/load.hpp"

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace mailbox_bench {

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

// Figures measured once at start-up.
struct calibration {
  double tsc_per_ns = 1.0;         // TSC ticks per nanosecond
  double timer_overhead_ns = 0.0;  // median cost of an empty timed region (tsc_begin, tsc_end)
  int work_iters = 16;             // consume_work iterations that take ~50 ns
  double work_ns = 0.0;            // what those iterations take, measured again
};

struct context {
  options opts;
  calibration cal;
  quiet_waits quiet;  // from opts.quiet_wait_s and opts.max_foreign
};

}  // namespace mailbox_bench
