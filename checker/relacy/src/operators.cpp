// The program's global operator new/delete while weft::relacy is linked in.
// No Relacy include here on purpose: Relacy's headers carry inline definitions of four of these operators, which a
// second, non-inline definition in the same TU would clash with.
//
// These definitions are strong, so they take precedence over every other
// candidate: the weak copies of Relacy's inline ones emitted by
// any TU that includes Relacy, the weak ones of clang's static sanitizer runtimes, and
// libstdc++'s (or libasan.so's) in shared libraries. All forms but the
// align_val_t ones go to the same two functions, which do what Relacy's
// replacements do: Relacy's allocator while rl::simulate runs, malloc / free
// otherwise. The align_val_t forms stay the C++ runtime's (aligned_alloc + free
// on both sides); Relacy never hands out such memory.
//
// weft::relacy's link interface names weft_relacy_operators_anchor as an
// undefined symbol (--undefined), which makes the linker take this object from
// the archive; without it, an archive member that only defines operators would
// be skipped whenever something earlier on the link line (libasan.so, a malloc
// library) already defines them.
//
// Why these are needed
// --------------------
// <relacy/context.hpp> defines *inline* replacements of the global
//   operator new(size_t), operator new[](size_t),
//   operator delete(void*), operator delete[](void*)
// which allocate from Relacy's tracking allocator while a Relacy context exists
// (rl::is_ctx(), i.e. during rl::simulate) and use ::malloc / ::free otherwise.
// Relacy's allocator puts a header in front of each block, so its blocks must
// go back through it. Being inline, each of the four is emitted (as a weak
// symbol, which then replaces libstdc++'s for the whole program) only where the
// optimiser left an out-of-line call; the sized and nothrow forms are not
// replaced at all. With g++ (sized deallocation is on by default) that is a real
// bug: at -O2 `operator new` gets emitted but `operator delete(void*)` is inlined
// away, so a `delete p` compiled as `operator delete(p, n)` runs libstdc++'s
// sized, then unsized delete, i.e. ::free() on a block from Relacy's allocator:
// "free(): invalid pointer", abort (reproduced with a std::unique_ptr made and
// reset inside a Relacy thread). Under a sanitizer it gets worse: clang's static
// ASan runtime brings weak operators of its own, linked first, so they win over
// Relacy's emitted ones while this TU still runs Relacy's inlined bodies, and
// ASan reports alloc-dealloc mismatches.
//
// What weft::relacy does about it:
//  * this file (no Relacy include) defines all the non-aligned forms
//    of global operator new/delete, strong, so they win over Relacy's weak copies,
//    sanitizer runtimes' weak ones and libstdc++'s, in whatever order the link
//    sees them. They call relacy_allocate / relacy_deallocate, in
//    allocation.cpp, which do exactly what Relacy's inline bodies do, so a
//    block allocated by either is freed correctly by either. The link interface
//    of weft::relacy names weft_relacy_operators_anchor as undefined, so this
//    object (and, through its calls, the allocation one) is always linked.
//  * Every TU that links weft::relacy is compiled with -fno-sized-deallocation
//    (a usage requirement of the target), so its deletes use the unsized
//    operator delete, as Relacy expects.
// Outside rl::simulate, the program's operator new/delete are therefore
// malloc / free behind a call and one predictable branch. During rl::simulate
// every allocation of the process goes to Relacy's single-threaded allocator,
// hence the rule in weft/relacy/runner.hpp: nothing else may allocate
// concurrently.

#include <cstddef>
#include <new>

namespace weft::relacy::detail {
// Defined in allocation.cpp.
void* relacy_allocate(std::size_t size);
void relacy_deallocate(void* p) noexcept;
}  // namespace weft::relacy::detail

extern "C" {
extern const int weft_relacy_operators_anchor;
const int weft_relacy_operators_anchor = 0;
}

namespace detail = weft::relacy::detail;

void* operator new(std::size_t size) { return detail::relacy_allocate(size); }
void* operator new[](std::size_t size) { return detail::relacy_allocate(size); }
void operator delete(void* p) noexcept { detail::relacy_deallocate(p); }
void operator delete[](void* p) noexcept { detail::relacy_deallocate(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { detail::relacy_deallocate(p); }
void operator delete[](void* p, std::size_t /*size*/) noexcept { detail::relacy_deallocate(p); }

void* operator new(std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
  try {
    return detail::relacy_allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
  try {
    return detail::relacy_allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p, const std::nothrow_t& /*tag*/) noexcept { detail::relacy_deallocate(p); }
void operator delete[](void* p, const std::nothrow_t& /*tag*/) noexcept { detail::relacy_deallocate(p); }
