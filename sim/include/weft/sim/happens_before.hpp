// weft/sim/happens_before.hpp — vector clocks and the happens-before relation of one execution.
//
// Every simulated thread carries a vector clock; synchronising operations move clocks between
// threads and objects: a release copies (or joins) the thread's clock into the object, an
// acquire joins the object's clock into the thread's. Relaxed accesses go through the fence
// clocks, so a relaxed load followed by an acquire fence (or a release fence followed by a
// relaxed store) synchronises as the C++ memory model says. The race detector
// (race_detector.hpp) compares these clocks with the epochs kept on plain data.
//
// Thread-safety: belongs to one runtime, used on the OS thread that runs it.
#pragma once

#include <weft/sim/point.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

namespace weft::sim {

// Vector clock over the thread slots of one execution. Entries stay below 2^31, so lanes
// compare as signed 32-bit integers, four at a time. Entry t is at most thread t's own entry,
// which starts at 1 and ticks once per release: at a spawn (at most max_threads_per_execution),
// after one of its scheduling points (a release store, RMW or fence, an unpark), or at the
// unlock of a mutex it took at a point (lock, try_lock, condition-variable wait). So it is at
// most 1 + spawns + steps, and runtime_config::steps_max is at most max_steps_per_execution
// (2^30); the other 2^30 are for releases in destructors while an aborted execution unwinds,
// which count no steps.
static_assert(max_steps_per_execution <= (std::uint64_t{1} << 30),
              "clock entries below 2^31 need at most 2^30 steps per execution");
struct vclock {
  static_assert(max_threads_per_execution % 4 == 0);
  alignas(16) std::array<std::uint32_t, max_threads_per_execution> c{};
  // Joins the first n entries (rounded up to 4): entries of threads not yet spawned are zero.
  void join(const vclock& other, std::uint32_t n) noexcept {
    using lanes = std::int32_t __attribute__((vector_size(16)));
    for (std::uint32_t i = 0; i < n; i += 4) {
      lanes a;
      lanes b;
      std::memcpy(&a, &c[i], sizeof a);
      std::memcpy(&b, &other.c[i], sizeof b);
      const lanes m = a > b ? a : b;
      std::memcpy(&c[i], &m, sizeof m);
    }
  }
  // Copies the first n entries (rounded up to 4); the rest are zero in both, as above.
  void assign(const vclock& other, std::uint32_t n) noexcept {
    // Constant sizes, so the copies inline as vector moves.
    if (n <= 4) {
      std::memcpy(c.data(), other.c.data(), 4 * sizeof(std::uint32_t));
    } else if (n <= 8) {
      std::memcpy(c.data(), other.c.data(), 8 * sizeof(std::uint32_t));
    } else {
      c = other.c;
    }
  }
  void clear() noexcept { c.fill(0); }
};

// State that every synchronising simulated object carries. It is reset lazily the first time
// the object is used in a new execution, so objects may outlive an execution.
struct object_header {
  std::uint32_t id = 0;
  std::uint32_t generation = 0;
  const char* name = nullptr;  // given by the program, or none (detail/object_names.hpp)
  vclock sync;  // release clock (atomics), last unlock (mutex), unpark (parker)
};

// The clocks of every thread of one execution. `t` below is always the thread that acts.
class happens_before {
 public:
  struct thread_clocks {
    vclock clock;
    vclock acquire_fence;  // joined clocks of relaxed loads, for a later acquire fence
    vclock release_fence;  // clock at the last release fence, for later relaxed stores
  };

  static bool is_acquire(std::memory_order mo) noexcept {
    return mo == std::memory_order_acquire || mo == std::memory_order_consume ||
           mo == std::memory_order_acq_rel || mo == std::memory_order_seq_cst;
  }
  static bool is_release(std::memory_order mo) noexcept {
    return mo == std::memory_order_release || mo == std::memory_order_acq_rel ||
           mo == std::memory_order_seq_cst;
  }

  // A new execution: only thread 0 exists, at epoch 1.
  void reset() noexcept {
    thread_clocks& main = threads_[0];
    main.clock.clear();
    main.clock.c[0] = 1;
    main.acquire_fence.clear();
    main.release_fence.clear();
    lanes_ = 1;
  }
  // Thread `child` (the next slot) starts with its parent's history, at its own epoch 1.
  void fork(std::uint32_t parent, std::uint32_t child) noexcept {
    thread_clocks& c = threads_[child];
    c.clock = threads_[parent].clock;
    c.clock.c[child] = 1;
    c.acquire_fence.clear();
    c.release_fence.clear();
    lanes_ = child + 1;
  }
  // Advances t's own epoch: what t did so far is ordered before whoever acquired it.
  void tick(std::uint32_t t) noexcept { ++threads_[t].clock.c[t]; }

  void acquire(std::uint32_t t, const vclock& from) noexcept {
    threads_[t].clock.join(from, lanes_);
  }
  void release_to(std::uint32_t t, vclock& to) noexcept {  // to = clock of t; then tick
    to.assign(threads_[t].clock, lanes_);
    tick(t);
  }
  void release_join(std::uint32_t t, vclock& to) noexcept {  // to |= clock of t; then tick
    to.join(threads_[t].clock, lanes_);
    tick(t);
  }
  void atomic_load(std::uint32_t t, const object_header& h, std::memory_order mo) noexcept {
    thread_clocks& self = threads_[t];
    if (is_acquire(mo)) {
      self.clock.join(h.sync, lanes_);
    } else {
      self.acquire_fence.join(h.sync, lanes_);  // for a later acquire fence
    }
  }
  void atomic_store(std::uint32_t t, object_header& h, std::memory_order mo) noexcept {
    if (is_release(mo)) {
      release_to(t, h.sync);
    } else {
      // A relaxed store starts no release sequence, unless a release fence came before it.
      h.sync = threads_[t].release_fence;
    }
  }
  void atomic_rmw(std::uint32_t t, object_header& h, std::memory_order mo) noexcept {
    atomic_load(t, h, mo);
    if (is_release(mo)) {
      release_join(t, h.sync);
    } else {
      // A relaxed RMW continues the release sequence it reads from.
      h.sync.join(threads_[t].release_fence, lanes_);
    }
  }
  void fence(std::uint32_t t, std::memory_order mo) noexcept {
    thread_clocks& self = threads_[t];
    if (is_acquire(mo)) self.clock.join(self.acquire_fence, lanes_);
    if (is_release(mo)) {
      self.release_fence = self.clock;
      tick(t);
    }
  }

  const vclock& clock(std::uint32_t t) const noexcept { return threads_[t].clock; }
  // Clock entries in use: the threads spawned so far in this execution.
  std::uint32_t lanes() const noexcept { return lanes_; }

 private:
  std::array<thread_clocks, max_threads_per_execution> threads_{};
  std::uint32_t lanes_ = 0;
};

}  // namespace weft::sim
