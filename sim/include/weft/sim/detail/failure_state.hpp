// weft/sim/detail/failure_state.hpp — the failure of the running execution and its abort.
//
// The first failure of an execution is kept; later ones are consequences and are dropped, as is
// any failure while an execution the strategy cut is unwound.
// Once an execution failed it is aborting: every simulated thread is unwound by throwing
// execution_aborted at its next scheduling point (abort_check).
//
// Thread-safety: belongs to one runtime, used on the OS thread that runs it.
#pragma once

#include <weft/sim/point.hpp>

#include <weft/core/source_location.hpp>

#include <cstdint>
#include <string>

namespace weft::sim {

// Thrown inside a fiber to unwind it when its execution is aborted. Not an error: user code
// must not swallow it (catch (...) blocks should rethrow).
struct execution_aborted {};

namespace detail {

class failure_state {
 public:
  void reset() {
    aborting_ = false;
    cut_ = false;
    abort_rethrows_ = 0;
    if (failure_) failure_ = failure{};
  }
  // Keeps the failure if it is the first one, and marks the execution aborting.
  void note(failure_kind kind, std::string message, const weft::source_location& where,
            std::uint32_t thread, std::uint64_t step);
  // Throws execution_aborted, unless an exception is already propagating (a destructor during
  // unwinding); stops the process if a thread keeps swallowing it.
  void abort_check();
  bool aborting() const noexcept { return aborting_; }
  // Ends the execution as redundant (the strategy cut it): aborting, with no failure.
  void cut() noexcept {
    if (!aborting_) cut_ = true;
    aborting_ = true;
  }
  bool was_cut() const noexcept { return cut_ && !failure_; }
  const failure& get() const noexcept { return failure_; }
  failure& get() noexcept { return failure_; }

 private:
  bool aborting_ = false;
  bool cut_ = false;
  std::uint64_t abort_rethrows_ = 0;
  failure failure_;
};

}  // namespace detail
}  // namespace weft::sim
