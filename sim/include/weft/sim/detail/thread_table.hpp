// weft/sim/detail/thread_table.hpp — what the runtime knows about each simulated thread.
//
// Slots are indexed by thread id (0 is the test body) and reused by every execution; count()
// slots are in use in the running one. A slot holds the thread's body, its state, and while it
// is blocked what it waits for (for wake-ups, timeouts and deadlock reports). Fibers and clocks
// live beside it, in fibers.hpp and happens_before.hpp, indexed by the same id.
//
// Thread-safety: belongs to one runtime, used on the OS thread that runs it.
#pragma once

#include <weft/sim/detail/task.hpp>
#include <weft/sim/point.hpp>

#include <weft/core/source_location.hpp>

#include <array>
#include <cstdint>

namespace weft::sim::detail {

inline constexpr std::uint32_t no_thread = 0xffffffffu;

enum class thread_state : std::uint8_t { free, runnable, blocked, finished };
enum class wait_reason : std::uint8_t { none, mutex, condition, join, park, atomic_wait, sleep };

struct thread_slot {
  task body;
  thread_state state = thread_state::free;
  wait_reason reason = wait_reason::none;
  bool timed_out = false;
  std::uint32_t wait_object = 0;
  std::int64_t deadline_ns = -1;
  std::uint64_t wait_seq = 0;  // when it blocked, for wake_one's "longest waiting"
  std::uint32_t wait_owner = no_thread;
  std::uint32_t joiner = no_thread;  // the thread blocked joining this one
  weft::source_location spawned_at{};
  weft::source_location blocked_at{};
  const char* name = "";  // a string literal or other storage that outlives the run
};

class thread_table {
 public:
  thread_slot& operator[](std::uint32_t t) noexcept { return slots_[t]; }
  const thread_slot& operator[](std::uint32_t t) const noexcept { return slots_[t]; }
  std::uint32_t count() const noexcept { return count_; }
  bool full() const noexcept { return count_ >= max_threads_per_execution; }

  // A new execution: the slots of the last one are free again, thread 0 is runnable.
  void reset() noexcept {
    for (std::uint32_t t = 0; t < count_; ++t) slots_[t].state = thread_state::free;
    count_ = 1;
    wait_seq_ = 0;
    thread_slot& main = slots_[0];
    main.state = thread_state::runnable;
    main.reason = wait_reason::none;
    main.joiner = no_thread;
    main.name = "main";
  }
  // Takes the next slot for a thread spawned at `where`; requires !full().
  std::uint32_t allocate(const char* name, const weft::source_location& where) noexcept {
    const std::uint32_t t = count_++;
    thread_slot& child = slots_[t];
    child.state = thread_state::free;
    child.reason = wait_reason::none;
    child.joiner = no_thread;
    child.deadline_ns = -1;
    child.spawned_at = where;
    child.blocked_at = where;
    child.name = name != nullptr ? name : "";
    return t;
  }
  // Records that t blocks now (it keeps its place among the waiters of `object`).
  void block(std::uint32_t t, wait_reason why, std::uint32_t object,
             const weft::source_location& where, std::int64_t deadline_ns,
             std::uint32_t owner) noexcept {
    thread_slot& s = slots_[t];
    s.state = thread_state::blocked;
    s.reason = why;
    s.wait_object = object;
    s.deadline_ns = deadline_ns;
    s.timed_out = false;
    s.wait_seq = ++wait_seq_;
    s.blocked_at = where;
    s.wait_owner = owner;
  }
  // The blocked thread that has waited longest for `why` on `object`, or no_thread.
  std::uint32_t longest_waiting(wait_reason why, std::uint32_t object) const noexcept {
    std::uint32_t best = no_thread;
    for (std::uint32_t t = 0; t < count_; ++t) {
      const thread_slot& s = slots_[t];
      if (s.state == thread_state::blocked && s.reason == why && s.wait_object == object &&
          (best == no_thread || s.wait_seq < slots_[best].wait_seq)) {
        best = t;
      }
    }
    return best;
  }
  // The earliest deadline of a blocked thread, or -1 if none has one.
  std::int64_t earliest_deadline() const noexcept {
    std::int64_t earliest = -1;
    for (std::uint32_t t = 0; t < count_; ++t) {
      const thread_slot& s = slots_[t];
      if (s.state == thread_state::blocked && s.deadline_ns >= 0 &&
          (earliest < 0 || s.deadline_ns < earliest)) {
        earliest = s.deadline_ns;
      }
    }
    return earliest;
  }

 private:
  std::array<thread_slot, max_threads_per_execution> slots_;
  std::uint32_t count_ = 0;
  std::uint64_t wait_seq_ = 0;
};

}  // namespace weft::sim::detail
