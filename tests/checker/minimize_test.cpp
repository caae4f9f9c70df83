// weft::sim::minimize on every bug of the catalogue: the minimal trace still fails the same
// way when replayed, is no larger, and no single preemption can be removed from it.
#include "trace_params.hpp"

#include <weft/checker/catalogue.hpp>
#include <weft/sim/explore.hpp>
#include <weft/sim/minimize.hpp>
#include <weft/sim/platform.hpp>
#include <weft/traces/trace_io.hpp>

#include <weft/sim/gtest.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace {

namespace sim = weft::sim;

sim::report find_bug(const weft::checker::scenario& s, std::uint64_t seed) {
  sim::options o;
  o.scenario = std::string(s.name);
  o.seed = seed;
  o.iterations = 100'000;
  o.write_trace = false;
  return sim::explore(o, s.body);
}

TEST(Minimize, EveryCatalogueBugShrinksAndStillFailsTheSameWay) {
  for (const auto& s : weft::checker::catalogue()) {
    if (!s.buggy) continue;
    // Found only by the fair-cycle check, which sanitizer builds do not have.
    if (s.expected == sim::failure_kind::livelock && !sim::detail::livelock_check_supported) {
      continue;
    }
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      SCOPED_TRACE(std::string(s.name) + " seed " + std::to_string(seed));
      const sim::report found = find_bug(s, seed);
      ASSERT_EQ(found.failed.kind, s.expected);
      const weft::traces::trace original = sim::to_trace(found, {});
      const sim::minimize_result m = sim::minimize(original, s.body);
      EXPECT_TRUE(m.complete);
      EXPECT_EQ(m.before, sim::count_schedule(original));
      EXPECT_EQ(m.after, sim::count_schedule(m.minimal));
      EXPECT_LE(m.after.preemptions, m.before.preemptions);
      EXPECT_LE(m.after.steps, m.before.steps);
      EXPECT_EQ(m.target.kind, found.failed.kind);
      EXPECT_EQ(m.target.file, found.failed.file);
      EXPECT_EQ(m.target.line, found.failed.line);

      // The written form replays to the same failure.
      const weft::traces::trace reread =
          weft::traces::parse(weft::traces::to_text(m.minimal), "minimal");
      const sim::report replayed = sim::replay_trace(reread, s.body);
      EXPECT_TRUE(replayed.reproduced_from_trace) << replayed.failed.message;
      EXPECT_EQ(replayed.failed.kind, found.failed.kind);
      EXPECT_EQ(replayed.failed.file, found.failed.file);
      EXPECT_EQ(replayed.failed.line, found.failed.line);

      // 1-minimal: dropping any one preemption loses the failure or is no smaller.
      const sim::guided_schedule g = sim::schedule_of(m.minimal);
      for (std::size_t i = 0; i < g.switches.size(); ++i) {
        if (!g.switches[i].preemptive) continue;
        sim::guided_schedule fewer = g;
        fewer.switches.erase(fewer.switches.begin() + static_cast<std::ptrdiff_t>(i));
        sim::guided_strategy strat(fewer);
        sim::runtime rt;
        const sim::failure f = rt.run(strat, 0, s.body, true);
        const bool same = f.kind == m.target.kind && f.file == m.target.file &&
                          f.line == m.target.line;
        EXPECT_FALSE(same && sim::count_schedule(rt.steps()).preemptions < m.after.preemptions)
            << "preemption " << i << " could still be removed";
      }
    }
  }
}

// A hand-made schedule with gratuitous preemptions: two threads that only yield, and one that
// fails when it runs. Every preemption is removable, so the minimum has none.
TEST(Minimize, RemovesEveryNeedlessPreemption) {
  const std::function<void()> body = [] {
    sim::thread a("a", [] {
      for (int i = 0; i < 6; ++i) sim::yield();
    });
    sim::thread b("b", [] {
      for (int i = 0; i < 6; ++i) sim::yield();
      sim::check(false, "b ran to its end");
    });
    a.join();
    b.join();
  };
  sim::options o;
  o.seed = 7;
  o.write_trace = false;
  const sim::report found = sim::explore(o, body);
  ASSERT_EQ(found.failed.kind, sim::failure_kind::assertion);
  const weft::traces::trace original = sim::to_trace(found, {});
  ASSERT_GT(sim::count_schedule(original).preemptions, 2u);
  const sim::minimize_result m = sim::minimize(original, body);
  EXPECT_LT(m.after.preemptions, m.before.preemptions);
  EXPECT_LE(m.after.preemptions, 1u);
  EXPECT_TRUE(sim::replay_trace(m.minimal, body).reproduced_from_trace);
}

TEST(Minimize, RefusesATraceWithoutFailure) {
  weft::traces::trace t;
  t.scenario = "x";
  t.threads.push_back({0, "main"});
  EXPECT_THROW(sim::minimize(t, [] {}), std::invalid_argument);
}

// A trace's parameters are checked as replay_trace checks them, before anything runs.
TEST(Minimize, RefusesATraceWhoseParametersAreOutOfRange) {
  const weft::checker::scenario* s = weft::checker::find_scenario("lost-update");
  ASSERT_NE(s, nullptr);
  const sim::report found = find_bug(*s, 1);
  ASSERT_FALSE(found.ok());
  const weft::traces::trace t = sim::to_trace(found, {});
  const auto refusal = [&](const std::string& key, const std::string& value) -> std::string {
    const weft::traces::trace bad = weft::testing::with_trace_param(t, key, value);
    std::string validated = "valid";
    try {
      sim::validate_trace_params(bad);
    } catch (const std::invalid_argument& e) {
      validated = e.what();
    }
    try {
      (void)sim::minimize(bad, s->body);
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(validated, e.what()) << key << " " << value;
      return e.what();
    }
    EXPECT_EQ(validated, "valid") << key << " " << value;
    return "minimized";
  };
  EXPECT_EQ(refusal("fault-per-mille", "5000"),
            "trace parameter fault-per-mille is 5000, out of range (0 to 1000)");
  EXPECT_EQ(refusal("steps-max", "0"), "trace parameter steps-max is 0, out of range (1 to 1073741824)");
  EXPECT_EQ(refusal("steps-max", "1073741825"),
            "trace parameter steps-max is 1073741825, out of range (1 to 1073741824)");
  EXPECT_EQ(refusal("depth", "65"), "trace parameter depth is 65, out of range (1 to 64)");
  EXPECT_EQ(refusal("seed", "0x"),
            "trace parameter seed: \"0x\" is not a number (decimal or 0x-hex, at most 64 bits)");
  EXPECT_EQ(refusal("fault-per-mille", "1000"), "minimized");
}

void check_the_needless_preemptions() {
  weft::sim::testing::check([] {
    sim::thread a("a", [] {
      for (int i = 0; i < 6; ++i) sim::yield();
    });
    sim::thread b("b", [] {
      for (int i = 0; i < 6; ++i) sim::yield();
      sim::check(false, "b ran to its end");
    });
    a.join();
    b.join();
  });
}

// check() minimises a failure and reports both traces; the minimal one is on disk.
TEST(Minimize, GoogleTestHelperReportsTheMinimalTrace) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "weft-gtest-minimize";
  std::filesystem::remove_all(dir);
  ::setenv("WEFT_TRACE_DIR", dir.c_str(), 1);
  ::setenv("WEFT_SEED", "7", 1);
  EXPECT_NONFATAL_FAILURE(check_the_needless_preemptions(), ".min.wtrace");
  ::unsetenv("WEFT_TRACE_DIR");
  ::unsetenv("WEFT_SEED");
  std::size_t minimal = 0;
  std::size_t all = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    ++all;
    if (e.path().string().find(".min.wtrace") != std::string::npos) ++minimal;
  }
  EXPECT_EQ(all, 2u);
  EXPECT_EQ(minimal, 1u);
}

}  // namespace
