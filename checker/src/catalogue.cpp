#include <weft/checker/catalogue.hpp>

#include <weft/sim/platform.hpp>

#include <mutex>

namespace weft::checker {
namespace {

namespace sim = weft::sim;

// lost-update: two threads increment a plain counter without a lock. The read-modify-write
// of one can overwrite the other's; weft reports the unordered accesses as a data race.
void lost_update(bool fixed) {
  sim::mutex m;
  sim::var<int> counter{0};
  auto increment = [&] {
    if (fixed) {
      std::scoped_lock lock(m);
      counter.store(counter.load() + 1);
    } else {
      counter.store(counter.load() + 1);
    }
  };
  sim::thread a("incrementer-a", increment);
  sim::thread b("incrementer-b", increment);
  a.join();
  b.join();
  sim::check(counter.load() == 2, "both increments are counted");
}

// abba-deadlock: two threads take two mutexes in opposite orders.
void abba_deadlock(bool fixed) {
  sim::mutex a;
  sim::mutex b;
  sim::thread first("a-then-b", [&] {
    std::scoped_lock la(a);
    std::scoped_lock lb(b);
  });
  sim::thread second("b-then-a", [&] {
    if (fixed) {
      std::scoped_lock la(a);
      std::scoped_lock lb(b);
    } else {
      std::scoped_lock lb(b);
      std::scoped_lock la(a);
    }
  });
  first.join();
  second.join();
}

// missed-wakeup: the notifier may signal before the waiter waits; a wait without a predicate
// then sleeps forever. The twin waits on the predicate, which also survives spurious wake-ups.
void missed_wakeup(bool fixed) {
  sim::mutex m;
  sim::condition_variable cv;
  sim::var<bool> ready{false};
  sim::thread waiter("waiter", [&] {
    std::unique_lock lock(m);
    if (fixed) {
      cv.wait(lock, [&] { return ready.load(); });
    } else {
      cv.wait(lock);
    }
  });
  sim::thread notifier("notifier", [&] {
    std::scoped_lock lock(m);
    ready.store(true);
    cv.notify_one();
  });
  waiter.join();
  notifier.join();
}

// relaxed-publish: data is published behind a relaxed flag, so the reader may see the flag
// without the data: a data race on the plain payload. The twin uses release/acquire.
void relaxed_publish(bool fixed) {
  sim::var<int> payload{0};
  sim::atomic<bool> ready{false};
  const auto publish = fixed ? std::memory_order_release : std::memory_order_relaxed;
  const auto observe = fixed ? std::memory_order_acquire : std::memory_order_relaxed;
  sim::thread writer("writer", [&] {
    payload.store(42);
    ready.store(true, publish);
  });
  sim::thread reader("reader", [&] {
    if (ready.load(observe)) sim::check(payload.load() == 42, "published payload is visible");
  });
  writer.join();
  reader.join();
}

// dcl-no-acquire: double-checked initialisation whose fast path reads the flag without acquire,
// so a thread may use the object before the initialiser's writes are visible to it.
void dcl_no_acquire(bool fixed) {
  sim::mutex m;
  sim::atomic<bool> initialised{false};
  sim::var<int> object{0};
  const auto fast = fixed ? std::memory_order_acquire : std::memory_order_relaxed;
  auto get = [&] {
    if (!initialised.load(fast)) {
      std::scoped_lock lock(m);
      if (!initialised.load(std::memory_order_relaxed)) {
        object.store(7);
        initialised.store(true, std::memory_order_release);
      }
    }
    sim::check(object.load() == 7, "the object is initialised before use");
  };
  sim::thread a("user-a", get);
  sim::thread b("user-b", get);
  a.join();
  b.join();
}

// bounded-buffer-deadlock: one condition variable serves both "not full" and "not empty", and
// notify_one can wake a thread of the wrong kind: a consumer wakes the other consumer instead
// of the producer, and everyone waits forever. The twin uses one condition variable per
// condition.
void bounded_buffer(bool fixed) {
  constexpr int capacity = 1;
  sim::mutex m;
  sim::condition_variable not_full;
  sim::condition_variable shared_or_not_empty;
  sim::condition_variable& not_empty = shared_or_not_empty;
  sim::condition_variable& producers_cv = fixed ? not_full : shared_or_not_empty;
  sim::var<int> count{0};
  sim::thread producer("producer", [&] {
    for (int i = 0; i < 2; ++i) {
      std::unique_lock lock(m);
      producers_cv.wait(lock, [&] { return count.load() < capacity; });
      count.store(count.load() + 1);
      not_empty.notify_one();
    }
  });
  auto consume = [&] {
    std::unique_lock lock(m);
    not_empty.wait(lock, [&] { return count.load() > 0; });
    count.store(count.load() - 1);
    producers_cv.notify_one();
  };
  sim::thread c1("consumer-1", consume);
  sim::thread c2("consumer-2", consume);
  producer.join();
  c1.join();
  c2.join();
  sim::check(count.load() == 0, "every item is consumed");
}

// polite-livelock: two threads each raise a flag, and if the other's is up, lower theirs, yield
// and retry. In lockstep they step aside for each other for ever: weft's fair-cycle check sees
// the state come back with both having run, where a step bound would need tuning. The twin
// breaks the symmetry: the first thread never steps aside, it waits for the second to lower
// its flag; the second defers, waiting until the first is done before it raises its flag
// again. Every wait ends under a fair schedule.
void polite_livelock(bool fixed) {
  sim::atomic<int> flag[2] = {{0, "flag-a"}, {0, "flag-b"}};
  sim::var<int> inside{0, "inside"};
  const auto worker = [&](int me) {
    const int other = 1 - me;
    flag[me].store(1);
    while (flag[other].load() != 0) {
      if (fixed && me == 0) {
        sim::yield();  // keeps its flag up: the other one defers
        continue;
      }
      flag[me].store(0);
      if (fixed) {
        while (flag[other].load() != 0) sim::yield();
      } else {
        sim::yield();
      }
      flag[me].store(1);
    }
    inside.store(inside.load() + 1);
    flag[me].store(0);
  };
  sim::thread a("polite-a", [&] { worker(0); });
  sim::thread b("polite-b", [&] { worker(1); });
  a.join();
  b.join();
  sim::check(inside.load() == 2, "both threads got in");
}

std::vector<scenario> make_catalogue() {
  using fk = sim::failure_kind;
  std::vector<scenario> out;
  auto pair = [&out](const char* name, const char* fixed_name, const char* summary,
                     const char* fixed_summary, fk kind, void (*body)(bool)) {
    out.push_back(scenario{name, summary, true, kind, [body] { body(false); }});
    out.push_back(scenario{fixed_name, fixed_summary, false, fk::none, [body] { body(true); }});
  };
  pair("lost-update", "lost-update-fixed", "two threads increment a plain counter without a lock",
       "the increments are under one mutex", fk::data_race, lost_update);
  pair("abba-deadlock", "abba-deadlock-fixed", "two mutexes taken in opposite orders",
       "both threads take the mutexes in the same order", fk::deadlock, abba_deadlock);
  pair("missed-wakeup", "missed-wakeup-fixed",
       "notify can come before the wait, which has no predicate",
       "the wait checks a predicate under the mutex", fk::deadlock, missed_wakeup);
  pair("relaxed-publish", "relaxed-publish-fixed", "plain data published behind a relaxed flag",
       "the flag is stored with release and loaded with acquire", fk::data_race, relaxed_publish);
  pair("dcl-no-acquire", "dcl-no-acquire-fixed",
       "double-checked initialisation whose fast path lacks acquire",
       "the fast path loads the flag with acquire", fk::data_race, dcl_no_acquire);
  pair("bounded-buffer-deadlock", "bounded-buffer-deadlock-fixed",
       "producer and consumers share one condition variable with notify_one",
       "one condition variable per condition", fk::deadlock, bounded_buffer);
  pair("polite-livelock", "polite-livelock-fixed",
       "two threads back off for each other in lockstep, for ever",
       "one thread defers until the other is done", fk::livelock, polite_livelock);
  return out;
}

}  // namespace

const std::vector<scenario>& catalogue() {
  static const std::vector<scenario> scenarios = make_catalogue();
  return scenarios;
}

const scenario* find_scenario(std::string_view name) {
  for (const scenario& s : catalogue()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace weft::checker
