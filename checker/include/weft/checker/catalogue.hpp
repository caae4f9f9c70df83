// weft/checker/catalogue.hpp — the built-in scenarios: classic concurrency bugs, each beside
// its fixed twin ("<name>-fixed").
//
// They are the `weft explore` demonstration and the simulator's own acceptance tests: every
// bug must be found by every strategy within the default budget, and every twin must pass.
// Each body is written against the sim platform exactly as a user would write a test.
#pragma once

#include <weft/checker/registry.hpp>

#include <string_view>
#include <vector>

namespace weft::checker {

// Every scenario, bugs and twins interleaved: lost-update, lost-update-fixed, ...
const std::vector<scenario>& catalogue();
// nullptr when no scenario has that name.
const scenario* find_scenario(std::string_view name);

}  // namespace weft::checker
