// weft/core/actor.hpp — a mailbox plus a handler run by a dedicated thread.
//
//   weft::actor<T, P>    owns a weft::mailbox<T, P> and a thread that receives in batches and
//                        calls the handler for each message, in arrival order.
//   actor_options        capacity, batch_size (1..64), yield_every, backoff_min/backoff_max
//   stop_mode            drain: deliver every accepted message to the handler, then stop;
//                        hand_back: stop after the current batch and return the rest
//
// Guarantees: every message accepted by tell() or tell_batch() is either handled exactly once or returned by
// stop(stop_mode::hand_back); a message that is not accepted comes back in the send_result.
// Senders never block: tell() returns busy when the mailbox is full, and tell_with_backoff()
// retries with jittered exponential backoff (P::random, P::sleep_for) before giving up.
//
// Thread-safety: tell(), tell_batch() and tell_with_backoff() from any thread; stop() from any one thread
// other than the actor's own (the handler must not stop its own actor). The destructor stops
// with drain if stop() was not called.
//
// The scheduler issue will run actors on the work-stealing pool instead of a thread each.
#pragma once

#include <weft/core/assert.hpp>
#include <weft/core/default_platform.hpp>
#include <weft/core/mailbox.hpp>
#include <weft/core/platform.hpp>

#include <algorithm>
#include <iterator>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <utility>
#include <span>
#include <vector>

namespace weft {

struct actor_options {
  std::size_t capacity = mailbox_default_capacity;
  std::size_t batch_size = 16;                    // messages received at once, 1..64
  std::uint32_t yield_every = 256;                // P::yield() after this many handled; 0 never
  std::chrono::nanoseconds backoff_min{1'000};    // first tell_with_backoff pause
  std::chrono::nanoseconds backoff_max{1'000'000};
};

enum class stop_mode : std::uint8_t { drain, hand_back };

template <class T, class P = default_platform>
  requires platform<P>
class actor {
 public:
  using handler_type = std::function<void(T&)>;

  // Starts the actor's thread. Throws std::invalid_argument for a bad option.
  actor(handler_type handler, actor_options options = {})
      : options_(checked(options)),
        handler_(std::move(handler)),
        mailbox_(options_.capacity),
        thread_([this] { run(); }) {}
  actor(const actor&) = delete;
  actor& operator=(const actor&) = delete;
  ~actor() {
    if (!stopped_) static_cast<void>(stop(stop_mode::drain));
  }

  // Never blocks: ok, busy (full; the value comes back) or closed (stopping).
  send_result<T> tell(T message) { return mailbox_.try_send(std::move(message)); }

  // Never blocks: the longest prefix of `messages` that fits is accepted with one claim
  // (mailbox::try_send_batch) and handled in order, back to back; ok with the count taken (the
  // rest untouched), busy (full) or closed (stopping) with none taken. Not empty.
  send_batch_result tell_batch(std::span<T> messages) { return mailbox_.try_send_batch(messages); }

  // Retries a busy tell up to `attempts` times, pausing backoff_min, then twice as long up to
  // backoff_max, each pause jittered uniformly over its upper half. Returns busy with the
  // value if every attempt found the mailbox full.
  send_result<T> tell_with_backoff(T message, std::uint32_t attempts) {
    auto pause = options_.backoff_min;
    send_result<T> r = mailbox_.try_send(std::move(message));
    for (std::uint32_t i = 1; i < attempts && r.status == send_status::busy; ++i) {
      const auto half = pause.count() / 2;
      const auto jitter = static_cast<std::int64_t>(
          P::random(static_cast<std::uint64_t>(half > 0 ? half : 1)));
      P::sleep_for(std::chrono::nanoseconds(pause.count() - half + jitter));
      pause = std::min(pause * 2, options_.backoff_max);
      r = mailbox_.try_send(std::move(*r.value));
    }
    return r;
  }

  // Refuses new messages, then either lets the thread handle everything accepted (drain) or
  // stops it after its current batch and returns what it did not handle (hand_back). Joins
  // the thread. Calling it again returns an empty vector.
  std::vector<T> stop(stop_mode mode = stop_mode::drain) {
    std::vector<T> rest;
    if (stopped_) return rest;
    stopped_ = true;
    // release: the mode is set before close(), which the thread observes (through the
    // mailbox's closed state) before it reads the mode with acquire.
    hand_back_.store(mode == stop_mode::hand_back, std::memory_order_release);
    mailbox_.close();
    thread_.join();
    // The thread is gone: this thread is now the mailbox's only receiver. recv(), not
    // try_recv(): a tell() that claimed its slot before close() may not have published it yet,
    // and try_recv() would take that for the end and lose the message (dpor found it:
    // tests/mailbox/mailbox_proof_test.cpp, ActorStopProof). recv() on a closed mailbox waits
    // for such a slot and returns closed once everything accepted was received.
    for (recv_result<T> r = mailbox_.recv(); r.ok(); r = mailbox_.recv()) {
      rest.push_back(std::move(*r.value));
    }
    WEFT_ASSERT(P, mode == stop_mode::hand_back || rest.empty(), "drain left nothing behind");
    return rest;
  }

  std::uint64_t handled() const { return handled_.load(std::memory_order_relaxed); }
  const actor_options& options() const noexcept { return options_; }

 private:
  static actor_options checked(actor_options o) {
    if (o.capacity == 0) throw std::invalid_argument("weft::actor: capacity must be at least 1");
    if (o.batch_size < 1 || o.batch_size > mailbox_batch_max) {
      throw std::invalid_argument("weft::actor: batch_size must be between 1 and 64");
    }
    if (o.backoff_min.count() <= 0 || o.backoff_max < o.backoff_min) {
      throw std::invalid_argument("weft::actor: need 0 < backoff_min <= backoff_max");
    }
    return o;
  }

  void run() {
    std::vector<T> batch;
    batch.reserve(options_.batch_size);  // once: no allocation per message afterwards
    std::uint32_t since_yield = 0;
    for (;;) {
      batch.clear();
      const batch_result r = mailbox_.recv_batch(std::back_inserter(batch), options_.batch_size);
      if (r.status == recv_status::closed) return;
      WEFT_ASSERT(P, r.status == recv_status::ok, "a blocking batch receive gets values or closed");
      for (std::size_t i = 0; i < r.count; ++i) {
        handler_(batch[i]);
        handled_.fetch_add(1, std::memory_order_relaxed);
      }
      // acquire: pairs with stop()'s release; checked only once close() may have happened.
      if (mailbox_.closed() && hand_back_.load(std::memory_order_acquire)) return;
      since_yield += static_cast<std::uint32_t>(r.count);
      if (options_.yield_every != 0 && since_yield >= options_.yield_every) {
        since_yield = 0;
        P::yield();  // fairness: let other work on this core run
      }
    }
  }

  const actor_options options_;
  handler_type handler_;
  mailbox<T, P> mailbox_;
  typename P::template atomic<bool> hand_back_{false};
  typename P::template atomic<std::uint64_t> handled_{0};
  bool stopped_ = false;  // touched only by the thread that calls stop()
  typename P::thread thread_;  // last: started once everything above exists
};

}  // namespace weft
