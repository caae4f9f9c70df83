#include "mailbox/queues.hpp"

#include "mailbox/peers.hpp"

#include <utility>

namespace mailbox_bench {
namespace {

template <template <class, std::size_t> class Q, class M, std::size_t... Caps>
void fill(queue_entry& e, std::index_sequence<Caps...>) {
  ((e.fns[{sizeof(M), capacities[Caps]}] = &run_queue<Q<M, capacities[Caps]>, M>), ...);
}

template <template <class, std::size_t> class Q>
queue_entry make_entry(std::string key, std::string label, bool weft, bool bounded,
                       bool spsc_only) {
  queue_entry e{std::move(key), std::move(label), weft, bounded, spsc_only, false, {}, false};
  fill<Q, msg8>(e, std::make_index_sequence<capacities.size()>{});
  fill<Q, msg64>(e, std::make_index_sequence<capacities.size()>{});
  return e;
}

template <class M, std::size_t Cap>
using aq_atomic_any = aq_atomic<msg8, Cap>;  // instantiated for 8-byte payloads only

}  // namespace

std::vector<queue_entry> all_queues() {
  std::vector<queue_entry> q;
  q.push_back(make_entry<weft_plain>("weft", "weft::mailbox (try_recv_batch)", true, true, false));
  q.push_back(
      make_entry<weft_zeroize>("weft_zeroize", "weft::mailbox, zeroize on", true, true, false));
  q.push_back(
      make_entry<weft_single_q>("weft_single", "weft::mailbox (try_recv)", true, true, false));
  q.push_back(
      make_entry<mc_bounded>("mc_bounded", "moodycamel try_enqueue (bounded)", false, true, false));
  q.push_back(make_entry<mc_bounded_token>(
      "mc_bounded_token", "moodycamel try_enqueue + token (bounded)", false, true, false));
  q.push_back(make_entry<mc_unbounded>("mc_unbounded", "moodycamel enqueue + token (unbounded)",
                                       false, false, false));
  q.push_back(make_entry<aq2_mpmc>("aq2", "atomic_queue AtomicQueue2", false, true, false));
  {
    queue_entry e{
        "aq_atomic", "atomic_queue AtomicQueue (8-byte atomics)", false, true, false, true, {},
        false};
    fill<aq_atomic_any, msg8>(e, std::make_index_sequence<capacities.size()>{});
    q.push_back(std::move(e));
  }
  q.push_back(
      make_entry<aq2_spsc>("aq2_spsc", "atomic_queue AtomicQueue2 SPSC", false, true, true));
  q.push_back(make_entry<boost_q>("boost_queue", "boost::lockfree::queue", false, true, false));
  q.push_back(
      make_entry<boost_spsc>("boost_spsc", "boost::lockfree::spsc_queue", false, true, true));
  q.push_back(make_entry<tbb_q>("tbb", "tbb::concurrent_bounded_queue", false, true, false));
  q.push_back(make_entry<mutex_deque>("mutex_deque", "std::mutex + std::deque (bulk pop)", false,
                                      true, false));
  q.push_back(make_entry<vyukov_q>("vyukov", "reference: plain Vyukov MPMC ring (not a peer)", false,
                                   true, false));
  q.back().reference = true;
  return q;
}

}  // namespace mailbox_bench
