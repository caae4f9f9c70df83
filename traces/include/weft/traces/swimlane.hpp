// Terminal rendering of a trace as one column per thread ("swimlanes").
#pragma once

#include <cstddef>
#include <string>

#include "weft/traces/trace.hpp"

namespace weft::traces {

// Widest a lane grows before its text wraps onto more lines (separators excluded); a lane is
// as narrow as its text allows, and at least as wide as its longest word.
inline constexpr std::size_t swimlane_column_width = 40;
// Longest word shown whole; longer ones (a huge name) are cut and end in "..".
inline constexpr std::size_t swimlane_max_word = 64;
// Most lanes drawn side by side. When more threads run in the rows shown, each row is one
// line naming its thread instead.
inline constexpr std::size_t swimlane_max_lanes = 8;

// Plain-ASCII view of a trace: a header (scenario, strategy, platform, params
// such as the seed, failure), then a table with one lane per thread that runs
// in the rows shown, headed "t<id> <name>", and one row per step and note in
// execution order: the step index ("-" for a note), the text
// "kind [object] [order] [=value] [r=<read>] [w=<written>] [ok|failed]" in the
// performing thread's lane (an object by its name if it has one, else
// o<id>), and the location. The failing thread's last row is marked
// "<-- FAIL: <kind>". With max_steps > 0 only the last max_steps rows are
// shown and the number elided is stated. Text wraps at spaces, never inside a
// word (except one longer than swimlane_max_word); bytes that are not
// printable ASCII are shown as escapes. The output grows with the rows shown,
// not with the threads declared.
std::string render_swimlane(const trace& t, std::size_t max_steps = 0);

}  // namespace weft::traces
