#include <weft/sim/detail/fibers.hpp>

#include "fiber_switch.hpp"
#include "sanitizer_fibers.hpp"

#include <boost/context/fixedsize_stack.hpp>

#include <cstring>

#include <cxxabi.h>

// The lean switch declared in fiber_switch.hpp.
#if defined(WEFT_SIM_FAST_SWITCH)
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
namespace bcd = boost::context::detail;

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
