// weft::actor on real threads and in the simulator: handled in order, stop delivers or hands
// back every accepted message, senders never block, bad options are clear errors.
#include <weft/core/actor.hpp>
#include "run_on_platform.hpp"

#include <weft/core/os_platform.hpp>
#include <weft/properties/mailbox_history.hpp>
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

#include <array>
#include <span>
#include <vector>

namespace {

using namespace std::chrono_literals;

template <class P, class F>
void run_on(F body) {
  weft::testing::run_on<P>(body, "weft-actor", 1000);
}

// After stop(hand_back): what the handler saw, then what came back, in that order, must be
// exactly the accepted messages, once each, FIFO per sender (the mailbox's invariants).
template <class P>
void expect_handled_or_handed_back(weft::props::mailbox_history& h,
                                   const std::vector<std::uint64_t>& handled,
                                   const std::vector<std::uint64_t>& handed_back) {
  for (const std::uint64_t m : handled) h.received(m);
  for (const std::uint64_t m : handed_back) h.received(m);
  const auto v = h.violation();
  if (v) P::assert_failed("handled + handed back = accepted, exactly once", v->c_str(),
                          weft::source_location::current());
}

template <class P>
class Actor : public ::testing::Test {};
using platforms = ::testing::Types<weft::os, weft::sim::platform>;
TYPED_TEST_SUITE(Actor, platforms);

TYPED_TEST(Actor, HandlesEveryMessageInOrderThenDrainsOnStop) {
  run_on<TypeParam>([] {
    std::vector<int> seen;  // touched by the actor's thread only, read after stop()
    weft::actor_options o;
    o.capacity = 4;
    o.batch_size = 3;
    o.yield_every = 2;
    weft::actor<int, TypeParam> a([&seen](int& m) { seen.push_back(m); }, o);
    int accepted = 0;
    for (int i = 0; i < 6; ++i) {
      if (a.tell_with_backoff(i, 1000).ok()) ++accepted;
    }
    const auto rest = a.stop(weft::stop_mode::drain);
    WEFT_ASSERT(TypeParam, rest.empty(), "drain hands nothing back");
    WEFT_ASSERT(TypeParam, static_cast<int>(seen.size()) == accepted, "every accepted handled");
    for (std::size_t i = 1; i < seen.size(); ++i) {
      WEFT_ASSERT(TypeParam, seen[i - 1] < seen[i], "in the order sent");
    }
    WEFT_ASSERT(TypeParam, a.tell(99).status == weft::send_status::closed, "refused after stop");
  });
}

TYPED_TEST(Actor, HandBackReturnsExactlyWhatWasNotHandled) {
  run_on<TypeParam>([] {
    std::vector<std::uint64_t> seen;
    weft::actor_options o;
    o.capacity = 8;
    o.batch_size = 2;
    weft::actor<std::uint64_t, TypeParam> a([&seen](std::uint64_t& m) { seen.push_back(m); }, o);
    weft::props::mailbox_history h(2);
    typename TypeParam::thread other([&] {
      for (std::uint32_t i = 0; i < 3; ++i) {
        h.send_started(1, i);
        const auto r = a.tell(weft::props::message(1, i));
        h.send_finished(1, r.status, r.ok() || r.value == weft::props::message(1, i));
      }
    });
    for (std::uint32_t i = 0; i < 3; ++i) {
      h.send_started(0, i);
      const auto r = a.tell(weft::props::message(0, i));
      h.send_finished(0, r.status, r.ok() || r.value == weft::props::message(0, i));
    }
    other.join();
    const std::vector<std::uint64_t> rest = a.stop(weft::stop_mode::hand_back);
    expect_handled_or_handed_back<TypeParam>(h, seen, rest);
  });
}

// Batches told from two threads into a small mailbox, then stop(hand_back): handled and handed
// back together are exactly what was accepted, once each, FIFO per sender.
TYPED_TEST(Actor, TellBatchDeliversOrHandsBackEveryAcceptedMessage) {
  run_on<TypeParam>([] {
    std::vector<std::uint64_t> seen;
    weft::actor_options o;
    o.capacity = 3;
    o.batch_size = 2;
    weft::actor<std::uint64_t, TypeParam> a([&seen](std::uint64_t& m) { seen.push_back(m); }, o);
    weft::props::mailbox_history h(2);
    auto tell_all = [&a, &h](std::uint32_t id) {
      std::vector<std::uint64_t> batch;
      for (std::uint32_t i = 0; i < 4; ++i) {
        batch.push_back(weft::props::message(id, i));
        h.send_started(id, i);
      }
      std::size_t done = 0;
      while (done < batch.size()) {
        const weft::send_batch_result r = a.tell_batch(std::span(batch).subspan(done));
        for (std::size_t i = done; i < done + r.count; ++i) {
          h.send_finished(id, static_cast<std::uint32_t>(i), weft::send_status::ok, true);
        }
        done += r.count;
        if (r.status == weft::send_status::busy) TypeParam::yield();
        WEFT_ASSERT(TypeParam, r.status != weft::send_status::closed, "not stopped yet");
      }
    };
    typename TypeParam::thread other([&] { tell_all(1); });
    tell_all(0);
    other.join();
    const std::vector<std::uint64_t> rest = a.stop(weft::stop_mode::hand_back);
    expect_handled_or_handed_back<TypeParam>(h, seen, rest);
    WEFT_ASSERT(TypeParam, h.accepted() == 8, "every message was accepted in the end");
    std::array<std::uint64_t, 1> late{weft::props::message(0, 9)};
    const auto r = a.tell_batch(late);
    WEFT_ASSERT(TypeParam, r.status == weft::send_status::closed && r.count == 0,
                "refused after stop, none taken");
  });
}

TEST(ActorOptions, BadOptionsAreClearErrors) {
  auto make = [](weft::actor_options o) { weft::actor<int, weft::os> a([](int&) {}, o); };
  weft::actor_options zero_capacity;
  zero_capacity.capacity = 0;
  EXPECT_THROW(make(zero_capacity), std::invalid_argument);
  weft::actor_options big_batch;
  big_batch.batch_size = 65;
  EXPECT_THROW(make(big_batch), std::invalid_argument);
  weft::actor_options no_batch;
  no_batch.batch_size = 0;
  EXPECT_THROW(make(no_batch), std::invalid_argument);
  weft::actor_options backwards;
  backwards.backoff_min = 2ms;
  backwards.backoff_max = 1ms;
  EXPECT_THROW(make(backwards), std::invalid_argument);
}

}  // namespace
