// fiber_switch.hpp (private to the simulator) — the context switch, inline where it is used.
//
// fibers::jump is defined here rather than in fibers.cpp so that it inlines into the runtime's
// decide(): a switch returns on another stack, which the CPU's return-address predictor gets
// wrong once per call level, so the switch keeps exactly one call (to the jump itself).
#pragma once

#include <weft/sim/detail/fibers.hpp>

#include "sanitizer_fibers.hpp"

#include <boost/context/detail/fcontext.hpp>

#include <cstring>

// A context switch with the same stack layout as Boost.Context's x86-64 SysV jump_fcontext
// (contexts made by make_fcontext work with both), minus the save and restore of the SSE and
// x87 control words: every simulated thread runs with the floating-point environment of the
// OS thread, so there is nothing to switch, and ldmxcsr/fldcw cost more than the rest of the
// switch. Used on x86-64 Linux when no sanitizer needs to see Boost's own switch.
#if defined(__x86_64__) && defined(__linux__) && !defined(WEFT_ASAN_FIBERS) && \
    !defined(WEFT_TSAN_FIBERS)
#define WEFT_SIM_FAST_SWITCH 1
extern "C" boost::context::detail::transfer_t weft_sim_jump(
    boost::context::detail::fcontext_t to, void* data) noexcept;
#endif

namespace weft::sim::detail {

// The C++ runtime keeps, per OS thread, the stack of exceptions being handled and the count of
// uncaught ones. Fibers share the OS thread, so each fiber gets its own copy, swapped on every
// switch: a fiber suspended inside a catch handler, or while unwinding, then cannot disturb
// another (and std::uncaught_exceptions() answers for the calling fiber).
struct eh_globals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};

inline void fibers::jump(std::uint32_t self, std::uint32_t next, void* data) {
  from_ = self;
  const fiber_stack& to = stacks_[next];
  sanitizer::tsan_switch(to.tsan_fiber);
  void* fake_stack = nullptr;
  sanitizer::asan_start(&fake_stack, to.bottom, to.size);
  auto* eh = static_cast<eh_globals*>(eh_globals_);
  static_assert(sizeof(eh_globals) <= sizeof(eh_state));
  eh_state& mine = eh_[self];
  eh_state& theirs = eh_[next];
  // Exception state is rare on a switch (a point inside a catch handler): swap only when
  // either side has some.
  if (eh->caught_exceptions != nullptr || eh->uncaught_exceptions != 0 ||
      theirs.words[0] != nullptr || theirs.words[1] != nullptr) [[unlikely]] {
    std::memcpy(&mine, eh, sizeof(eh_globals));
    std::memcpy(eh, &theirs, sizeof(eh_globals));
    theirs = eh_state{};
  }
  // The first jump into a fresh fiber passes `data` to its entry function; later ones ignore it.
  namespace bcd = boost::context::detail;
#if defined(WEFT_SIM_FAST_SWITCH)
  const bcd::transfer_t back = weft_sim_jump(contexts_[next], data);
#else
  const bcd::transfer_t back = bcd::jump_fcontext(contexts_[next], data);
#endif
  sanitizer::asan_finish(fake_stack, nullptr, nullptr);
  contexts_[from_] = back.fctx;
}

}  // namespace weft::sim::detail
