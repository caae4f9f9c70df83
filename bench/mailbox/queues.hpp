// The registry of the queues a run can measure: key, label, what kind of queue it is, and its
// one-run function per payload and capacity.
#pragma once

#include "mailbox/harness.hpp"

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mailbox_bench {

using run_fn = run_result (*)(const run_config&);

struct queue_entry {
  std::string key;
  std::string label;
  bool weft = false;
  bool bounded = true;
  bool spsc_only = false;
  bool payload8_only = false;
  std::map<std::pair<std::size_t, std::size_t>, run_fn> fns;  // (payload, capacity) -> run
  bool reference = false;  // a design for comparison, not a peer: the targets leave it out
};

// The capacities every queue is built for.
constexpr std::array<std::size_t, 3> capacities{64, 512, 4096};

// Every queue, weft's first, in the order of the tables.
std::vector<queue_entry> all_queues();

}  // namespace mailbox_bench
