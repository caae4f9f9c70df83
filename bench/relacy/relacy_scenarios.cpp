// The scenarios of the weft-vs-Relacy benchmark, under Relacy. Like
// relacy_allocation.cpp, the library's other TU that includes Relacy, it is
// compiled with -w (Relacy's headers are noisy) and -fno-sized-deallocation, and
// without weft::options; see CMakeLists.txt.
//
// Global operator new/delete
// --------------------------
// <relacy/context.hpp> defines *inline* replacements of the global
//   operator new(size_t), operator new[](size_t),
//   operator delete(void*), operator delete[](void*)
// which allocate from Relacy's tracking allocator while a Relacy context exists
// (rl::is_ctx(), i.e. during rl::simulate) and use ::malloc / ::free otherwise.
// Relacy's allocator puts a header in front of each block, so its blocks must
// go back through it. Being inline, each of the four is emitted (as a weak
// symbol, which then replaces libstdc++'s for the whole program) only where the
// optimiser left an out-of-line call; the sized and nothrow forms are not
// replaced at all. With g++ (sized deallocation is on by default) that is a real
// bug: at -O2 `operator new` gets emitted but `operator delete(void*)` is inlined
// away, so a `delete p` compiled as `operator delete(p, n)` runs libstdc++'s
// sized, then unsized delete, i.e. ::free() on a block from Relacy's allocator:
// "free(): invalid pointer", abort (reproduced with a std::unique_ptr made and
// reset inside a Relacy thread). Under a sanitizer it gets worse: clang's static
// ASan runtime brings weak operators of its own, linked first, so they win over
// Relacy's emitted ones while this TU still runs Relacy's inlined bodies, and
// ASan reports alloc-dealloc mismatches.
//
// What weft::relacy_peer does about it:
//  * relacy_operators.cpp (no Relacy include) defines all the non-aligned forms
//    of global operator new/delete, strong, so they win over Relacy's weak copies,
//    sanitizer runtimes' weak ones and libstdc++'s, in whatever order the link
//    sees them. They call relacy_allocate / relacy_deallocate, in
//    relacy_allocation.cpp, which do exactly what Relacy's inline bodies do, so a
//    block allocated by either is freed correctly by either. keep_operators below
//    refers to operators_anchor, so that object (and, through its calls, the
//    allocation one) is always linked along with this one.
//  * This TU is compiled with -fno-sized-deallocation, so its own deletes use
//    Relacy's unsized operator delete, as Relacy expects.
// Outside rl::simulate, the program's operator new/delete are therefore
// malloc / free behind a call and one predictable branch. During rl::simulate
// every allocation of the process goes to Relacy's single-threaded allocator,
// hence the rule in the header: nothing else may allocate concurrently. The
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

#include "relacy_include.hpp"

namespace weft::bench::relacy_peer::detail {

extern const int operators_anchor;  // relacy_operators.cpp
[[gnu::used]] const int* const keep_operators = &operators_anchor;

}  // namespace weft::bench::relacy_peer::detail

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

template <typename suite>
run_result run(std::uint64_t iterations) {
  rl::test_params params;
  params.search_type = rl::random_scheduler_type;
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

run_result racy_counter(std::uint64_t iterations) {
  check_iterations(iterations, "relacy_peer::racy_counter");
  const std::lock_guard lock(run_mutex);
  return run<racy_counter_suite>(iterations);
}

}  // namespace weft::bench::relacy_peer
