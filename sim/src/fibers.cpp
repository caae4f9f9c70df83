#include <weft/sim/detail/fibers.hpp>

#include "sanitizer_fibers.hpp"

#include <boost/context/fixedsize_stack.hpp>

#include <cstring>

#include <cxxabi.h>

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
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl weft_sim_jump\n"
    ".hidden weft_sim_jump\n"
    ".type weft_sim_jump,@function\n"
    "weft_sim_jump:\n"
    "  leaq -0x38(%rsp), %rsp\n"
    "  movq %r12, 0x8(%rsp)\n"
    "  movq %r13, 0x10(%rsp)\n"
    "  movq %r14, 0x18(%rsp)\n"
    "  movq %r15, 0x20(%rsp)\n"
    "  movq %rbx, 0x28(%rsp)\n"
    "  movq %rbp, 0x30(%rsp)\n"
    "  movq %rsp, %rax\n"
    "  movq %rdi, %rsp\n"
    "  movq 0x38(%rsp), %r8\n"
    "  movq 0x8(%rsp), %r12\n"
    "  movq 0x10(%rsp), %r13\n"
    "  movq 0x18(%rsp), %r14\n"
    "  movq 0x20(%rsp), %r15\n"
    "  movq 0x28(%rsp), %rbx\n"
    "  movq 0x30(%rsp), %rbp\n"
    "  leaq 0x40(%rsp), %rsp\n"
    "  movq %rsi, %rdx\n"
    "  movq %rax, %rdi\n"
    "  jmp *%r8\n"
    ".size weft_sim_jump,.-weft_sim_jump\n"
    ".section .note.GNU-stack,\"\",%progbits\n"
    ".text\n");
#endif

namespace weft::sim::detail {
namespace {

namespace bcd = boost::context::detail;

// The C++ runtime keeps, per OS thread, the stack of exceptions being handled and the count of
// uncaught ones. Fibers share the OS thread, so each fiber gets its own copy, swapped on every
// switch: a fiber suspended inside a catch handler, or while unwinding, then cannot disturb
// another (and std::uncaught_exceptions() answers for the calling fiber).
struct eh_globals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};

}  // namespace

fibers::fibers(std::size_t stack_size) : stack_size_(stack_size) {
  stacks_[host].tsan_fiber = sanitizer::tsan_current();
}

fibers::~fibers() {
  // Every fiber is parked between executions, holding no live objects on its stack (see
  // runtime::fiber_main), so its stack is released without resuming it.
  for (std::uint32_t t = 0; t < host; ++t) {
    fiber_stack& s = stacks_[t];
    if (!s.has_fiber) continue;
    boost::context::fixedsize_stack(stack_size_).deallocate(s.stack);
    sanitizer::tsan_destroy(s.tsan_fiber);
  }
}

void fibers::ensure(std::uint32_t t, entry_fn entry) {
  fiber_stack& s = stacks_[t];
  if (s.has_fiber) return;
  s.stack = boost::context::fixedsize_stack(stack_size_).allocate();
  s.bottom = static_cast<char*>(s.stack.sp) - s.stack.size;
  s.size = s.stack.size;
  contexts_[t] = bcd::make_fcontext(s.stack.sp, s.stack.size, entry);
  s.has_fiber = true;
  s.tsan_fiber = sanitizer::tsan_create();
}

void fibers::begin_run() noexcept { eh_globals_ = abi::__cxa_get_globals(); }

void fibers::jump(std::uint32_t self, std::uint32_t next, void* data) {
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
#if defined(WEFT_SIM_FAST_SWITCH)
  const bcd::transfer_t back = weft_sim_jump(contexts_[next], data);
#else
  const bcd::transfer_t back = bcd::jump_fcontext(contexts_[next], data);
#endif
  sanitizer::asan_finish(fake_stack, nullptr, nullptr);
  contexts_[from_] = back.fctx;
}

void fibers::entered(bcd::transfer_t transfer) {
  const void* bottom = nullptr;
  std::size_t size = 0;
  sanitizer::asan_finish(nullptr, &bottom, &size);
  if (from_ == host) {
    // The first switch away from the OS thread's stack tells where that stack lies.
    stacks_[host].bottom = bottom;
    stacks_[host].size = size;
  }
  contexts_[from_] = transfer.fctx;
}

}  // namespace weft::sim::detail
