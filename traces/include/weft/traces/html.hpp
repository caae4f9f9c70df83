// A trace as one self-contained HTML page (inline CSS and script, nothing fetched).
#pragma once

#include <string>

#include "weft/traces/trace.hpp"

namespace weft::traces {

// The page has a header (scenario, strategy, params, the failure and its message), then a grid
// with one lane (element class "lane", data-thread="<id>") per thread that performs a step or
// fails, and one row per step: its index and, in the performing thread's lane, an element of
// class "step" (id "s<index>") with the kind, object, order, value and source location. The
// failing thread's last step also has class "fail". Steps the failure message involves get
// class "involved": for a data race the other thread's last step ("by t<N>"), for a deadlock
// or leak each listed thread's last step; a script draws each relation ("held by t<K>",
// "joins t<K>", the race's two threads) as an SVG arrow (class "link-line") between the lanes.
// All text from the trace is HTML-escaped; bytes outside printable ASCII are shown as \xHH.
// Thread-safe (a pure function).
std::string render_html(const trace& t);

}  // namespace weft::traces
