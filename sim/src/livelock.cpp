#include <weft/sim/detail/livelock.hpp>
#include <weft/sim/detail/thread_table.hpp>

#include <algorithm>
#include <cstring>

// weft_sim_with_registers(arg, fn): pushes the callee-saved registers (which hold the caller's
// locals, or its callers'), then calls fn(arg, sp) with sp pointing at them. Above them lie the
// return address into the caller and the caller's frames, up to the top of the fiber's stack.
// With call frame information, so that an exception thrown inside fn (an aborted execution
// unwinds every thread) passes through it.
#if defined(__x86_64__) && defined(__linux__)
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl weft_sim_with_registers\n"
    ".hidden weft_sim_with_registers\n"
    ".type weft_sim_with_registers,@function\n"
    "weft_sim_with_registers:\n"
    "  .cfi_startproc\n"
    "  pushq %rbp\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  .cfi_rel_offset %rbp, 0\n"
    "  pushq %rbx\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  .cfi_rel_offset %rbx, 0\n"
    "  pushq %r12\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  .cfi_rel_offset %r12, 0\n"
    "  pushq %r13\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  .cfi_rel_offset %r13, 0\n"
    "  pushq %r14\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  .cfi_rel_offset %r14, 0\n"
    "  pushq %r15\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  .cfi_rel_offset %r15, 0\n"
    "  movq %rsi, %rax\n"
    "  movq %rsp, %rsi\n"
    "  subq $8, %rsp\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  callq *%rax\n"
    "  addq $8, %rsp\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  popq %r15\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  .cfi_restore %r15\n"
    "  popq %r14\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  .cfi_restore %r14\n"
    "  popq %r13\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  .cfi_restore %r13\n"
    "  popq %r12\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  .cfi_restore %r12\n"
    "  popq %rbx\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  .cfi_restore %rbx\n"
    "  popq %rbp\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  .cfi_restore %rbp\n"
    "  ret\n"
    "  .cfi_endproc\n"
    ".size weft_sim_with_registers,.-weft_sim_with_registers\n"
    ".section .note.GNU-stack,\"\",%progbits\n"
    ".text\n");
#else
extern "C" void weft_sim_with_registers(void* arg,
                                        void (*fn)(void* arg, const std::uint64_t* saved)) {
  // Never called: the check is off where there is no capture (livelock_check_supported).
  fn(arg, nullptr);
}
#endif

namespace weft::sim::detail {
namespace {

constexpr std::uint64_t k_mul = 0x9e3779b97f4a7c15ull;

inline std::uint64_t step_hash(std::uint64_t h, std::uint64_t word) noexcept {
  h ^= word * k_mul;
  h = (h << 27) | (h >> 37);
  return h * 0xff51afd7ed558ccdull;
}

// Reads another fiber's stack, frames, red zones and all: nothing a sanitizer should check.
__attribute__((no_sanitize("address", "thread", "undefined"))) std::uint64_t hash_words(
    const std::uint64_t* from, const std::uint64_t* to) noexcept {
  std::uint64_t a = 0x243f6a8885a308d3ull;
  std::uint64_t b = 0x13198a2e03707344ull;
  const std::uint64_t* p = from;
  for (; p + 2 <= to; p += 2) {
    a = step_hash(a, p[0]);
    b = step_hash(b, p[1]);
  }
  if (p < to) a = step_hash(a, *p);
  return mix64(a ^ (b << 1) ^ static_cast<std::uint64_t>(to - from));
}

}  // namespace

std::uint64_t hash_bytes(const void* data, std::size_t size) noexcept {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint64_t h = 0x6a09e667f3bcc908ull ^ size;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes + i, 8);
    h = step_hash(h, w);
  }
  if (i < size) {
    std::uint64_t w = 0;
    std::memcpy(&w, bytes + i, size - i);
    h = step_hash(h, w);
  }
  return mix64(h);
}

std::uint64_t livelock_check::stack_hash(const std::uint64_t* from,
                                         const std::uint64_t* to) const noexcept {
  const auto b = reinterpret_cast<std::uintptr_t>(from);
  const auto e = reinterpret_cast<std::uintptr_t>(to);
  std::uint64_t h = 0;
  std::uintptr_t at = b;
  // masks_ is sorted: the first one that ends above `from`, then on while they start below `to`.
  auto m = std::lower_bound(masks_.begin(), masks_.end(), b,
                            [](const range& r, std::uintptr_t v) { return r.end <= v; });
  for (; m != masks_.end() && m->begin < e; ++m) {
    if (m->begin > at) {
      h = step_hash(h, hash_words(reinterpret_cast<const std::uint64_t*>(at),
                                  reinterpret_cast<const std::uint64_t*>(m->begin)));
    }
    at = std::max(at, m->end);
  }
  if (at < e) {
    h = step_hash(h, hash_words(reinterpret_cast<const std::uint64_t*>(at), to));
  }
  return h;
}

std::uint64_t livelock_check::thread_hash(std::uint32_t t, bool captured,
                                          const thread_table& threads, const pending_op& pending,
                                          std::int64_t now_ns) const noexcept {
  const thread_slot& s = threads[t];
  std::uint64_t h = 0;
  if (captured) {
    const position& p = positions_[t];
    h = step_hash(stack_hash(p.saved, p.top), static_cast<std::uint64_t>(p.kind));
  } else {
    // Blocked (or woken and not yet run) for something other than a sleep: what it waits for,
    // and which wait this is.
    h = step_hash(h, static_cast<std::uint64_t>(pending.reason) |
                         (static_cast<std::uint64_t>(pending.object) << 32));
    h = step_hash(h, s.wait_seq);
    // Whether the wait timed out is what it sees when it runs (at a yield or sleep, the flag
    // is what is left of an earlier wait: not state).
    h = step_hash(h, static_cast<std::uint64_t>(s.timed_out));
  }
  h = step_hash(h, static_cast<std::uint64_t>(s.state));
  // A deadline counts by what is left of it: a back-off that sleeps a fixed time repeats.
  if (s.state == thread_state::blocked && s.deadline_ns >= 0) {
    h = step_hash(h, static_cast<std::uint64_t>(s.deadline_ns - now_ns));
  }
  return mix64(h ^ (std::uint64_t{t} * k_mul));
}

bool livelock_check::check(std::uint32_t current, std::uint64_t step, const thread_table& threads,
                           const pending_op* pending, std::int64_t now_ns) {
  if (!on()) return false;
  const std::uint32_t n = threads.count();
  // Cheap first: every thread must sit where it was captured, be blocked, or have finished;
  // one woken and not run since has not run in any cycle.
  std::uint32_t at_capture = 0;
  for (std::uint32_t t = 0; t < n; ++t) {
    if (threads[t].state == thread_state::finished) continue;
    if (captured(t, current, pending)) {
      at_capture |= 1u << t;
    } else if (pending[t].kind != point_kind::block ||
               threads[t].state != thread_state::blocked) {
      return false;
    }
  }
  if (!masks_sorted_) {
    std::sort(masks_.begin(), masks_.end(),
              [](const range& x, const range& y) { return x.begin < y.begin; });
    masks_sorted_ = true;
  }
  std::uint64_t h = objects_ ^ mix64(clock_seen_ ^ 0x3c6ef372fe94f82bull) ^
                    mix64(draws_ ^ 0xa54ff53a5f1d36f1ull) ^ mix64(std::uint64_t{n} * k_mul);
  for (std::uint32_t t = 0; t < n; ++t) {
    if (threads[t].state == thread_state::finished) {
      h ^= mix64(0x510e527fade682d1ull + t);
    } else {
      h ^= thread_hash(t, (at_capture >> t & 1u) != 0, threads, pending[t], now_ns);
    }
  }

  const std::size_t mask = table_.size() - 1;
  std::size_t i = static_cast<std::size_t>(h) & mask;
  for (std::size_t probe = 0; probe < 16; ++probe, i = (i + 1) & mask) {
    entry& e = table_[i];
    if (e.generation != generation_) {
      if (full_) return false;
      e = entry{h, step, generation_, 0};
      return false;
    }
    if (e.state != h) continue;
    // Seen before: a fair cycle if every thread that can run has run since.
    for (std::uint32_t t = 0; t < n; ++t) {
      if (t == current || threads[t].state != thread_state::runnable) continue;
      if (positions_[t].step <= e.step) return false;
    }
    if (++e.seen >= repeats_) return true;
    e.step = step;
    return false;
  }
  full_ = true;  // no room near this hash: states from now on are not kept
  return false;
}

}  // namespace weft::sim::detail
