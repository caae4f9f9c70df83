// A mailbox workload for the simulator and for RapidCheck: producers, messages, capacity,
// blocking or not, batch receives, and when close() happens; run as a simulated body that
// records a history and checks the mailbox's invariants at the end.
#pragma once

#include <weft/core/mailbox.hpp>
#include <weft/properties/mailbox_history.hpp>
#include <weft/sim/platform.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace weft::testing {

struct mailbox_workload {
  std::uint32_t producers = 2;       // 1..3
  std::uint32_t messages = 2;        // per producer, 1..4
  std::size_t capacity = 2;          // 1..4
  bool blocking_send = true;         // send() waits for room; else try_send, retrying on busy
  std::size_t send_batch = 1;        // > 1: try_send_batch of up to this many, the rest retried
                                     // on busy (blocking_send is then ignored)
  std::size_t batch = 1;             // receive with recv_batch(max = batch) when > 1
  std::int32_t close_after = -1;     // the receiver closes after this many messages (at most
                                     // all of them); -1 never; -2 a separate thread closes
};

inline std::ostream& operator<<(std::ostream& os, const mailbox_workload& w) {
  return os << "{producers=" << w.producers << " messages=" << w.messages
            << " capacity=" << w.capacity << " blocking=" << w.blocking_send
            << " send_batch=" << w.send_batch << " batch=" << w.batch
            << " close_after=" << w.close_after << "}";
}

// The body: runs the workload on a fresh mailbox and fails the execution with the first
// violated invariant.
template <class Variant = mailbox_variant::correct>
void run_mailbox_workload(const mailbox_workload& w) {
  namespace sim = weft::sim;
  using box_t = weft::mailbox<std::uint64_t, sim::platform, Variant>;
  box_t box(w.capacity);
  props::mailbox_history history(w.producers);
  // Batches of up to w.send_batch: every message of a batch starts before the call; the ones
  // accepted finish ok, the rest are sent again after a busy, or come back closed.
  auto produce_batches = [&](std::uint32_t p) {
    std::vector<std::uint64_t> values;
    for (std::uint32_t i = 0; i < w.messages;) {
      const auto k = static_cast<std::uint32_t>(std::min<std::size_t>(w.send_batch, w.messages - i));
      values.clear();
      for (std::uint32_t j = 0; j < k; ++j) {
        values.push_back(props::message(p, i + j));
        history.send_started(p, i + j);
      }
      std::uint32_t done = 0;
      while (done < k) {
        const auto r = box.try_send_batch(std::span<std::uint64_t>(values).subspan(done));
        sim::check(r.status == send_status::ok ? r.count >= 1 && r.count <= k - done : r.count == 0,
                   "try_send_batch: ok with 1..size values, else none");
        if (r.status == send_status::busy) {
          sim::yield();
          continue;
        }
        if (r.status == send_status::ok) {
          for (std::uint32_t j = done; j < done + r.count; ++j) {
            history.send_finished(p, i + j, send_status::ok, true);
          }
          done += static_cast<std::uint32_t>(r.count);
          continue;
        }
        for (std::uint32_t j = done; j < k; ++j) {  // refused: every value still the caller's
          history.send_finished(p, i + j, r.status, values[j] == props::message(p, i + j));
        }
        return;
      }
      i += k;
    }
  };
  auto produce = [&](std::uint32_t p) {
    if (w.send_batch > 1) {
      produce_batches(p);
      return;
    }
    for (std::uint32_t i = 0; i < w.messages; ++i) {
      const std::uint64_t m = props::message(p, i);
      history.send_started(p, i);
      send_result<std::uint64_t> r{send_status::busy, m};
      if (w.blocking_send) {
        r = box.send(m);
      } else {
        while ((r = box.try_send(m)).status == send_status::busy) sim::yield();
      }
      history.send_finished(p, r.status, r.ok() || (r.value && *r.value == m));
      if (r.status == send_status::closed) break;
    }
  };
  std::vector<sim::thread> producers;
  for (std::uint32_t p = 0; p < w.producers; ++p) producers.emplace_back("producer", [&, p] { produce(p); });
  sim::thread closer;
  if (w.close_after == -2) {
    closer = sim::thread("closer", [&] {
      box.close();
      history.close_returned();
    });
  }
  const std::uint64_t total = std::uint64_t{w.producers} * w.messages;
  std::uint64_t got = 0;
  bool closed = false;
  bool closed_by_me = false;
  while (!closed) {
    if (w.close_after >= 0 && !closed_by_me &&
        got >= std::min<std::uint64_t>(static_cast<std::uint64_t>(w.close_after), total)) {
      box.close();
      history.close_returned();
      closed_by_me = true;
    }
    if (w.close_after == -1 && got == total) break;  // never closed: stop after everything
    if (w.batch > 1) {
      std::array<std::uint64_t, mailbox_batch_max> out{};
      const batch_result r = box.recv_batch(out.begin(), w.batch);
      if (r.status == recv_status::closed) closed = true;
      for (std::size_t i = 0; i < r.count; ++i) history.received(out[i]);
      got += r.count;
    } else {
      recv_result<std::uint64_t> r = box.recv();
      if (r.status == recv_status::closed) {
        closed = true;
      } else {
        history.received(*r.value);
        ++got;
      }
    }
  }
  if (closed) history.receiver_saw_closed();
  for (auto& t : producers) t.join();
  if (closer.joinable()) closer.join();
  // Anything a producer managed to get accepted after the receiver stopped must still be there:
  // a correct mailbox refuses it (closed), a broken one drops it, which exactly-once reports.
  const auto v = history.violation();
  sim::check(!v, v ? "invariant violated: " + *v : std::string());
}

}  // namespace weft::testing
