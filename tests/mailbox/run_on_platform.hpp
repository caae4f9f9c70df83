// Runs one test body on a platform: directly on real threads (weft::os), or explored by the
// simulator (weft::sim::platform), so the same body pins a behaviour on both.
#pragma once

#include <weft/core/os_platform.hpp>
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

namespace weft::testing {

template <class P, class F>
void run_on(F body, const char* trace_subdir, std::uint64_t iterations) {
  if constexpr (std::is_same_v<P, weft::os>) {
    body();
  } else {
    weft::sim::options o;
    o.iterations = iterations;
    o.trace_dir = ::testing::TempDir() + "/" + trace_subdir;
    weft::sim::testing::check(body, o);
  }
}

}  // namespace weft::testing
