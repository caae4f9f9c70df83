// Counting replacement of the global operator new, for benchmarks that report allocations per
// operation. Link alloc_count.cpp into the benchmark binary; it replaces every form of operator
// new and delete in that binary (over malloc/aligned_alloc and free).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace weft::bench {

// Allocations made so far through operator new (every form) and through counted_malloc.
std::uint64_t allocations() noexcept;

// Counts one allocation made elsewhere (an allocator that calls its own allocation function).
void count_allocation() noexcept;

// malloc that counts as one allocation (for libraries with their own allocation hook).
void* counted_malloc(std::size_t n) noexcept;

}  // namespace weft::bench
