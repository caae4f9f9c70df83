// The mailbox on real threads: several producers (one of them sending batches), millions of
// messages, nothing lost, nothing duplicated, FIFO per producer; and a close in the middle of
// the traffic where every message is either received or handed back. Runs under the tsan preset too (with fewer messages).
#include <weft/core/mailbox.hpp>
#include <weft/core/os_platform.hpp>
#include <weft/properties/mailbox_history.hpp>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <algorithm>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::uint32_t messages_per_producer = 100'000;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
constexpr std::uint32_t messages_per_producer = 100'000;
#else
constexpr std::uint32_t messages_per_producer = 1'000'000;
#endif
#else
constexpr std::uint32_t messages_per_producer = 1'000'000;
#endif

using weft::props::message;
using weft::props::producer_of;
using weft::props::seq_of;

TEST(MailboxStress, ThreeProducersMillionsOfMessagesNoLossFifoPerProducer) {
  constexpr std::uint32_t producers = 3;
  weft::mailbox<std::uint64_t, weft::os> box(512);
  std::vector<std::thread> threads;
  for (std::uint32_t p = 0; p < producers; ++p) {
    threads.emplace_back([&box, p] {
      if (p == producers - 1) {
        // The last producer sends batches of up to 7 with try_send_batch, the rest of a batch
        // again after busy.
        std::array<std::uint64_t, 7> values{};
        for (std::uint32_t i = 0; i < messages_per_producer; i += 7) {
          const std::uint32_t k = std::min<std::uint32_t>(7, messages_per_producer - i);
          for (std::uint32_t j = 0; j < k; ++j) values[j] = message(p, i + j);
          for (std::uint32_t done = 0; done < k;) {
            const weft::send_batch_result r =
                box.try_send_batch(std::span(values).subspan(done, k - done));
            ASSERT_NE(r.status, weft::send_status::closed);
            done += static_cast<std::uint32_t>(r.count);
            if (r.status == weft::send_status::busy) std::this_thread::yield();
          }
        }
        return;
      }
      for (std::uint32_t i = 0; i < messages_per_producer; ++i) {
        // Alternate the two ways of sending: blocking, and try_send with a retry on busy.
        if ((i & 1) == 0) {
          ASSERT_TRUE(box.send(message(p, i)).ok());
        } else {
          weft::send_result<std::uint64_t> r = box.try_send(message(p, i));
          while (r.status == weft::send_status::busy) {
            ASSERT_TRUE(r.value.has_value());
            std::this_thread::yield();
            r = box.try_send(*r.value);
          }
          ASSERT_TRUE(r.ok());
        }
      }
    });
  }
  std::array<std::uint32_t, producers> next{};
  std::uint64_t received = 0;
  std::array<std::uint64_t, weft::mailbox_batch_max> batch{};
  const std::uint64_t total = std::uint64_t{producers} * messages_per_producer;
  bool ok = true;
  while (received < total && ok) {
    const weft::batch_result r = box.recv_batch(batch.begin(), weft::mailbox_batch_max);
    ASSERT_EQ(r.status, weft::recv_status::ok);
    for (std::size_t i = 0; i < r.count; ++i) {
      const std::uint32_t p = producer_of(batch[i]);
      ok = ok && p < producers && seq_of(batch[i]) == next[p];  // FIFO, no loss, no duplicate
      if (p < producers) ++next[p];
    }
    received += r.count;
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(ok) << "a message arrived out of order, twice, or from nowhere";
  for (std::uint32_t p = 0; p < producers; ++p) EXPECT_EQ(next[p], messages_per_producer);
  EXPECT_EQ(box.try_recv().status, weft::recv_status::empty);
}

TEST(MailboxStress, CloseDuringTrafficDeliversOrHandsBackEveryMessage) {
  constexpr std::uint32_t producers = 3;
  weft::mailbox<std::uint64_t, weft::os> box(64);
  std::array<weft::props::mailbox_history, producers> logs{
      weft::props::mailbox_history(producers), weft::props::mailbox_history(producers),
      weft::props::mailbox_history(producers)};
  std::vector<std::thread> threads;
  for (std::uint32_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      if (p == producers - 1) {
        // Batches of up to 5 (try_send_batch): accepted ones finish ok; after close() the rest
        // come back closed, untouched.
        std::array<std::uint64_t, 5> values{};
        for (std::uint32_t i = 0; i < messages_per_producer; i += 5) {
          const std::uint32_t k = std::min<std::uint32_t>(5, messages_per_producer - i);
          for (std::uint32_t j = 0; j < k; ++j) {
            values[j] = message(p, i + j);
            logs[p].send_started(p, i + j);
          }
          for (std::uint32_t done = 0; done < k;) {
            const weft::send_batch_result r =
                box.try_send_batch(std::span(values).subspan(done, k - done));
            if (r.status == weft::send_status::closed) {
              for (std::uint32_t j = done; j < k; ++j) {
                logs[p].send_finished(p, i + j, r.status, values[j] == message(p, i + j));
              }
              return;
            }
            for (std::uint32_t j = done; j < done + r.count; ++j) {
              logs[p].send_finished(p, i + j, weft::send_status::ok, true);
            }
            done += static_cast<std::uint32_t>(r.count);
            if (r.status == weft::send_status::busy) std::this_thread::yield();
          }
        }
        return;
      }
      for (std::uint32_t i = 0; i < messages_per_producer; ++i) {
        logs[p].send_started(p, i);
        const auto r = box.send(message(p, i));
        logs[p].send_finished(p, r.status, r.ok() || (r.value && *r.value == message(p, i)));
        if (r.status == weft::send_status::closed) break;
      }
    });
  }
  weft::props::mailbox_history received(producers);
  std::array<std::uint64_t, weft::mailbox_batch_max> batch{};
  std::uint64_t got = 0;
  for (;;) {
    if (got >= messages_per_producer / 2 && !box.closed()) box.close();
    const weft::batch_result r = box.recv_batch(batch.begin(), weft::mailbox_batch_max);
    if (r.status == weft::recv_status::closed) break;
    for (std::size_t i = 0; i < r.count; ++i) received.received(batch[i]);
    got += r.count;
  }
  received.receiver_saw_closed();
  for (auto& t : threads) t.join();
  weft::props::mailbox_history all(producers);
  for (const auto& log : logs) all.merge(log);
  all.merge(received);
  const auto v = all.violation();
  EXPECT_FALSE(v) << *v;
  EXPECT_GT(all.accepted(), 0u);
  EXPECT_EQ(all.accepted(), all.received_count());
}

}  // namespace
