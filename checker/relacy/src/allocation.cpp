// The allocation half of the program's global operator new/delete wherever Relacy is linked in
// (weft::relacy, used by every Relacy check and by the benchmark's Relacy half). The operators
// in operators.cpp call the two
// functions below, which do what Relacy's inline operator new/delete do, out of line: Relacy's
// allocator while rl::simulate runs, malloc/free otherwise, so every block goes back to the
// allocator it came from, whichever form of delete the compiler picked (bench/relacy/relacy_scenarios.cpp
// tells the whole story). Compiled, like every TU that includes Relacy, with
// -fno-sized-deallocation.

// Everything from the standard library comes before Relacy, whose last lines #define new,
// delete, malloc, free, assert and errno.
#include <cstddef>
#include <cstdlib>
#include <new>

#include <weft/relacy/detail/relacy_include.hpp>

namespace weft::relacy::detail {

// Not `return ::operator new(size);`: if the compiler chose not to inline Relacy's body, that
// would call the program's operator new, i.e. come straight back here.
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

}  // namespace weft::relacy::detail
