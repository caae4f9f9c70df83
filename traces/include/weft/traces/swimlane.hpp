// Terminal rendering of a trace as one column per thread ("swimlanes").
#pragma once

#include <cstddef>
#include <string>

#include "weft/traces/trace.hpp"

namespace weft::traces {

// Width of one thread column in render_swimlane(), separators excluded.
inline constexpr std::size_t swimlane_column_width = 22;

// Plain-ASCII view of a trace: a header (scenario, strategy, platform, params
// such as the seed, failure), then a table with one column per thread headed
// "t<id> <name>" and one row per step: its index, the step text
// "kind [o<object>] [order] [=value]" in the performing thread's column, and
// its location. The failing thread's last step is marked "<-- FAIL: <kind>".
// With max_steps > 0 only the last max_steps steps are shown and the number
// elided is stated. Long text is cut; bytes that are not printable ASCII are
// shown as escapes.
std::string render_swimlane(const trace& t, std::size_t max_steps = 0);

}  // namespace weft::traces
