// weft/core/mailbox.hpp — a bounded multi-producer single-consumer mailbox.
//
//   weft::mailbox<T, P>   bounded MPSC queue of T, any capacity >= 1, written once against the
//                         platform P (weft::os on real threads, weft::sim::platform in the
//                         simulator, weft::relacy::platform under Relacy).
//   send_status / recv_status, send_result<T> / recv_result<T> / batch_result /
//   send_batch_result
//
// Guarantees
//   - Nothing is dropped silently: a value that is not accepted (busy, closed, timeout) comes
//     back to the sender in the result. Every accepted value is received exactly once, in the
//     order each producer sent it (FIFO per producer).
//   - try_send returns busy only when the mailbox is full; it never blocks. try_send_batch takes
//     the longest prefix of a span that fits, with one claim, and is busy only when nothing fits.
//   - close(): sends that come after it return closed; the receiver first drains every value
//     accepted before it, then sees closed. Senders and the receiver waiting in a blocking call
//     wake up.
//   - No allocation per message: slots are allocated once, at construction.
//   - Optional zeroisation of a slot's bytes after its value is received (for secrets). It
//     clears the slot, not memory that T itself owns (a std::string's heap buffer, say).
//
// Thread-safety: any number of threads may send and close concurrently; exactly one thread at
// a time receives (try_recv, recv, recv_for, try_recv_batch, recv_batch). Receiving from two
// threads at once is a programmer error.
//
// Algorithm: a bounded ring. Producers claim positions with a CAS on the shared tail (the
// closed flag folded into it, so that close() fixes exactly which sends were accepted), write
// the value, and mark the slot with a per-slot sequence number as in D. Vyukov's bounded queue
// (1024cores.net). Unlike Vyukov's queue, the single consumer never writes a sequence number
// back: it publishes its position once per receive (once per batch), and producers check for
// room against that position, cached in the producers' own cache line and refreshed only when
// the ring looks full. A producer therefore never reads a slot, and the consumer polls no line
// the producers write except the slots themselves (the closed flag has its own read-mostly
// copy). Blocking waits use a mutex and two condition variables, touched only on the slow
// path: a fast-path send or receive does no locking and wakes a waiter only when one has
// announced itself (a Dekker-style handshake of seq_cst operations, commented in place).
#pragma once

#include <weft/core/assert.hpp>
#include <weft/core/default_platform.hpp>
#include <weft/core/platform.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace weft {

enum class send_status : std::uint8_t { ok, busy, closed, timeout };
enum class recv_status : std::uint8_t { ok, empty, closed, timeout };

// The outcome of a send. When status is not ok, `value` holds the value handed back.
template <class T>
struct [[nodiscard]] send_result {
  send_status status;
  std::optional<T> value;
  bool ok() const noexcept { return status == send_status::ok; }
};

// The outcome of a receive: `value` is engaged exactly when status is ok.
template <class T>
struct [[nodiscard]] recv_result {
  recv_status status;
  std::optional<T> value;
  bool ok() const noexcept { return status == recv_status::ok; }
};

// The outcome of a batch receive: `count` values were written (count > 0 iff status is ok).
struct [[nodiscard]] batch_result {
  recv_status status;
  std::size_t count;
};

// The outcome of a batch send: the first `count` values were accepted (count > 0 iff status is
// ok); the values from `count` on were not touched and are still the caller's.
struct [[nodiscard]] send_batch_result {
  send_status status;
  std::size_t count;
};

inline constexpr std::size_t mailbox_default_capacity = 512;
inline constexpr std::size_t mailbox_batch_max = 64;

namespace detail {
// n % d without a division (a 64-bit division is ~10-40 cycles; the mailbox takes a remainder once
// per send and once per value received, twice with zeroisation, and with capacities other than
// powers of two the division made one thread's 8-byte messages 1.8x as slow as with a power of
// two, 2.7x with zeroisation). q = floor(n * floor((2^64 - 1) / d) / 2^64) is n / d or one less:
// the reciprocal is short of 2^64 / d by under 1, so the product is short of n / d by under n /
// 2^64 < 1. One subtraction corrects the remainder.
class remainder_by {
 public:
  explicit constexpr remainder_by(std::size_t d) noexcept
      : d_(d), reciprocal_(~std::size_t{0} / d) {}
  constexpr std::size_t operator()(std::size_t n) const noexcept {
    static_assert(sizeof(std::size_t) == 8, "the reciprocal is 64-bit");
    __extension__ using u128 = unsigned __int128;
    const auto q = static_cast<std::size_t>((static_cast<u128>(n) * reciprocal_) >> 64);
    std::size_t r = n - q * d_;
    if (r >= d_) r -= d_;
    return r;
  }

 private:
  std::size_t d_;
  std::size_t reciprocal_;
};
}  // namespace detail

// Deliberately broken variants of the mailbox, so that tests can prove the checkers find each
// bug (tests/mailbox/mailbox_teeth_test.cpp). The default, `correct`, compiles every fault out.
namespace mailbox_variant {
struct correct {
  static constexpr bool publish_relaxed = false;     // publish a slot with a relaxed store
  static constexpr bool skip_closed_check = false;   // accept sends after close()
  static constexpr bool lose_one_slot = false;       // allocate capacity - 1 slots
  static constexpr bool overfill = false;            // room check off by one: capacity + 1 fit
  static constexpr bool check_waiter_early = false;  // look for a waiting receiver before claiming
  static constexpr bool skip_receiver_fence = false;  // no fence between freeing room and looking
                                                     // for waiting senders (store buffering)
  static constexpr bool batch_room_for_one = false;  // a batch send claims its whole batch once
                                                     // there is room for one value
};
struct relaxed_publish : correct {
  static constexpr bool publish_relaxed = true;
};
struct no_closed_check : correct {
  static constexpr bool skip_closed_check = true;
};
struct one_slot_short : correct {
  static constexpr bool lose_one_slot = true;
};
struct one_slot_over : correct {
  static constexpr bool overfill = true;
};
struct wake_before_publish : correct {
  static constexpr bool check_waiter_early = true;
};
struct batch_overfill : correct {
  static constexpr bool batch_room_for_one = true;
};
// Only a weak-memory checker (Relacy) can see this one: the simulator's interleavings are
// sequentially consistent, and there the missing fence changes nothing.
struct no_receiver_fence : correct {
  static constexpr bool skip_receiver_fence = true;
};
}  // namespace mailbox_variant

template <class T, class P = default_platform, class Variant = mailbox_variant::correct>
  requires platform<P> && std::is_nothrow_move_constructible_v<T>
class mailbox {
  using atomic_size = typename P::template atomic<std::size_t>;
  using atomic_flag = typename P::template atomic<bool>;
  using clock = typename P::clock;
  struct storage {
    alignas(T) unsigned char bytes[sizeof(T)];
  };
  // A slot larger than half a cache line gets whole lines of its own. Packed, it would straddle
  // two lines shared with its neighbours, which the two producers of consecutive positions write
  // at the same time (measured: 64-byte payloads 1.13x-1.28x faster aligned; 8-byte payloads,
  // four to a line, 0.5x-0.7x slower aligned, as the receiver then streams four times the lines;
  // docs/perf/mailbox.md). Decided on the real layout, so every platform lays slots out alike.
  static constexpr std::size_t cache_line = 64;
  static constexpr std::size_t slot_align =
      std::max({sizeof(std::size_t) + sizeof(T) > cache_line / 2 ? cache_line : std::size_t{1},
                alignof(atomic_size), alignof(T)});
  struct alignas(slot_align) slot {
    atomic_size seq;  // p + 1: holds the value of position p. Written by producers only; the
                      // values of one slot's positions p, p + capacity, ... are all distinct.
    typename P::template var<storage> data;
  };

  // The receiver writes the lines of wide slots (whole lines each) in a second pass, after it
  // has taken every value of the batch: stores into the lines a batch is still reading held
  // its loads up (measured, 64-byte values: raw throughput 1.3x-1.8x, geometric means, same
  // runs; consumer-bound unchanged). Packed slots, one write per line of four, write as they go,
  // unless zeroising: a store into every packed slot is what the second pass pays off for there
  // (8-byte values, zeroize on: raw 1.06x-1.19x, consumer-bound 1.00x-1.03x).
  static constexpr bool wide_slots = slot_align >= cache_line;

  // The producers' position carries the closed flag in its top bit.
  static constexpr std::size_t closed_bit = std::size_t{1} << (sizeof(std::size_t) * 8 - 1);

 public:
  // Throws std::invalid_argument for capacity 0 (a mailbox that could never accept anything)
  // and std::length_error, naming the limit, for a capacity too large to index or allocate.
  explicit mailbox(std::size_t capacity = mailbox_default_capacity, bool zeroize = false)
      : capacity_(Variant::lose_one_slot && capacity > 1 ? capacity - 1
                                                           : checked_capacity(capacity)),
        mask_(capacity_ - 1),
        remainder_(capacity_),
        pow2_(is_power_of_two(capacity_)),
        zeroize_(zeroize),
        slots_(new slot[capacity_]) {
    for (std::size_t i = 0; i < capacity_; ++i) {
      slots_[i].seq.store(0, std::memory_order_relaxed);  // 0: no position's value yet
    }
  }
  mailbox(const mailbox&) = delete;
  mailbox& operator=(const mailbox&) = delete;

  // Destroys the values still queued (nobody received them: the owner chose to drop them).
  ~mailbox() {
    const std::size_t tail = tail_.load(std::memory_order_acquire) & ~closed_bit;
    for (std::size_t pos = head_local_.load(); pos != tail; ++pos) {
      slot& s = slots_[index(pos)];
      if (s.seq.load(std::memory_order_acquire) == full_at(pos)) {
        s.data.with_mut([](storage& st) { std::launder(reinterpret_cast<T*>(st.bytes))->~T(); });
      }
    }
  }

  std::size_t capacity() const noexcept { return capacity_; }
  bool zeroizes() const noexcept { return zeroize_; }

  // Whether close() was called (sends now return closed).
  bool closed() const { return (tail_.load(std::memory_order_acquire) & closed_bit) != 0; }

  // ----- sending (any thread) -----

  // Never blocks. ok: accepted. busy: the mailbox is full. closed: close() came first.
  send_result<T> try_send(T value) {
    const bool early = early_waiter_check();
    std::size_t pos = 0;
    const send_status claimed = claim(pos);
    if (claimed != send_status::ok) return {claimed, std::move(value)};
    publish(pos, std::move(value), early);
    return {send_status::ok, std::nullopt};
  }

  // Never blocks. Moves the longest prefix of `values` that fits into the mailbox, claimed at
  // once (one compare-exchange on the producers' shared position for the whole prefix, where
  // try_send takes one per value): the receiver gets the prefix in order and back to back, with
  // no other sender's value between, after anything queued before it.
  // ok: values[0, count) were accepted and are moved from; values[count, size) are untouched
  //     (count < size when the mailbox filled up: try the rest again later).
  // busy: the mailbox is full; closed: close() came first. Either way count is 0 and every
  //     value is still the caller's.
  // `values` must not be empty.
  send_batch_result try_send_batch(std::span<T> values) {
    WEFT_ASSERT(P, !values.empty(), "try_send_batch: the batch must hold at least one value");
    const bool early = early_waiter_check();
    std::size_t pos = 0;
    std::size_t n = values.size();
    const send_status claimed = claim_up_to(pos, n);
    if (claimed != send_status::ok) return {claimed, 0};
    for (std::size_t i = 0; i < n; ++i) store_value(pos + i, std::move(values[i]));
    wake_receiver(early);
    return {send_status::ok, n};
  }

  // Waits for room. ok or closed (the value comes back).
  send_result<T> send(T value) { return send_until_impl(std::move(value), nullptr); }

  // Waits for room until the deadline: ok, closed or timeout (the value comes back).
  send_result<T> send_until(T value, typename clock::time_point deadline) {
    return send_until_impl(std::move(value), &deadline);
  }
  template <class Rep, class Period>
  send_result<T> send_for(T value, std::chrono::duration<Rep, Period> timeout) {
    return send_until(std::move(value),
                      P::now() + std::chrono::duration_cast<typename clock::duration>(timeout));
  }

  // Refuses later sends and wakes every waiting sender and the waiting receiver. Idempotent.
  void close() {
    // seq_cst: ordered with the senders' claims (a claim either precedes the close and is
    // delivered, or sees the bit and fails) and with the waiters' announcements below.
    tail_.fetch_or(closed_bit, std::memory_order_seq_cst);
    // The receiver reads this copy when it finds the ring empty, instead of polling tail_ (the
    // line producers write on every send). Set after the bit: seeing it means tail_ is final.
    closed_.store(true, std::memory_order_release);
    std::scoped_lock lock(mutex_);
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  // ----- receiving (one thread) -----

  // Never blocks. ok with a value, empty, or closed (closed and everything drained).
  recv_result<T> try_recv() {
    const std::size_t pos = head_local_.load();
    slot& s = slots_[index(pos)];
    // acquire: pairs with the producer's release in publish(): its value is visible.
    const std::size_t seq = s.seq.load(std::memory_order_acquire);
    if (seq != full_at(pos)) {
      check_not_overwritten(seq, pos);
      return {empty_or_closed(pos), std::nullopt};
    }
    recv_result<T> r{recv_status::ok, take(s)};
    after_receive(pos, pos + 1);
    return r;
  }

  // Waits for a value: ok, or closed once everything accepted before close() was received.
  recv_result<T> recv() { return recv_until_impl(nullptr); }
  recv_result<T> recv_until(typename clock::time_point deadline) { return recv_until_impl(&deadline); }
  template <class Rep, class Period>
  recv_result<T> recv_for(std::chrono::duration<Rep, Period> timeout) {
    return recv_until(P::now() + std::chrono::duration_cast<typename clock::duration>(timeout));
  }

  // Moves up to `max` (1..64) values to `out` (an output iterator) without blocking.
  template <class OutputIt>
  batch_result try_recv_batch(OutputIt out, std::size_t max) {
    WEFT_ASSERT(P, max >= 1, "recv_batch: max must be at least 1");
    WEFT_ASSERT(P, max <= mailbox_batch_max, "recv_batch: max must be at most 64");
    std::size_t pos = head_local_.load();
    const std::size_t first = pos;
    std::size_t n = 0;
    while (n < max) {
      slot& s = slots_[index(pos)];
      const std::size_t seq = s.seq.load(std::memory_order_acquire);  // acquire: as in try_recv
      if (seq != full_at(pos)) {
        check_not_overwritten(seq, pos);
        break;
      }
      *out = take(s);
      ++out;
      ++pos;
      ++n;
    }
    if (n == 0) return {empty_or_closed(first), 0};
    after_receive(first, pos);
    return {recv_status::ok, n};
  }

  // Like try_recv_batch, but waits until at least one value is there or the mailbox is closed
  // and drained.
  template <class OutputIt>
  batch_result recv_batch(OutputIt out, std::size_t max) {
    for (;;) {
      const batch_result r = try_recv_batch(out, max);
      if (r.status != recv_status::empty) return r;
      if (!wait_not_empty(nullptr)) return {recv_status::timeout, 0};
    }
  }

  // Values queued now, as the receiver sees them (receiver thread only; a snapshot while
  // others send).
  std::size_t size_approx() const {
    const std::size_t tail = tail_.load(std::memory_order_relaxed) & ~closed_bit;
    const std::size_t head = head_local_.load();
    return tail >= head ? tail - head : 0;
  }

 private:
  static std::size_t checked_capacity(std::size_t capacity) {
    if (capacity == 0) {
      throw std::invalid_argument("weft::mailbox: capacity must be at least 1 (got 0)");
    }
    // The largest ring that can be indexed (positions keep two flag bits free) and allocated
    // (an array of slots is at most PTRDIFF_MAX bytes); beyond it `new slot[]` would throw
    // std::bad_array_new_length, which says nothing about the limit.
    constexpr std::size_t index_max = closed_bit >> 2;
    constexpr std::size_t alloc_max =
        static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) / sizeof(slot);
    constexpr std::size_t capacity_max = index_max < alloc_max ? index_max : alloc_max;
    if (capacity > capacity_max) {
      throw std::length_error("weft::mailbox: capacity " + std::to_string(capacity) +
                              " is over the limit of " + std::to_string(capacity_max) +
                              " slots of " + std::to_string(sizeof(slot)) + " bytes");
    }
    return capacity;
  }
  static constexpr bool is_power_of_two(std::size_t n) noexcept { return (n & (n - 1)) == 0; }
  static constexpr std::size_t full_at(std::size_t pos) noexcept { return pos + 1; }
  // pos % capacity, without a division (detail::remainder_by).
  std::size_t index(std::size_t pos) const noexcept {
    return pow2_ ? (pos & mask_) : remainder_(pos);
  }

  // Claims the next position for a send, or says why it cannot.
  send_status claim(std::size_t& pos) {
    std::size_t n = 1;
    return claim_up_to<false>(pos, n);
  }

  // Claims up to `n` (>= 1) consecutive positions from `pos` on, as many as there is room for,
  // with one compare-exchange; `n` becomes how many were claimed. Or says why none can be.
  // Batch = false: n is 1 (claim()), and the batch's arithmetic is compiled out of the path
  // every single send takes.
  template <bool Batch = true>
  send_status claim_up_to(std::size_t& pos, std::size_t& n) {
    pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      if ((pos & closed_bit) != 0) {
        if constexpr (!Variant::skip_closed_check) return send_status::closed;
        pos &= ~closed_bit;  // the broken variant claims a position as if still open
      }
      // Room for `pos` once the receiver has taken position pos - capacity. The cached copy of
      // its position lives in the producers' line; it lags, so it can only make the ring look
      // fuller than it is, and is refreshed then (also when it shows less room than wanted).
      // acquire (here and below): pairs with the receiver's release of its position, through
      // the producer that refreshed the cache, so our write of the new value cannot race with
      // its read of the old one.
      constexpr std::size_t extra = Variant::overfill ? 1 : 0;  // the broken variant's room
      const std::size_t limit = capacity_ + extra;
      std::size_t head = head_cache_.load(std::memory_order_acquire);
      std::size_t used = pos - head;  // huge when a stale pos is behind head: tail moved
      if (used >= limit || (Batch && limit - used < n)) {
        head = head_.load(std::memory_order_acquire);
        used = pos - head;
        if (used >= limit) {
          // pos - capacity .. pos - 1 are all claimed and not yet received: the mailbox is
          // full, unless a position was claimed in between (then try again from there).
          const std::size_t now = tail_.load(std::memory_order_relaxed);
          if (now == pos) return send_status::busy;
          pos = now;
          continue;
        }
        head_cache_.store(head, std::memory_order_release);
      }
      const std::size_t room = limit - used;  // >= 1
      const std::size_t take = !Batch || Variant::batch_room_for_one || n <= room ? n : room;
      // seq_cst: the claim is ordered with close() and with the receiver's announcement that
      // it is about to wait (see wait_not_empty).
      if constexpr (Variant::skip_closed_check) {
        std::size_t observed = tail_.load(std::memory_order_seq_cst);
        if ((observed & ~closed_bit) == pos &&
            tail_.compare_exchange_weak(observed, (observed & closed_bit) | (pos + take),
                                        std::memory_order_seq_cst, std::memory_order_relaxed)) {
          n = take;
          return send_status::ok;
        }
        pos = tail_.load(std::memory_order_relaxed);
        continue;
      }
      if (tail_.compare_exchange_weak(pos, pos + take, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
        n = take;
        return send_status::ok;
      }
    }
  }

  // The broken variant looks for a waiting receiver before claiming its position: a receiver
  // that announces itself in between, and sees no claim, sleeps on a message it is never told
  // about.
  bool early_waiter_check() {
    if constexpr (Variant::check_waiter_early) {
      return receiver_waiting_.load(std::memory_order_seq_cst);
    } else {
      return false;
    }
  }

  void publish(std::size_t pos, T&& value, bool early_wake) {
    store_value(pos, std::move(value));
    wake_receiver(early_wake);
  }

  // Writes the value of a claimed position and marks its slot full.
  void store_value(std::size_t pos, T&& value) {
    // The claim saw the receiver past pos - capacity before winning the position: the slot is
    // free, and only this producer writes it now.
    slot& s = slots_[index(pos)];
    s.data.with_mut([&](storage& st) { ::new (static_cast<void*>(st.bytes)) T(std::move(value)); });
    // release: the value is written before the receiver can see the slot as full.
    s.seq.store(full_at(pos), Variant::publish_relaxed ? std::memory_order_relaxed
                                                       : std::memory_order_release);
  }

  // After publishing: wakes the receiver if it announced that it waits.
  void wake_receiver(bool early_wake) {
    bool wake = early_wake;
    // seq_cst: pairs with the receiver's seq_cst store of receiver_waiting_ followed by its
    // seq_cst reload of the position (Dekker): either it sees our claim, or we see it waiting.
    if constexpr (!Variant::check_waiter_early) {
      wake = receiver_waiting_.load(std::memory_order_seq_cst);
    }
    if (wake) {
      std::scoped_lock lock(mutex_);
      not_empty_.notify_one();
    }
  }

  // Moves the value out of a full slot. The slot is not marked free: the receiver's position,
  // published by after_receive(), says which slots are free.
  T take(slot& s) {
    return s.data.with_mut([&](storage& st) {
      T* p = std::launder(reinterpret_cast<T*>(st.bytes));
      T out(std::move(*p));
      p->~T();
      if (!second_pass()) write_lines(st);
      return out;
    });
  }

  bool second_pass() const noexcept { return wide_slots || zeroize_; }

  // What the receiver writes to a slot it has taken: every byte when zeroising, else a byte in
  // each line (write_each_line).
  void write_lines(storage& st) const noexcept {
    if (zeroize_) {
      std::memset(st.bytes, 0, sizeof st.bytes);
    } else {
      write_each_line(st.bytes);
    }
  }

  // The receiver writes each cache line that holds bytes of the values it takes, once per lap:
  // one byte at the line's first value byte (zeroisation writes every byte). A line it has only
  // read stays shared between its core and the producers', and taking such lines back was
  // measured slow on the 2-vCPU machine: without the write, 64-byte runs fell for minutes at a
  // time into a state where every queue moved 4-7 M msg/s (moodycamel too). With it, raw
  // throughput was 1.0x-7.2x what it was in the same runs, consumer-bound throughput about the
  // same on average (docs/perf/mailbox.md, "The receiver writes the lines it reads").
  // Sequence numbers are not written: producers never read a slot.
  static void write_each_line(unsigned char* bytes) noexcept {
    const std::size_t into_line = reinterpret_cast<std::uintptr_t>(bytes) % cache_line;
    // The first value that starts in a line writes it (the slot before started in an earlier
    // line): packed 8-byte values, four slots to a line, write once per four.
    if (into_line < sizeof(slot)) bytes[0] = 0;
    // A value that runs into later lines writes each of them.
    for (std::size_t i = cache_line - into_line; i < sizeof(T); i += cache_line) bytes[i] = 0;
  }

  // After taking the values of positions first .. pos - 1: write (or clear) their slots if that
  // is left to a second pass, publish the position, then wake senders that announced they wait
  // for room.
  void after_receive(std::size_t first, std::size_t pos) {
    if (second_pass()) {
      for (std::size_t p = first; p != pos; ++p) {
        slots_[index(p)].data.with_mut([&](storage& st) { write_lines(st); });
      }
    }
    // Keep the stores: the bytes are not read again before the next send overwrites them.
    asm volatile("" : : : "memory");
    head_local_.store(pos);
    // release: our reads of the values happen before producers of the next lap write the slots.
    head_.store(pos, std::memory_order_release);
    // seq_cst fence: pairs with the sender's seq_cst increment of senders_waiting_ followed by
    // its re-check of our position (Dekker): either it sees the room, or we see it waiting.
    if constexpr (!Variant::skip_receiver_fence) P::atomic_thread_fence(std::memory_order_seq_cst);
    if (senders_waiting_.load(std::memory_order_relaxed) != 0) {
      std::scoped_lock lock(mutex_);
      not_full_.notify_all();
    }
  }

  // The capacity bound, seen from the receiver: the slot of its next position holds that
  // position's value, an older one, or nothing; a later position's value there means more than
  // capacity values were queued and one was overwritten. Checked only on the empty path.
  void check_not_overwritten(std::size_t seq, std::size_t pos) const {
    WEFT_ASSERT(P, static_cast<std::ptrdiff_t>(seq - full_at(pos)) < 0,
                "capacity bound: a slot holds a later position's value (more than capacity "
                "queued; the receiver's next value was overwritten)");
  }

  // Called when the slot at `pos` is not full: closed if close() came and everything it
  // accepted has been received, else empty (possibly a value is being written right now).
  recv_status empty_or_closed(std::size_t pos) const {
    // The read-mostly copy first: while open, the receiver does not touch the producers' line.
    if (!closed_.load(std::memory_order_acquire)) return recv_status::empty;
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    if ((tail & closed_bit) != 0 && (tail & ~closed_bit) == pos) return recv_status::closed;
    return recv_status::empty;
  }

  send_result<T> send_until_impl(T value, const typename clock::time_point* deadline) {
    for (;;) {
      const bool early = early_waiter_check();
      std::size_t pos = 0;
      const send_status claimed = claim(pos);
      if (claimed == send_status::ok) {
        publish(pos, std::move(value), early);
        return {send_status::ok, std::nullopt};
      }
      if (claimed == send_status::closed) return {send_status::closed, std::move(value)};
      // Full: announce, re-check, then wait for the receiver to free a slot.
      std::unique_lock lock(mutex_);
      senders_waiting_.fetch_add(1, std::memory_order_seq_cst);  // seq_cst: see after_receive
      bool timed_out = false;
      while (full_and_open()) {
        if (deadline == nullptr) {
          not_full_.wait(lock);
        } else if (not_full_.wait_until(lock, *deadline) == std::cv_status::timeout) {
          timed_out = full_and_open();
          break;
        }
      }
      senders_waiting_.fetch_sub(1, std::memory_order_relaxed);
      if (timed_out) return {send_status::timeout, std::move(value)};
    }
  }

  // Whether the next send position is full and the mailbox open (for waiting senders).
  bool full_and_open() const {
    const std::size_t pos = tail_.load(std::memory_order_seq_cst);  // seq_cst: see after_receive
    if ((pos & closed_bit) != 0) return false;
    const std::size_t head = head_.load(std::memory_order_seq_cst);
    return pos - head >= capacity_;
  }

  recv_result<T> recv_until_impl(const typename clock::time_point* deadline) {
    for (;;) {
      recv_result<T> r = try_recv();
      if (r.status != recv_status::empty) return r;
      if (!wait_not_empty(deadline)) return {recv_status::timeout, std::nullopt};
    }
  }

  // Waits until the next position may be full or the mailbox closed. False on timeout.
  bool wait_not_empty(const typename clock::time_point* deadline) {
    const std::size_t pos = head_local_.load();
    std::unique_lock lock(mutex_);
    // seq_cst: pairs with publish() (Dekker): after this store, reloading the producers'
    // position either shows a claim (a value is or will soon be there) or the claim comes
    // later and its producer sees us waiting.
    receiver_waiting_.store(true, std::memory_order_seq_cst);
    bool ok = true;
    for (;;) {
      const std::size_t tail = tail_.load(std::memory_order_seq_cst);
      if ((tail & closed_bit) != 0) {
        // close() may not have set its read-mostly copy yet; set it for the retry that follows
        // (empty_or_closed reads only the copy), or the receiver would spin until it does.
        closed_.store(true, std::memory_order_relaxed);
        break;
      }
      if ((tail & ~closed_bit) != pos) break;  // claimed
      if (deadline == nullptr) {
        not_empty_.wait(lock);
      } else if (not_empty_.wait_until(lock, *deadline) == std::cv_status::timeout) {
        const std::size_t again = tail_.load(std::memory_order_seq_cst);
        if ((again & closed_bit) != 0) closed_.store(true, std::memory_order_relaxed);
        ok = (again & ~closed_bit) != pos || (again & closed_bit) != 0;
        break;
      }
    }
    receiver_waiting_.store(false, std::memory_order_relaxed);
    lock.unlock();
    // A claimed position may not be published yet: wait for its producer, which publishes a
    // claim without blocking. The loop only reads, so the simulator's searches treat its yield
    // as waiting for the publication rather than unrolling it.
    if (ok && slots_[index(pos)].seq.load(std::memory_order_acquire) != full_at(pos) &&
        (tail_.load(std::memory_order_acquire) & ~closed_bit) != pos) {
      do {
        P::yield();
      } while (slots_[index(pos)].seq.load(std::memory_order_acquire) != full_at(pos));
    }
    return ok;
  }

  const std::size_t capacity_;
  const std::size_t mask_;  // capacity - 1: the index mask when capacity is a power of two
  const detail::remainder_by remainder_;  // index() when capacity is not a power of two
  const bool pow2_;
  const bool zeroize_;
  std::unique_ptr<slot[]> slots_;
  // Producers' line: written by every send.
  alignas(cache_line) atomic_size tail_{0};  // producers' next position | closed_bit
  atomic_size head_cache_{0};        // a recent value of head_, never ahead of it
  // Receiver's line: written once per receive (per batch), read by producers only to refresh
  // head_cache_ and by waiting senders.
  alignas(cache_line) atomic_size head_{0};  // receiver's next position, published
  // The same position, the receiver's own plain copy: it reads its position without an atomic
  // load (in the simulator and under Relacy, every atomic load is a scheduling point).
  typename P::template var<std::size_t> head_local_{0};
  // Read-mostly: written on close() and on the slow paths.
  alignas(cache_line) atomic_flag receiver_waiting_{false};
  atomic_flag closed_{false};
  typename P::template atomic<std::uint32_t> senders_waiting_{0};
  typename P::mutex mutex_;                   // slow path only
  typename P::condition_variable not_full_;   // senders wait here
  typename P::condition_variable not_empty_;  // the receiver waits here
};

}  // namespace weft
