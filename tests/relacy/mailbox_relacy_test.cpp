// weft::mailbox under Relacy: the same source as on real threads and in the simulator, checked
// against the C++ memory model (relaxed loads may read older stores, fences count, plain slot
// data is race-checked) with Relacy's random and context-bound schedulers.
//
//   basic      2 producers x 2 messages, capacity 2, one consumer receives all 4: each
//              producer's messages in order, none lost, none duplicated.
//   shutdown   2 producers x 2 blocking sends, a third thread closes concurrently, the consumer
//              drains until closed: every message a producer got ok for is received exactly
//              once, every other one came back to its producer in send_result::value, and
//              nothing is received that was not accepted. Once with recv(), once with
//              recv_batch().
//   workload   the simulator's matrix (tests/mailbox/mailbox_sim_test.cpp): 1-3 producers,
//              capacities 1-4, blocking or retried sends, single or batch receives, close
//              never / by the receiver / by a third thread; 36 workloads, random scheduler
//              for all, context-bound for those with blocking sends and up to 2 producers.
//   actor      weft::actor (a mailbox plus a platform::thread): tells, then stop(drain) or
//              stop(hand_back); every accepted message handled or handed back exactly once.
//   batch send 2 producers x 3 messages sent with try_send_batch in twos, capacities 1 and 3,
//              and 2 with a third thread closing: the workload's checks, random scheduler.
//   teeth      six of the mailbox's deliberately broken variants (weft::mailbox_variant) must
//              fail: a relaxed publication (data race on the slot), a receiver-waiting check
//              made before the claim (lost wake-up: deadlock), sends accepted after close (a
//              message acknowledged but never received), a room check that lets capacity + 1
//              in (data race on the overwritten slot), a batch send that claims its whole
//              batch once one slot is free (the receiver's capacity-bound assertion: its next
//              value was overwritten), and no fence between the receiver
//              freeing room and looking for waiting senders (store buffering: a blocked sender
//              is never woken; the simulator cannot see this one).
//
// No GoogleTest (Relacy replaces operator new/delete); prints one line per check and
// "N passed, M failed" last, exit status 0 when all pass. WEFT_RELACY_VERBOSE=1 prints Relacy's
// report of a failing run; an unexpected failure has it printed anyway.
#include <weft/relacy/runner.hpp>

#include <weft/core/actor.hpp>
#include <weft/core/mailbox.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace {

using P = weft::relacy::platform;
using weft::relacy::require;

constexpr int producers = 2;
constexpr int messages = 2;  // per producer
constexpr int total = producers * messages;
constexpr std::size_t capacity = 2;

// Producer p sends p * messages + i for i = 0..messages-1.
constexpr int message(int producer, int i) { return producer * messages + i; }

// ----- basic ---------------------------------------------------------------------------------------

template <class Variant = weft::mailbox_variant::correct>
struct mailbox_basic {
  static constexpr int thread_count = producers + 1;  // the last thread receives
  weft::mailbox<int, P, Variant> box{capacity};

  void thread(unsigned index) {
    const int me = static_cast<int>(index);
    if (me < producers) {
      for (int i = 0; i != messages; ++i) {
        const weft::send_result<int> r = box.send(message(me, i));
        require(r.ok(), "a send to an open mailbox is accepted");
        require(!r.value.has_value(), "an accepted value is not handed back");
      }
      return;
    }
    int next[producers] = {};
    for (int n = 0; n != total; ++n) {
      const weft::recv_result<int> r = box.recv();
      require(r.ok(), "recv returns a value while messages are outstanding");
      const int v = *r.value;
      require(v >= 0 && v < total, "only values that were sent are received");
      const int from = v / messages;
      // In order per producer: with the count below this also rules out losses and duplicates.
      require(v % messages == next[from], "each producer's messages arrive in order, once");
      next[from] += 1;
    }
    for (int p = 0; p != producers; ++p) require(next[p] == messages, "all messages received");
  }

  void after() {
    require(box.try_recv().status == weft::recv_status::empty, "nothing is left over");
  }
};

// ----- workloads, and the shutdown-with-no-drop test -----------------------------------------

enum fate : int { pending = 0, accepted = 1, handed_back = 2 };

// The same workloads as tests/mailbox/mailbox_sim_test.cpp: Np producers of Nm messages each
// (blocking send, or try_send retried on busy), capacity Cap, receives of one value or batches
// of up to 3, and close never, by the receiver after its first value, or by a third thread at
// any point. Checked after every execution: each send returned; an accepted message was received
// exactly once, a refused one came back intact and was never received; FIFO per producer; and
// with no close every send was accepted.
enum class close_by { never, receiver, other_thread };

template <int Np, int Nm, std::size_t Cap, close_by Close, bool Blocking,
          std::size_t Batch = (Cap % 2 == 0 ? 3 : 1),  // as the simulator's matrix
          class Variant = weft::mailbox_variant::correct,
          int SendBatch = 1>  // > 1: try_send_batch of up to this many, the rest retried on busy
struct workload {
  static constexpr int total_messages = Np * Nm;
  static constexpr bool has_closer = Close == close_by::other_thread;
  static constexpr int consumer = Np + (has_closer ? 1 : 0);
  static constexpr int thread_count = consumer + 1;
  static constexpr std::size_t batch = Batch;

  weft::mailbox<int, P, Variant> box{Cap};
  P::var<int> fates[total_messages];
  P::var<int> received[total_messages];

  void thread(unsigned index) {
    const int me = static_cast<int>(index);
    if (me < Np) {
      produce(me);
    } else if (has_closer && me == Np) {
      box.close();
    } else {
      receive();
    }
  }

  void produce(int me) {
    if constexpr (SendBatch > 1) {
      produce_batches(me);
      return;
    }
    for (int i = 0; i != Nm; ++i) {
      const int m = me * Nm + i;
      weft::send_result<int> r{weft::send_status::busy, m};
      if constexpr (Blocking) {
        r = box.send(m);
      } else {
        while ((r = box.try_send(m)).status == weft::send_status::busy) {
          require(r.value.has_value() && *r.value == m, "a busy send hands the value back");
          P::yield();
        }
      }
      if (r.ok()) {
        require(!r.value.has_value(), "an accepted value is not handed back");
        fates[m].store(accepted);
      } else {
        require(r.status == weft::send_status::closed, "a send ends ok or closed");
        require(Close != close_by::never, "closed only after close()");
        require(r.value.has_value() && *r.value == m, "a refused value comes back intact");
        fates[m].store(handed_back);
      }
    }
  }

  void produce_batches(int me) {
    for (int i = 0; i < Nm; i += SendBatch) {
      const int k = Nm - i < SendBatch ? Nm - i : SendBatch;
      int values[SendBatch] = {};
      for (int j = 0; j != k; ++j) values[j] = me * Nm + i + j;
      int done = 0;
      while (done < k) {
        const weft::send_batch_result r = box.try_send_batch(
            std::span<int>(values + done, static_cast<std::size_t>(k - done)));
        if (r.status == weft::send_status::busy) {
          require(r.count == 0, "a busy batch takes nothing");
          P::yield();
          continue;
        }
        if (r.status == weft::send_status::ok) {
          require(r.count >= 1 && r.count <= static_cast<std::size_t>(k - done),
                  "an accepted batch takes 1..size values");
          for (std::size_t j = 0; j != r.count; ++j) fates[values[done + static_cast<int>(j)]].store(accepted);
          done += static_cast<int>(r.count);
          continue;
        }
        require(r.status == weft::send_status::closed && r.count == 0, "else closed, none taken");
        require(Close != close_by::never, "closed only after close()");
        for (int j = done; j != k; ++j) {
          require(values[j] == me * Nm + i + j, "a refused value is still the caller's, intact");
          fates[values[j]].store(handed_back);
        }
        break;
      }
    }
  }

  void receive() {
    int last[Np];
    for (int& l : last) l = -1;
    int got = 0;
    auto note = [&](int v) {
      require(v >= 0 && v < total_messages, "only values that were sent are received");
      require(v > last[v / Nm], "each producer's messages arrive in order");
      last[v / Nm] = v;
      received[v].store(received[v].load() + 1);
      ++got;
    };
    bool closed_by_me = false;
    for (;;) {
      if (Close == close_by::never && got == total_messages) break;
      if (Close == close_by::receiver && !closed_by_me && got >= 1) {
        box.close();
        closed_by_me = true;
      }
      if constexpr (batch > 1) {
        int out[batch] = {};
        const weft::batch_result r = box.recv_batch(&out[0], batch);
        if (r.status == weft::recv_status::closed) break;
        require(r.status == weft::recv_status::ok, "recv_batch ends ok or closed");
        require(r.count >= 1 && r.count <= batch, "a batch holds 1..max values");
        for (std::size_t i = 0; i != r.count; ++i) note(out[i]);
      } else {
        const weft::recv_result<int> r = box.recv();
        if (r.status == weft::recv_status::closed) break;
        require(r.ok(), "recv ends ok or closed");
        note(*r.value);
      }
    }
    if (Close != close_by::never) require(box.closed(), "closed is reported only after close()");
  }

  void after() {
    for (int m = 0; m != total_messages; ++m) {
      const int f = fates[m].load();
      require(f != pending, "every send returned");
      if (f == accepted) {
        require(received[m].load() == 1, "an accepted message is received exactly once");
      } else {
        require(received[m].load() == 0, "a handed-back message is never received");
      }
    }
    require(box.try_recv().status != weft::recv_status::ok, "nothing accepted is left over");
  }
};

// The classic shutdown-with-no-drop model test: 2 producers x 2 blocking sends, capacity 2, a
// third thread closes concurrently, the consumer drains until closed (with recv(), or with
// recv_batch() of up to 2).
template <bool Batch, class Variant = weft::mailbox_variant::correct>
using mailbox_shutdown = workload<2, 2, 2, close_by::other_thread, true, Batch ? 2 : 1, Variant>;

// Batch sends: 2 producers x 3 messages in batches of up to 2 (so a batch is partly accepted
// when one slot is free), capacity Cap, receives of up to 2, close by a third thread or never.
template <std::size_t Cap, close_by Close, class Variant = weft::mailbox_variant::correct>
using mailbox_batch_send = workload<2, 3, Cap, Close, false, 2, Variant, 2>;

// ----- actor -------------------------------------------------------------------------------------

// weft::actor on this platform: its handler thread is a platform::thread (a Relacy dynamic
// thread). Thread 0 creates the actor, tells it three messages (capacity 2: some may come back
// busy), then stops it; every accepted message is handled exactly once (drain) or handled or
// handed back exactly once (hand_back), and nothing else is. With Backoff, busy tells are retried
// through P::random and P::sleep_for (random scheduler only: each jitter is a choice among
// hundreds, which the context-bound scheduler would enumerate).
template <weft::stop_mode Mode, bool Backoff>
struct actor_stop {
  static constexpr int thread_count = 1;
  static constexpr int dynamic_thread_count = 1;  // the actor's thread
  static constexpr int count = 3;
  P::var<int> handled_mask{0};  // bit v: message v was handled (handler thread, then joined)
  P::var<int> handled_twice{0};

  void thread(unsigned /*index*/) {
    weft::actor_options options;
    options.capacity = capacity;
    options.batch_size = 2;
    options.yield_every = 1;
    weft::actor<int, P> actor(
        [this](int& v) {
          const int bit = 1 << v;
          if ((handled_mask.load() & bit) != 0) handled_twice.store(1);
          handled_mask.store(handled_mask.load() | bit);
        },
        options);
    int accepted = 0;
    for (int v = 0; v != count; ++v) {
      const weft::send_result<int> r = Backoff ? actor.tell_with_backoff(v, 3) : actor.tell(v);
      if (r.ok()) {
        accepted |= 1 << v;
      } else {
        require(r.status == weft::send_status::busy, "a tell to a running actor is ok or busy");
        require(r.value.has_value() && *r.value == v, "a refused message comes back intact");
      }
    }
    const std::vector<int> rest = actor.stop(Mode);
    int returned = 0;
    for (const int v : rest) {
      require(v >= 0 && v < count && (returned & (1 << v)) == 0, "handed back once, if sent");
      returned |= 1 << v;
    }
    require(handled_twice.load() == 0, "no message is handled twice");
    require((handled_mask.load() & returned) == 0, "nothing is both handled and handed back");
    require((handled_mask.load() | returned) == accepted,
            "every accepted message is handled or handed back, and nothing else");
    if constexpr (Mode == weft::stop_mode::drain) {
      require(rest.empty(), "drain hands nothing back");
    }
    require(actor.handled() == static_cast<std::uint64_t>(__builtin_popcount(handled_mask.load())),
            "handled() counts the handled messages");
  }
};

// ----- the harness -------------------------------------------------------------------------------

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoull(v, nullptr, 10);
}

weft::relacy::checklist checks;

template <int Np, int Nm, std::size_t Cap, close_by Close>
void run_workload(std::uint64_t iterations, unsigned bound) {
  constexpr bool blocking = (Np + Cap) % 2 == 0;  // both kinds of send across the matrix
  using W = workload<Np, Nm, Cap, Close, blocking>;
  static const std::string name = "workload " + std::to_string(Np) + "x" + std::to_string(Nm) +
                                  " cap " + std::to_string(Cap) +
                                  (Close == close_by::never      ? " no close"
                                   : Close == close_by::receiver ? " close by receiver"
                                                                 : " close by 3rd thread") +
                                  (blocking ? " send" : " try_send");
  checks.expect_pass<W>(name.c_str(), weft::relacy::random_params(iterations));
  // Context-bound search where sends block (a try_send retry loop is unbounded for it) and for
  // up to two producers: with three, one workload alone takes 1.8 M executions (15 s; minutes
  // under ASan); the random scheduler and the simulator cover those.
  if constexpr (blocking && Np <= 2) {
    checks.expect_pass<W>(name.c_str(), weft::relacy::context_bound_params(bound));
  }
}

template <int Np, int Nm, close_by Close, std::size_t... Caps>
void run_capacities(std::uint64_t iterations, unsigned bound, std::index_sequence<Caps...>) {
  (run_workload<Np, Nm, Caps + 1, Close>(iterations, bound), ...);
}

template <int Np, int Nm>
void run_matrix(std::uint64_t iterations, unsigned bound) {
  run_capacities<Np, Nm, close_by::never>(iterations, bound, std::make_index_sequence<4>{});
  run_capacities<Np, Nm, close_by::receiver>(iterations, bound, std::make_index_sequence<4>{});
  run_capacities<Np, Nm, close_by::other_thread>(iterations, bound, std::make_index_sequence<4>{});
}

}  // namespace

int main() {
  using weft::relacy::context_bound_params;
  using weft::relacy::random_params;
  // WEFT_RELACY_ITERATIONS and WEFT_RELACY_CONTEXT_BOUND deepen the search (a context bound of
  // 2 takes minutes: 5.8 M executions for basic, 13.5 M for shutdown).
  const std::uint64_t iterations = env_or("WEFT_RELACY_ITERATIONS", 100000);
  const auto bound = static_cast<unsigned>(env_or("WEFT_RELACY_CONTEXT_BOUND", 1));

  checks.expect_pass<mailbox_basic<>>("mailbox basic: 2x2 messages, capacity 2", random_params(iterations));
  checks.expect_pass<mailbox_basic<>>("mailbox basic: 2x2 messages, capacity 2", context_bound_params(bound));
  checks.expect_pass<mailbox_shutdown<false>>("mailbox shutdown, no drop (recv)",
                                       random_params(iterations));
  checks.expect_pass<mailbox_shutdown<false>>("mailbox shutdown, no drop (recv)", context_bound_params(bound));
  checks.expect_pass<mailbox_shutdown<true>>("mailbox shutdown, no drop (recv_batch)",
                                      random_params(iterations));
  checks.expect_pass<mailbox_shutdown<true>>("mailbox shutdown, no drop (recv_batch)",
                                      context_bound_params(bound));

  checks.expect_pass<actor_stop<weft::stop_mode::drain, true>>("actor: tells with backoff, stop(drain)",
                                                        random_params(iterations));
  checks.expect_pass<actor_stop<weft::stop_mode::drain, false>>("actor: tells, stop(drain)",
                                                         context_bound_params(bound));
  checks.expect_pass<actor_stop<weft::stop_mode::hand_back, true>>(
      "actor: tells with backoff, stop(hand_back)", random_params(iterations));
  checks.expect_pass<actor_stop<weft::stop_mode::hand_back, false>>("actor: tells, stop(hand_back)",
                                                             context_bound_params(bound));

  // The simulator's matrix: 1-3 producers, capacities 1-4, each close mode, both schedulers.
  run_matrix<1, 2>(iterations / 10, bound);
  run_matrix<2, 2>(iterations / 10, bound);
  run_matrix<3, 1>(iterations / 10, bound);

  // Batch sends (try_send_batch, random scheduler: a retry on busy is an unbounded loop for the
  // context-bound one).
  checks.expect_pass<mailbox_batch_send<1, close_by::never>>("batch sends 2x3 in twos, cap 1",
                                                             random_params(iterations / 10));
  checks.expect_pass<mailbox_batch_send<3, close_by::never>>("batch sends 2x3 in twos, cap 3",
                                                             random_params(iterations / 10));
  checks.expect_pass<mailbox_batch_send<2, close_by::other_thread>>(
      "batch sends 2x3 in twos, cap 2, close by 3rd thread", random_params(iterations / 10));

  // Teeth: the deliberately broken variants of weft::mailbox are caught here too.
  namespace variant = weft::mailbox_variant;
  checks.expect_failure<mailbox_basic<variant::relaxed_publish>>("broken: slot published relaxed",
                                                          random_params(iterations),
                                                          rl::test_result_data_race);
  checks.expect_failure<mailbox_basic<variant::wake_before_publish>>(
      "broken: waiter checked before the claim", random_params(iterations),
      rl::test_result_deadlock);
  checks.expect_failure<mailbox_shutdown<false, variant::no_closed_check>>(
      "broken: sends accepted after close", random_params(iterations), rl::test_result_success);
  checks.expect_failure<mailbox_basic<variant::one_slot_over>>(
      "broken: room check lets capacity + 1 in", random_params(iterations),
      rl::test_result_data_race);
  // The overfilled batch overwrites a slot the receiver waits to see published: the receiver
  // waits for that publication for ever.
  checks.expect_failure<mailbox_batch_send<1, close_by::never, variant::batch_overfill>>(
      "broken: batch send claims past the room", random_params(iterations),
      rl::test_result_livelock);
  // Store buffering: the receiver frees room and reads "no sender waiting" from before the
  // sender's announcement, while the sender re-checks and still sees the mailbox full: the
  // sender sleeps and nobody wakes it. Invisible to the simulator (sequentially consistent).
  checks.expect_failure<mailbox_basic<variant::no_receiver_fence>>(
      "broken: no fence before looking for waiting senders", random_params(iterations),
      rl::test_result_deadlock);

  return checks.finish();
}
