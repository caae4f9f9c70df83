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
//
// The parts: mailbox/peers.hpp (the queues' adapters), mailbox/harness.hpp (one run of one
// queue), mailbox/runs.cpp (the sections), mailbox/report.cpp (tables and JSON),
// mailbox/targets.cpp (judging the targets; also --summarize). This file reads the command line
// and runs the sections.
#include "mailbox/context.hpp"
#include "mailbox/queues.hpp"
#include "mailbox/report.hpp"
#include "mailbox/runs.hpp"
#include "mailbox/targets.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace mailbox_bench {
namespace {

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

// --summarize FILE: judges the targets of a stored result again and rewrites its summary.
int summarize_stored(const std::string& path) {
  std::ifstream in(path);
  json stored = json::parse(in, nullptr, false);
  if (stored.is_discarded() || !stored.is_object()) {
    std::fprintf(stderr, "%s: not a result of this benchmark\n", path.c_str());
    return 64;
  }
  const double timer_overhead_ns = stored["meta"].value("timer_overhead_ns", 0.0);
  auto section = [&](const char* k) { return stored.contains(k) ? stored[k] : json::array(); };
  stored["summary"] = summarize(section("throughput"), section("latency"), section("stall"),
                                stored.contains("steady") ? stored["steady"] : json(),
                                timer_overhead_ns);
  in.close();
  std::ofstream f(path);
  f << stored.dump(1) << "\n";
  return 0;
}

int run(const options& o) {
  context ctx;
  ctx.opts = o;
  ctx.quiet.max_wait_s = o.quiet_wait_s;
  ctx.quiet.max_foreign = o.max_foreign;
  ctx.cal = calibrate();
  const auto queues = all_queues();

  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  print_banner(ctx.cal, date);

  json out;
  out["meta"] = meta_json(o, ctx.cal, date);
  json steady_rows, tp_rows = json::array(), lat_rows, stall_rows;
  // Steady load first: its max RSS is the process's high-water mark, which must not include the
  // unbounded queue of the throughput runs.
  if (o.sections.count("steady")) {
    steady_rows = steady_section(ctx);
    out["steady"] = steady_rows;
  }
  if (o.sections.count("zeroize")) out["zeroize"] = zeroize_section(ctx);
  if (o.sections.count("throughput")) {
    for (auto& r : throughput_section(ctx, queues, false)) tp_rows.push_back(r);
  }
  if (o.sections.count("work")) {
    for (auto& r : throughput_section(ctx, queues, true)) tp_rows.push_back(r);
  }
  out["throughput"] = tp_rows;
  if (o.sections.count("latency")) {
    lat_rows = latency_section(ctx, queues);
    out["latency"] = lat_rows;
  }
  if (o.sections.count("stall")) {
    stall_rows = stall_section(ctx, queues);
    out["stall"] = stall_rows;
  }
  out["summary"] = summarize(tp_rows, lat_rows.is_null() ? json::array() : lat_rows,
                             stall_rows.is_null() ? json::array() : stall_rows,
                             steady_rows.is_null() ? json() : steady_rows,
                             ctx.cal.timer_overhead_ns);
  out["meta"]["waited_for_quiet_s"] = ctx.quiet.waited_s;
  if (!o.json_path.empty()) {
    std::ofstream f(o.json_path);
    f << out.dump(1) << "\n";
    std::printf("\nwrote %s\n", o.json_path.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace mailbox_bench

int main(int argc, char** argv) {
  const mailbox_bench::options o = mailbox_bench::parse(argc, argv);
  if (!o.summarize_path.empty()) return mailbox_bench::summarize_stored(o.summarize_path);
  return mailbox_bench::run(o);
}
