// weft/properties/mailbox_history.hpp — the mailbox's invariants, checked over a history.
//
// A test records what each producer sent and got back, and what the receiver received; the
// checks then say whether the history satisfies the mailbox's contract:
//
//   exactly-once        every accepted message is received exactly once; none is invented
//   handed-back         every message that was not accepted came back to its sender intact
//   fifo-per-producer   each producer's messages are received in the order it sent them
//   close               nothing accepted after the receiver saw `closed`; every message
//                       accepted before it was received first; a send that started after
//                       close() returned was refused as closed
//
// The other two invariants are checked where they can be seen exactly: "busy only when full"
// by the sequential tests (capacity sends fit, the next is busy), "never more than capacity
// queued" by the receiver's capacity-bound assertion in the mailbox and the sequential
// tests, and "no lost wake-up" by the simulator, which reports a receiver or sender left
// waiting forever as a deadlock.
//
// Thread-safety: none. In the simulator every simulated thread runs on one OS thread and the
// recorder has no scheduling point, so simulated threads may record directly. On real threads,
// give each thread its own history and merge() them after joining.
#pragma once

#include <weft/core/mailbox.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft::props {

// A message as tests send it: producer id in the high half, per-producer sequence number in
// the low half, so that a received value names its origin.
inline std::uint64_t message(std::uint32_t producer, std::uint32_t seq) noexcept {
  return (std::uint64_t{producer} << 32) | seq;
}
inline std::uint32_t producer_of(std::uint64_t m) noexcept { return static_cast<std::uint32_t>(m >> 32); }
inline std::uint32_t seq_of(std::uint64_t m) noexcept { return static_cast<std::uint32_t>(m); }

class mailbox_history {
 public:
  explicit mailbox_history(std::uint32_t producers) : sends_(producers) {}

  // A producer is about to send message `seq` (its sequence numbers count up from 0).
  void send_started(std::uint32_t producer, std::uint32_t seq) {
    sends_.at(producer).push_back(send_record{seq, close_returned_, std::nullopt, false});
  }
  // ...and got this outcome; `handed_back` says the value came back intact when not ok.
  void send_finished(std::uint32_t producer, send_status status, bool handed_back) {
    send_record& r = sends_.at(producer).back();
    r.status = status;
    r.handed_back = handed_back;
  }
  // The outcome of message `seq` of a producer, recorded out of turn: a batch send starts all
  // its messages first, then finishes them as it learns how many were accepted.
  void send_finished(std::uint32_t producer, std::uint32_t seq, send_status status,
                     bool handed_back) {
    auto& log = sends_.at(producer);
    const auto r = std::find_if(log.rbegin(), log.rend(),
                                [seq](const send_record& x) { return x.seq == seq; });
    if (r == log.rend()) throw std::logic_error("mailbox_history: message never started");
    r->status = status;
    r->handed_back = handed_back;
  }
  void received(std::uint64_t m) {
    received_.push_back(m);
    if (saw_closed_) received_after_closed_ = true;
  }
  void receiver_saw_closed() { saw_closed_ = true; }
  void close_returned() { close_returned_ = true; }

  // Appends another history's records (for real threads: one history per thread).
  void merge(const mailbox_history& other) {
    for (std::size_t p = 0; p < sends_.size() && p < other.sends_.size(); ++p) {
      sends_[p].insert(sends_[p].end(), other.sends_[p].begin(), other.sends_[p].end());
    }
    received_.insert(received_.end(), other.received_.begin(), other.received_.end());
    saw_closed_ = saw_closed_ || other.saw_closed_;
    received_after_closed_ = received_after_closed_ || other.received_after_closed_;
  }

  std::size_t accepted() const {
    std::size_t n = 0;
    for (const auto& log : sends_) {
      for (const send_record& r : log) n += r.status == send_status::ok ? 1 : 0;
    }
    return n;
  }
  std::size_t received_count() const { return received_.size(); }

  // The first violated invariant, by name and with the evidence; nullopt if all hold.
  std::optional<std::string> violation() const {
    if (auto v = exactly_once()) return v;
    if (auto v = handed_back()) return v;
    if (auto v = fifo_per_producer()) return v;
    if (auto v = close_semantics()) return v;
    return std::nullopt;
  }

  std::optional<std::string> exactly_once() const {
    std::vector<std::vector<int>> seen(sends_.size());
    for (std::size_t p = 0; p < sends_.size(); ++p) seen[p].assign(sends_[p].size(), 0);
    for (const std::uint64_t m : received_) {
      const std::uint32_t p = producer_of(m);
      const std::uint32_t s = seq_of(m);
      if (p >= sends_.size() || s >= sends_[p].size()) {
        return describe("exactly-once", "received a message nobody sent", m);
      }
      const send_record& r = sends_[p][s];
      if (r.status != send_status::ok) {
        return describe("exactly-once", "received a message whose send was refused", m);
      }
      if (++seen[p][s] > 1) return describe("exactly-once", "received twice", m);
    }
    for (std::size_t p = 0; p < sends_.size(); ++p) {
      for (std::size_t s = 0; s < sends_[p].size(); ++s) {
        if (sends_[p][s].status == send_status::ok && seen[p][s] == 0) {
          return describe("exactly-once", "accepted but never received (dropped)",
                          message(static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(s)));
        }
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> handed_back() const {
    for (std::size_t p = 0; p < sends_.size(); ++p) {
      for (const send_record& r : sends_[p]) {
        if (r.status && *r.status != send_status::ok && !r.handed_back) {
          return describe("handed-back", "a refused send did not return its value",
                          message(static_cast<std::uint32_t>(p), r.seq));
        }
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> fifo_per_producer() const {
    std::vector<std::int64_t> last(sends_.size(), -1);
    for (const std::uint64_t m : received_) {
      const std::uint32_t p = producer_of(m);
      if (p >= last.size()) continue;  // reported by exactly_once
      if (static_cast<std::int64_t>(seq_of(m)) <= last[p]) {
        return describe("fifo-per-producer", "received out of the order it was sent", m);
      }
      last[p] = seq_of(m);
    }
    return std::nullopt;
  }

  std::optional<std::string> close_semantics() const {
    if (received_after_closed_) {
      return std::string("close: a message was received after the receiver saw closed");
    }
    for (std::size_t p = 0; p < sends_.size(); ++p) {
      for (const send_record& r : sends_[p]) {
        if (r.started_after_close && r.status && *r.status != send_status::closed) {
          return describe("close", "a send that started after close() returned was not refused",
                          message(static_cast<std::uint32_t>(p), r.seq));
        }
      }
    }
    return std::nullopt;
  }

 private:
  struct send_record {
    std::uint32_t seq;
    bool started_after_close;
    std::optional<send_status> status;
    bool handed_back;
  };
  static std::string describe(const char* invariant, const char* what, std::uint64_t m) {
    return std::string(invariant) + ": " + what + ": message " + std::to_string(seq_of(m)) +
           " of producer " + std::to_string(producer_of(m));
  }

  std::vector<std::vector<send_record>> sends_;
  std::vector<std::uint64_t> received_;
  bool saw_closed_ = false;
  bool received_after_closed_ = false;
  bool close_returned_ = false;
};

}  // namespace weft::props
