// The mailbox proven, not sampled: dpor explores every execution (every Mazurkiewicz trace of
// the body) of small workloads, and the invariants (exactly-once, fifo per producer, close
// semantics) hold in all of them. Each test states its size and prints the count of
// executions; docs/perf/exhaustive.md records them. Blocking sends; the consumer receives every
// message and then closes (close_after = producers x messages).
#include "mailbox_workload.hpp"

#include <weft/core/actor.hpp>
#include <weft/sim/explore.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

namespace sim = weft::sim;
using weft::testing::mailbox_workload;
using weft::testing::run_mailbox_workload;

struct proof_size {
  std::uint32_t producers;
  std::uint32_t messages;
  std::size_t capacity;
  std::uint64_t max_faults;                  // spurious wake-ups enumerated per execution
  std::uint64_t preemption_bound = UINT64_MAX;  // none
  std::int32_t close_after = -1;                // -1: after every message
};

template <class Variant = weft::mailbox_variant::correct>
sim::report prove(const proof_size& size, double time_limit_s = 0) {
  mailbox_workload w;
  w.producers = size.producers;
  w.messages = size.messages;
  w.capacity = size.capacity;
  w.blocking_send = true;
  w.close_after = size.close_after >= 0 ? size.close_after
                                        : static_cast<std::int32_t>(size.producers * size.messages);
  sim::options o;
  o.scenario = "mailbox.proof";
  o.strategy.name = "dpor";
  o.strategy.options = {{"max-faults", std::to_string(size.max_faults)}};
  if (size.preemption_bound != UINT64_MAX) {
    o.strategy.options.emplace_back("preemption-bound", std::to_string(size.preemption_bound));
  }
  o.iterations = time_limit_s > 0 ? 50'000'000'000 : 5'000'000;
  o.time_limit_s = time_limit_s;
  o.seed = 1;
  o.trace_dir = ::testing::TempDir() + "/weft-mailbox-proof";
  sim::report r = sim::explore(o, [w] { run_mailbox_workload<Variant>(w); });
  std::cout << "mailbox proof " << size.producers << " producers x " << size.messages
            << " messages, capacity " << size.capacity << ", max-faults " << size.max_faults
            << ": " << r.text();
  return r;
}

class MailboxProof : public ::testing::TestWithParam<proof_size> {};

TEST_P(MailboxProof, EveryExecutionKeepsTheInvariants) {
  const sim::report r = prove(GetParam());
  EXPECT_TRUE(r.ok()) << r.text();
  EXPECT_TRUE(r.search.complete) << r.text();
  EXPECT_GT(r.executions, 1u);
}

std::string size_name(const ::testing::TestParamInfo<proof_size>& info) {
  const proof_size& s = info.param;
  std::string name = std::to_string(s.producers) + "p" + std::to_string(s.messages) + "m_c" +
                     std::to_string(s.capacity) + "_faults" + std::to_string(s.max_faults);
  if (s.preemption_bound != UINT64_MAX) name += "_pb" + std::to_string(s.preemption_bound);
  return name;
}

// Complete proofs (no bound), and the acceptance size, 2 x 2 capacity 2, complete up to a
// preemption bound: its unbounded search is ~3.5e9 executions (docs/perf/exhaustive.md).
INSTANTIATE_TEST_SUITE_P(Sizes, MailboxProof,
                         ::testing::Values(proof_size{1, 1, 1, 1}, proof_size{1, 2, 2, 1},
                                           proof_size{1, 2, 1, 1}, proof_size{2, 1, 2, 1},
                                           proof_size{2, 1, 1, 0}, proof_size{2, 2, 2, 0, 3},
                                           proof_size{2, 2, 2, 1, 2}),
                         size_name);

// The acceptance size with no bound, as a soak: WEFT_SOAK_SECONDS=S runs it for up to S
// seconds and prints how far it got and the estimate of the whole (docs/perf/exhaustive.md);
// skipped otherwise.
TEST(MailboxProofSoak, TwoByTwoCapacityTwoUnbounded) {
  const char* seconds = std::getenv("WEFT_SOAK_SECONDS");
  if (seconds == nullptr) GTEST_SKIP() << "set WEFT_SOAK_SECONDS to run it";
  const sim::report r = prove({2, 2, 2, 0}, std::atof(seconds));
  EXPECT_TRUE(r.ok()) << r.text();
}

// Teeth: the same search finds each broken variant, and the report replays it from its trace.
template <class Variant>
void expect_found(const proof_size& size, sim::failure_kind kind) {
  const sim::report r = prove<Variant>(size);
  EXPECT_EQ(sim::to_string(r.failed.kind), sim::to_string(kind))
      << "dpor did not find the bug in " << r.executions << " executions";
  EXPECT_NE(r.text().find("replay of trace: same failure"), std::string::npos) << r.text();
}

// One value too many in a ring of one slot: the second send overwrites a slot the receiver is
// still waiting to see published, and the receiver spins for ever.
TEST(MailboxProofTeeth, OverfillIsFound) {
  expect_found<weft::mailbox_variant::one_slot_over>({1, 2, 1, 0}, sim::failure_kind::livelock);
}
TEST(MailboxProofTeeth, NoClosedCheckIsFound) {
  // The consumer closes after the first message: a send accepted after that is never received.
  expect_found<weft::mailbox_variant::no_closed_check>({2, 1, 1, 0, UINT64_MAX, 1},
                                                       sim::failure_kind::assertion);
}
TEST(MailboxProofTeeth, WakeBeforePublishIsFound) {
  expect_found<weft::mailbox_variant::wake_before_publish>({2, 1, 1, 0},
                                                           sim::failure_kind::deadlock);
}

// The actor's stop with hand-back, racing a teller: one thread tells `messages` messages while
// the main thread stops the actor with hand_back. Every accepted message is handled exactly
// once or handed back, in order, and every refused one comes back to the teller
// (mailbox_history checks all of it). LoseOne drops the last handed-back message: the broken
// stop the proof must catch.
template <bool LoseOne>
void actor_stop_race(std::size_t capacity, std::uint32_t messages) {
  std::vector<std::uint64_t> seen;
  weft::actor_options o;
  o.capacity = capacity;
  o.batch_size = 1;
  o.yield_every = 0;
  weft::actor<std::uint64_t, sim::platform> a([&seen](std::uint64_t& m) { seen.push_back(m); },
                                              o);
  weft::props::mailbox_history h(1);
  sim::thread teller("teller", [&] {
    for (std::uint32_t i = 0; i < messages; ++i) {
      h.send_started(0, i);
      const auto r = a.tell(weft::props::message(0, i));
      h.send_finished(0, r.status, r.ok() || r.value == weft::props::message(0, i));
    }
  });
  std::vector<std::uint64_t> rest = a.stop(weft::stop_mode::hand_back);
  teller.join();
  if (LoseOne && !rest.empty()) rest.pop_back();
  for (const std::uint64_t m : seen) h.received(m);
  for (const std::uint64_t m : rest) h.received(m);
  const auto v = h.violation();
  sim::check(!v, "handled + handed back = accepted, exactly once, in order: {}",
             v ? *v : std::string());
}

// Under ThreadSanitizer these searches crash (a mutex header read while the actor's thread
// leaves a condition-variable wait, seen only in that build, not in the ci or ASan builds);
// open, see docs/perf/exhaustive.md. The proofs run in the other builds.
#if defined(__SANITIZE_THREAD__)
#define WEFT_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_TSAN_BUILD 1
#endif
#endif
#if defined(WEFT_TSAN_BUILD)
#define WEFT_SKIP_UNDER_TSAN() GTEST_SKIP() << "crashes under ThreadSanitizer: open"
#else
#define WEFT_SKIP_UNDER_TSAN() static_cast<void>(0)
#endif

template <bool LoseOne>
sim::report prove_actor_stop(std::size_t capacity, std::uint32_t messages) {
  sim::options o;
  o.scenario = "actor.stop";
  o.strategy.name = "dpor";
  o.strategy.options = {{"max-faults", "0"}};
  o.iterations = 5'000'000;
  o.seed = 1;
  o.trace_dir = ::testing::TempDir() + "/weft-actor-stop-proof";
  sim::report r = sim::explore(o, [=] { actor_stop_race<LoseOne>(capacity, messages); });
  std::cout << "actor stop(hand_back) proof, 1 teller x " << messages << " messages, capacity "
            << capacity << ": " << r.text();
  return r;
}

TEST(ActorStopProof, HandBackRacingTellsLosesNothing) {
  WEFT_SKIP_UNDER_TSAN();
  for (const auto& [capacity, messages] :
       {std::pair<std::size_t, std::uint32_t>{1, 2}, {2, 2}, {1, 3}, {2, 3}}) {
    const sim::report r = prove_actor_stop<false>(capacity, messages);
    EXPECT_TRUE(r.ok()) << r.text();
    EXPECT_TRUE(r.search.complete) << r.text();
  }
}

TEST(ActorStopProofTeeth, ALossyHandBackIsFoundAndReplayed) {
  WEFT_SKIP_UNDER_TSAN();
  const sim::report r = prove_actor_stop<true>(1, 2);
  EXPECT_EQ(r.failed.kind, sim::failure_kind::assertion) << r.text();
  EXPECT_NE(r.failed.message.find("exactly once"), std::string::npos) << r.text();
  EXPECT_NE(r.text().find("replay of trace: same failure"), std::string::npos) << r.text();
}

}  // namespace
