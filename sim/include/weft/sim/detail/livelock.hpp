// weft/sim/detail/livelock.hpp — the fair-cycle livelock check.
//
// A livelock is an execution that can go on for ever although every thread keeps running: the
// two-thread polite livelock (each raises its flag, sees the other's, lowers it, backs off,
// retries) is the classic one. A step bound cannot tell it from a long test, and a random walk
// leaves it after a few rounds, so weft looks for the cycle itself: at each yield and sleep it
// takes the program's state, and when a state comes back with every runnable thread having run
// in between, the schedule between the two sightings can repeat for ever, and is a fair one.
//
// The state is:
//   - the value of every atomic, var and mutex, as an XOR of one hash per object, updated on each
//     write (a var written through with_mut, or whose type has no fixed bytes, changes the state
//     for good: nothing can be concluded across such a write);
//   - each thread: whether it runs, waits (for what, with how long left) or has finished, and,
//     for a thread at a yield or sleep, its stack from its own call of yield or sleep upward and
//     its callee-saved registers there, which hold every local it has (so a loop with a counter
//     never repeats); a thread blocked for anything else counts by what it waits for and by
//     which wait it is (a thread that blocked again in between is not back in the same state);
//   - the last value read from the clock and the count of random draws and injected faults (a
//     randomised back-off is not a livelock: it ends with probability one).
// A thread whose last step was of another kind has a position only known to the program, so no
// state is taken until every thread sits at a yield, sleep or block. What the state misses is
// progress kept only in plain memory that no atomic, var or mutex reflects and that is not on
// the stack of a thread at a yield or sleep: a global, the heap behind a pointer, the locals of
// a blocked thread written through a reference; a test whose loops end only through such
// memory turns the check off (runtime_config::livelock_repeats = 0).
//
// The stack capture needs a few instructions of assembly; on targets without them (anything but
// x86-64 Linux today), and in AddressSanitizer and ThreadSanitizer builds, the check is off and
// the step bound is the only livelock check.
//
// Thread-safety: belongs to one runtime, used on the OS thread that runs it.
#pragma once

#include <weft/sim/point.hpp>
#include <weft/sim/strategy.hpp>

#include <weft/core/source_location.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace weft::sim::detail {

class thread_table;

// Sanitizers lay frames out their own way (AddressSanitizer's redzoned frames, ThreadSanitizer's
// instrumentation), and their frames were seen to hold values that differ between two runs of
// the same execution: there the check would not reproduce its own findings, so it is off.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WEFT_SIM_SANITIZED_FRAMES 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WEFT_SIM_SANITIZED_FRAMES 1
#endif
#endif

#if defined(__x86_64__) && defined(__linux__) && !defined(WEFT_SIM_SANITIZED_FRAMES)
inline constexpr bool livelock_check_supported = true;
#else
inline constexpr bool livelock_check_supported = false;
#endif

// A 64-bit hash of an object's bytes (for values of atomics and vars).
std::uint64_t hash_bytes(const void* data, std::size_t size) noexcept;

inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

class livelock_check {
 public:
  // Where a thread stopped: its callee-saved registers and the stack above the call.
  struct position {
    const std::uint64_t* saved = nullptr;  // its registers, pushed, then the frames above them
    const std::uint64_t* top = nullptr;    // the top of its fiber's stack
    std::uint64_t step = 0;                // the step of the point it stopped at
    std::uint32_t generation = 0;          // the execution it was taken in
    point_kind kind = point_kind::yield;
    weft::source_location where{};
  };

  // A new execution; `repeats` 0 turns the check off for it.
  void reset(std::uint32_t repeats) noexcept {
    repeats_ = livelock_check_supported ? repeats : 0;
    objects_ = 0;
    clock_seen_ = 0;
    draws_ = 0;
    opaque_ = 0;
    if (++generation_ == 0) {
      generation_ = 1;
      for (entry& e : table_) e.generation = 0;
    }
    full_ = false;
    masks_.clear();
    masks_sorted_ = true;
  }
  bool on() const noexcept { return repeats_ != 0; }

  // The program's state changed: object `id` went from a value hashing to `before` to one
  // hashing to `after`.
  void changed(std::uint32_t id, std::uint64_t before, std::uint64_t after) noexcept {
    objects_ ^= mix64(before ^ (std::uint64_t{id} << 32)) ^ mix64(after ^ (std::uint64_t{id} << 32));
  }
  // Object `id` changed in a way that has no hash: the state differs from every earlier one.
  void changed_opaque(std::uint32_t id) noexcept {
    objects_ ^= mix64((++opaque_ << 32) ^ id ^ 0x5bd1e995ull);
  }
  // The simulator's own bookkeeping of an object that lives on a thread's stack (its id, vector
  // clock, race-detector epochs): left out of that stack's hash, since it changes with every
  // access whatever the program does. The object's value is state, and stays in.
  void mask(const void* begin, std::size_t size) {
    const auto b = reinterpret_cast<std::uintptr_t>(begin) & ~std::uintptr_t{7};
    const auto e = (reinterpret_cast<std::uintptr_t>(begin) + size + 7) & ~std::uintptr_t{7};
    if (!masks_.empty() && masks_.back().begin > b) masks_sorted_ = false;
    masks_.push_back(range{b, e});
  }
  void clock_read(std::int64_t now) noexcept { clock_seen_ = static_cast<std::uint64_t>(now); }
  void drew() noexcept { ++draws_; }

  // Records where thread t stops at `step` (a yield, sleep or block at `where`): `saved` is
  // what weft_sim_with_registers passed, `top` the top of t's fiber stack. The thread stays
  // inside that call while it waits, so the memory stays as it is until it runs again.
  void capture(std::uint32_t t, const std::uint64_t* saved, const void* top, std::uint64_t step,
               point_kind kind, const weft::source_location& where) noexcept {
    position& p = positions_[t];
    p.saved = saved;
    p.top = static_cast<const std::uint64_t*>(top);
    p.step = step;
    p.generation = generation_;
    p.kind = kind;
    p.where = where;
  }

  // At a yield or sleep of `current` (captured at `step`): takes the state if every thread is
  // at a known position (`pending`: what each announced last), and returns true when it closes
  // a fair cycle for the repeats-th time.
  bool check(std::uint32_t current, std::uint64_t step, const thread_table& threads,
             const pending_op* pending, std::int64_t now_ns);
  // Whether thread t sits where it was captured: the current thread (just captured), or one
  // whose last step (`pending`) is the yield or sleep it was captured at, or the block of
  // that sleep.
  bool captured(std::uint32_t t, std::uint32_t current, const pending_op* pending) const noexcept {
    if (positions_[t].generation != generation_) return false;
    if (t == current) return true;
    const pending_op& op = pending[t];
    return op.kind == point_kind::yield || op.kind == point_kind::sleep ||
           (op.kind == point_kind::block && op.reason == sleep_reason);
  }
  const position& position_of(std::uint32_t t) const noexcept { return positions_[t]; }
  // detail::wait_reason::sleep, as a block point's reason.
  static constexpr std::uint8_t sleep_reason = 6;

 private:
  struct entry {
    std::uint64_t state = 0;
    std::uint64_t step = 0;
    std::uint32_t generation = 0;
    std::uint32_t seen = 0;  // fair returns counted so far
  };
  struct range {
    std::uintptr_t begin;
    std::uintptr_t end;
  };
  static constexpr std::size_t table_size = 4096;  // states kept per execution (a power of 2)

  std::uint64_t thread_hash(std::uint32_t t, bool captured, const thread_table& threads,
                            const pending_op& pending, std::int64_t now_ns) const noexcept;
  std::uint64_t stack_hash(const std::uint64_t* from, const std::uint64_t* to) const noexcept;

  std::uint32_t repeats_ = 0;
  std::uint64_t objects_ = 0;
  std::uint64_t clock_seen_ = 0;
  std::uint64_t draws_ = 0;
  std::uint64_t opaque_ = 0;
  std::uint32_t generation_ = 0;
  bool full_ = false;
  std::array<position, max_threads_per_execution> positions_{};
  std::vector<entry> table_ = std::vector<entry>(table_size);
  std::vector<range> masks_;  // sorted by begin when masks_sorted_
  bool masks_sorted_ = true;
};

// Calls fn(arg, saved) with `saved` pointing at the caller's callee-saved registers, pushed on
// the stack, followed by the return address into the caller and the caller's frame.
extern "C" void weft_sim_with_registers(void* arg, void (*fn)(void* arg, const std::uint64_t* saved));

}  // namespace weft::sim::detail
