// The Relacy Race Detector half of the weft-vs-Relacy throughput benchmark.
//
// Each function runs one scenario under Relacy's random scheduler
// (rl::random_scheduler_type) for `iterations` iterations and reports how many
// executions it really ran. Relacy itself is confined to relacy_scenarios.cpp; this
// header includes no Relacy header, so callers are unaffected by its macros
// (`new`, `delete`, `malloc`, `free`, `assert`, `errno` ...).
//
// Things a caller must know (see relacy_scenarios.cpp for the details):
//  * Linking weft::relacy_peer replaces the global operator new/delete of the
//    whole program with Relacy's versions (its headers define them; we make the
//    replacement complete and consistent). Outside a run they are plain malloc/free
//    behind one branch; during a run, allocations from ANY thread of the process
//    go to Relacy's (single-threaded) allocator. So never run these functions
//    while other threads of the process allocate (in Google Benchmark: no
//    ->Threads(n) on these benchmarks, no background allocating threads).
//    Calls to these functions are serialised with one process-wide mutex.
//  * Every call leaks about threads x 64 KiB (Relacy never frees its fiber
//    stacks) plus the test object: use large `iterations` per call, not many
//    short calls.
//  * The functions print nothing: Relacy's output goes to a null stream.
#pragma once

#include <cstdint>

namespace weft::bench::relacy_peer {

struct run_result {
  // Iterations (executions) Relacy ran: `iterations` on success; on failure the
  // number up to and including the first failing one (Relacy stops there). The
  // extra replay Relacy makes of a failing iteration to collect its history is
  // not counted.
  std::uint64_t executions;
  // True when rl::simulate reported a failure (assertion, data race, deadlock, ...).
  bool failed;
};

// `threads` threads (2 or 3), each does `increments` times: lock an rl::mutex,
// counter($) = counter($) + 1 on an rl::var<int>, unlock.
// after(): RL_ASSERT(counter == threads * increments).
// Throws std::invalid_argument for other thread counts, increments < 0 or
// iterations == 0 (the same for every function here).
run_result mutex_counter(int threads, int increments, std::uint64_t iterations);
// The same scenario under Relacy's full search (every interleaving, its exhaustive mode):
// runs until the search is done, however long that is; executions is how many it ran.
run_result mutex_counter_full_search(int threads, int increments);

// A bounded buffer of capacity `capacity` (1..4 rl::var<int> slots; head, tail and
// count are rl::var<int>) protected by one rl::mutex and two
// rl::condition_variables (not_full, not_empty) used with predicate loops,
// notify_one while holding the mutex. `producers` producer threads (only 2 is
// supported) each send `messages` ints; one consumer thread receives
// producers * messages of them and checks that each producer's values arrive in
// order and that their sum is right. Thread count = producers + 1.
// Throws std::invalid_argument for other producer counts, capacities outside
// 1..4, or messages < 0.
run_result bounded_buffer(int producers, int messages, int capacity, std::uint64_t iterations);

// Intentionally buggy: 2 threads increment a plain rl::var<int> counter without a
// mutex (load, then store). Relacy must find the bug: failed is true.
run_result racy_counter(std::uint64_t iterations);

}  // namespace weft::bench::relacy_peer
