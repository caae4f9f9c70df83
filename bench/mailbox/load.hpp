// Other load on the machine.
//
// The machine is shared: another process's compile takes a CPU from us for seconds at a time.
// /proc/stat says how busy all CPUs were (10 ms ticks); minus our own CPU time, that is the load
// of everything else, in cores. Before each round of runs we wait (up to --quiet-wait seconds)
// for it to fall below 0.1 core, and a round during which it rose above --max-foreign is run
// again (twice at most); the figure is kept in the JSON either way.
#pragma once

#include "mailbox/common.hpp"

#include <sys/resource.h>

namespace mailbox_bench {

struct cpu_snapshot {
  double busy_s = 0;  // all CPUs, user + nice + system + irq + softirq + steal
  double own_s = 0;   // this process
  steady::time_point t;
};

cpu_snapshot snapshot();

// Cores' worth of CPU used by other processes between two snapshots.
double foreign_cores(const cpu_snapshot& a, const cpu_snapshot& b);

// CPU seconds (user + system) this process has used so far.
inline double cpu_seconds_process() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

// The waits for a quiet machine, and how long they took in all.
struct quiet_waits {
  double max_wait_s = 60;     // --quiet-wait
  double max_foreign = 0.15;  // --max-foreign: a round above this is run again
  double waited_s = 0;        // total time spent waiting so far

  // Waits until other processes use less than 0.1 core over 300 ms (at most max_wait_s).
  void wait();
};

}  // namespace mailbox_bench
