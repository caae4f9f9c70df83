// weft/sim/detail/invariant.hpp — the simulator's checks of its own state.
//
// The runtime states the relationships between its parts (the clock lanes match the threads,
// the runnable set is no larger than the thread table, the host never blocks, ...) as
// WEFT_ASSERT(detail::invariant, cond, message), one condition per assert. A broken one is a
// bug in weft itself, not in the program under test: nothing after it can be trusted, so it
// prints the condition, the message and the location and stops the process. These checks sit
// on the paths that run once per decision, spawn, block or execution, never on the inline
// path a step takes when the current thread simply continues.
//
// Thread-safety: assert_failed may be called from any thread; it writes one line to stderr.
#pragma once

#include <weft/core/assert.hpp>
#include <weft/core/source_location.hpp>

namespace weft::sim::detail {

struct invariant {
  [[noreturn]] static void assert_failed(const char* expr, const char* message,
                                         weft::source_location where) noexcept;
};

}  // namespace weft::sim::detail
