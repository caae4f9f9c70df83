// The mailbox's contract, one typed test body per platform: on real threads (weft::os) it runs
// once; on the simulator (weft::sim::platform) it is explored over many interleavings.
#include <weft/core/mailbox.hpp>
#include "run_on_platform.hpp"

#include <weft/core/os_platform.hpp>
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

template <class P, class F>
void run_on(F body) {
  weft::testing::run_on<P>(body, "weft-mailbox-basics", 2000);
}

template <class P>
class Mailbox : public ::testing::Test {};
using platforms = ::testing::Types<weft::os, weft::sim::platform>;
TYPED_TEST_SUITE(Mailbox, platforms);

// The ring index of capacities other than powers of two is a remainder taken without a division
// (detail::remainder_by). Positions only grow, so the ring tests reach small ones only: here
// the remainder is checked against % up to 2^64 - 1, where the estimated quotient falls one
// short and the correction step is needed (without it, this test fails).
TEST(MailboxIndex, RemainderWithoutDivisionEqualsModuloOverTheWholeRange) {
  constexpr std::size_t top = ~std::size_t{0};
  const std::vector<std::size_t> divisors{1,         2,           3,         5,          7,
                                          10,        100,         500,       511,        513,
                                          1000,      4095,        4097,      1'000'003,  (1u << 30) + 1,
                                          top / 4,   top / 4 + 1, top / 3,   top / 2,    top - 1,
                                          top};
  std::mt19937_64 gen(20261121);  // fixed seed: the same numbers every run
  for (const std::size_t d : divisors) {
    const weft::detail::remainder_by rem(d);
    std::vector<std::size_t> ns{0, 1, top, top - 1, top / 2, top / 4, std::size_t{1} << 62};
    for (std::size_t n = 0; n < 2000; ++n) ns.push_back(n);
    for (const std::size_t k : {std::size_t{1}, std::size_t{2}, std::size_t{1000}, top / d}) {
      const std::size_t m = k * d;  // a multiple of d (k <= top / d: no overflow)
      ns.insert(ns.end(), {m - 1, m, m + 1});
    }
    for (int i = 0; i < 20000; ++i) ns.push_back(gen());
    for (const std::size_t n : ns) {
      ASSERT_EQ(rem(n), n % d) << "n = " << n << ", d = " << d;
    }
  }
}

TEST(MailboxConstruction, CapacityZeroIsAClearError) {
  EXPECT_THROW((weft::mailbox<int, weft::os>(0)), std::invalid_argument);
  try {
    weft::mailbox<int, weft::os> m(0);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("capacity must be at least 1"), std::string::npos);
  }
}

// A capacity that cannot be allocated (2^61 slots) is a std::length_error that names the limit,
// not std::bad_array_new_length from inside the constructor.
TEST(MailboxConstruction, ACapacityTooLargeToAllocateNamesTheLimit) {
  const std::size_t huge = std::size_t{1} << 61;
  try {
    weft::mailbox<int, weft::os> m(huge);
    ADD_FAILURE() << "a mailbox of 2^61 slots was built";
  } catch (const std::length_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("capacity 2305843009213693952 is over the limit of "), std::string::npos)
        << what;
  }
  EXPECT_THROW((weft::mailbox<int, weft::os>(~std::size_t{0})), std::length_error);
}

TYPED_TEST(Mailbox, TrySendReturnsBusyWhenFullAndHandsTheValueBack) {
  run_on<TypeParam>([] {
    for (std::size_t capacity : {1u, 2u, 3u, 4u}) {
      weft::mailbox<std::unique_ptr<int>, TypeParam> m(capacity);
      for (std::size_t i = 0; i < capacity; ++i) {
        WEFT_ASSERT(TypeParam, m.try_send(std::make_unique<int>(static_cast<int>(i))).ok(),
                    "a send below capacity is accepted");
      }
      auto r = m.try_send(std::make_unique<int>(99));
      WEFT_ASSERT(TypeParam, r.status == weft::send_status::busy, "full means busy");
      WEFT_ASSERT(TypeParam, r.value && *r.value && **r.value == 99, "the value comes back");
      for (std::size_t i = 0; i < capacity; ++i) {
        auto got = m.try_recv();
        WEFT_ASSERT(TypeParam, got.ok(), "every accepted value is received");
        WEFT_ASSERT(TypeParam, **got.value == static_cast<int>(i), "in order");
      }
      WEFT_ASSERT(TypeParam, m.try_recv().status == weft::recv_status::empty, "then empty");
    }
  });
}

TYPED_TEST(Mailbox, CloseRefusesLaterSendsAndDrainsEarlierOnes) {
  run_on<TypeParam>([] {
    weft::mailbox<int, TypeParam> m(4);
    WEFT_ASSERT(TypeParam, m.try_send(1).ok(), "accepted");
    WEFT_ASSERT(TypeParam, m.try_send(2).ok(), "accepted");
    m.close();
    auto late = m.try_send(3);
    WEFT_ASSERT(TypeParam, late.status == weft::send_status::closed, "closed after close()");
    WEFT_ASSERT(TypeParam, late.value == 3, "handed back");
    WEFT_ASSERT(TypeParam, m.recv().value == 1, "drains");
    WEFT_ASSERT(TypeParam, m.recv().value == 2, "drains");
    WEFT_ASSERT(TypeParam, m.recv().status == weft::recv_status::closed, "then closed");
    WEFT_ASSERT(TypeParam, m.try_recv().status == weft::recv_status::closed, "and stays closed");
  });
}

TYPED_TEST(Mailbox, TwoProducersOneConsumerNothingLostFifoPerProducer) {
  run_on<TypeParam>([] {
    constexpr int per_producer = 3;
    weft::mailbox<int, TypeParam> m(2);
    auto produce = [&m](int id) {
      for (int i = 0; i < per_producer; ++i) {
        WEFT_ASSERT(TypeParam, m.send(id * 100 + i).ok(), "send to an open mailbox succeeds");
      }
    };
    typename TypeParam::thread a([&] { produce(1); });
    typename TypeParam::thread b([&] { produce(2); });
    int next[3] = {0, 0, 0};
    for (int n = 0; n < 2 * per_producer; ++n) {
      auto r = m.recv();
      WEFT_ASSERT(TypeParam, r.ok(), "a value arrives");
      const int producer = *r.value / 100;
      WEFT_ASSERT(TypeParam, *r.value % 100 == next[producer], "fifo per producer");
      ++next[producer];
    }
    a.join();
    b.join();
    WEFT_ASSERT(TypeParam, m.try_recv().status == weft::recv_status::empty, "exactly once");
  });
}

TYPED_TEST(Mailbox, RecvBatchTakesUpToMaxInOrder) {
  run_on<TypeParam>([] {
    weft::mailbox<int, TypeParam> m(8);
    for (int i = 0; i < 5; ++i) WEFT_ASSERT(TypeParam, m.try_send(i).ok(), "accepted");
    std::vector<int> out;
    auto r = m.try_recv_batch(std::back_inserter(out), 3);
    WEFT_ASSERT(TypeParam, r.status == weft::recv_status::ok && r.count == 3, "three");
    r = m.recv_batch(std::back_inserter(out), 64);
    WEFT_ASSERT(TypeParam, r.status == weft::recv_status::ok && r.count == 2, "the rest");
    WEFT_ASSERT(TypeParam, (out == std::vector<int>{0, 1, 2, 3, 4}), "in order");
    m.close();
    r = m.recv_batch(std::back_inserter(out), 64);
    WEFT_ASSERT(TypeParam, r.status == weft::recv_status::closed && r.count == 0, "closed");
  });
}

// try_send_batch takes the longest prefix that fits, leaves the rest untouched, and is busy
// only when there is no room at all; capacities 1-4 and 7, with 0..capacity values queued first.
TYPED_TEST(Mailbox, TrySendBatchTakesThePrefixThatFitsAndLeavesTheRest) {
  run_on<TypeParam>([] {
    for (std::size_t capacity : {1u, 2u, 3u, 4u, 7u}) {
      for (std::size_t queued = 0; queued <= capacity; ++queued) {
        weft::mailbox<std::unique_ptr<int>, TypeParam> m(capacity);
        for (std::size_t i = 0; i < queued; ++i) {
          WEFT_ASSERT(TypeParam, m.try_send(std::make_unique<int>(static_cast<int>(i))).ok(),
                      "a send below capacity is accepted");
        }
        std::array<std::unique_ptr<int>, 5> batch;
        for (std::size_t i = 0; i < batch.size(); ++i) {
          batch[i] = std::make_unique<int>(static_cast<int>(100 + i));
        }
        const std::size_t room = capacity - queued;
        const weft::send_batch_result r = m.try_send_batch(std::span(batch));
        if (room == 0) {
          WEFT_ASSERT(TypeParam, r.status == weft::send_status::busy && r.count == 0,
                      "a batch into a full mailbox is busy, none taken");
        } else {
          WEFT_ASSERT(TypeParam, r.status == weft::send_status::ok, "room for one: ok");
          WEFT_ASSERT(TypeParam, r.count == std::min(room, batch.size()),
                      "as many as there is room for: busy only when full");
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
          const bool taken = i < r.count;
          WEFT_ASSERT(TypeParam, taken == (batch[i] == nullptr),
                      "the accepted prefix is moved from, the rest untouched");
          if (!taken) {
            WEFT_ASSERT(TypeParam, *batch[i] == static_cast<int>(100 + i), "rest intact");
          }
        }
        for (std::size_t i = 0; i < queued + r.count; ++i) {
          auto got = m.try_recv();
          WEFT_ASSERT(TypeParam, got.ok(), "every accepted value is received");
          const int want = i < queued ? static_cast<int>(i) : static_cast<int>(100 + i - queued);
          WEFT_ASSERT(TypeParam, **got.value == want, "queued values first, then the batch");
        }
        WEFT_ASSERT(TypeParam, m.try_recv().status == weft::recv_status::empty, "then empty");
      }
    }
  });
}

// A batch across the ring's end (positions 2..5 of a ring of 3 and of 4), and close: a batch
// after close() is refused whole.
TYPED_TEST(Mailbox, TrySendBatchWrapsTheRingAndIsRefusedWholeAfterClose) {
  run_on<TypeParam>([] {
    for (std::size_t capacity : {3u, 4u}) {
      weft::mailbox<int, TypeParam> m(capacity);
      for (int i = 0; i < 2; ++i) {
        WEFT_ASSERT(TypeParam, m.try_send(i).ok(), "accepted");
        WEFT_ASSERT(TypeParam, m.try_recv().value == i, "received");
      }
      std::array<int, 4> batch{10, 11, 12, 13};
      auto r = m.try_send_batch(std::span(batch));
      WEFT_ASSERT(TypeParam, r.status == weft::send_status::ok && r.count == std::min<std::size_t>(capacity, 4),
                  "fills the ring across its end");
      std::vector<int> out;
      auto b = m.try_recv_batch(std::back_inserter(out), 64);
      WEFT_ASSERT(TypeParam, b.count == r.count, "all of it received");
      for (std::size_t i = 0; i < out.size(); ++i) {
        WEFT_ASSERT(TypeParam, out[i] == batch[i], "in the batch's order");
      }
      m.close();
      std::array<int, 2> late{20, 21};
      r = m.try_send_batch(std::span(late));
      WEFT_ASSERT(TypeParam, r.status == weft::send_status::closed && r.count == 0,
                  "closed: none taken");
      WEFT_ASSERT(TypeParam, late[0] == 20 && late[1] == 21, "every value still the caller's");
      WEFT_ASSERT(TypeParam, m.try_recv().status == weft::recv_status::closed, "then closed");
    }
  });
}

// Two producers sending batches into a mailbox smaller than a batch: exactly once, FIFO per
// producer, and the values one call accepted are received back to back, with no other
// producer's value between them (explored over interleavings in the simulator).
TYPED_TEST(Mailbox, TwoBatchProducersNothingLostFifoPerProducerEachBatchBackToBack) {
  run_on<TypeParam>([] {
    constexpr int per_producer = 4;
    weft::mailbox<int, TypeParam> m(3);
    // call[id][i]: which of producer id's calls accepted its value i. Each producer writes its
    // own row; the receiving thread reads them after joining.
    std::array<std::array<int, per_producer>, 3> call{};
    auto produce = [&m, &call](int id) {
      std::array<int, per_producer> values{};
      for (int i = 0; i < per_producer; ++i) values[static_cast<std::size_t>(i)] = id * 100 + i;
      std::size_t done = 0;
      for (int calls = 0; done < values.size(); ++calls) {
        const auto r = m.try_send_batch(std::span(values).subspan(done));
        WEFT_ASSERT(TypeParam, r.status != weft::send_status::closed, "never closed here");
        for (std::size_t i = done; i < done + r.count; ++i) call[static_cast<std::size_t>(id)][i] = calls;
        done += r.count;
        if (r.status == weft::send_status::busy) TypeParam::yield();
      }
    };
    typename TypeParam::thread a([&] { produce(1); });
    typename TypeParam::thread b([&] { produce(2); });
    int next[3] = {0, 0, 0};
    std::array<std::array<int, per_producer>, 3> at{};  // where each value came in the order
    for (int n = 0; n < 2 * per_producer;) {
      std::array<int, 4> out{};
      const auto r = m.recv_batch(out.begin(), 2);
      WEFT_ASSERT(TypeParam, r.status == weft::recv_status::ok, "values while sends are outstanding");
      for (std::size_t i = 0; i < r.count; ++i) {
        const int id = out[i] / 100;
        WEFT_ASSERT(TypeParam, id == 1 || id == 2, "only values that were sent");
        WEFT_ASSERT(TypeParam, out[i] % 100 == next[id], "FIFO per producer, exactly once");
        at[static_cast<std::size_t>(id)][static_cast<std::size_t>(next[id])] = n + static_cast<int>(i);
        ++next[id];
      }
      n += static_cast<int>(r.count);
    }
    a.join();
    b.join();
    for (std::size_t id = 1; id <= 2; ++id) {
      for (std::size_t i = 1; i < per_producer; ++i) {
        if (call[id][i] == call[id][i - 1]) {
          WEFT_ASSERT(TypeParam, at[id][i] == at[id][i - 1] + 1,
                      "the values of one try_send_batch are received back to back");
        }
      }
    }
    WEFT_ASSERT(TypeParam, m.try_recv().status == weft::recv_status::empty, "nothing left over");
  });
}

TYPED_TEST(Mailbox, TimedCallsTimeOutAndHandTheValueBack) {
  run_on<TypeParam>([] {
    weft::mailbox<int, TypeParam> m(1);
    WEFT_ASSERT(TypeParam, m.recv_for(1ms).status == weft::recv_status::timeout, "nothing came");
    WEFT_ASSERT(TypeParam, m.try_send(1).ok(), "accepted");
    auto r = m.send_for(2, 1ms);
    WEFT_ASSERT(TypeParam, r.status == weft::send_status::timeout, "no room came");
    WEFT_ASSERT(TypeParam, r.value == 2, "handed back");
  });
}

TYPED_TEST(Mailbox, CloseWakesAWaitingReceiverAndAWaitingSender) {
  run_on<TypeParam>([] {
    weft::mailbox<int, TypeParam> empty(1);
    typename TypeParam::thread receiver([&] {
      WEFT_ASSERT(TypeParam, empty.recv().status == weft::recv_status::closed, "woken by close");
    });
    weft::mailbox<int, TypeParam> full(1);
    WEFT_ASSERT(TypeParam, full.try_send(7).ok(), "fills it");
    typename TypeParam::thread sender([&] {
      auto r = full.send(8);
      WEFT_ASSERT(TypeParam, r.status == weft::send_status::closed, "woken by close");
      WEFT_ASSERT(TypeParam, r.value == 8, "handed back");
    });
    empty.close();
    full.close();
    receiver.join();
    sender.join();
  });
}

TYPED_TEST(Mailbox, ZeroisedSlotsStillDeliverEverything) {
  run_on<TypeParam>([] {
    weft::mailbox<long, TypeParam> m(3, /*zeroize=*/true);
    for (int round = 0; round < 3; ++round) {
      for (long i = 0; i < 3; ++i) WEFT_ASSERT(TypeParam, m.try_send(i + 10 * round).ok(), "ok");
      for (long i = 0; i < 3; ++i) WEFT_ASSERT(TypeParam, m.recv().value == i + 10 * round, "fifo");
    }
  });
}

// Slots wider than half a cache line are laid out a line apart, narrower ones are packed (some
// across a line boundary), a payload may ask for more alignment than a line, and the receiver
// writes into the slots it takes (one byte per line, or every byte when zeroising): values of
// every such size go round the ring intact, lap after lap, each lap taken in two batch receives.
template <std::size_t N>
struct words {
  std::array<std::uint32_t, N> w;
};
struct alignas(128) over_aligned {
  std::uint32_t w[1];
};

template <class T, class P>
void go_round(std::size_t capacity, bool zeroize) {
  constexpr std::size_t n = sizeof(T::w) / sizeof(std::uint32_t);
  weft::mailbox<T, P> m(capacity, zeroize);
  std::vector<T> got(capacity);
  for (std::uint32_t round = 0; round < 4; ++round) {
    for (std::uint32_t i = 0; i < capacity; ++i) {
      T v{};
      for (std::uint32_t k = 0; k < n; ++k) v.w[k] = 1000 * round + 100 * i + k + 1;
      WEFT_ASSERT(P, m.try_send(v).ok(), "below capacity");
    }
    // Two batches, the first leaving values queued behind it: writes meant for the slots a
    // batch took must not touch the next ones.
    const std::size_t first = capacity - capacity / 2;
    WEFT_ASSERT(P, m.try_recv_batch(got.begin(), first).count == first, "the first part");
    if (first < capacity) {
      const auto rest = m.try_recv_batch(got.begin() + static_cast<std::ptrdiff_t>(first),
                                         capacity - first);
      WEFT_ASSERT(P, rest.count == capacity - first, "the rest");
    }
    for (std::uint32_t i = 0; i < capacity; ++i) {
      for (std::uint32_t k = 0; k < n; ++k) {
        WEFT_ASSERT(P, got[i].w[k] == 1000 * round + 100 * i + k + 1, "every word intact");
      }
    }
  }
}

TYPED_TEST(Mailbox, ValuesOfEverySizeAndAlignmentGoRoundTheRingIntact) {
  run_on<TypeParam>([] {
    for (const bool zeroize : {false, true}) {
      go_round<words<1>, TypeParam>(5, zeroize);    // 16-byte slots, four to a line
      go_round<words<3>, TypeParam>(7, zeroize);    // 24-byte slots, some across two lines
      go_round<words<16>, TypeParam>(3, zeroize);   // 64-byte value: two lines of its own
      go_round<words<25>, TypeParam>(3, zeroize);   // 100 bytes: two lines, the second part-used
      go_round<words<40>, TypeParam>(2, zeroize);   // 160 bytes: three lines
      go_round<over_aligned, TypeParam>(2, zeroize);
    }
  });
}

// A value that remembers where it was last move-constructed: right after a successful
// try_send, that is its slot inside the mailbox, so the test can look at the slot's bytes after
// the value has been received.
template <std::size_t N>
struct traced_secret {
  const unsigned char** at = nullptr;
  std::array<std::uint64_t, N> w{};  // last, so that the value's last byte is a secret's
  traced_secret() = default;
  traced_secret(traced_secret&& o) noexcept : at(o.at), w(o.w) {
    if (at != nullptr) *at = reinterpret_cast<const unsigned char*>(this);
  }
  traced_secret& operator=(traced_secret&& o) noexcept {
    at = o.at;
    w = o.w;
    return *this;
  }
  ~traced_secret() = default;
};

template <class S>
bool all_zero(const unsigned char* bytes) {
  for (std::size_t i = 0; i < sizeof(S); ++i) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

// Zeroisation clears every byte of each slot it took (and nothing of a value still queued), for
// packed and wide slots, single and batch receives; without it, the secret stays readable (so the
// check can tell the two apart). The two values taken sit on either side of the ring's end
// (positions 2 and 3 of a ring of 3: slots 2 and 0), so a receive that steps past the last slot
// instead of wrapping leaves the second secret behind.
template <class S, class P>
void secrets_cleared(bool zeroize, bool batch) {
  weft::mailbox<S, P> m(3, zeroize);
  for (int i = 0; i < 2; ++i) {
    WEFT_ASSERT(P, m.try_send(S{}).ok() && m.try_recv().ok(), "move the ring's start on");
  }
  const unsigned char* last = nullptr;
  std::array<const unsigned char*, 3> slot{};
  for (std::size_t i = 0; i < slot.size(); ++i) {
    S v;
    v.w.fill(0x5EC2E75EC2E70000ULL + i);
    v.at = &last;
    WEFT_ASSERT(P, m.try_send(std::move(v)).ok(), "room");
    slot[i] = last;  // the last move-construction of a successful send is into its slot
  }
  std::array<S, 2> got;
  if (batch) {
    WEFT_ASSERT(P, m.try_recv_batch(got.begin(), 2).count == 2, "two of three");
  } else {
    for (auto& g : got) {
      auto r = m.try_recv();
      WEFT_ASSERT(P, r.ok(), "one");
      g = std::move(*r.value);
    }
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    WEFT_ASSERT(P, got[i].w[0] == 0x5EC2E75EC2E70000ULL + i, "delivered intact");
    WEFT_ASSERT(P, all_zero<S>(slot[i]) == zeroize,
                "a taken slot is all zero exactly when zeroising");
  }
  auto third = m.try_recv();
  WEFT_ASSERT(P, third.ok() && third.value->w.back() == 0x5EC2E75EC2E70002ULL,
              "the value queued behind is untouched");
}

TYPED_TEST(Mailbox, ZeroisationClearsEveryByteOfTheSlotsItTakes) {
  run_on<TypeParam>([] {
    for (const bool zeroize : {false, true}) {
      for (const bool batch : {false, true}) {
        secrets_cleared<traced_secret<1>, TypeParam>(zeroize, batch);  // 16 bytes: packed slots
        secrets_cleared<traced_secret<7>, TypeParam>(zeroize, batch);  // 64 bytes: wide slots
        secrets_cleared<traced_secret<15>, TypeParam>(zeroize, batch);  // 128 bytes: 3 lines
      }
    }
  });
}

}  // namespace
