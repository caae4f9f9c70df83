// The registry entries of the strategies defined outside strategies.cpp (one file each).
#pragma once

#include <weft/sim/strategy.hpp>

#include <vector>

namespace weft::sim::detail {

std::vector<strategy_info> sampling_strategies();  // pos, surw (sampling.cpp)
std::vector<strategy_info> search_strategies();    // dfs, dpor (dpor.cpp)

}  // namespace weft::sim::detail
