#include <weft/sim/detail/failure_state.hpp>
#include <weft/sim/detail/invariant.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

namespace weft::sim::detail {

void failure_state::note(failure_kind kind, std::string message,
                         const weft::source_location& where, std::uint32_t thread,
                         std::uint64_t step) {
  // A cut execution is being unwound because it is redundant: what its destructors do on the
  // way out (a var read while a thread that was never joined still runs) is no failure of the
  // program. Recording one made a search report a failure its own re-run could not find.
  if (!failure_ && !cut_) {
    failure_.kind = kind;
    failure_.message = std::move(message);
    failure_.file = where.file_name() != nullptr ? where.file_name() : "";
    failure_.line = where.line();
    failure_.thread = thread;
    failure_.step = step;
  }
  aborting_ = true;
}

void failure_state::abort_check() {
  if (std::uncaught_exceptions() != 0) return;
  // A thread that keeps running after its execution was aborted has swallowed
  // execution_aborted (a catch (...) that does not rethrow, in a loop): stop loudly rather
  // than spin forever.
  if (++abort_rethrows_ > 1'000'000) {
    std::fprintf(stderr,
                 "weft: a simulated thread keeps catching weft::sim::execution_aborted without "
                 "rethrowing it (catch (...) blocks must rethrow); giving up\n");
    std::abort();
  }
  throw execution_aborted{};
}

void invariant::assert_failed(const char* expr, const char* message,
                              weft::source_location where) noexcept {
  std::fprintf(stderr,
               "weft: internal error in the simulator: %s (%s) at %s:%u; this is a bug in weft, "
               "please report it with the command that ran\n",
               message, expr, where.file_name() != nullptr ? where.file_name() : "?",
               static_cast<unsigned>(where.line()));
  std::abort();
}

}  // namespace weft::sim::detail
