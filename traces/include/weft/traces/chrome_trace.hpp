// A trace in the Chrome trace-event JSON format, which Perfetto (ui.perfetto.dev) and
// chrome://tracing open.
#pragma once

#include <string>

#include "weft/traces/trace.hpp"

namespace weft::traces {

// {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {"scenario", "strategy",
// "params": {...}}}: process 1 is the
// scenario ("process_name" metadata); each thread that performs a step, or fails, is a track
// (tid = thread id, "thread_name" metadata "t<id> <name>"). Time is the step index (one
// microsecond per step): each step is an instant event ("ph": "i", "s": "t") named by its
// kind, with its object, order, value and location in args; a thread's "block" step opens a
// complete event ("ph": "X", name "blocked") lasting until that thread's next step (or the
// end of the trace); the failure is an instant "FAIL: <kind>" on the failing thread after the
// last step. Strings are JSON-escaped; bytes outside printable ASCII become \u00XX, so the
// output is ASCII and valid JSON for any trace. Thread-safe (a pure function).
std::string render_chrome_trace(const trace& t);

}  // namespace weft::traces
