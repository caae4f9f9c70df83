// The code examples of docs/mailbox.md, compiled and run as tests.
//
// Every ```cpp block of the guide appears here verbatim, under a comment naming its section;
// the test weft_mailbox_docs_examples_in_sync (check_examples.cmake) fails when one does not.
// Change an example here and in the guide together. They run on weft::os, the default
// platform, from one test thread (the actor adds its own).
#include <weft/core/actor.hpp>
#include <weft/core/mailbox.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <iterator>
#include <span>
#include <vector>

namespace {

// docs/mailbox.md: Mailbox
// Order and Secret stand for the application's message types.
struct Order {
  int id = 0;
  int quantity = 0;
};
struct Secret {
  std::array<unsigned char, 32> key{};
};

TEST(MailboxGuide, SendReceiveAndClose) {
  using namespace std::chrono_literals;
  weft::mailbox<Order> box(512);                  // capacity >= 1; 0 throws std::invalid_argument
  weft::mailbox<Secret> secrets(64, /*zeroize=*/true);  // slots are wiped once received

  Order order{1, 10};
  auto r = box.try_send(order);                   // never blocks
  if (r.status == weft::send_status::busy) { /* full: r.value holds the order again */ }
  auto s = box.send(Order{2, 20});                // waits for room: ok or closed
  auto t = box.send_for(Order{3, 30}, 10ms);      // ok, closed or timeout
  std::vector<Order> orders{{4, 40}, {5, 50}};
  auto b = box.try_send_batch(std::span(orders)); // never blocks: takes the prefix that fits
  // ok: orders[0, b.count) accepted (moved from), the rest untouched; busy / closed: none taken

  auto m = box.try_recv();                        // ok (m.value), empty or closed
  auto n = box.recv();                            // waits: ok, or closed once drained
  std::vector<Order> batch;
  auto k = box.recv_batch(std::back_inserter(batch), 64);  // 1..64 at once; waits for one

  box.close();                                    // later sends get closed; the receiver drains
  auto late = box.try_send(Order{6, 60});         // closed: late.value holds the order again
  auto end = box.try_recv();                      // closed once everything was received

  EXPECT_TRUE(r.ok() && s.ok() && t.ok());
  EXPECT_EQ(b.count, 2U);
  EXPECT_EQ(m.value->id, 1);
  EXPECT_EQ(n.value->id, 2);
  EXPECT_EQ(k.count, 3U);  // orders 3, 4 and 5
  EXPECT_EQ(batch.back().id, 5);
  EXPECT_EQ(late.status, weft::send_status::closed);
  EXPECT_EQ(late.value->id, 6);
  EXPECT_EQ(end.status, weft::recv_status::closed);

  auto sent = secrets.try_send(Secret{{42}});
  auto key = secrets.recv();
  EXPECT_TRUE(sent.ok());
  EXPECT_EQ(key.value->key[0], 42);
}

// docs/mailbox.md: Actor
// Event stands for the application's message type; write() for what the handler does.
struct Event {
  int code = 0;
};

TEST(MailboxGuide, ActorHandlesOrHandsBackEveryMessage) {
  std::vector<int> written;  // touched by the actor's thread only, until stop() joins it
  const auto write = [&](const Event& e) { written.push_back(e.code); };

  weft::actor_options opts;
  opts.capacity = 512;
  opts.batch_size = 16;      // 1..64 messages received at once
  opts.yield_every = 256;    // P::yield() after this many, for fairness
  weft::actor<Event> logger([&](Event& e) { write(e); }, opts);

  Event e{1};
  std::vector<Event> events{{3}, {4}};
  auto told = logger.tell(e);                     // never blocks: ok, busy (value back) or closed
  auto retried = logger.tell_with_backoff(Event{2}, 8);  // retries busy, jittered backoff
  auto batch = logger.tell_batch(std::span(events));     // the prefix that fits, one claim
  auto rest = logger.stop(weft::stop_mode::hand_back);  // or stop_mode::drain (the default)

  EXPECT_TRUE(told.ok() && retried.ok());
  EXPECT_EQ(batch.count, 2U);
  EXPECT_EQ(written.size() + rest.size(), 4U);  // each handled once or handed back
  for (const Event& left : rest) written.push_back(left.code);
  EXPECT_EQ(written, (std::vector<int>{1, 2, 3, 4}));  // in order
}

}  // namespace
