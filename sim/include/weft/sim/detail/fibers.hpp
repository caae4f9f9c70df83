// weft/sim/detail/fibers.hpp — the fibers simulated threads run on, and the switch between them.
//
// One fiber per thread slot, switched with Boost.Context's fcontext primitives (one jump per
// switch; on x86-64 Linux a leaner jump of the same layout, see fibers.cpp). Fibers and their
// stacks are created on first use and kept across executions, so an execution allocates
// nothing in steady state. Index `host` is the OS thread's own stack, the one run() is called
// on. A switch also swaps the C++ runtime's per-thread exception-handling state, and tells
// AddressSanitizer / ThreadSanitizer about the switch in builds that have them
// (sanitizer_fibers.hpp).
//
// Thread-safety: belongs to one runtime, used on the OS thread that runs it.
#pragma once

#include <weft/sim/point.hpp>

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/stack_context.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace weft::sim::detail {

class fibers {
 public:
  static constexpr std::uint32_t host = max_threads_per_execution;
  using entry_fn = void (*)(boost::context::detail::transfer_t);

  explicit fibers(std::size_t stack_size);
  fibers(const fibers&) = delete;
  fibers& operator=(const fibers&) = delete;
  ~fibers();

  // Gives thread slot t a fiber that starts in `entry` on its first jump, unless it has one.
  void ensure(std::uint32_t t, entry_fn entry);
  bool has_fiber(std::uint32_t t) const noexcept { return stacks_[t].has_fiber; }
  // The top (highest address) of thread slot t's stack; requires has_fiber(t).
  const void* stack_top(std::uint32_t t) const noexcept { return stacks_[t].stack.sp; }
  // Whether `p` lies on thread slot t's stack (false if it has none).
  bool on_stack(std::uint32_t t, const void* p) const noexcept {
    const fiber_stack& s = stacks_[t];
    const auto* c = static_cast<const char*>(p);
    const auto* top = static_cast<const char*>(s.stack.sp);
    return s.has_fiber && c < top && c >= top - s.stack.size;
  }
  // Fetches this OS thread's exception-handling globals; once per run, before any jump.
  void begin_run() noexcept;
  // Switches from `self` (the fiber running now) to `next`, passing `data` to an entry
  // function on a fiber's first jump. Returns when some fiber switches back to `self`.
  // Defined in src/fiber_switch.hpp, so that it inlines into its one caller, the runtime.
  inline void jump(std::uint32_t self, std::uint32_t next, void* data);
  // The first thing an entry function does with its transfer: completes the switch into it.
  void entered(boost::context::detail::transfer_t transfer);

 private:
  // Room for the C++ runtime's per-thread exception-handling globals of one fiber.
  struct eh_state {
    void* words[2];
  };
  struct fiber_stack {
    boost::context::stack_context stack{};
    bool has_fiber = false;
    const void* bottom = nullptr;  // for sanitizer fiber annotations
    std::size_t size = 0;
    void* tsan_fiber = nullptr;
  };

  std::size_t stack_size_;
  std::uint32_t from_ = host;  // the fiber that made the last jump
  std::array<boost::context::detail::fcontext_t, max_threads_per_execution + 1> contexts_{};
  std::array<eh_state, max_threads_per_execution + 1> eh_{};
  void* eh_globals_ = nullptr;  // this OS thread's exception-handling globals
  std::array<fiber_stack, max_threads_per_execution + 1> stacks_{};  // host: the OS thread's
};

}  // namespace weft::sim::detail
