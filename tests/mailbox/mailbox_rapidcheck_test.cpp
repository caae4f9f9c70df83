// RapidCheck properties of the mailbox: the input is a generated workload (producers,
// messages, capacity, blocking or not, batch sends, batch receives, when close happens) and a
// simulator seed.
// A failure shrinks to a small workload; its message carries the weft report with the seed
// and the trace file that reproduce it.
#include "mailbox_workload.hpp"

#include <weft/sim/explore.hpp>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <iostream>
#include <sstream>

namespace {

namespace sim = weft::sim;
using weft::testing::mailbox_workload;

rc::Gen<mailbox_workload> workloads() {
  return rc::gen::build<mailbox_workload>(
      rc::gen::set(&mailbox_workload::producers, rc::gen::inRange<std::uint32_t>(1, 4)),
      rc::gen::set(&mailbox_workload::messages, rc::gen::inRange<std::uint32_t>(1, 5)),
      rc::gen::set(&mailbox_workload::capacity, rc::gen::inRange<std::size_t>(1, 5)),
      rc::gen::set(&mailbox_workload::blocking_send, rc::gen::arbitrary<bool>()),
      // Half the workloads send one value at a time, half in batches of 2-4 (try_send_batch).
      rc::gen::set(&mailbox_workload::send_batch,
                   rc::gen::weightedElement<std::size_t>({{3, 1}, {1, 2}, {1, 3}, {1, 4}})),
      rc::gen::set(&mailbox_workload::batch, rc::gen::inRange<std::size_t>(1, 65)),
      rc::gen::set(&mailbox_workload::close_after, rc::gen::inRange<std::int32_t>(-2, 6)));
}

// Explores one generated workload from one generated seed (100 executions, PCT or random).
template <class Variant>
sim::report explore_workload(const mailbox_workload& w, std::uint64_t seed, bool pct) {
  sim::options o;
  o.scenario = "mailbox.rapidcheck";
  o.seed = seed;
  o.iterations = 100;
  o.strategy.name = pct ? "pct" : "random";
  o.trace_dir = ::testing::TempDir() + "/weft-mailbox-rapidcheck";
  return sim::explore(o, [w] { weft::testing::run_mailbox_workload<Variant>(w); });
}

RC_GTEST_PROP(MailboxProperties, InvariantsHoldForEveryGeneratedWorkload, ()) {
  const mailbox_workload w = *workloads();
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const bool pct = *rc::gen::arbitrary<bool>();
  const sim::report r = explore_workload<weft::mailbox_variant::correct>(w, seed, pct);
  if (!r.ok()) {
    std::ostringstream why;
    why << w << "\n" << r.text();
    RC_FAIL(why.str());
  }
}

// The property has teeth: on the variant that forgets the closed check it fails, and
// RapidCheck shrinks the counterexample (printed above the result) to a small workload.
TEST(MailboxProperties, PropertyFailsAndShrinksOnTheMissingClosedCheckVariant) {
  const bool passed = rc::check("no-closed-check variant keeps the invariants", [] {
    const mailbox_workload w = *workloads();
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    const sim::report r = explore_workload<weft::mailbox_variant::no_closed_check>(w, seed, true);
    if (!r.ok()) std::cout << w << "\n" << r.text();
    RC_ASSERT(r.ok());
  });
  EXPECT_FALSE(passed) << "RapidCheck should have found the dropped messages";
}

}  // namespace
