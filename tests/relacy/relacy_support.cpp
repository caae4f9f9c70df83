// The allocation half of the program's global operator new/delete in the Relacy test
// executables. The operators themselves are bench/relacy/relacy_operators.cpp, reused as is
// (its comment explains the why): they call the two functions below, which do what Relacy's
// inline operator new/delete do, out of line — Relacy's allocator while rl::simulate runs,
// malloc/free otherwise — so every block goes back to the allocator it came from, whichever
// form of delete the compiler picked. Compiled, like every TU that includes Relacy, with -w and
// -fno-sized-deallocation (see CMakeLists.txt).
#include <cstddef>
#include <cstdlib>
#include <new>

#include "relacy_platform.hpp"

namespace weft::bench::relacy_peer::detail {

// Not `return ::operator new(size);`: that would come straight back here.
void* relacy_allocate(std::size_t size) {
  if (rl::is_ctx()) return rl::ctx().alloc(size);
  if (void* p = std::malloc(size != 0 ? size : 1)) return p;
  throw std::bad_alloc();
}

void relacy_deallocate(void* p) noexcept {
  if (p == nullptr) return;
  if (rl::is_ctx()) {
    rl::ctx().free(p);
  } else {
    std::free(p);
  }
}

// relacy_operators.cpp defines this; referring to it makes the linker keep that object whenever
// it keeps this one.
extern const int operators_anchor;
[[gnu::used]] const int* const keep_operators = &operators_anchor;

}  // namespace weft::bench::relacy_peer::detail
