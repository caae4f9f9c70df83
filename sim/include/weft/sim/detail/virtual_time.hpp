// weft/sim/detail/virtual_time.hpp — the simulated clock of one execution.
//
// Time starts at 0 and moves only when every thread waits: the runtime then advances it to the
// earliest deadline (advance_to), so timed waits and sleeps cost no real time and replay
// exactly.
//
// Thread-safety: belongs to one runtime, used on the OS thread that runs it.
#pragma once

#include <cstdint>

namespace weft::sim::detail {

class virtual_time {
 public:
  void reset() noexcept { now_ns_ = 0; }
  std::int64_t now_ns() const noexcept { return now_ns_; }
  // Moves the clock to `deadline_ns` unless it is already past it; time never goes back.
  void advance_to(std::int64_t deadline_ns) noexcept {
    if (deadline_ns > now_ns_) now_ns_ = deadline_ns;
  }

 private:
  std::int64_t now_ns_ = 0;
};

}  // namespace weft::sim::detail
