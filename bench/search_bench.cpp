// Exhaustive search and every core, side by side in one run:
//   1. executions to exhaust the same scenario: weft's dpor against Relacy's full search
//      (rl::fair_full_search_scheduler_type), the mutex counter at several sizes;
//   2. dpor's executions per second against random's on the mailbox scenario (2 producers x 2
//      messages, capacity 2, one consumer that closes), for the same CPU time each;
//   3. random's executions per second with options::jobs 1, 2, ... N (wall time: the point is
//      the cores), on the same mailbox scenario.
// Figures are ratios measured in this one process (the machines are shared and noisy).
//
// Run: build/ci/bench/weft_search_bench [--seconds S] [--jobs-max N] [--relacy-3x2]
// (docs/perf/exhaustive.md has the figures and the command that produced them)
#include "relacy_scenarios.hpp"
#include "mailbox_workload.hpp"

#include <weft/sim/explore.hpp>
#include <weft/sim/platform.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace {

namespace sim = weft::sim;
namespace peer = weft::bench::relacy_peer;
using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

void mutex_counter(int threads, int increments) {
  sim::mutex m{"m"};
  sim::var<int> counter{0, "counter"};
  const auto work = [&] {
    for (int i = 0; i < increments; ++i) {
      const std::scoped_lock lock(m);
      counter.store(counter.load() + 1);
    }
  };
  sim::thread a(work);
  sim::thread b(work);
  if (threads == 3) {
    sim::thread c(work);
    c.join();
  }
  a.join();
  b.join();
  sim::check(counter.load() == threads * increments, "every increment counted");
}

sim::options base(const std::string& strategy) {
  sim::options o;
  o.strategy.name = strategy;
  o.seed = 1;
  o.write_trace = false;
  o.scenario = "bench";
  return o;
}

void exhaust(int threads, int increments, bool with_relacy) {
  sim::options o = base("dpor");
  o.iterations = 100'000'000;
  const steady::time_point w0 = steady::now();
  const sim::report r = sim::explore(o, [=] { mutex_counter(threads, increments); });
  const double weft_s = seconds_since(w0);
  if (!with_relacy) {
    std::printf("| mutex counter %dx%d | %llu%s | %.3f s | (not run: --relacy-3x2) | | |\n",
                threads, increments, static_cast<unsigned long long>(r.executions),
                r.search.complete ? "" : " (NOT complete)", weft_s);
    return;
  }
  const steady::time_point r0 = steady::now();
  const peer::run_result rl = peer::mutex_counter_full_search(threads, increments);
  const double relacy_s = seconds_since(r0);
  std::printf("| mutex counter %dx%d | %llu%s | %.3f s | %llu%s | %.3f s | %.1fx fewer |\n",
              threads, increments, static_cast<unsigned long long>(r.executions),
              r.search.complete ? "" : " (NOT complete)", weft_s,
              static_cast<unsigned long long>(rl.executions), rl.failed ? " (FAILED)" : "",
              relacy_s,
              static_cast<double>(rl.executions) / static_cast<double>(std::max<std::uint64_t>(r.executions, 1)));
}

weft::testing::mailbox_workload mailbox_2p2m() {
  weft::testing::mailbox_workload w;
  w.producers = 2;
  w.messages = 2;
  w.capacity = 2;
  w.blocking_send = true;
  w.close_after = 4;
  return w;
}

// Executions per second of `strategy` for about `seconds` of wall time on `jobs` threads.
double rate(const std::string& strategy, double seconds, std::uint32_t jobs,
            std::uint64_t* executions = nullptr) {
  sim::options o = base(strategy);
  o.iterations = 50'000'000'000;
  o.time_limit_s = seconds;
  o.jobs = jobs;
  const weft::testing::mailbox_workload w = mailbox_2p2m();
  const sim::report r = sim::explore(o, [w] { weft::testing::run_mailbox_workload(w); });
  if (!r.ok()) std::printf("unexpected failure: %s\n", r.text().c_str());
  if (executions != nullptr) *executions = r.executions;
  return static_cast<double>(r.executions) / r.seconds;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"weft search bench: dpor against Relacy's full search, dpor against random, jobs"};
  double seconds = 5;
  std::uint32_t jobs_max = std::max(1u, std::thread::hardware_concurrency());
  bool relacy_3x2 = false;
  app.add_option("--seconds", seconds, "seconds per rate measurement (default 5)");
  app.add_option("--jobs-max", jobs_max, "largest --jobs measured (default: hardware threads)")
      ->check(CLI::Range(1u, 1024u));
  app.add_flag("--relacy-3x2", relacy_3x2, "also run Relacy's full search on the 3x2 counter");
  CLI11_PARSE(app, argc, argv);

  std::printf("## 1. Executions to exhaust: weft dpor against Relacy's full search\n\n");
  std::printf("| scenario | weft dpor executions | weft time | Relacy full search executions "
              "| Relacy time | ratio |\n|---|---|---|---|---|---|\n");
  exhaust(2, 1, true);
  exhaust(2, 2, true);
  exhaust(3, 1, true);
  exhaust(2, 3, true);
  exhaust(3, 2, relacy_3x2);

  std::printf("\n## 2. Executions per second on the mailbox, 2 producers x 2 messages, "
              "capacity 2 (%.0f s each, one thread)\n\n",
              seconds);
  std::uint64_t n_random = 0;
  std::uint64_t n_dpor = 0;
  const double random_rate = rate("random", seconds, 1, &n_random);
  const double dpor_rate = rate("dpor", seconds, 1, &n_dpor);
  std::printf("| strategy | executions | executions/s |\n|---|---|---|\n");
  std::printf("| random | %llu | %.0f |\n| dpor | %llu | %.0f |\n",
              static_cast<unsigned long long>(n_random), random_rate,
              static_cast<unsigned long long>(n_dpor), dpor_rate);
  std::printf("\ndpor / random: %.2f (target: at least 0.5)\n", dpor_rate / random_rate);

  std::printf("\n## 3. random on the same mailbox with --jobs N (%.0f s each, wall time; %u "
              "hardware threads)\n\n| jobs | executions/s | against jobs 1 |\n|---|---|---|\n",
              seconds, std::thread::hardware_concurrency());
  const double one = rate("random", seconds, 1);
  std::printf("| 1 | %.0f | 1.00x |\n", one);
  for (std::uint32_t jobs = 2; jobs <= jobs_max; jobs *= 2) {
    const double r = rate("random", seconds, jobs);
    std::printf("| %u | %.0f | %.2fx |\n", jobs, r, r / one);
    if (jobs * 2 > jobs_max && jobs != jobs_max) {
      const double last = rate("random", seconds, jobs_max);
      std::printf("| %u | %.0f | %.2fx |\n", jobs_max, last, last / one);
    }
  }
  return 0;
}
