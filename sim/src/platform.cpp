#include <weft/sim/platform.hpp>
#include "text.hpp"


#include <cstdio>
#include <cstdlib>

namespace weft::sim {

namespace detail {

void outside_simulation(const char* what) {
  throw std::logic_error(detail::text(
      "{} used outside a simulation: create it inside the body given to weft::sim::explore",
      what));
}

void bad_order(runtime& r, const char* op, std::memory_order mo, const loc& where) {
  r.fail(failure_kind::assertion,
         detail::text("invalid memory order {} for atomic {}", order_name(order_code(mo)), op),
         where);
}

}  // namespace detail

void check(bool condition, std::string_view message, const loc& where) {
  if (condition) [[likely]] return;
  runtime* r = runtime::active();
  if (r == nullptr) detail::outside_simulation("weft::sim::check");
  r->fail(failure_kind::assertion, std::string(message), where);
}

void platform::assert_failed(const char* expr, const char* message, loc where) {
  runtime* r = runtime::active();
  if (r == nullptr) {
    std::fprintf(stderr, "weft: assertion failed: %s (%s)\n  at %s:%u\n", message, expr,
                 where.file_name(), static_cast<unsigned>(where.line()));
    std::abort();
  }
  r->fail(failure_kind::assertion, detail::text("{} ({})", message, expr), where);
  throw execution_aborted{};
}

// ----- mutex -----

void mutex::wait_for_owner(runtime& r, std::uint32_t id, const loc& where) {
  while (owner_ != runtime::no_thread) {
    if (r.aborting()) return;  // unwinding: never block
    if (owner_ == r.current()) {
      r.fail(failure_kind::deadlock,
             detail::text("mutex {} locked twice by t{} (std::mutex is not recursive)", r.object_label(id),
                         r.current()),
             where);
      return;
    }
    ++waiters_;
    r.block(runtime::wait_reason::mutex, id, where, -1, owner_);
    --waiters_;
  }
}

void mutex::bad_unlock(runtime& r, std::uint32_t id, const loc& where) {
  if (r.aborting()) return;
  r.fail(failure_kind::assertion,
         detail::text("unlock of mutex {} by t{}, which does not hold it", r.object_label(id),
                     r.current()),
         where);
}

bool mutex::try_lock(const loc& where) {
  runtime* r = runtime::active();
  if (r == nullptr) return true;
  const std::uint32_t id = prepare(*r);
  r->point(point_kind::mutex_try_lock, id, order_none, where);
  if (owner_ != runtime::no_thread) return false;
  take(*r);
  return true;
}

// ----- clock -----

clock::time_point clock::now(const loc& where) {
  runtime* r = runtime::active();
  if (r == nullptr) return time_point{};
  return time_point{duration{r->clock_read(where)}};
}

// ----- condition_variable -----

void condition_variable::wait(std::unique_lock<mutex>& lock, const loc& where) {
  static_cast<void>(wait_until_ns(lock, -1, where));
}

std::cv_status condition_variable::wait_until_ns(std::unique_lock<mutex>& lock,
                                                 std::int64_t deadline_ns, const loc& where) {
  runtime* r = runtime::active();
  if (r == nullptr) detail::outside_simulation("weft::sim::condition_variable");
  if (!lock.owns_lock()) {
    r->fail(failure_kind::assertion, "condition_variable wait with a lock that is not held", where);
    return std::cv_status::no_timeout;
  }
  prepare(*r);
  const std::uint32_t id = r->object_id(header_);
  const bool timed = deadline_ns >= 0;
  // A scheduling point: entering the wait is what a notify races with (a notifier that does not
  // hold the mutex can slip in between the waiter's check and its wait), so the order of the
  // two is decided here. The step also records the spurious wake-up draw.
  const bool spurious = r->value_point(timed ? point_kind::cv_wait_timed : point_kind::cv_wait,
                                       id, 2, true, where) != 0;
  mutex& m = *lock.mutex();
  const std::uint32_t mid = m.prepare(*r);
  if (m.owner_ != r->current()) {
    r->fail(failure_kind::assertion, "condition_variable wait: this thread does not hold the mutex",
            where);
    return std::cv_status::no_timeout;
  }
  m.release(*r, mid);
  bool timed_out = false;
  if (spurious) {
    // A spurious wake-up: the thread is runnable again at once, and others may take the mutex
    // before it re-acquires it.
    r->point(point_kind::yield, id, order_none, where);
  } else if (!r->aborting()) {
    if (timed && deadline_ns <= r->now_ns()) {
      timed_out = true;
    } else {
      ++waiters_;
      r->block(runtime::wait_reason::condition, id, where, deadline_ns);
      --waiters_;
      timed_out = r->timed_out();
    }
  }
  m.acquire_blocking(*r, mid, where);
  return timed_out ? std::cv_status::timeout : std::cv_status::no_timeout;
}

// Notifying is not a scheduling point. With no waiter it does nothing; with waiters, its only
// observers are threads entering or sitting in a wait, and entering a wait is a point, where
// the order of the two is decided. (The mirror image of lock being a point and unlock not.)
void condition_variable::notify_one(const loc& where) {
  static_cast<void>(where);
  runtime* r = runtime::active();
  if (r == nullptr) return;
  prepare(*r);
  const std::uint32_t id = r->object_id(header_);
  if (r->aborting()) return;
  r->event(event_kind::notify, id);
  if (waiters_ != 0) r->wake_one(runtime::wait_reason::condition, id);
}

void condition_variable::notify_all(const loc& where) {
  static_cast<void>(where);
  runtime* r = runtime::active();
  if (r == nullptr) return;
  prepare(*r);
  const std::uint32_t id = r->object_id(header_);
  if (r->aborting()) return;
  r->event(event_kind::notify, id);
  if (waiters_ != 0) r->wake_all(runtime::wait_reason::condition, id);
}

// ----- thread -----

thread& thread::operator=(thread&& other) noexcept {
  if (joinable()) {
    if (runtime* r = runtime::active()) r->detach_failure(id_, loc::current());
  }
  id_ = std::exchange(other.id_, runtime::no_thread);
  return *this;
}

thread::~thread() {
  if (!joinable()) return;
  if (runtime* r = runtime::active(); r != nullptr && !r->aborting()) {
    r->detach_failure(id_, loc::current());
  }
}

void thread::join(const loc& where) {
  runtime* r = runtime::active();
  if (r == nullptr) detail::outside_simulation("weft::sim::thread::join");
  if (!joinable()) {
    r->fail(failure_kind::assertion, "join of a thread that is not joinable", where);
    return;
  }
  const std::uint32_t t = id_;
  id_ = runtime::no_thread;
  r->join(t, where);
}

// ----- parker -----

void parker::park(const loc& where) {
  runtime* r = runtime::active();
  if (r == nullptr) detail::outside_simulation("weft::sim::parker");
  if (r->fresh(header_)) token_ = false;
  const std::uint32_t id = r->object_id(header_);
  r->point(point_kind::park, id, order_none, where);
  if (!token_) {
    if (r->aborting()) return;
    r->block(runtime::wait_reason::park, id, where);
  }
  if (token_ && r->tracks_state()) r->state_changed(id, 1, 0);
  token_ = false;
  r->acquire(header_.sync);
}

void parker::unpark(const loc& where) {
  runtime* r = runtime::active();
  if (r == nullptr) detail::outside_simulation("weft::sim::parker");
  if (r->fresh(header_)) token_ = false;
  const std::uint32_t id = r->object_id(header_);
  r->point(point_kind::unpark, id, order_none, where);
  if (!token_ && r->tracks_state()) r->state_changed(id, 0, 1);
  token_ = true;
  r->release_join(header_.sync);
  r->wake_all(runtime::wait_reason::park, id);
}

// ----- free functions -----

std::uint32_t this_thread_id() {
  runtime* r = runtime::active();
  if (r == nullptr) detail::outside_simulation("weft::sim::this_thread_id");
  return r->current();
}

std::uint64_t random(std::uint64_t bound, const loc& where) {
  runtime* r = runtime::active();
  if (r == nullptr) detail::outside_simulation("weft::sim::random");
  if (bound == 0) return 0;
  // A recorded value, not a scheduling point: drawing it is invisible to other threads.
  return r->value_point(point_kind::random, 0, bound, false, where, false);
}

void atomic_thread_fence(std::memory_order mo, const loc& where) {
  if (runtime* r = runtime::active()) r->fence(mo, where);
}

}  // namespace weft::sim
