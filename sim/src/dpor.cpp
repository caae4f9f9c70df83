// The exhaustive strategies: dpor (source sets with sleep sets: Abdulla, Aronis, Jonsson,
// Sagonas, "Optimal Dynamic Partial Order Reduction", POPL'14, Algorithm 2) and dfs (every
// interleaving, no reduction: the reference dpor is tested against).
//
// The model. At every decision each runnable thread has announced its next operation
// (decision_context::pending); the thread chosen performs it and runs on, invisibly, to its next
// scheduling point: that stretch is one *event*. An event's footprint is what it touches:
//   atomic load: (object, read); store, RMW, CAS, park, unpark: (object, write);
//   mutex lock or try_lock, and every re-acquisition after a wait: (mutex, write);
//   condition-variable wait, and an atomic load that ends in atomic wait: (object, wait);
//   notify (condition variable or atomic): (object, notify).
// Two footprints conflict on one object when one writes and the other reads or writes, or when
// one notifies and the other waits. Unlocks are not accesses: a lock acquisition conflicts with
// the next one directly, and a thread whose announced lock names a held mutex is not enabled
// (it would only block), so the orders of lock acquisitions are what is enumerated.
// Wake-ups, spawns and joins order events (happens-before edges) without being races: the woken
// or joining thread could not have gone first. Accesses to var<T> are not dependencies: two
// conflicting var accesses in different threads are either ordered by the events above, or
// they are a data race, which the race detector reports in the first execution that has both.
//
// Object ids are given at first use, so an object first used after a decision may have another
// id in another branch. Ids below the decision's `objects` are the same in every branch below
// it; a sleeping event's footprint naming a younger id is treated as conflicting with any
// younger id of a compatible access (a conservative, sound over-approximation).
//
// Faults (spurious wake-ups and weak-CAS failures) and P::random values are decisions like
// thread choices: every value is explored, at most `max-faults` faults per execution.
// A preemption bound (CHESS) cuts the search: the report then says "complete up to B
// preemptions".
#include "strategy_set.hpp"
#include "text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft::sim {
namespace {

constexpr std::uint32_t max_threads = max_threads_per_execution;
constexpr std::uint8_t wait_mutex = 1;      // detail::wait_reason::mutex
constexpr std::uint8_t wait_park = 4;       // detail::wait_reason::park
constexpr std::uint8_t wait_atomic = 5;     // detail::wait_reason::atomic_wait

enum class touch : std::uint8_t { read, write, wait, notify, lock };

struct fp_entry {
  std::uint32_t object;
  touch how;
};

bool conflicting(touch a, touch b) noexcept {
  if (a == touch::lock) a = touch::write;
  if (b == touch::lock) b = touch::write;
  if (a == touch::notify || b == touch::notify) {
    return (a == touch::notify && (b == touch::wait || b == touch::notify)) ||
           (b == touch::notify && a == touch::wait);
  }
  if (a == touch::wait || b == touch::wait) return a == touch::wait && b == touch::wait;
  return a == touch::write || b == touch::write;
}

using clock_t_ = std::array<std::uint32_t, max_threads>;  // per thread: events seen (1-based)

struct event_rec {
  std::uint32_t thread = 0;
  std::uint32_t seq = 0;                   // 1-based index among its thread's events
  std::uint32_t fp_begin = 0, fp_end = 0;  // footprint entries in fps_
  std::uint32_t node = 0;                  // the decision that chose it
  bool yield = false;                      // it began with a yield
  std::vector<std::uint32_t> edges;        // events that happen-before it without a race
  clock_t_ clock{};                        // entries from `width` on are 0
  std::uint32_t width = 0;                 // entries of `clock` analyse() last wrote
};

// A vector whose clear() keeps its elements, and the memory they own, for the next execution:
// an execution of a search records thousands of events, each with its edges, and allocating
// them afresh every time cost more than the analysis.
template <class T>
class reuse_vector {
 public:
  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  T& operator[](std::size_t i) noexcept { return items_[i]; }
  const T& operator[](std::size_t i) const noexcept { return items_[i]; }
  T& back() noexcept { return items_[n_ - 1]; }
  void clear() noexcept { n_ = 0; }
  // The next element: a reused one keeps what it held, for the caller to reset.
  T& add() {
    if (n_ == items_.size()) items_.emplace_back();
    return items_[n_++];
  }

 private:
  std::vector<T> items_;
  std::size_t n_ = 0;
};

struct sleeper {
  std::uint32_t thread = 0;
  // Shared: a sleeper is copied into every node below the one it was made at, and its
  // footprint never changes.
  std::shared_ptr<const std::vector<fp_entry>> fp;
  std::uint32_t objects = 0;  // ids at or above this one may differ between branches
};

struct node {
  bool value = false;
  // value decisions
  std::uint64_t bound = 1;
  bool fault = false;
  // thread decisions
  std::uint32_t current = 0;
  bool current_enabled = false;
  std::uint32_t enabled = 0;    // bit t: t may run here
  std::uint32_t backtrack = 0;  // bit t: t must be explored here
  std::uint32_t done = 0;       // bit t: explored here
  std::uint32_t preemptions = 0;  // before this decision
  std::uint32_t delays = 0;       // before this decision
  std::uint32_t objects = 0;
  std::vector<sleeper> sleep;     // asleep on arrival
  std::vector<sleeper> explored;  // done here, with their footprints
  std::uint32_t faults = 0;       // faults chosen before this decision
  std::uint64_t chosen = 0;       // the thread, or the value
  std::uint32_t event = 0;        // index of the event chosen here (thread decisions)
};

bool indep(const std::vector<fp_entry>& a, std::uint32_t a_objects, const fp_entry* b,
           const fp_entry* b_end) {
  for (const fp_entry& x : a) {
    for (const fp_entry* y = b; y != b_end; ++y) {
      const bool same = x.object == y->object || (x.object >= a_objects && y->object >= a_objects);
      if (same && conflicting(x.how, y->how)) return false;
    }
  }
  return true;
}

class search_strategy final : public strategy {
 public:
  search_strategy(bool reduce, std::uint64_t preemption_bound, std::uint32_t max_faults,
                  bool await_yields, std::uint64_t delay_bound)
      : reduce_(reduce), bound_(preemption_bound), max_faults_(max_faults),
        await_(await_yields), delay_bound_(delay_bound) {
    observes_events_ = true;
  }
  std::string_view name() const noexcept override { return reduce_ ? "dpor" : "dfs"; }
  strategy_params params() const override {
    return {{"preemption-bound", std::to_string(bound_)},
            {"delay-bound", std::to_string(delay_bound_)},
            {"max-faults", std::to_string(max_faults_)},
            {"await", await_ ? "1" : "0"}};
  }
  bool seeded() const noexcept override { return false; }
  bool sees_every_step() const noexcept override { return true; }
  std::string divergence() const override { return divergence_; }

  bool prepare_execution(std::uint64_t, std::uint64_t index) override {
    if (index == 0) {
      nodes_.clear();
      complete_ = false;
      cut_ = 0;
      executions_ = 0;
      bounded_ = false;
      delay_bounded_ = false;
    }
    if (complete_) return false;
    begin_execution(0);
    return true;
  }
  void begin_execution(std::uint64_t) override {
    pos_ = 0;
    events_.clear();
    fps_.clear();
    last_of_.fill(no_event);
    seq_.fill(0);
    held_.clear();
    pending_edges_.resize(max_threads);
    for (std::vector<std::uint32_t>& edges : pending_edges_) edges.clear();
    divergence_.clear();
    faults_ = 0;
    preemptions_ = 0;
    delays_ = 0;
    finalized_ = 0;
    awaiting_ = 0;
    versions_.assign(versions_.size(), 0);
    last_write_.assign(last_write_.size(), no_event);
    for (iteration& it : iter_) it = iteration{};
    // The code thread 0 runs before its first point is an event of its own (no decision).
    open_event(0, nullptr, no_node);
  }
  void end_execution(std::uint64_t) override {
    ++executions_;
    last_choices_.clear();
    for (std::size_t i = 0; i < pos_ && i < nodes_.size(); ++i) last_choices_.push_back(nodes_[i].chosen);
    if (!divergence_.empty()) {
      complete_ = true;  // a nondeterministic program: the search cannot go on
      return;
    }
    if (reduce_) analyse();
    next_prefix();
  }
  std::vector<std::uint64_t> last_choices() const override { return last_choices_; }
  search_summary summary() const override {
    search_summary s;
    s.exhaustive = true;
    s.complete = complete_ && divergence_.empty();
    s.cut = cut_;
    if (bound_ != unbounded && bounded_) s.bound = detail::text("{} preemptions", bound_);
    if (delay_bound_ != unbounded && delay_bounded_) {
      s.bound += detail::text("{}{} delays", s.bound.empty() ? "" : " and ", delay_bound_);
    }
    s.estimate = estimate();
    return s;
  }

  // The size of the whole search, estimated from where it stands: the fraction of the tree
  // already behind the current path, taking each decision's alternatives known so far as
  // equally large subtrees (a DFS progress estimate; backtrack sets still grow, so early
  // estimates are low). 0 while nothing is known.
  double estimate() const {
    if (complete_) return static_cast<double>(executions_);
    double done = 0;
    double weight = 1;
    for (const node& n : nodes_) {
      double k = 1;
      double before = 0;
      if (n.value) {
        k = static_cast<double>(n.bound);
        before = static_cast<double>(n.chosen);
      } else {
        const std::uint32_t all = n.backtrack | n.done | (1u << n.chosen);
        k = __builtin_popcount(all);
        before = __builtin_popcount(n.done & ~(1u << n.chosen));
      }
      if (k <= 1) continue;
      done += weight * before / k;
      weight /= k;
    }
    if (done <= 0) return 0;
    return static_cast<double>(executions_) / done;
  }

  void on_event(std::uint32_t thread, event_kind kind, std::uint32_t object) override {
    switch (kind) {
      case event_kind::lock_acquired:
        held_.push_back({object, thread});
        add_fp(object, touch::lock);
        break;
      case event_kind::unlock:
        for (std::size_t i = 0; i < held_.size(); ++i) {
          if (held_[i].first == object) {
            held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
            break;
          }
        }
        break;
      case event_kind::notify:
        add_fp(object, touch::notify);
        break;
      case event_kind::wake:
      case event_kind::timeout:
        if (object < max_threads) pending_edges_[object].push_back(current_event());
        break;
      case event_kind::spawn:
        if (object < max_threads) pending_edges_[object].push_back(current_event());
        break;
      case event_kind::join:
        if (object < max_threads && last_of_[object] != no_event) {
          events_[current_event()].edges.push_back(last_of_[object]);
        }
        break;
      case event_kind::unchanged:
        // The operation this event began with only read its object.
        if (!events_.empty()) {
          event_rec& e = events_.back();
          for (std::uint32_t f = e.fp_begin; f < e.fp_end; ++f) {
            if (fps_[f].object == object && fps_[f].how == touch::write) fps_[f].how = touch::read;
          }
        }
        break;
      case event_kind::var_read:
      case event_kind::var_write:
        // Plain data in a spin loop: the loop may not just repeat itself.
        if (thread < max_threads) iter_[thread].pure = false;
        break;
      case event_kind::finish:
        break;
    }
  }

  std::uint32_t pick_thread(const decision_context& ctx) override {
    if (!divergence_.empty()) return diverged;
    // The event the current thread ran is over: a load that ends in an atomic wait registers.
    const pending_op& now = ctx.pending[ctx.current];
    if (now.kind == point_kind::block && now.reason == wait_atomic && now.object != 0) {
      add_fp(now.object, touch::wait);
    }
    finalize_events();
    std::uint32_t enabled = 0;
    std::uint32_t awaiting = 0;
    for (const std::uint8_t t : ctx.runnable) {
      if (!is_enabled(t, ctx.pending[t])) continue;
      if (await_ && ctx.pending[t].kind == point_kind::yield && awaits(t)) {
        awaiting |= 1u << t;
      } else {
        enabled |= 1u << t;
      }
    }
    // A thread released from an await (another thread wrote what it read) runs after that
    // write, as a woken thread runs after its wake-up: an edge, not a race.
    for (std::uint32_t released = awaiting_ & ~awaiting; released != 0; released &= released - 1) {
      const std::uint32_t t = static_cast<std::uint32_t>(__builtin_ctz(released));
      for (const auto& [object, version] : iter_[t].reads) {
        if (versions_[object] != version && last_write_[object] != no_event) {
          pending_edges_[t].push_back(last_write_[object]);
        }
      }
    }
    awaiting_ = awaiting;
    std::uint32_t runnable = 0;
    for (const std::uint8_t t : ctx.runnable) runnable |= 1u << t;
    const bool current_enabled = (enabled >> ctx.current & 1u) != 0;

    std::uint32_t choice = 0;
    if (pos_ < nodes_.size()) {
      node& n = nodes_[pos_];
      if (n.value || (runnable >> n.chosen & 1u) == 0) {
        return diverge(ctx, n.value ? "a thread choice where a value was chosen before"
                                    : detail::text("t{} is not runnable here", n.chosen));
      }
      choice = static_cast<std::uint32_t>(n.chosen);
      n.event = static_cast<std::uint32_t>(events_.size());
      preemptions_ = n.preemptions + (is_preemption(n, choice) ? 1 : 0);
      delays_ = n.delays + delay_cost(n, choice);
    } else {
      node n;
      n.current = ctx.current;
      n.current_enabled = current_enabled;
      n.enabled = enabled;
      n.preemptions = preemptions_;
      n.delays = delays_;
      n.objects = ctx.objects;
      n.faults = faults_;
      if (reduce_) inherit_sleep(n);
      std::uint32_t asleep = 0;
      for (const sleeper& s : n.sleep) asleep |= 1u << s.thread;
      std::uint32_t candidates = enabled & ~asleep;
      if (bound_ != unbounded && n.preemptions >= bound_ && current_enabled) {
        if ((candidates & ~(1u << ctx.current)) != 0) bounded_ = true;
        candidates &= 1u << ctx.current;
      }
      candidates = within_delay_bound(n, candidates);
      if (enabled == 0) {
        // Every runnable thread waits for a held mutex or awaits a write no thread can make
        // any more: let one go on (an awaiting thread spins on until the step bound reports
        // the livelock; one that waits for a mutex blocks, and the runtime finds the deadlock
        // or its holder runs).
        choice = awaiting != 0 ? static_cast<std::uint32_t>(__builtin_ctz(awaiting))
                               : ctx.runnable[0];
      } else if (candidates == 0) {
        ++cut_;
        return cut;  // every enabled thread is asleep: this branch repeats an explored one
      } else if ((candidates >> ctx.current & 1u) != 0) {
        choice = ctx.current;
      } else if (delay_bound_ != unbounded) {
        choice = cheapest(n, candidates);  // the round-robin next: no delay spent
      } else {
        choice = static_cast<std::uint32_t>(__builtin_ctz(candidates));
      }
      n.chosen = choice;
      n.backtrack = reduce_ ? (1u << choice) : candidates | (1u << choice);
      n.event = static_cast<std::uint32_t>(events_.size());
      preemptions_ = n.preemptions + (is_preemption(n, choice) ? 1 : 0);
      delays_ = n.delays + delay_cost(n, choice);
      nodes_.push_back(std::move(n));
    }
    ++pos_;
    open_event(choice, &ctx.pending[choice], static_cast<std::uint32_t>(pos_ - 1));
    return choice;
  }

  std::uint64_t pick_value(const decision_context& ctx, std::uint64_t bound) override {
    return value_decision(ctx, bound, false);
  }
  bool pick_fault(const decision_context& ctx) override {
    return value_decision(ctx, faults_ < max_faults_ ? 2 : 1, true) != 0;
  }

  static constexpr std::uint64_t unbounded = std::numeric_limits<std::uint64_t>::max();

 private:
  static constexpr std::uint32_t no_event = 0xffffffffu;
  static constexpr std::uint32_t no_node = 0xffffffffu;

  bool is_preemption(const node& n, std::uint32_t choice) const noexcept {
    return choice != n.current && n.current_enabled;
  }

  // The delays (Emmi, Qadeer, Rakamaric, POPL'11) that running `t` at n costs: the enabled
  // threads a round-robin scheduler would have run first, counting from the current one (which
  // goes on at no cost while it can).
  std::uint32_t delay_cost(const node& n, std::uint32_t t) const noexcept {
    std::uint32_t cost = 0;
    for (std::uint32_t k = 0; k < max_threads; ++k) {
      const std::uint32_t u = (n.current + k) % max_threads;
      if (u == t) return cost;
      if ((n.enabled >> u & 1u) != 0) ++cost;
    }
    return cost;
  }
  // The candidates at n that keep the execution within the delay bound.
  std::uint32_t within_delay_bound(const node& n, std::uint32_t candidates) {
    if (delay_bound_ == unbounded) return candidates;
    std::uint32_t allowed = 0;
    for (std::uint32_t m = candidates; m != 0; m &= m - 1) {
      const auto t = static_cast<std::uint32_t>(__builtin_ctz(m));
      if (n.delays + delay_cost(n, t) <= delay_bound_) allowed |= 1u << t;
    }
    if (allowed != candidates) delay_bounded_ = true;
    return allowed;
  }
  std::uint32_t cheapest(const node& n, std::uint32_t candidates) const noexcept {
    std::uint32_t best = static_cast<std::uint32_t>(__builtin_ctz(candidates));
    for (std::uint32_t m = candidates; m != 0; m &= m - 1) {
      const auto t = static_cast<std::uint32_t>(__builtin_ctz(m));
      if (delay_cost(n, t) < delay_cost(n, best)) best = t;
    }
    return best;
  }

  bool is_enabled(std::uint32_t t, const pending_op& p) const noexcept {
    const bool wants_lock = p.kind == point_kind::mutex_lock ||
                            (p.kind == point_kind::block && p.reason == wait_mutex);
    if (!wants_lock) return true;
    for (const auto& [m, holder] : held_) {
      if (m == p.object) return holder == t;
    }
    return true;
  }

  std::uint64_t value_decision(const decision_context& ctx, std::uint64_t bound, bool fault) {
    if (!divergence_.empty()) return 0;
    // A choice inside a spin loop: the next iteration may choose otherwise.
    if (ctx.current < max_threads) iter_[ctx.current].pure = false;
    std::uint64_t v = 0;
    if (pos_ < nodes_.size()) {
      const node& n = nodes_[pos_];
      if (!n.value || n.chosen >= bound) {
        diverge(ctx, "a value choice that differs from the one made before");
        return 0;
      }
      v = n.chosen;
    } else {
      node n;
      n.value = true;
      n.fault = fault;
      n.bound = bound;
      n.chosen = 0;
      n.faults = faults_;
      nodes_.push_back(std::move(n));
    }
    ++pos_;
    if (fault && v != 0) ++faults_;
    return v;
  }

  std::uint32_t diverge(const decision_context& ctx, const std::string& what) {
    divergence_ = detail::text(
        "nondeterminism at step {}: the program did not repeat the schedule prefix the search "
        "followed ({}); an exhaustive search needs a body that does the same thing for the same "
        "choices (no real time, no real threads, no state kept between executions)",
        ctx.step, what);
    return diverged;
  }

  std::uint32_t current_event() const noexcept { return static_cast<std::uint32_t>(events_.size() - 1); }

  // Counts the effects of the events that are over (every one before the newest, which runs
  // on until the next decision, and the newest too once a decision is reached).
  void finalize_events() {
    for (; finalized_ < events_.size(); ++finalized_) {
      const event_rec& e = events_[finalized_];
      iteration& it = iter_[e.thread];
      if (e.yield) {
        it.pure = true;
        it.reads.clear();
      }
      for (std::uint32_t f = e.fp_begin; f < e.fp_end; ++f) {
        const std::uint32_t object = fps_[f].object;
        if (object >= versions_.size()) {
          versions_.resize(object + 1, 0);
          last_write_.resize(object + 1, no_event);
        }
        switch (fps_[f].how) {
          case touch::read: {
            const bool seen = std::any_of(it.reads.begin(), it.reads.end(),
                                          [&](const auto& r) { return r.first == object; });
            if (!seen) it.reads.emplace_back(object, versions_[object]);
            break;
          }
          case touch::write:
          case touch::lock:
            ++versions_[object];
            last_write_[object] = finalized_;
            it.pure = false;
            break;
          case touch::wait:
          case touch::notify:
            it.pure = false;
            break;
        }
      }
    }
  }

  // Whether thread t, announcing a yield, only waits: every operation since its last yield
  // read, and nothing it read has changed since. Running it would repeat what it just did.
  bool awaits(std::uint32_t t) const {
    const iteration& it = iter_[t];
    if (!it.pure || it.reads.empty()) return false;
    for (const auto& [object, version] : it.reads) {
      if (versions_[object] != version) return false;
    }
    return true;
  }

  void add_fp(std::uint32_t object, touch how) {
    if (events_.empty() || object == 0) return;
    fps_.push_back({object, how});
    events_.back().fp_end = static_cast<std::uint32_t>(fps_.size());
  }

  void open_event(std::uint32_t t, const pending_op* op, std::uint32_t node_index) {
    // The clock is left as it is: an event of the prefix the execution shares with the one
    // before is the same event, and analyse() keeps its clock (shared_events_).
    event_rec& e = events_.add();
    e.edges.clear();
    e.thread = t;
    e.seq = ++seq_[t];
    e.node = node_index;
    e.yield = op != nullptr && op->kind == point_kind::yield;
    e.fp_begin = e.fp_end = static_cast<std::uint32_t>(fps_.size());
    if (last_of_[t] != no_event) e.edges.push_back(last_of_[t]);
    for (const std::uint32_t from : pending_edges_[t]) e.edges.push_back(from);
    pending_edges_[t].clear();
    last_of_[t] = current_event();
    if (op == nullptr) return;
    switch (op->kind) {
      case point_kind::atomic_load:
        add_fp(op->object, touch::read);
        break;
      case point_kind::atomic_store:
      case point_kind::atomic_rmw:
      case point_kind::atomic_cas:
      case point_kind::atomic_cas_weak:
      case point_kind::mutex_lock:
      case point_kind::mutex_try_lock:
      case point_kind::park:
      case point_kind::unpark:
        add_fp(op->object, touch::write);
        break;
      case point_kind::cv_wait:
      case point_kind::cv_wait_timed:
        add_fp(op->object, touch::wait);
        break;
      case point_kind::block:
        if (op->reason == wait_park) add_fp(op->object, touch::write);
        break;  // mutex retries acquire through lock_acquired; others are woken by an edge
      default:
        break;
    }
  }

  // The sleep set of a new decision: what slept, or was explored, at the decision before it,
  // and is independent of the event that ran there.
  void inherit_sleep(node& n) {
    // The last thread decision before this one.
    std::size_t p = pos_;
    while (p > 0 && nodes_[p - 1].value) --p;
    if (p == 0) return;
    const node& parent = nodes_[p - 1];
    const event_rec& e = events_[parent.event];
    const fp_entry* b = fps_.data() + e.fp_begin;
    const fp_entry* b_end = fps_.data() + e.fp_end;
    const auto keep = [&](const sleeper& s) {
      if (s.thread == parent.chosen) return;
      if (!indep(*s.fp, s.objects, b, b_end)) return;
      for (const sleeper& have : n.sleep) {
        if (have.thread == s.thread) return;
      }
      n.sleep.push_back(s);
    };
    for (const sleeper& s : parent.sleep) keep(s);
    for (const sleeper& s : parent.explored) keep(s);
  }

  bool happens_before(std::uint32_t a, std::uint32_t b) const noexcept {
    return events_[b].clock[events_[a].thread] >= events_[a].seq;
  }

  // Races of this execution, and the backtrack points they ask for (source sets).
  //
  // For each event, the conflicting earlier events of other threads are taken latest first,
  // each one a race unless what was taken before already orders it. Of one thread only the
  // latest such event can be a race: an older one of the same thread is ordered by the time
  // it comes (program order puts it before the later one, whose clock is then joined in, or
  // which was already ordered). So per object, thread and kind of touch the latest event is
  // all that is kept (last_touch_), and each event costs threads x kinds, not the history of
  // its objects.
  void analyse() {
    const std::size_t n = events_.size();
    std::uint32_t top = 0;
    for (const fp_entry& f : fps_) top = std::max(top, f.object);
    std::uint32_t threads = 0;
    for (std::size_t i = 0; i < n; ++i) threads = std::max(threads, events_[i].thread + 1);
    width_ = threads;
    last_touch_.resize(std::max<std::size_t>(last_touch_.size(), top + 1));
    last_lock_.resize(std::max<std::size_t>(last_lock_.size(), top + 1));
    for (std::uint32_t o = 0; o <= top; ++o) {
      for (std::uint32_t t = 0; t < threads; ++t) last_touch_[o][t].fill(no_event);
      last_lock_[o] = no_event;
    }
    // conflicts[b]: bit k set when a touch of kind k conflicts with one of kind b.
    std::array<std::uint32_t, touch_kinds> conflicts{};
    for (std::uint32_t b = 0; b < touch_kinds; ++b) {
      for (std::uint32_t k = 0; k < touch_kinds; ++k) {
        if (conflicting(static_cast<touch>(k), static_cast<touch>(b))) conflicts[b] |= 1u << k;
      }
    }
    std::vector<std::uint32_t>& earlier = earlier_scratch_;
    // The events the execution shares with the one before were analysed then: their clocks
    // stand, and their races are in the nodes of the prefix already. Only what they touched
    // is replayed into last_touch_.
    const std::size_t shared = std::min<std::size_t>(shared_events_, n);
    for (std::uint32_t i = 0; i < shared; ++i) {
      const event_rec& e = events_[i];
      for (std::uint32_t f = e.fp_begin; f < e.fp_end; ++f) {
        last_touch_[fps_[f].object][e.thread][static_cast<std::uint32_t>(fps_[f].how)] = i;
        if (fps_[f].how == touch::lock) last_lock_[fps_[f].object] = i;
      }
    }
    for (std::uint32_t i = static_cast<std::uint32_t>(shared); i < n; ++i) {
      event_rec& e = events_[i];
      clock_t_ c{};
      for (const std::uint32_t from : e.edges) join(c, events_[from].clock);
      // Per other thread, its latest event that conflicts with one of e's touches.
      std::array<std::uint32_t, max_threads> latest;
      latest.fill(no_event);
      for (std::uint32_t f = e.fp_begin; f < e.fp_end; ++f) {
        const auto& per_thread = last_touch_[fps_[f].object];
        const std::uint32_t kinds = conflicts[static_cast<std::uint32_t>(fps_[f].how)];
        for (std::uint32_t t = 0; t < threads; ++t) {
          if (t == e.thread) continue;
          for (std::uint32_t m = kinds; m != 0; m &= m - 1) {
            const std::uint32_t j = per_thread[t][static_cast<std::uint32_t>(__builtin_ctz(m))];
            if (j != no_event && (latest[t] == no_event || j > latest[t])) latest[t] = j;
          }
        }
      }
      earlier.clear();
      for (std::uint32_t t = 0; t < threads; ++t) {
        if (latest[t] != no_event) earlier.push_back(latest[t]);
      }
      std::sort(earlier.begin(), earlier.end(), std::greater<>());
      // A lock acquisition also races with the previous acquisition of the same mutex by
      // another thread even when that one happens before it through the critical section (a
      // wait that released the mutex, say): the two acquisitions can be swapped, while the
      // events in between cannot be reordered with this one (its thread could not take the
      // mutex there).
      std::uint32_t lock_race = no_event;
      for (std::uint32_t f = e.fp_begin; f < e.fp_end && lock_race == no_event; ++f) {
        if (fps_[f].how != touch::lock) continue;
        const std::uint32_t last = last_lock_[fps_[f].object];
        if (last != no_event && events_[last].thread != e.thread) lock_race = last;
      }
      bool lock_race_reported = false;
      for (const std::uint32_t j : earlier) {
        if (c[events_[j].thread] < events_[j].seq) {
          set_own(e, c);
          race(j, i);
          if (j == lock_race) lock_race_reported = true;
        }
        join(c, events_[j].clock);
      }
      if (lock_race != no_event && !lock_race_reported) {
        set_own(e, c);
        race(lock_race, i);
      }
      set_own(e, c);
      for (std::uint32_t f = e.fp_begin; f < e.fp_end; ++f) {
        last_touch_[fps_[f].object][e.thread][static_cast<std::uint32_t>(fps_[f].how)] = i;
        if (fps_[f].how == touch::lock) last_lock_[fps_[f].object] = i;
      }
    }
  }

  // into = from with entry `thread` set to `seq`, in one pass: a store to one entry of a clock
  // that is read back whole right after (the next event of the thread joins it) is a
  // store-forwarding stall on every event, which cost a third of the analysis.
  // Both touch only the entries of the threads this execution has (width_, set by analyse();
  // the others stay 0).
  void set_own(event_rec& e, const clock_t_& from) const noexcept {
    for (std::uint32_t t = 0; t < width_; ++t) e.clock[t] = from[t];
    for (std::uint32_t t = width_; t < e.width; ++t) e.clock[t] = 0;
    e.width = width_;
    e.clock[e.thread] = std::max(e.clock[e.thread], e.seq);
  }

  void join(clock_t_& into, const clock_t_& from) const noexcept {
    for (std::uint32_t t = 0; t < width_; ++t) into[t] = std::max(into[t], from[t]);
  }

  // e' = events_[a] races with e = events_[b] (a < b): at the decision that chose a, some
  // initial of notdep(a).b must be explored.
  void race(std::uint32_t a, std::uint32_t b) {
    if (events_[a].node == no_node || events_[a].node >= nodes_.size()) return;
    node& at = nodes_[events_[a].node];
    if (at.value) return;
    // v: the events after a that do not happen after it, then b. Its initials: threads whose
    // first event in v has no predecessor in v.
    std::uint32_t initials = 0;
    std::uint32_t seen = 0;  // threads with an event in v so far
    std::vector<std::uint32_t>& v = race_scratch_;
    v.clear();
    for (std::uint32_t k = a + 1; k < b; ++k) {
      if (happens_before(a, k)) continue;
      v.push_back(k);
    }
    v.push_back(b);
    for (std::size_t x = 0; x < v.size(); ++x) {
      const std::uint32_t k = v[x];
      const std::uint32_t t = events_[k].thread;
      if ((seen >> t & 1u) != 0) continue;
      seen |= 1u << t;
      bool first = true;
      for (std::size_t y = 0; y < x && first; ++y) {
        if (k == b ? (events_[b].clock[events_[v[y]].thread] >= events_[v[y]].seq)
                   : happens_before(v[y], k)) {
          first = false;
        }
      }
      if (first) initials |= 1u << t;
    }
    if ((initials & (at.backtrack | at.done)) != 0) return;
    std::uint32_t candidates = initials & at.enabled;
    // No initial can run here. One that waits for a held mutex cannot go first at all (the
    // acquisitions' own race puts it first earlier); one that awaits could only repeat an
    // iteration whose reads are still current, which changes nothing (its release is an edge
    // from the write that ends the await).
    if (candidates == 0) return;
    if (bound_ != unbounded && at.preemptions >= bound_ && at.current_enabled) {
      const std::uint32_t allowed = candidates & (1u << at.current);
      if (allowed != candidates) bounded_ = true;
      candidates = allowed;
      if (candidates == 0) return;
    }
    candidates = within_delay_bound(at, candidates);
    if (candidates == 0) return;
    // Prefer the racing thread itself.
    const std::uint32_t t = events_[b].thread;
    at.backtrack |= (candidates >> t & 1u) != 0 ? 1u << t : 1u << __builtin_ctz(candidates);
  }

  // The deepest decision with something left to explore becomes the end of the next prefix.
  void next_prefix() {
    const std::size_t depth = std::min(pos_, nodes_.size());
    nodes_.resize(depth);
    while (!nodes_.empty()) {
      node& n = nodes_.back();
      if (n.value) {
        if (n.chosen + 1 < n.bound) {
          ++n.chosen;
          // The value changes what the event in progress does: it is the one the last thread
          // decision before this node opened, and the events before it are shared.
          shared_events_ = 0;
          for (std::size_t q = nodes_.size() - 1; q-- > 0;) {
            if (!nodes_[q].value) {
              shared_events_ = nodes_[q].event;
              break;
            }
          }
          return;
        }
        nodes_.pop_back();
        continue;
      }
      const std::uint32_t chosen = static_cast<std::uint32_t>(n.chosen);
      if ((n.done >> chosen & 1u) == 0) {
        n.done |= 1u << chosen;
        if (reduce_ && n.event < events_.size()) {
          const event_rec& e = events_[n.event];
          sleeper s;
          s.thread = chosen;
          s.fp = std::make_shared<const std::vector<fp_entry>>(fps_.begin() + e.fp_begin,
                                                               fps_.begin() + e.fp_end);
          s.objects = n.objects;
          n.explored.push_back(std::move(s));
        }
      }
      std::uint32_t asleep = 0;
      for (const sleeper& s : n.sleep) asleep |= 1u << s.thread;
      const std::uint32_t left = n.backtrack & ~n.done & ~asleep & n.enabled;
      if (left != 0) {
        n.chosen = static_cast<std::uint32_t>(__builtin_ctz(left));
        shared_events_ = n.event;  // the events before the one chosen here are shared
        return;
      }
      nodes_.pop_back();
    }
    complete_ = true;
  }

  bool reduce_;
  std::uint64_t bound_;
  std::uint32_t max_faults_;
  bool await_;
  // Per thread, its operations since its last yield (or its start): whether they only read,
  // and what they read, with the object's version then.
  struct iteration {
    bool pure = true;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> reads;
  };
  std::array<iteration, max_threads> iter_{};
  std::vector<std::uint32_t> versions_;    // per object: writes that changed it so far
  std::vector<std::uint32_t> last_write_;  // per object: the last event that changed it
  std::uint32_t finalized_ = 0;            // events whose effects on the above are counted
  std::uint32_t awaiting_ = 0;             // threads that awaited at the last decision
  std::vector<node> nodes_;
  std::size_t pos_ = 0;
  reuse_vector<event_rec> events_;
  std::vector<std::uint32_t> race_scratch_;  // race()'s v, kept between calls
  std::vector<fp_entry> fps_;
  std::array<std::uint32_t, max_threads> last_of_{};
  std::array<std::uint32_t, max_threads> seq_{};
  std::vector<std::vector<std::uint32_t>> pending_edges_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> held_;  // (mutex, holder)
  std::vector<std::uint64_t> last_choices_;
  static constexpr std::uint32_t touch_kinds = 5;  // touch::read .. touch::lock
  std::uint32_t width_ = max_threads;  // threads of the execution analyse() works on
  // Events the next execution shares with the last one (those before its first new choice).
  std::uint32_t shared_events_ = 0;
  // Per object, per thread, per kind of touch: its latest event this execution (analyse()).
  std::vector<std::array<std::array<std::uint32_t, touch_kinds>, max_threads>> last_touch_;
  std::vector<std::uint32_t> last_lock_;       // per object: its latest event that locked it
  std::vector<std::uint32_t> earlier_scratch_;
  std::string divergence_;
  std::uint32_t faults_ = 0;
  std::uint32_t preemptions_ = 0;
  std::uint64_t delay_bound_;
  std::uint32_t delays_ = 0;
  bool delay_bounded_ = false;  // the delay bound cut some execution short
  std::uint64_t cut_ = 0;
  std::uint64_t executions_ = 0;
  bool complete_ = false;
  bool bounded_ = false;
};

std::vector<strategy_option> search_options() {
  return {{"preemption-bound", search_strategy::unbounded, 0, search_strategy::unbounded,
           "most preemptions per execution (CHESS); the default is no bound"},
          {"delay-bound", search_strategy::unbounded, 0, search_strategy::unbounded,
           "most delays per execution (Emmi et al.): each enabled thread a round-robin "
           "scheduler would have run first costs one; the default is no bound"},
          {"max-faults", 1, 0, 64,
           "most injected faults (spurious wake-ups, weak-CAS failures) per execution; each "
           "fault point is explored both ways until then"},
          {"await", 1, 0, 1,
           "1: a yield after operations that only read, every value read still current, waits "
           "until another thread writes one of them (P::yield's contract: the caller waits on "
           "another thread), so a spin loop is not unrolled; 0: a yield is an ordinary step"}};
}

}  // namespace

namespace detail {

std::vector<strategy_info> search_strategies() {
  std::vector<strategy_info> out;
  out.push_back({"dpor",
                 "exhaustive: every Mazurkiewicz trace once (source sets and sleep sets)",
                 search_options(), true, [](const strategy_params& p) -> std::unique_ptr<strategy> {
                   return std::make_unique<search_strategy>(
                       true, option_value(p, "preemption-bound"),
                       static_cast<std::uint32_t>(option_value(p, "max-faults")),
                       option_value(p, "await") != 0, option_value(p, "delay-bound"));
                 }});
  out.push_back({"dfs", "exhaustive: every interleaving, depth first, no reduction",
                 search_options(), true, [](const strategy_params& p) -> std::unique_ptr<strategy> {
                   return std::make_unique<search_strategy>(
                       false, option_value(p, "preemption-bound"),
                       static_cast<std::uint32_t>(option_value(p, "max-faults")),
                       option_value(p, "await") != 0, option_value(p, "delay-bound"));
                 }});
  return out;
}

}  // namespace detail
}  // namespace weft::sim
