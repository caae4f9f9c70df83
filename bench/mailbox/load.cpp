#include "mailbox/load.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace mailbox_bench {

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

double foreign_cores(const cpu_snapshot& a, const cpu_snapshot& b) {
  const double wall = seconds_between(a.t, b.t);
  if (wall <= 0) return 0;
  return std::max(0.0, (b.busy_s - a.busy_s) - (b.own_s - a.own_s)) / wall;
}

void quiet_waits::wait() {
  const auto start = steady::now();
  for (;;) {
    const cpu_snapshot a = snapshot();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const cpu_snapshot b = snapshot();
    if (foreign_cores(a, b) < 0.1 || seconds_between(start, b.t) > max_wait_s) break;
  }
  waited_s += seconds_between(start, steady::now()) - 0.3;
}

}  // namespace mailbox_bench
