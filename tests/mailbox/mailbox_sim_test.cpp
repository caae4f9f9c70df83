// The mailbox under the simulator: its invariants across many workloads and both strategies,
// and the deliberately broken variants, each found, replayed, and kept as a regression trace.
#include "mailbox_workload.hpp"

#include <weft/core/mailbox.hpp>
#include <weft/properties/mailbox_history.hpp>
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>
#include <weft/traces/trace_io.hpp>

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <sstream>

namespace {

namespace sim = weft::sim;
using weft::testing::mailbox_workload;
using weft::testing::run_mailbox_workload;

sim::options explore_options(const char* strategy, std::uint64_t iterations) {
  sim::options o;
  o.strategy.name = strategy;
  o.iterations = iterations;
  o.trace_dir = ::testing::TempDir() + "/weft-mailbox-sim";
  return o;
}

std::vector<mailbox_workload> workloads() {
  std::vector<mailbox_workload> out;
  for (std::uint32_t producers : {1u, 2u, 3u}) {
    for (std::size_t capacity : {1u, 2u, 3u, 4u}) {
      for (std::int32_t close_after : {-1, 1, -2}) {
        for (bool blocking : {true, false}) {
          mailbox_workload w;
          w.producers = producers;
          w.messages = producers == 3 ? 1 : 2;
          w.capacity = capacity;
          w.close_after = close_after;
          w.blocking_send = blocking;
          w.batch = capacity % 2 == 0 ? 3 : 1;
          out.push_back(w);
        }
      }
    }
  }
  // Batch sends (try_send_batch of up to 3 of a producer's 3 messages), partly accepted when the
  // ring has less room than the batch.
  for (std::uint32_t producers : {1u, 2u}) {
    for (std::size_t capacity : {1u, 2u, 3u, 4u}) {
      for (std::int32_t close_after : {-1, 1, -2}) {
        mailbox_workload w;
        w.producers = producers;
        w.messages = 3;
        w.capacity = capacity;
        w.close_after = close_after;
        w.blocking_send = false;
        w.send_batch = 3;
        w.batch = capacity % 2 == 0 ? 1 : 2;
        out.push_back(w);
      }
    }
  }
  return out;
}

// 96 workloads x 2 strategies x 1000 executions, each from a fresh seed printed on failure.
TEST(MailboxSim, InvariantsHoldAcrossWorkloadsAndStrategies) {
  for (const mailbox_workload& w : workloads()) {
    for (const char* strategy : {"random", "pct"}) {
      std::ostringstream name;
      name << w << " " << strategy;
      SCOPED_TRACE(name.str());
      sim::testing::check([w] { run_mailbox_workload(w); }, explore_options(strategy, 1000));
    }
  }
}

// ----- misuse: a clear assertion, not a silent no-op -----

void expect_misuse(const char* scenario, void (*body)(), const char* message) {
  sim::options o = explore_options("random", 10);
  o.scenario = scenario;
  sim::testing::expect_failure(body, sim::failure_kind::assertion, message, o);
}

TEST(MailboxMisuse, BatchSizesOutsideTheirRangesAreAssertions) {
  expect_misuse("MailboxMisuse.EmptyBatchSend", [] {
    weft::mailbox<int, sim::platform> box(2);
    (void)box.try_send_batch(std::span<int>());
  }, "the batch must hold at least one value");
  expect_misuse("MailboxMisuse.BatchReceiveOfNone", [] {
    weft::mailbox<int, sim::platform> box(2);
    std::array<int, 1> out{};
    (void)box.try_recv_batch(out.begin(), 0);
  }, "max must be at least 1");
  expect_misuse("MailboxMisuse.BatchReceiveOfTooMany", [] {
    weft::mailbox<int, sim::platform> box(2);
    std::array<int, 65> out{};
    (void)box.try_recv_batch(out.begin(), 65);
  }, "max must be at most 64");
}

// ----- teeth: each broken variant is found, reproduced from its seed and its trace -----

void relaxed_publish_body() {
  mailbox_workload w;
  w.producers = 1;
  w.messages = 1;
  run_mailbox_workload<weft::mailbox_variant::relaxed_publish>(w);
}

void no_closed_check_body() {
  mailbox_workload w;
  w.producers = 2;
  w.messages = 2;
  w.capacity = 4;
  w.close_after = 0;  // the receiver closes at once, then drains
  w.blocking_send = false;
  run_mailbox_workload<weft::mailbox_variant::no_closed_check>(w);
}

// Busy only when full: with the receiver not yet started, `capacity` sends must all fit.
void one_slot_short_body() {
  weft::mailbox<int, sim::platform, weft::mailbox_variant::one_slot_short> box(2);
  const auto first = box.try_send(1);
  const auto second = box.try_send(2);
  sim::check(first.ok() && second.ok(),
             "busy-only-when-full: a send was refused with fewer than capacity values queued");
}

// Never more than capacity queued: a room check that lets capacity + 1 in overwrites a value
// the receiver has not taken yet. With the receiver not started, the third send into a mailbox
// of 2 must be busy; the broken variant accepts it, and the receiver's capacity-bound
// assertion finds its next value overwritten. (Concurrently, the simulator reports the same
// bug as a data race between that send and the receive of the overwritten value.)
void one_slot_over_body() {
  weft::mailbox<int, sim::platform, weft::mailbox_variant::one_slot_over> box(2);
  for (int i = 0; i < 3; ++i) (void)box.try_send(i);
  (void)box.try_recv();
}

// The batch send's room check, off: a batch that claims all its positions once one is free
// overwrites a queued value (capacity 2, one value queued, a batch of two).
void batch_overfill_body() {
  weft::mailbox<int, sim::platform, weft::mailbox_variant::batch_overfill> box(2);
  (void)box.try_send(0);
  std::array<int, 2> batch{1, 2};
  (void)box.try_send_batch(batch);
  (void)box.try_recv();
}

void wake_before_publish_body() {
  mailbox_workload w;
  w.producers = 1;
  w.messages = 1;
  run_mailbox_workload<weft::mailbox_variant::wake_before_publish>(w);
}

struct tooth {
  const char* name;
  void (*body)();
  sim::failure_kind kind;
  const char* message;
};

const tooth teeth[] = {
    {"MailboxTeeth.RelaxedPublishOfTheSlotIsARace", relaxed_publish_body,
     sim::failure_kind::data_race, "data race on var"},
    {"MailboxTeeth.MissingClosedCheckDropsMessages", no_closed_check_body,
     sim::failure_kind::assertion, "invariant violated"},
    {"MailboxTeeth.OffByOneCapacityIsBusyBeforeFull", one_slot_short_body,
     sim::failure_kind::assertion, "busy-only-when-full"},
    {"MailboxTeeth.WakeCheckBeforeClaimLosesAWakeUp", wake_before_publish_body,
     sim::failure_kind::deadlock, "every thread is blocked"},
    {"MailboxTeeth.OffByOneRoomOverwritesAQueuedValue", one_slot_over_body,
     sim::failure_kind::assertion, "capacity bound"},
    {"MailboxTeeth.BatchSendPastTheRoomOverwritesAQueuedValue", batch_overfill_body,
     sim::failure_kind::assertion, "capacity bound"},
};

void expect_tooth(const tooth& t) {
  for (const char* strategy : {"random", "pct"}) {
    sim::options o = explore_options(strategy, 20000);
    o.scenario = t.name;
    // Set WEFT_CORPUS_DIR=traces/regressions/mailbox to refresh the committed corpus.
    if (const char* corpus = std::getenv("WEFT_CORPUS_DIR")) o.trace_dir = corpus;
    sim::testing::expect_failure(t.body, t.kind, t.message, o);
  }
}

TEST(MailboxTeeth, RelaxedPublishOfTheSlotIsARace) { expect_tooth(teeth[0]); }
TEST(MailboxTeeth, MissingClosedCheckDropsMessages) { expect_tooth(teeth[1]); }
TEST(MailboxTeeth, OffByOneCapacityIsBusyBeforeFull) { expect_tooth(teeth[2]); }
TEST(MailboxTeeth, WakeCheckBeforeClaimLosesAWakeUp) { expect_tooth(teeth[3]); }
TEST(MailboxTeeth, OffByOneRoomOverwritesAQueuedValue) { expect_tooth(teeth[4]); }
TEST(MailboxTeeth, BatchSendPastTheRoomOverwritesAQueuedValue) { expect_tooth(teeth[5]); }

// Every trace in traces/regressions/mailbox replays to its recorded failure.
TEST(MailboxCorpus, EveryRegressionTraceReplaysToItsFailure) {
  std::map<std::string, void (*)()> bodies;
  for (const tooth& t : teeth) bodies[t.name] = t.body;
  std::size_t replayed = 0;
  std::set<std::string> scenarios;
  for (const auto& entry : std::filesystem::directory_iterator(WEFT_MAILBOX_CORPUS)) {
    if (entry.path().extension() != ".wtrace") continue;
    const weft::traces::trace t = weft::traces::read_file(entry.path());
    const auto body = bodies.find(t.scenario);
    ASSERT_NE(body, bodies.end()) << entry.path() << ": no body for scenario " << t.scenario;
    const sim::report r = sim::replay_trace(t, body->second);
    EXPECT_TRUE(r.reproduced_from_trace) << entry.path() << ": " << r.failed.message;
    // The same trace as if recorded in another checkout, before some lines moved: it must
    // still replay (locations are not part of what a failure is).
    weft::traces::trace moved = t;
    auto relocate = [](std::string text) {
      for (std::size_t at = text.find(".hpp:"); at != std::string::npos; at = text.find(".hpp:", at + 1)) {
        text.replace(at + 5, 1, "9");  // first digit of the line number changes
      }
      for (std::size_t at = text.find("/core/"); at != std::string::npos; at = text.find("/core/", at + 20)) {
        text.insert(at, "/elsewhere");
      }
      return text;
    };
    moved.failure->message = relocate(moved.failure->message);
    moved.failure->where.file = "/elsewhere" + moved.failure->where.file;
    for (auto& step : moved.steps) step.where.file = "/elsewhere" + step.where.file;
    const sim::report m = sim::replay_trace(moved, body->second);
    EXPECT_TRUE(m.reproduced_from_trace) << entry.path() << " relocated: " << m.failed.message;
    ++replayed;
    scenarios.insert(t.scenario);
  }
  for (const tooth& t : teeth) {
    EXPECT_EQ(scenarios.count(t.name), 1u) << "the corpus holds no trace of " << t.name;
  }
  EXPECT_GE(replayed, std::size(teeth));
}

}  // namespace
