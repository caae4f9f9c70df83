// The sections of a benchmark run: each runs its configurations (waiting for a quiet machine
// before each round), prints a table per configuration and returns its JSON.
//
//   steady      producers paced at a fixed rate (1M msg/s in total), a consumer that blocks;
//               then zeroize off against on at 10k msg/s
//   zeroize     the cost of zeroisation per message on one thread (no contention)
//   throughput  messages/s, allocations and busy results per message
//   work        the same with a consumer that spends ~50 ns on each message
//   latency     time of try_send under MPSC load (every 64th call timed)
//   stall       2 producers against a small bounded queue with a watchdog
#pragma once

#include "mailbox/context.hpp"
#include "mailbox/queues.hpp"
#include "mailbox/report.hpp"

#include <vector>

namespace mailbox_bench {

// Measures the TSC rate and the timer's own cost, and sizes the consumer's work to ~50 ns.
calibration calibrate();

json throughput_section(context& ctx, const std::vector<queue_entry>& queues, bool work);
json latency_section(context& ctx, const std::vector<queue_entry>& queues);
json stall_section(context& ctx, const std::vector<queue_entry>& queues);
json steady_section(context& ctx);
json zeroize_section(context& ctx);

}  // namespace mailbox_bench
