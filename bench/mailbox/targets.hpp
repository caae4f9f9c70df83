// The targets of weft::mailbox, judged on a run's JSON rows (docs/perf/mailbox.md). Used at the
// end of a run and by --summarize on a stored result.
#pragma once

#include "mailbox/report.hpp"

namespace mailbox_bench {

// Judges every target the given rows have figures for (a target without them is left out),
// prints one line per target under "[summary]", and returns {"targets": [...]}.
//   tp     throughput and work rows     lat    latency rows (an array, maybe empty)
//   stall  stall rows                   st     the steady section (an object, or null)
//   timer_overhead_ns  the run's timer overhead, named in the latency target's figure
json summarize(const json& tp, const json& lat, const json& stall, const json& st,
               double timer_overhead_ns);

}  // namespace mailbox_bench
