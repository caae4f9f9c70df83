// What every part of the mailbox benchmark shares: the clock, the messages and their tags, the
// consumer's simulated work, the common backoff, the TSC reads and the receive batch size.
#pragma once

#include <x86intrin.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace mailbox_bench {

using steady = std::chrono::steady_clock;

inline double seconds_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The most messages a consumer receives at once (and a producer sends in one batch).
constexpr std::size_t batch = 64;

// ===== messages =================================================================================

// The tag holds the producer (top 16 bits) and its sequence number + 1 (never 0: atomic_queue's
// AtomicQueue reserves 0 as its empty value).
constexpr int producer_shift = 48;
constexpr std::uint64_t seq_mask = (std::uint64_t{1} << producer_shift) - 1;

// The message types have internal linkage, so every queue and run instantiated over them is
// local to the file that instantiates it, and the compiler inlines into the producer and consumer
// loops as freely as within a single file. No declaration shared between files names them.
namespace {
struct msg8 {
  std::uint64_t tag;
};
struct msg64 {
  std::uint64_t tag;
  std::uint64_t data[7];
};
}  // namespace
static_assert(sizeof(msg8) == 8 && sizeof(msg64) == 64);

template <class M>
M make_msg(unsigned producer, std::uint64_t seq) {
  M m{};
  m.tag = (std::uint64_t{producer} << producer_shift) | (seq + 1);
  if constexpr (sizeof(M) == 64) {
    for (std::uint64_t i = 0; i < 7; ++i) m.data[i] = m.tag * (i + 3);
  }
  return m;
}

// ~50 ns of dependent arithmetic on the payload (`iters` is calibrated at start-up).
template <class M>
std::uint64_t consume_work(const M& m, int iters) {
  std::uint64_t x = m.tag;
  if constexpr (sizeof(M) == 64) {
    for (std::uint64_t d : m.data) x += d;
  }
  for (int i = 0; i < iters; ++i) {
    x ^= x >> 31;
    x *= 0x9E3779B97F4A7C15ULL;
    asm volatile("" : "+r"(x));  // keep the chain: no closed form, no vectorisation
  }
  return x;
}

// ===== the common backoff (every queue, producers on busy and the consumer on empty) ===========

struct backoff {
  unsigned step = 0;
  void pause() noexcept {
    if (step < 6) {
      for (unsigned i = 0, n = 1U << step; i < n; ++i) _mm_pause();
      ++step;
    } else {
      std::this_thread::yield();
    }
  }
  void reset() noexcept { step = 0; }
};

// ===== TSC ======================================================================================

inline std::uint64_t tsc_begin() noexcept {
  _mm_lfence();
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}
inline std::uint64_t tsc_end() noexcept {
  unsigned aux = 0;
  const std::uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}

}  // namespace mailbox_bench
