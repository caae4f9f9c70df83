// dpor agrees with dfs: RapidCheck generates small programs (2-3 threads, a few operations
// each over 2-3 atomics, a var and a mutex) and checks that the partial-order-reduced search
// reaches the same set of final states and the same failures as the plain exhaustive one, and
// that it runs no more executions.
#include <weft/sim/explore.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace sim = weft::sim;

enum class op_kind : std::uint8_t {
  load,
  store,
  fetch_add,
  cas,
  cas_weak,
  exchange,
  locked_increment,  // lock m; var += 1; unlock
  locked_read,       // lock m; observe var; unlock
  try_lock_increment,
  yield,
};

struct op {
  op_kind kind = op_kind::load;
  std::uint32_t target = 0;  // which atomic
  std::uint32_t value = 0;
};

struct program {
  std::vector<std::vector<op>> threads;
  std::uint32_t atomics = 2;
};

std::string describe(const program& p) {
  std::ostringstream out;
  const char* names[] = {"load", "store", "fetch_add", "cas", "cas_weak", "exchange",
                         "locked_increment", "locked_read", "try_lock_increment", "yield"};
  for (std::size_t t = 0; t < p.threads.size(); ++t) {
    out << "t" << t << ":";
    for (const op& o : p.threads[t]) {
      out << " " << names[static_cast<int>(o.kind)] << "(a" << o.target << "," << o.value << ")";
    }
    out << "\n";
  }
  return out.str();
}

rc::Gen<op> ops(std::uint32_t atomics) {
  return rc::gen::build<op>(
      rc::gen::set(&op::kind, rc::gen::element(op_kind::load, op_kind::store, op_kind::fetch_add,
                                               op_kind::cas, op_kind::cas_weak, op_kind::exchange,
                                               op_kind::locked_increment, op_kind::locked_read,
                                               op_kind::try_lock_increment, op_kind::yield)),
      rc::gen::set(&op::target, rc::gen::inRange<std::uint32_t>(0, atomics)),
      rc::gen::set(&op::value, rc::gen::inRange<std::uint32_t>(0, 3)));
}

rc::Gen<program> programs() {
  return rc::gen::mapcat(rc::gen::pair(rc::gen::inRange<std::uint32_t>(2, 4),
                                       rc::gen::inRange<std::uint32_t>(2, 4)),
                         [](std::pair<std::uint32_t, std::uint32_t> shape) {
                           const std::uint32_t threads = shape.first;
                           const std::uint32_t atomics = shape.second;
                           // 3 threads get at most 3 operations each, 2 threads at most 4, so
                           // that dfs stays small.
                           const std::size_t most = threads == 3 ? 3 : 4;
                           return rc::gen::map(
                               rc::gen::container<std::vector<std::vector<op>>>(
                                   threads, rc::gen::resize(
                                                static_cast<int>(most),
                                                rc::gen::nonEmpty(rc::gen::container<std::vector<op>>(
                                                    ops(atomics))))),
                               [atomics, most](std::vector<std::vector<op>> ts) {
                                 for (auto& t : ts) {
                                   if (t.size() > most) t.resize(most);
                                 }
                                 return program{std::move(ts), atomics};
                               });
                         });
}

struct outcome {
  std::set<std::string> finals;  // final states of passing executions
  sim::report report;
};

// Runs `p` under an exhaustive strategy; every passing execution adds its final state (the
// atomics, the var, and what each thread observed, in order) to the set.
outcome search(const program& p, const char* strategy, std::uint64_t most = 2'000'000,
               const char* await = "1") {
  outcome out;
  sim::options opts;
  opts.strategy.name = strategy;
  if (std::string(strategy) != "random") opts.strategy.options = {{"await", await}};
  opts.iterations = most;
  opts.seed = 1;
  opts.write_trace = false;
  opts.verify_replay = false;
  opts.scenario = "dpor_vs_dfs";
  out.report = sim::explore(opts, [&p, &out]() {
    std::array<sim::atomic<std::uint32_t>, 3> a{};
    sim::mutex m;
    sim::var<std::uint32_t> v{0};
    std::vector<std::vector<std::uint32_t>> seen(p.threads.size());
    std::vector<sim::thread> threads;
    for (std::size_t t = 0; t < p.threads.size(); ++t) {
      threads.emplace_back([&, t] {
        for (const op& o : p.threads[t]) {
          sim::atomic<std::uint32_t>& x = a[o.target];
          switch (o.kind) {
            case op_kind::load:
              seen[t].push_back(x.load());
              break;
            case op_kind::store:
              x.store(o.value);
              break;
            case op_kind::fetch_add:
              seen[t].push_back(x.fetch_add(1));
              break;
            case op_kind::cas: {
              std::uint32_t expected = o.value;
              seen[t].push_back(x.compare_exchange_strong(expected, o.value + 1) ? 100 : expected);
              break;
            }
            case op_kind::cas_weak: {
              std::uint32_t expected = o.value;
              seen[t].push_back(x.compare_exchange_weak(expected, o.value + 1) ? 100 : expected);
              break;
            }
            case op_kind::exchange:
              seen[t].push_back(x.exchange(o.value));
              break;
            case op_kind::locked_increment: {
              std::scoped_lock l(m);
              v.store(v.load() + 1);
              break;
            }
            case op_kind::locked_read: {
              std::scoped_lock l(m);
              seen[t].push_back(200 + v.load());
              break;
            }
            case op_kind::try_lock_increment:
              if (m.try_lock()) {
                v.store(v.load() + 1);
                m.unlock();
                seen[t].push_back(300);
              } else {
                seen[t].push_back(301);
              }
              break;
            case op_kind::yield:
              sim::yield();
              break;
          }
        }
      });
    }
    for (sim::thread& th : threads) th.join();
    std::string state;
    for (auto& x : a) state += std::to_string(x.load()) + ",";
    state += "v" + std::to_string(v.load()) + ";";
    for (const auto& s : seen) {
      for (const std::uint32_t x : s) state += std::to_string(x) + ",";
      state += "|";
    }
    out.finals.insert(state);
  });
  return out;
}

}  // namespace

RC_GTEST_PROP(DporAgainstDfs, SameFinalStatesAndFailuresAndNoMoreExecutions, ()) {
  const program p = *programs();
  RC_TAG(p.threads.size());
  const outcome dfs = search(p, "dfs");
  const outcome dpor = search(p, "dpor");
  RC_ASSERT(dfs.report.search.complete);
  RC_ASSERT(dpor.report.search.complete);
  RC_ASSERT(dfs.report.failed.kind == dpor.report.failed.kind);
  if (dfs.report.ok()) {
    if (dfs.finals != dpor.finals) {
      RC_FAIL("different final states for\n" + describe(p) + "dfs " +
              std::to_string(dfs.finals.size()) + " dpor " + std::to_string(dpor.finals.size()));
    }
    RC_ASSERT(dpor.report.executions <= dfs.report.executions);
  }
}

// Yields as ordinary steps: dpor agrees with dfs too. And a yield that awaits (the default)
// only skips executions that repeat a spin: every final state it reaches is one the ordinary
// search reaches, the same set when no thread yields, and the same failures.
RC_GTEST_PROP(DporAgainstDfs, AwaitOnlySkipsRepeatsAndYieldsAsStepsAgree, ()) {
  const program p = *programs();
  bool yields = false;
  for (const auto& t : p.threads) {
    for (const op& o : t) yields = yields || o.kind == op_kind::yield;
  }
  RC_TAG(yields);
  const outcome dfs0 = search(p, "dfs", 2'000'000, "0");
  const outcome dpor0 = search(p, "dpor", 2'000'000, "0");
  const outcome dfs1 = search(p, "dfs", 2'000'000, "1");
  RC_ASSERT(dfs0.report.search.complete);
  RC_ASSERT(dpor0.report.search.complete);
  RC_ASSERT(dfs1.report.search.complete);
  RC_ASSERT(dfs0.report.failed.kind == dpor0.report.failed.kind);
  if (dfs0.report.ok()) {
    if (dfs0.finals != dpor0.finals) RC_FAIL("await=0: dpor differs from dfs for\n" + describe(p));
  }
  if (dfs0.report.ok() && dfs1.report.ok()) {
    for (const std::string& f : dfs1.finals) {
      if (dfs0.finals.count(f) == 0) RC_FAIL("await reached a state the plain search does not\n" + describe(p));
    }
    if (!yields && dfs1.finals != dfs0.finals) RC_FAIL("await changed a program without yields\n" + describe(p));
  }
}

// The property has teeth: a search that is not exhaustive (one random execution) misses final
// states that dfs reaches, and the comparison sees it; dpor reaches all of them with fewer
// executions than dfs.
TEST(DporAgainstDfs, TheComparisonCatchesAMissingState) {
  program p;
  p.threads = {{{op_kind::store, 0, 1}, {op_kind::load, 1, 0}},
               {{op_kind::store, 1, 1}, {op_kind::load, 0, 0}}};
  const outcome dfs = search(p, "dfs");
  const outcome dpor = search(p, "dpor");
  const outcome sample = search(p, "random", 1);
  ASSERT_TRUE(dfs.report.ok());
  // Store buffering under sequential consistency: (1,0), (0,1) and (1,1) are all reachable.
  EXPECT_EQ(dfs.finals.size(), 3u);
  EXPECT_EQ(dpor.finals, dfs.finals);
  EXPECT_LT(dpor.report.executions, dfs.report.executions);
  EXPECT_NE(sample.finals, dfs.finals);
}
