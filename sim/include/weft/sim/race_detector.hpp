// weft/sim/race_detector.hpp — data-race detection on plain data (FastTrack-style epochs).
//
// Each var<T> keeps the epoch (thread, clock entry) of its last write and the epochs of the
// reads since then. An access races when an earlier conflicting access of another thread is
// not ordered before it by happens-before (happens_before.hpp): that thread's entry in the
// accessing thread's clock is below the recorded epoch (Flanagan and Freund, "FastTrack:
// Efficient and Precise Dynamic Race Detection", PLDI'09). The checks are inline and allocate
// nothing; the runtime reports what they find.
//
// Thread-safety: a var_header is touched only by the simulated threads of one runtime.
#pragma once

#include <weft/sim/happens_before.hpp>

#include <weft/core/source_location.hpp>

#include <array>
#include <cstdint>

namespace weft::sim {

// Race-detector state of a var<T>.
struct var_header {
  static constexpr std::uint32_t no_thread = 0xffffffffu;
  std::uint32_t id = 0;
  std::uint32_t generation = 0;
  const char* name = nullptr;  // given by the program, or none (detail/object_names.hpp)
  std::uint32_t write_thread = no_thread;
  std::uint32_t write_clock = 0;
  weft::source_location write_where{};
  std::uint32_t read_thread = no_thread;  // last reader, for the report
  std::uint32_t read_mask = 0;            // threads with a read since the last write
  weft::source_location read_where{};
  // Valid where read_mask has a bit.
  std::array<std::uint32_t, max_threads_per_execution> read_clock{};
};

namespace fasttrack {

// Forgets every access: `v` is first used in execution `generation` and gets object id `id`.
inline void reset(var_header& v, std::uint32_t generation, std::uint32_t id) noexcept {
  v.generation = generation;
  v.id = id;
  v.write_thread = var_header::no_thread;
  v.write_clock = 0;
  v.read_thread = var_header::no_thread;
  v.read_mask = 0;
}
// Whether the last write was by another thread and is not ordered before thread t (clock now).
inline bool write_unordered(const var_header& v, std::uint32_t t, const vclock& now) noexcept {
  return v.write_thread != t && v.write_thread != var_header::no_thread &&
         now.c[v.write_thread] < v.write_clock;
}
// Whether threads other than t read since the last write (a write must then check them).
inline bool read_by_others(const var_header& v, std::uint32_t t) noexcept {
  return (v.read_mask & ~(1u << t)) != 0;
}
// The other threads whose reads since the last write are not ordered before t, as a bit mask.
inline std::uint32_t reads_unordered(const var_header& v, std::uint32_t t,
                                     const vclock& now) noexcept {
  std::uint32_t unordered = 0;
  for (std::uint32_t others = v.read_mask & ~(1u << t); others != 0; others &= others - 1) {
    const auto r = static_cast<std::uint32_t>(__builtin_ctz(others));
    if (v.read_clock[r] > now.c[r]) unordered |= 1u << r;
  }
  return unordered;
}
inline void note_read(var_header& v, std::uint32_t t, const vclock& now,
                      const weft::source_location& where) noexcept {
  v.read_clock[t] = now.c[t];
  v.read_mask |= 1u << t;
  v.read_thread = t;
  v.read_where = where;
}
inline void note_write(var_header& v, std::uint32_t t, const vclock& now,
                       const weft::source_location& where) noexcept {
  v.write_thread = t;
  v.write_clock = now.c[t];
  v.write_where = where;
  v.read_mask = 0;
}

}  // namespace fasttrack
}  // namespace weft::sim
