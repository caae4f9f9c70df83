// The program's global operator new/delete while weft::relacy_peer is linked in.
// No Relacy include here on purpose (relacy_scenarios.cpp explains the why):
// Relacy's headers carry inline definitions of four of these operators, which a
// second, non-inline definition in the same TU would clash with.
//
// These definitions are strong, so they take precedence over every other
// candidate: the weak copies of Relacy's inline ones emitted by
// relacy_scenarios.cpp, the weak ones of clang's static sanitizer runtimes, and
// libstdc++'s (or libasan.so's) in shared libraries. All forms but the
// align_val_t ones go to the same two functions, which do what Relacy's
// replacements do: Relacy's allocator while rl::simulate runs, malloc / free
// otherwise. The align_val_t forms stay the C++ runtime's (aligned_alloc + free
// on both sides); Relacy never hands out such memory.
//
// relacy_scenarios.cpp refers to operators_anchor, which makes the linker take
// this object whenever it takes the scenarios; without it, an archive member
// that only defines operators would be skipped whenever something earlier on
// the link line (libasan.so, a malloc library) already defines them.
#include <cstddef>
#include <new>

namespace weft::bench::relacy_peer::detail {
// Defined in relacy_allocation.cpp.
void* relacy_allocate(std::size_t size);
void relacy_deallocate(void* p) noexcept;

extern const int operators_anchor;
const int operators_anchor = 0;
}  // namespace weft::bench::relacy_peer::detail

namespace detail = weft::bench::relacy_peer::detail;

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
