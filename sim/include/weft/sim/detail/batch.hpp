// weft/sim/detail/batch.hpp — which executions of a run one runtime call goes through.
//
// A batch runs executions first, first + 1, ... first + count - 1 of the run with seed
// `run_seed`; execution i is seeded with execution_seed(run_seed, i) (strategy.hpp), so any
// one of them can be re-run alone. A single run() passes the execution seed itself instead.
//
// Thread-safety: belongs to one runtime, used on the OS thread that runs it.
#pragma once

#include <weft/sim/strategy.hpp>

#include <cstdint>

namespace weft::sim::detail {

class batch {
 public:
  // `explicit_seed`: run_seed is the seed of the single execution (count is then 1).
  void begin(std::uint64_t run_seed, std::uint64_t first, std::uint64_t count,
             bool explicit_seed) noexcept {
    run_seed_ = run_seed;
    first_ = first;
    index_ = first;
    end_ = first + count;
    explicit_seed_ = explicit_seed;
  }
  bool has_next() const noexcept { return index_ + 1 < end_; }
  // Moves to the next execution; returns its index.
  std::uint64_t next() noexcept { return ++index_; }
  std::uint64_t first() const noexcept { return first_; }
  std::uint64_t run_seed() const noexcept { return run_seed_; }
  std::uint64_t index() const noexcept { return index_; }
  std::uint64_t end() const noexcept { return end_; }

 private:
  std::uint64_t run_seed_ = 0;
  std::uint64_t first_ = 0;
  std::uint64_t index_ = 0;
  std::uint64_t end_ = 0;
  bool explicit_seed_ = false;
};

}  // namespace weft::sim::detail
