// The scenarios of the weft-vs-Relacy benchmark, under Relacy. Compiled with -w
// (Relacy's headers are noisy) and without weft::options; linked with weft::relacy,
// which supplies -fno-sized-deallocation and the program's global operator
// new/delete (checker/relacy/src/operators.cpp tells why both are needed). The
// scenarios below allocate nothing inside Relacy threads.

#include "relacy_scenarios.hpp"

// Everything from the standard library comes before Relacy, whose last lines
// #define new, delete, malloc, free, assert and errno.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <ostream>
#include <stdexcept>
#include <string>

#include <weft/relacy/detail/relacy_include.hpp>

namespace weft::bench::relacy_peer {
namespace {

// Relacy's output (test name, throughput, failure history, progress) goes here.
// A null streambuf sets badbit, so every insertion is a cheap no-op.
// Not an std::ostringstream: Relacy double-frees with one on failure.
std::ostream& null_stream() {
  static std::ostream stream(nullptr);
  return stream;
}

// Relacy keeps its context in a process-wide global: one run at a time. The
// mutex also guards the run-time scenario parameters below, which the test
// objects (constructed by Relacy once per iteration) read.
std::mutex run_mutex;
int config_increments = 0;
int config_messages = 0;

// Relacy's progress report divides by iteration_count: 0 would be SIGFPE.
void check_iterations(std::uint64_t iterations, const char* what) {
  if (iterations == 0) throw std::invalid_argument(std::string(what) + ": iterations must be > 0");
}

// How the next run searches: Relacy's random scheduler for `iterations`, or its full search
// (rl::fair_full_search_scheduler_type, every interleaving; it runs until the tree is done,
// and iteration_count only sizes its progress report). Guarded by run_mutex.
bool config_full_search = false;

template <typename suite>
run_result run(std::uint64_t iterations) {
  rl::test_params params;
  params.search_type =
      config_full_search ? rl::fair_full_search_scheduler_type : rl::random_scheduler_type;
  params.iteration_count = iterations;
  params.output_stream = &null_stream();
  params.progress_stream = &null_stream();
  const bool ok = rl::simulate<suite>(params);
  // Relacy numbers iterations from 1; stop_iteration is the last one run: the
  // first failing one, or `iterations` on success. (After a failure Relacy replays
  // the failing iteration once more to collect its history; not counted.)
  return run_result{static_cast<std::uint64_t>(params.stop_iteration), !ok};
}

// ---- mutex counter --------------------------------------------------------------
template <int threads>
struct mutex_counter_suite : rl::test_suite<mutex_counter_suite<threads>, threads> {
  const int increments = config_increments;
  rl::mutex m;
  rl::var<int> counter;

  void before() { counter($) = 0; }

  void thread(unsigned /*index*/) {
    for (int i = 0; i != increments; ++i) {
      m.lock($);
      counter($) = counter($) + 1;
      m.unlock($);
    }
  }

  void after() {
    const int total = counter($);
    RL_ASSERT(total == threads * increments);
  }
};

// ---- bounded buffer -------------------------------------------------------------
template <int producers, int capacity>
struct bounded_buffer_suite
    : rl::test_suite<bounded_buffer_suite<producers, capacity>, producers + 1> {
  const int messages = config_messages;
  rl::mutex m;
  rl::condition_variable not_full;
  rl::condition_variable not_empty;
  rl::var<int> slots[capacity];
  rl::var<int> head;
  rl::var<int> tail;
  rl::var<int> count;

  void before() {
    head($) = 0;
    tail($) = 0;
    count($) = 0;
  }

  void send(int value) {
    m.lock($);
    while (count($) == capacity) not_full.wait(m, $);
    const int t = tail($);
    slots[t]($) = value;
    tail($) = (t + 1) % capacity;
    count($) = count($) + 1;
    not_empty.notify_one($);
    m.unlock($);
  }

  int receive() {
    m.lock($);
    while (count($) == 0) not_empty.wait(m, $);
    const int h = head($);
    const int value = slots[h]($);
    head($) = (h + 1) % capacity;
    count($) = count($) - 1;
    not_full.notify_one($);
    m.unlock($);
    return value;
  }

  // Threads 0..producers-1 produce; thread `producers` consumes.
  // Producer p sends p * messages + i for i = 0..messages-1.
  void thread(unsigned index) {
    const int me = static_cast<int>(index);
    if (me < producers) {
      for (int i = 0; i != messages; ++i) send(me * messages + i);
      return;
    }
    int next[producers] = {};
    long long sum = 0;
    const int total = producers * messages;
    for (int n = 0; n != total; ++n) {
      const int value = receive();
      RL_ASSERT(value >= 0 && value < total);
      const int from = value / messages;
      RL_ASSERT(value % messages == next[from]);  // per-producer FIFO order
      next[from] += 1;
      sum += value;
    }
    RL_ASSERT(sum == static_cast<long long>(total) * (total - 1) / 2);
  }

  void after() {
    const int left = count($);
    RL_ASSERT(left == 0);
  }
};

template <int producers>
run_result bounded_buffer_capacity(int capacity, std::uint64_t iterations) {
  switch (capacity) {
    case 1: return run<bounded_buffer_suite<producers, 1>>(iterations);
    case 2: return run<bounded_buffer_suite<producers, 2>>(iterations);
    case 3: return run<bounded_buffer_suite<producers, 3>>(iterations);
    case 4: return run<bounded_buffer_suite<producers, 4>>(iterations);
    default: throw std::invalid_argument("relacy_peer::bounded_buffer: capacity must be 1..4");
  }
}

// ---- racy counter (intentionally buggy) ------------------------------------------
struct racy_counter_suite : rl::test_suite<racy_counter_suite, 2> {
  rl::var<int> counter;

  void before() { counter($) = 0; }

  void thread(unsigned /*index*/) {
    const int seen = counter($);  // unsynchronised load ...
    counter($) = seen + 1;        // ... and store: a data race, and a lost update
  }

  void after() {
    const int total = counter($);
    RL_ASSERT(total == 2);
  }
};

}  // namespace

run_result mutex_counter(int threads, int increments, std::uint64_t iterations) {
  check_iterations(iterations, "relacy_peer::mutex_counter");
  if (increments < 0) throw std::invalid_argument("relacy_peer::mutex_counter: increments < 0");
  if (threads != 2 && threads != 3)
    throw std::invalid_argument("relacy_peer::mutex_counter: threads must be 2 or 3");
  const std::lock_guard lock(run_mutex);
  config_increments = increments;
  return threads == 2 ? run<mutex_counter_suite<2>>(iterations)
                      : run<mutex_counter_suite<3>>(iterations);
}

run_result bounded_buffer(int producers, int messages, int capacity, std::uint64_t iterations) {
  check_iterations(iterations, "relacy_peer::bounded_buffer");
  if (messages < 0) throw std::invalid_argument("relacy_peer::bounded_buffer: messages < 0");
  if (producers != 2)
    throw std::invalid_argument("relacy_peer::bounded_buffer: producers must be 2");
  if (capacity < 1 || capacity > 4)
    throw std::invalid_argument("relacy_peer::bounded_buffer: capacity must be 1..4");
  const std::lock_guard lock(run_mutex);
  config_messages = messages;
  return bounded_buffer_capacity<2>(capacity, iterations);
}

run_result mutex_counter_full_search(int threads, int increments) {
  if (increments < 0) throw std::invalid_argument("relacy_peer::mutex_counter: increments < 0");
  if (threads != 2 && threads != 3)
    throw std::invalid_argument("relacy_peer::mutex_counter: threads must be 2 or 3");
  const std::lock_guard lock(run_mutex);
  config_increments = increments;
  config_full_search = true;
  const run_result r = threads == 2 ? run<mutex_counter_suite<2>>(1) : run<mutex_counter_suite<3>>(1);
  config_full_search = false;
  return r;
}

run_result racy_counter(std::uint64_t iterations) {
  check_iterations(iterations, "relacy_peer::racy_counter");
  const std::lock_guard lock(run_mutex);
  return run<racy_counter_suite>(iterations);
}

}  // namespace weft::bench::relacy_peer
