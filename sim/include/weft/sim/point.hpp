// weft/sim/point.hpp — the vocabulary of the simulator: scheduling points, failures, steps.
//
// A *scheduling point* is a visible operation (atomic op, lock, wait, spawn, ...) at which the
// strategy decides which simulated thread runs next. Each decision is one *step*; a recorded
// schedule is the list of steps, each tagged with its kind so that replay can name the exact
// step where a program diverges from its trace.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <weft/core/source_location.hpp>
#include <string>
#include <string_view>

namespace weft::sim {

// Most simulated threads one execution may have, the body's own thread included (a trace
// file has its own, larger limit: traces::max_trace_threads).
inline constexpr std::uint32_t max_threads_per_execution = 16;

// The largest runtime_config.steps_max (and weft explore --steps-max, and a trace's steps-max):
// 2^30 steps, so that vector clock entries stay below 2^31 (happens_before.hpp).
inline constexpr std::uint64_t max_steps_per_execution = std::uint64_t{1} << 30;

enum class point_kind : std::uint8_t {
  spawn,
  join,
  finish,
  yield,
  block,  // the thread cannot go on (lock held, waiting, joining); another must run
  atomic_load,
  atomic_store,
  atomic_rmw,
  atomic_cas,
  atomic_cas_weak,
  fence,
  mutex_lock,
  mutex_try_lock,
  mutex_unlock,
  cv_wait,
  cv_wait_timed,
  cv_notify_one,
  cv_notify_all,
  park,
  unpark,
  sleep,
  now,
  random,
  // Not scheduling points: accesses to plain data (var<T>), recorded as notes of a trace.
  var_read,
  var_write,
};
inline constexpr std::size_t point_kind_count = 25;

// Stable names used in traces ("atomic.load"), and the reverse lookup (false if unknown).
std::string_view to_string(point_kind kind) noexcept;
bool parse_point_kind(std::string_view name, point_kind& out) noexcept;

// Memory orders as recorded in a step; `none` for points that have no order.
inline constexpr std::uint8_t order_none = 0xff;
std::string_view order_name(std::uint8_t order) noexcept;
bool parse_order(std::string_view name, std::uint8_t& out) noexcept;
inline std::uint8_t order_code(std::memory_order mo) noexcept { return static_cast<std::uint8_t>(mo); }

enum class failure_kind : std::uint8_t {
  none,
  assertion,       // WEFT_ASSERT / sim::check failed
  exception,       // an exception escaped a simulated thread
  data_race,       // unordered conflicting accesses to a var<T>
  leak,            // threads still running (or never joined) when the body returned
  deadlock,        // every thread blocked, no timer pending
  livelock,        // step bound exceeded
  nondeterminism,  // replay diverged from the trace, or a re-run did not reproduce
  internal,        // the simulator or its strategy broke its own contract (a weft bug)
};
std::string_view to_string(failure_kind kind) noexcept;
bool parse_failure_kind(std::string_view name, failure_kind& out) noexcept;

// Exit codes of the `weft` tool per failure class: 0 pass, 1 safety, 2 deadlock or liveness,
// 3 nondeterminism, replay divergence or an internal error: the run's verdict cannot be trusted
// (64 is a usage error, decided by the tool).
int exit_code(failure_kind kind) noexcept;

// One recorded decision, or (kinds var_read and var_write) one recorded access to plain data,
// whose index is that of the next decision.
struct step_record {
  // Bits of `facts`: which of read/written hold a value, and a CAS's outcome.
  static constexpr std::uint8_t has_read = 1;
  static constexpr std::uint8_t has_written = 2;
  static constexpr std::uint8_t succeeded = 4;
  static constexpr std::uint8_t failed = 8;

  std::uint64_t index = 0;
  std::uint32_t thread = 0;
  point_kind kind = point_kind::yield;
  std::uint8_t order = order_none;
  std::uint8_t facts = 0;
  std::uint32_t object = 0;
  std::uint64_t value = 0;
  std::uint64_t read = 0;     // the value the operation read, as 64 bits (if has_read)
  std::uint64_t written = 0;  // the value it wrote (if has_written)
  weft::source_location where{};
};

// What went wrong in one execution.
struct failure {
  failure_kind kind = failure_kind::none;
  std::string message;
  std::string file;  // empty when unknown
  std::uint32_t line = 0;
  std::uint32_t thread = 0;
  std::uint64_t step = 0;  // steps taken when it happened
  explicit operator bool() const noexcept { return kind != failure_kind::none; }
};

}  // namespace weft::sim
